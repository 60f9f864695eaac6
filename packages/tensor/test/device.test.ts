// Devices: names, what this machine has (cudaAvailable, deviceCount, the native status line), the
// errors for a CUDA device without a GPU and for ops mixing devices, and Tensor's device bookkeeping
// (to, cpu, clone, detach, item, gradients through .to) over a simulated device memory (no CUDA runs).
import {
  Tensor,
  add,
  conv3d,
  conv3dBatchNormReluInfer,
  cudaAvailable,
  cudaStatus,
  deviceCount,
  mul,
  native,
  parseDevice,
  relu,
  requireDevice,
  reshape,
  sum,
} from '../src';
import { installSimulatedDevice } from '../../../test/helpers/simulated_device';

describe('device names', () => {
  it.each([
    ['cpu', 'cpu'],
    ['cuda', 'cuda:0'],
    ['cuda:0', 'cuda:0'],
    ['cuda:3', 'cuda:3'],
  ])('parses %s as %s', (given, canonical) => {
    expect(parseDevice(given)).toBe(canonical);
  });

  it.each(['gpu', 'cuda:', 'cuda:-1', 'cuda:x', 'CPU', '', 0, null])('refuses %p, naming it', (bad) => {
    expect(() => parseDevice(bad, 'Tensor.to')).toThrow(
      /Tensor\.to: unknown device .*expected 'cpu', 'cuda' or 'cuda:N'/,
    );
  });
});

describe('this machine', () => {
  it('reports CUDA consistently through the native runtime', () => {
    const status = cudaStatus();
    expect(typeof status).toBe('string');
    expect(deviceCount()).toBe(native.cudaDeviceCount());
    expect(cudaAvailable()).toBe(deviceCount() > 0);
    expect(status.startsWith('no CUDA device: ')).toBe(!cudaAvailable());
    if (!cudaAvailable()) console.log(`CUDA not available here: ${status}`);
  });

  it('refuses a CUDA tensor without a GPU, naming the device and the reason', () => {
    if (cudaAvailable()) return; // the GPU suite checks the other side
    const reason = cudaStatus().replace(/[()]/g, '\\$&');
    expect(() => Tensor.zeros([2, 3], { device: 'cuda' })).toThrow(
      new RegExp(`^Tensor: device cuda:0 is not available: ${reason}`),
    );
    expect(() => Tensor.from([1, 2], [2]).to('cuda:1')).toThrow(
      /Tensor\.to: device cuda:1 is not available: no CUDA device/,
    );
    expect(() => requireDevice('cuda', 'train')).toThrow(/^train: device cuda:0 is not available/);
    expect(() => native.toDevice(new Float32Array(4), 0)).toThrow(/^toDevice: cuda:0 is not available: no CUDA device/);
    expect(() => native.toHost({})).toThrow(/^toHost: handle must be a device tensor handle/);
    expect(native.deviceAllocatorStats().deviceMallocs).toBe(0);
  });

  it('keeps CPU tensors on the CPU', () => {
    const x = Tensor.from([1, -2, 3], [3], { device: 'cpu' });
    expect(x.device).toBe('cpu');
    expect(x.isCuda).toBe(false);
    expect(x.to('cpu')).toBe(x);
    expect(x.cpu()).toBe(x);
    expect(Array.from(relu(x).data)).toEqual([1, 0, 3]);
  });
});

describe('Tensor.set_', () => {
  it('points a CPU tensor at new storage in place, keeping the object, and checks the element count', () => {
    const t = new Tensor(Float32Array.from([1, 2, 3, 4]), [2, 2]);
    const storage = Float32Array.from([5, 6, 7, 8]);
    expect(t.set_(storage)).toBe(t);
    expect(t.data).toBe(storage);
    expect(() => t.set_(new Float32Array(3))).toThrow(/Tensor.set_: 3 elements do not fill shape \[2, 2\] \(needs 4\)/);
  });
});

describe('tensor bookkeeping over a simulated device memory', () => {
  let sim: ReturnType<typeof installSimulatedDevice>;
  beforeEach(() => (sim = installSimulatedDevice(1)));
  afterEach(() => sim.uninstall());

  it('round-trips values through .to("cuda") and .cpu(), and hides device elements from .data', () => {
    const x = Tensor.from([1.5, -2, 3.25, 0], [2, 2]);
    const d = x.to('cuda');
    expect(d).not.toBe(x);
    expect(d.device).toBe('cuda:0');
    expect(d.isCuda).toBe(true);
    expect(d.shape).toEqual([2, 2]);
    expect(d.size).toBe(4);
    expect(d.to('cuda:0')).toBe(d);
    expect(() => d.data).toThrow(/Tensor\.data: the tensor of shape \[2, 2\] is on cuda:0; call \.cpu\(\)/);
    const back = d.cpu();
    expect(back.device).toBe('cpu');
    expect(Array.from(back.data)).toEqual([1.5, -2, 3.25, 0]);
    expect(Array.from(d.toFloat32Array())).toEqual([1.5, -2, 3.25, 0]);
    expect(sim.counters.uploads).toBe(1);
    expect(String(d)).toContain('device=cuda:0');
  });

  it('creates on the device from the options, as zeros/full/from do on the CPU', () => {
    const z = Tensor.full([3], 7, { device: 'cuda', requiresGrad: true });
    expect(z.device).toBe('cuda:0');
    expect(z.requiresGrad).toBe(true);
    expect(Array.from(z.cpu().data)).toEqual([7, 7, 7]);
    expect(Tensor.from([4], [], { device: 'cuda' }).item()).toBe(4);
    expect(() => Tensor.zeros([1], { device: 'cuda:1' })).toThrow(
      /Tensor: device cuda:1 does not exist: 1 CUDA device/,
    );
  });

  it('clones on the device (independent copies) and shares elements on detach and reshape', () => {
    const d = Tensor.from([1, 2, 3, 4], [4]).to('cuda');
    const c = d.clone();
    expect(c.device).toBe('cuda:0');
    expect(sim.counters.copies).toBe(1);
    const r = reshape(d, [2, 2]);
    expect(r.device).toBe('cuda:0');
    expect(r.shape).toEqual([2, 2]);
    expect(Array.from(r.cpu().data)).toEqual([1, 2, 3, 4]);
    expect(d.detach().device).toBe('cuda:0');
    expect(Array.from(d.clone({ device: 'cpu' }).data)).toEqual([1, 2, 3, 4]);
  });

  it('sends gradients back through .to to the source device', () => {
    const x = Tensor.from([1, -2, 3], [3], { requiresGrad: true });
    const y = x.to('cuda').cpu(); // there and back: both copies are on the graph
    expect(y.requiresGrad).toBe(true);
    sum(mul(y, y)).backward();
    expect(x.grad!.device).toBe('cpu');
    expect(Array.from(x.grad!.data)).toEqual([2, -4, 6]);
  });

  it('copies in place across devices (copy_) and moves in place (moveTo_)', () => {
    const d = Tensor.zeros([3], { device: 'cuda' });
    d.copy_(Tensor.from([1, 2, 3], [3]));
    expect(Array.from(d.cpu().data)).toEqual([1, 2, 3]);
    const h = Tensor.zeros([3]);
    h.copy_(d);
    expect(Array.from(h.data)).toEqual([1, 2, 3]);
    expect(() => h.copy_(Tensor.zeros([4]))).toThrow(/Tensor\.copy_: source of shape \[4\] does not fill \[3\] on cpu/);
    const p = Tensor.from([5, 6], [2], { requiresGrad: true });
    p.grad = Tensor.from([0.5, 0.25], [2]);
    expect(p.moveTo_('cuda')).toBe(p);
    expect(p.device).toBe('cuda:0');
    expect(p.grad.device).toBe('cuda:0');
    p.moveTo_('cpu');
    expect(Array.from(p.data)).toEqual([5, 6]);
    expect(Array.from(p.grad!.data)).toEqual([0.5, 0.25]);
    expect(sim.counters.live).toBe(1); // d only: p's device copy was freed when it moved back
  });

  it('keeps device memory that a view still holds when the tensor it came from moves away', () => {
    const p = Tensor.from([1, 2, 3, 4], [4]).to('cuda');
    const view = reshape(p, [2, 2]);
    p.moveTo_('cpu');
    expect(sim.counters.frees).toBe(0); // the view still holds it
    expect(Array.from(view.cpu().data)).toEqual([1, 2, 3, 4]);
    const q = Tensor.zeros([2], { device: 'cuda' });
    q.moveTo_('cpu');
    expect(sim.counters.frees).toBe(1); // q was its memory's only holder
  });

  it('refuses ops mixing devices, naming the op and both devices', () => {
    const a = Tensor.from([1, 2], [2]);
    const b = Tensor.from([3, 4], [2]).to('cuda');
    expect(() => add(a, b)).toThrow('add: expected all tensors on one device, but a is on cpu and b is on cuda:0');
    const x = Tensor.zeros([1, 1, 3, 3, 3]);
    const w = Tensor.zeros([1, 1, 3, 3, 3], { device: 'cuda' });
    expect(() => conv3d(x, w)).toThrow(
      'conv3d: expected all tensors on one device, but input is on cpu and weight is on cuda:0',
    );
    const bn = { runningMean: Tensor.zeros([1]), runningVar: Tensor.ones([1]), weight: null, bias: null, eps: 1e-5 };
    expect(() => conv3dBatchNormReluInfer(x, w, null, bn)).toThrow(
      'conv3dBatchNormReluInfer: expected all tensors on one device, but input is on cpu and weight is on cuda:0',
    );
  });

  it('says that ops on CUDA tensors do not run yet, naming the op and the device', () => {
    const b = Tensor.from([3, -4], [2]).to('cuda');
    expect(() => relu(b)).toThrow(
      /^relu: the inputs are on cuda:0, but ops cannot yet run CUDA kernels from TypeScript/,
    );
  });
});
