// Models across devices: model.to moves every parameter and buffer in place (optimizers keep their
// references), a checkpoint saved from device tensors holds host copies and loads on a CPU-only
// process, loading a CPU state dict into a device model, and the errors: no GPU, ops and optimizer
// steps on device tensors. Device memory is simulated here (no CUDA runs); model.to without a GPU is real.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Generator, Tensor, cudaAvailable, cudaStatus, crossEntropy, randn } from '@nodulab/tensor';
import { NoduleNet3D, SGD, loadCheckpoint, saveCheckpoint } from '../src';
import { installSimulatedDevice } from '../../../test/helpers/simulated_device';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-device-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const tiny = (): NoduleNet3D => new NoduleNet3D({ seed: 3, widthMultiplier: 0.25, projectionHead: true });
const values = (m: NoduleNet3D): Record<string, number[]> =>
  Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, Array.from(t.toFloat32Array())]));

describe('model.to without a GPU', () => {
  it('throws naming the model, the device and the reason, and moves nothing', () => {
    if (cudaAvailable()) return;
    const m = tiny();
    expect(() => m.to('cuda')).toThrow(`NoduleNet3D.to: device cuda:0 is not available: ${cudaStatus()}`);
    expect(m.parameters().every((p) => p.device === 'cpu')).toBe(true);
  });
});

describe('model.to over a simulated device memory', () => {
  let sim: ReturnType<typeof installSimulatedDevice>;
  beforeEach(() => (sim = installSimulatedDevice(1)));
  afterEach(() => sim.uninstall());

  it('moves parameters and buffers in place and back, values unchanged', () => {
    const m = tiny();
    const before = values(m);
    const params = m.parameters();
    expect(m.to('cuda')).toBe(m);
    expect(m.parameters()).toEqual(params); // the same objects
    expect([...m.parameters(), ...m.buffers()].every((t) => t.device === 'cuda:0')).toBe(true);
    expect(sim.counters.uploads).toBe(params.length + m.buffers().length);
    m.cpu();
    expect([...m.parameters(), ...m.buffers()].every((t) => t.device === 'cpu')).toBe(true);
    expect(values(m)).toEqual(before);
    expect(sim.counters.live).toBe(0); // every device copy was freed on the way back
  });

  it('saves a checkpoint from device tensors that a CPU-only process loads bit for bit', () => {
    const source = tiny();
    const expected = values(source);
    source.to('cuda');
    const file = path.join(dir, 'from-device.safetensors');
    saveCheckpoint(source, file, { metadata: { note: 'device' } });
    sim.uninstall(); // from here on: the real (native) device memory, as on a CPU-only machine
    const target = new NoduleNet3D({ seed: 99, widthMultiplier: 0.25, projectionHead: true });
    loadCheckpoint(target, file);
    expect(target.parameters().every((p) => p.device === 'cpu')).toBe(true);
    expect(values(target)).toEqual(expected);
    const reference = path.join(dir, 'from-cpu.safetensors');
    saveCheckpoint(tiny(), reference, { metadata: { note: 'device' } });
    expect(fs.readFileSync(file).equals(fs.readFileSync(reference))).toBe(true);
  });

  it('loads a CPU checkpoint into a device model (copies onto its device)', () => {
    const file = path.join(dir, 'cpu.safetensors');
    saveCheckpoint(tiny(), file);
    const m = new NoduleNet3D({ seed: 7, widthMultiplier: 0.25, projectionHead: true }).to('cuda');
    loadCheckpoint(m, file);
    expect(m.parameters().every((p) => p.device === 'cuda:0')).toBe(true);
    expect(values(m.cpu())).toEqual(values(tiny()));
  });

  it('refuses a forward pass mixing a device model and a CPU batch, naming the op and both devices', () => {
    const m = tiny().to('cuda');
    const x = randn([2, 1, 8, 8, 8], new Generator(1));
    expect(() => m.forward(x)).toThrow(
      /conv3d: expected all tensors on one device, but input is on cpu and weight is on cuda:0/,
    );
    expect(() => m.forward(x.to('cuda'))).toThrow(
      /^conv3d: the inputs are on cuda:0, but ops cannot yet run CUDA kernels/,
    );
  });

  it('keeps an optimizer made before model.to pointing at the moved parameters', () => {
    const m = tiny();
    const opt = new SGD(m.parameters(), { lr: 0.1, momentum: 0.9 });
    const x = randn([2, 1, 8, 8, 8], new Generator(1));
    crossEntropy(m.forward(x), [0, 1]).backward();
    m.to('cuda');
    expect(m.parameters().every((p) => p.grad === null || p.grad.device === 'cuda:0')).toBe(true);
    expect(() => opt.step()).toThrow(/^SGD\.step: the inputs are on cuda:0/);
    m.cpu();
    expect(() => opt.step()).not.toThrow();
    expect(Object.keys(opt.stateDict().state).length).toBeGreaterThan(0);
  });

  it('refuses a step whose parameter and gradient are on different devices', () => {
    const p = new Tensor(new Float32Array([1, 2]), [2], { requiresGrad: true });
    const opt = new SGD([p], { lr: 0.1 });
    p.grad = Tensor.from([1, 1], [2], { device: 'cuda' });
    expect(() => opt.step()).toThrow(
      'SGD.step: expected all tensors on one device, but a parameter is on cpu and its gradient is on cuda:0',
    );
  });
});
