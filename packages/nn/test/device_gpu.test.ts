// GPU suite (runs only where cudaAvailable(); otherwise every test is skipped with the reason printed):
// native device handles, tensors and models moved to the GPU and back, a checkpoint saved from GPU
// tensors loaded on the CPU, and short NoduleNet3D trainings with CE, SupCon and SimCLR on cuda:0
// that must match the same run on the CPU within float tolerance and repeat bit for bit on the GPU.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  Generator,
  Tensor,
  crossEntropy,
  cudaAvailable,
  cudaStatus,
  native,
  ntXentLoss,
  randn,
  setNumThreads,
  supConLoss,
} from '@nodulab/tensor';
import { NoduleNet3D, SGD, loadCheckpoint, saveCheckpoint } from '../src';

const gpu = cudaAvailable();
const gpuIt = gpu ? it : it.skip;
jest.setTimeout(300_000);

// Printed when the file loads, so the reason shows even when every test is skipped.
console.log(gpu ? `GPU suite on ${cudaStatus()}` : `GPU suite skipped: ${cudaStatus()}`);

type Loss = 'ce' | 'supcon' | 'simclr';

/** Trains a small NoduleNet3D for `steps` SGD steps on `device`; returns the final host weights and the losses. */
function trainSteps(loss: Loss, device: 'cpu' | 'cuda', steps = 4): { weights: Float32Array[]; losses: number[] } {
  setNumThreads(2);
  const model = new NoduleNet3D({ seed: 5, widthMultiplier: 0.5, projectionHead: loss !== 'ce' }).to(device);
  const opt = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const data = new Generator(11);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const x = randn([8, 1, 16, 16, 16], data).to(device);
    const labels = [0, 1, 0, 1, 0, 1, 0, 1];
    opt.zeroGrad();
    let l: Tensor;
    if (loss === 'ce') l = crossEntropy(model.forward(x), labels);
    else if (loss === 'supcon') l = supConLoss(model.project(x), labels);
    else l = ntXentLoss(model.project(x), model.project(randn([8, 1, 16, 16, 16], data).to(device)));
    l.backward();
    opt.step();
    losses.push(l.item());
  }
  return { weights: model.parameters().map((p) => p.toFloat32Array()), losses };
}

describe('GPU: device memory', () => {
  gpuIt('copies to the device and back exactly, and refuses a freed handle', () => {
    const x = randn([3, 5, 7], new Generator(2)).data;
    const h = native.toDevice(x, 0);
    expect(native.toHost(h)).toEqual(x);
    expect(native.toHost(native.copyDevice(h))).toEqual(x);
    expect(native.deviceAllocatorStats().bytesInUse).toBeGreaterThan(0);
    native.freeDevice(h);
    expect(() => native.toHost(h)).toThrow(/toHost: the device tensor was already freed/);
  });

  gpuIt('saves a checkpoint from GPU tensors that loads on the CPU bit for bit', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-gpu-'));
    try {
      const m = new NoduleNet3D({ seed: 1, widthMultiplier: 0.25 });
      const expected = m.parameters().map((p) => p.toFloat32Array());
      m.to('cuda');
      expect(m.parameters().every((p) => p.device === 'cuda:0')).toBe(true);
      saveCheckpoint(m, path.join(dir, 'gpu.safetensors'));
      const cpu = new NoduleNet3D({ seed: 2, widthMultiplier: 0.25 });
      loadCheckpoint(cpu, path.join(dir, 'gpu.safetensors'));
      expect(cpu.parameters().map((p) => p.toFloat32Array())).toEqual(expected);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each<Loss>(['ce', 'supcon', 'simclr'])('GPU: NoduleNet3D training with %s', (loss) => {
  gpuIt('matches the CPU run within float tolerance, and repeats bit for bit on the GPU', () => {
    const cpu = trainSteps(loss, 'cpu');
    const a = trainSteps(loss, 'cuda');
    const b = trainSteps(loss, 'cuda');
    console.log(
      `${loss}: cpu losses ${cpu.losses.map((v) => v.toFixed(5))}, cuda ${a.losses.map((v) => v.toFixed(5))}`,
    );
    a.losses.forEach((v, i) =>
      expect(Math.abs(v - cpu.losses[i])).toBeLessThan(1e-3 * Math.max(1, Math.abs(cpu.losses[i]))),
    );
    a.weights.forEach((w, k) => {
      let worst = 0;
      for (let i = 0; i < w.length; i++)
        worst = Math.max(worst, Math.abs(w[i] - cpu.weights[k][i]) / (1e-3 + Math.abs(cpu.weights[k][i])));
      expect(worst).toBeLessThan(1e-2);
    });
    expect(b.weights).toEqual(a.weights); // same seed, same device: bit-identical
    expect(b.losses).toEqual(a.losses);
  });
});
