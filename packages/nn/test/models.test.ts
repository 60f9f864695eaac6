// Models: output shapes, PyTorch-style keys, seeded construction, checkpoint round trips,
// bit-identical training for a seed and thread count, and overfitting a tiny data set.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Generator, Tensor, randn, crossEntropy, getNumThreads, setNumThreads } from '@nodulab/tensor';
import { Module, NoduleNet3D, ResNet3D, UNet3D, SGD, Adam, saveCheckpoint, loadCheckpoint } from '../src';

type Model = Module & { embed(x: Tensor): Tensor; project?(x: Tensor): Tensor };

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-models-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const cases: [string, () => Model, number[], number[], number[], number[] | null][] = [
  // name, build, input shape, forward shape, embed shape, project shape
  ['NoduleNet3D default', () => new NoduleNet3D({ seed: 1 }), [2, 1, 12, 12, 12], [2, 2], [2, 64], null],
  [
    'NoduleNet3D odd size, 2 channels, 3 classes, head',
    () => new NoduleNet3D({ seed: 1, inChannels: 2, numClasses: 3, widthMultiplier: 0.5, projectionHead: true }),
    [1, 2, 9, 7, 5],
    [1, 3],
    [1, 32],
    [1, 128],
  ],
  [
    'ResNet3D-10',
    () => new ResNet3D({ seed: 1, widths: [4, 8, 8, 16], projectionHead: true, projectionDim: 32 }),
    [2, 1, 8, 8, 8],
    [2, 2],
    [2, 16],
    [2, 32],
  ],
  ['UNet3D 2 levels', () => new UNet3D({ seed: 1, baseChannels: 4 }), [2, 1, 8, 8, 4], [2, 2, 8, 8, 4], [2, 16], null],
  [
    'UNet3D 3 levels, 3 classes',
    () => new UNet3D({ seed: 1, baseChannels: 2, levels: 3, numClasses: 3 }),
    [2, 1, 8, 8, 8],
    [2, 3, 8, 8, 8],
    [2, 16],
    null,
  ],
];

describe('model shapes', () => {
  it.each(cases)('%s', (_name, build, input, out, emb, proj) => {
    const model = build();
    const x = randn(input, new Generator(2));
    expect(model.forward(x).shape).toEqual(out);
    expect(model.embed(x).shape).toEqual(emb);
    if (proj) expect(model.project!(x).shape).toEqual(proj);
  });

  it('explains unsupported inputs', () => {
    expect(() => new UNet3D({ levels: 2 }).forward(Tensor.zeros([1, 1, 8, 6, 8]))).toThrow(
      /UNet3D: input D, H, W \(8, 6, 8\) must each be divisible by 2\^levels = 4/,
    );
    expect(() => new NoduleNet3D().forward(Tensor.zeros([1, 2, 8, 8, 8]))).toThrow(
      /NoduleNet3D: expected input \(N, 1, D, H, W\), got shape \[1, 2, 8, 8, 8\]/,
    );
    expect(() => new NoduleNet3D().forward(Tensor.zeros([1, 1, 8, 3, 8]))).toThrow(/D, H, W >= 4/);
    expect(() => new NoduleNet3D().project(Tensor.zeros([1, 1, 8, 8, 8]))).toThrow(/projectionHead: true/);
  });
});

describe('model construction', () => {
  it('uses PyTorch-style state-dict keys', () => {
    const keys = Object.keys(new NoduleNet3D({ projectionHead: true }).stateDict());
    expect(keys.slice(0, 6)).toEqual([
      'features.0.weight',
      'features.1.weight',
      'features.1.bias',
      'features.1.running_mean',
      'features.1.running_var',
      'features.1.num_batches_tracked',
    ]);
    expect(keys).toEqual(
      expect.arrayContaining([
        'features.4.weight',
        'features.8.weight',
        'classifier.weight',
        'classifier.bias',
        'projector.net.0.weight',
        'projector.net.2.bias',
      ]),
    );
    expect(Object.keys(new ResNet3D().stateDict())).toEqual(
      expect.arrayContaining([
        'stem.0.weight',
        'layer1.0.conv1.weight',
        'layer2.0.downsample.0.weight',
        'layer4.0.bn2.running_var',
        'fc.weight',
      ]),
    );
    expect(Object.keys(new UNet3D().stateDict())).toEqual(
      expect.arrayContaining([
        'encoders.0.0.weight',
        'bottleneck.3.weight',
        'upsamplers.1.weight',
        'decoders.0.4.running_mean',
        'head.weight',
      ]),
    );
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const a = new NoduleNet3D({ seed: 5 }).stateDict();
    const b = new NoduleNet3D({ generator: new Generator(5) }).stateDict();
    const c = new NoduleNet3D({ seed: 6 }).stateDict();
    for (const k of Object.keys(a)) expect(b[k].data).toEqual(a[k].data);
    expect(c['features.0.weight'].data).not.toEqual(a['features.0.weight'].data);
  });
});

describe('checkpoints', () => {
  it.each(cases.map((c) => [c[0], c[1], c[2]] as const))(
    '%s: save -> load gives identical outputs',
    (name, build, input) => {
      const model = build();
      const x = randn([...input], new Generator(3));
      model.forward(x); // one training-mode pass moves the BatchNorm running statistics
      model.eval();
      const expected = model.forward(x).data;
      const file = path.join(dir, `${name.replace(/\W+/g, '_')}.safetensors`);
      saveCheckpoint(model, file, { metadata: { model: name } });
      const fresh = build();
      fresh.eval();
      expect(fresh.forward(x).data).not.toEqual(expected);
      expect(loadCheckpoint(fresh, file)).toEqual({ model: name });
      expect(fresh.forward(x).data).toEqual(expected);
    },
  );

  it('refuses a checkpoint of another architecture, naming the file and keys', () => {
    const file = path.join(dir, 'wide.safetensors');
    saveCheckpoint(new NoduleNet3D({ widthMultiplier: 2 }), file);
    expect(() => loadCheckpoint(new NoduleNet3D(), file)).toThrow(
      new RegExp(
        `loadCheckpoint\\(${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\).*shape mismatch for "features.0.weight": checkpoint has \\[32, 1, 3, 3, 3\\], model has \\[16, 1, 3, 3, 3\\]`,
      ),
    );
  });
});

/** Eight random 8^3 volumes with random binary labels. */
function tinyData(seed: number): { x: Tensor; y: number[] } {
  const g = new Generator(seed);
  return { x: randn([8, 1, 8, 8, 8], g), y: Array.from({ length: 8 }, () => g.randint(2)) };
}

function ce(logits: Tensor, labels: number[]): Tensor {
  return crossEntropy(logits, Int32Array.from(labels));
}

describe('training', () => {
  it('is bit-identical for the same seed and thread count, and resumes from a checkpoint exactly', () => {
    const { x, y } = tinyData(11);
    const train = (model: NoduleNet3D, opt: SGD, steps: number) => {
      for (let s = 0; s < steps; s++) {
        opt.zeroGrad();
        ce(model.forward(x), y).backward();
        opt.step();
      }
    };
    const threads = getNumThreads();
    try {
      setNumThreads(2);
      const runs = [0, 1].map(() => {
        const model = new NoduleNet3D({ seed: 7, widthMultiplier: 0.5 });
        train(model, new SGD(model.parameters(), { lr: 0.05, momentum: 0.9, weightDecay: 1e-4 }), 4);
        return model.stateDict();
      });
      for (const k of Object.keys(runs[0])) expect(runs[1][k].data).toEqual(runs[0][k].data);
      expect(runs[0]['features.0.weight'].data).not.toEqual(
        new NoduleNet3D({ seed: 7, widthMultiplier: 0.5 }).stateDict()['features.0.weight'].data,
      );

      // 2 steps, checkpoint (model + optimizer), 2 more steps in a fresh process-like setup.
      const first = new NoduleNet3D({ seed: 7, widthMultiplier: 0.5 });
      const opt1 = new SGD(first.parameters(), { lr: 0.05, momentum: 0.9, weightDecay: 1e-4 });
      train(first, opt1, 2);
      const file = path.join(dir, 'resume.safetensors');
      saveCheckpoint(first, file, { optimizer: opt1 });
      const second = new NoduleNet3D({ seed: 99, widthMultiplier: 0.5 });
      const opt2 = new SGD(second.parameters(), { lr: 0.05, momentum: 0.9, weightDecay: 1e-4 });
      loadCheckpoint(second, file, { optimizer: opt2 });
      train(second, opt2, 2);
      const resumed = second.stateDict();
      for (const k of Object.keys(runs[0])) expect(resumed[k].data).toEqual(runs[0][k].data);
    } finally {
      setNumThreads(threads);
    }
  });

  it('overfits 8 random volumes with random labels', () => {
    const { x, y } = tinyData(21);
    const model = new NoduleNet3D({ seed: 3, widthMultiplier: 0.5 });
    const opt = new Adam(model.parameters(), { lr: 0.01 });
    const first = ce(model.forward(x), y).item();
    let loss = first;
    for (let s = 0; s < 150 && loss > 0.005; s++) {
      opt.zeroGrad();
      const l = ce(model.forward(x), y);
      l.backward();
      opt.step();
      loss = l.item();
    }
    expect(first).toBeGreaterThan(0.3);
    expect(loss).toBeLessThan(0.01);
    model.eval();
    const logits = model.forward(x).data;
    y.forEach((label, i) => expect(logits[2 * i + label]).toBeGreaterThan(logits[2 * i + 1 - label]));
  });
});
