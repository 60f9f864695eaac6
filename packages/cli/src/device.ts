// --device for train, study and evaluate: 'cpu' (default), 'cuda' or 'cuda:N'. A bad name is a usage
// error (exit 2); a CUDA device on a machine without one fails (exit 1) naming the device and the reason.
import { Device, parseDevice, requireDevice } from '@nodulab/tensor';
import { UsageError } from './args';

/** The --device option spec shared by the commands that train or run models. */
export const DEVICE_OPTION = {
  type: 'string',
  description: 'device: cpu (default), cuda or cuda:N (a GPU needs the addon built with CUDA and a driver)',
} as const;

/**
 * The device --device names, checked before any work starts. Today every op runs on
 * the CPU kernels (the CUDA kernels are not reachable from TypeScript yet), so a CUDA device that is
 * present is refused too, saying so, rather than running on the CPU under a CUDA label.
 */
export function selectDevice(value: unknown): Device {
  if (value === undefined) return 'cpu';
  let device: Device;
  try {
    device = parseDevice(value, `--device`);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (device === 'cpu') return device;
  requireDevice(device, `--device ${String(value)}`);
  throw new Error(
    `--device ${String(value)}: ${device} is present, but training and evaluation on CUDA ` +
      `are not wired yet (the native bindings take host arrays; see native/CUDA.md); use --device cpu`,
  );
}
