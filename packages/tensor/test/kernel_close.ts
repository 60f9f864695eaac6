// Test helper: compares a fast kernel's output with the reference's under the "kernels" tolerances of
// native/test/tolerances.json (default plus per-kernel overrides); NaN must match NaN.
import { TOLERANCES } from './tolerances';
const tolerances = TOLERANCES;

/** atol / rtol for kernel `name` (e.g. 'MaxPool3D') in section "kernels". */
export function kernelTolerance(name: string): { atol: number; rtol: number } {
  return { ...tolerances.kernels.default, ...(tolerances.kernels[name] ?? {}) };
}

/** Throws naming the first element where |got - want| > atol + rtol * |want| for kernel `name`. */
export function expectClose(name: string, got: Float32Array, want: Float32Array): void {
  const { atol, rtol } = kernelTolerance(name);
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const ok =
      (Number.isNaN(want[i]) && Number.isNaN(got[i])) || Math.abs(got[i] - want[i]) <= atol + rtol * Math.abs(want[i]);
    if (!ok) throw new Error(`${name}: element ${i} got ${got[i]} want ${want[i]}`);
  }
}
