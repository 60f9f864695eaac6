// The one place that loads nodulab's native addon (@nodulab/native), typed by that package's index.d.ts:
// the kernels' signatures live there, beside the binary they describe.
import native from '@nodulab/native';

export type { Backend, NativeBinding, Shape5, Triple } from '@nodulab/native';
export { native };

/** Sets how many threads nodulab's kernels use (same seed + same thread count = same results). */
export function setNumThreads(n: number): void {
  native.setNumThreads(n);
}

/** The number of threads nodulab's kernels use. */
export function getNumThreads(): number {
  return native.getNumThreads();
}
