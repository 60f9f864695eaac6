// MoCo v2: the queue's ring buffer, the momentum update against its formula, the objective's state in training
// and validation, the config, and a resumed run that ends byte-identical to one never stopped.
import * as fs from 'fs';
import * as path from 'path';
import { Generator, Tensor, randn } from '@nodulab/tensor';
import { loadSafetensors } from '@nodulab/nn';
import {
  ConfigError,
  MocoState,
  TrainProgress,
  buildNet,
  modelSpec,
  momentumUpdate,
  nonHeadParameters,
  planStages,
  resolveRunConfig,
  train,
} from '../src';
import { tempDir, tinyConfig } from './helpers';

jest.setTimeout(120_000);

const config = resolveRunConfig(tinyConfig({ loss: 'moco', moco: { queueSize: 16 } }));

function state(queueSize: number): MocoState {
  return new MocoState({ spec: modelSpec(config), queueSize, dim: 128, generator: new Generator(4) });
}

/** Keys whose row i is filled with the value `first + i`. */
const keys = (n: number, first: number) =>
  new Tensor(
    Float32Array.from({ length: n * 128 }, (_, j) => first + Math.floor(j / 128)),
    [n, 128],
  );

const row = (s: MocoState, i: number) => s.queue.data[i * 128];

describe('the queue', () => {
  it('starts with random unit keys at pointer 0', () => {
    const s = state(6);
    expect(s.queue.shape).toEqual([6, 128]);
    expect(s.pointer.data[0]).toBe(0);
    for (let i = 0; i < 6; i++) {
      const r = s.queue.data.subarray(i * 128, (i + 1) * 128);
      expect(Math.sqrt(r.reduce((a, v) => a + v * v, 0))).toBeCloseTo(1, 5);
    }
  });

  it('enqueues at the pointer and wraps around, replacing the oldest keys first', () => {
    const s = state(5);
    s.enqueue(keys(3, 10)); // rows 0-2
    expect(s.pointer.data[0]).toBe(3);
    expect([0, 1, 2].map((i) => row(s, i))).toEqual([10, 11, 12]);
    s.enqueue(keys(3, 20)); // rows 3, 4, then 0
    expect(s.pointer.data[0]).toBe(1);
    expect([0, 1, 2, 3, 4].map((i) => row(s, i))).toEqual([22, 11, 12, 20, 21]);
    s.enqueue(keys(5, 30)); // a full turn: rows 1..4, 0
    expect(s.pointer.data[0]).toBe(1);
    expect([0, 1, 2, 3, 4].map((i) => row(s, i))).toEqual([34, 30, 31, 32, 33]);
  });

  it('negatives() is a snapshot that later enqueues do not change', () => {
    const s = state(4);
    const before = s.negatives();
    s.enqueue(keys(2, 7));
    expect(before.data[0]).not.toBe(7);
    expect(row(s, 0)).toBe(7);
  });

  it('names bad keys', () => {
    const s = state(4);
    expect(() => s.enqueue(keys(5, 0))).toThrow(/5 keys do not fit a queue of 4/);
    expect(() => s.enqueue(Tensor.zeros([2, 3]))).toThrow(/keys must be \(N, 128\), got \[2, 3\]/);
    expect(() => state(0)).toThrow(/queueSize must be an integer/);
  });
});

describe('the momentum update', () => {
  it('is θk ← m·θk + (1 − m)·θq, element by element', () => {
    const g = new Generator(9);
    const key = [randn([3, 4], g), randn([5], g)];
    const query = [randn([3, 4], g), randn([5], g)];
    const before = key.map((t) => Float32Array.from(t.data));
    momentumUpdate(key, query, 0.99);
    key.forEach((k, i) =>
      k.data.forEach((v, j) => expect(v).toBe(Math.fround(0.99 * before[i][j] + (1 - 0.99) * query[i].data[j]))),
    );
    momentumUpdate(key, query, 0);
    key.forEach((k, i) => expect(Array.from(k.data)).toEqual(Array.from(query[i].data)));
    expect(() => momentumUpdate(key, query, 1.5)).toThrow(/momentum must be in \[0, 1\]/);
    expect(() => momentumUpdate(key, query.slice(1), 0.5)).toThrow(/2 key parameters but 1 query parameters/);
  });

  it('moves the key encoder and projection head, not the classifier head or BatchNorm statistics', () => {
    const net = buildNet(config);
    const s = state(8);
    const keyHead = s.key.head.parameters().map((p) => Float32Array.from(p.data));
    const buffers = s.key.buffers().map((b) => Float32Array.from(b.data));
    const k0 = nonHeadParameters(s.key).map((p) => Float32Array.from(p.data));
    const q = nonHeadParameters(net.model);
    s.momentumUpdate(net.model, 0.9);
    nonHeadParameters(s.key).forEach((p, i) =>
      p.data.forEach((v, j) => expect(v).toBe(Math.fround(0.9 * k0[i][j] + (1 - 0.9) * q[i].data[j]))),
    );
    s.key.head.parameters().forEach((p, i) => expect(p.data).toEqual(keyHead[i]));
    s.key.buffers().forEach((b, i) => expect(b.data).toEqual(buffers[i]));
  });
});

describe('the moco objective', () => {
  const batch = () => {
    const g = new Generator(2);
    return {
      x1: randn([8, 1, 16, 16, 16], g),
      x2: randn([8, 1, 16, 16, 16], g),
      labels: new Int32Array(8),
    };
  };

  it('starts from a copy of the network; a training step updates the key encoder and the queue, validation neither', () => {
    const net = buildNet(config);
    const objective = planStages(config)[0].objective;
    const s = objective.state as MocoState;
    expect(objective.name).toBe('moco');
    objective.start!(net);
    expect(s.key.stateDict()['features.0.weight'].data).toEqual(net.model.stateDict()['features.0.weight'].data);

    net.model.eval();
    const queue = Float32Array.from(s.queue.data);
    const key = Float32Array.from(s.key.parameters()[0].data);
    const val = objective.step(net, batch()).loss.item();
    expect(Number.isFinite(val)).toBe(true);
    expect(s.queue.data).toEqual(queue);
    expect(s.key.parameters()[0].data).toEqual(key);
    expect(s.pointer.data[0]).toBe(0);

    net.model.train();
    net.model.parameters()[0].data[0] += 1; // the query moves away from the key encoder
    const loss = objective.step(net, batch()).loss;
    loss.backward();
    expect(s.pointer.data[0]).toBe(8);
    expect(s.queue.data.subarray(8 * 128)).toEqual(queue.subarray(8 * 128));
    expect(s.queue.data.subarray(0, 8 * 128)).not.toEqual(queue.subarray(0, 8 * 128));
    expect(s.key.parameters()[0].data[0]).toBe(
      Math.fround(0.999 * key[0] + (1 - 0.999) * net.model.parameters()[0].data[0]),
    );
    expect(net.model.parameters()[0].grad).not.toBeNull();
    expect(s.key.parameters()[0].grad).toBeNull();
  });
});

describe('the config', () => {
  it('has MoCo v2 defaults and trains in two stages', () => {
    const c = resolveRunConfig({ loss: 'moco' });
    expect(c.moco).toEqual({ momentum: 0.999, queueSize: 4096, temperature: 0.2 });
    expect(c.model.options).toMatchObject({ projectionHead: true, projectionDim: 128 });
    expect(planStages(c).map((s) => s.name)).toEqual(['pretrain', 'probe']);
  });

  it.each([
    [{ moco: { queueSize: 4 } }, /moco.queueSize: 4 is smaller than batchSize \(8\)/],
    [{ moco: { momentum: 1.5 } }, /moco.momentum/],
    [{ moco: { temperature: 0 } }, /moco.temperature/],
    [{ moco: { queue: 10 } }, /moco.queue/],
  ])('rejects %j', (overrides, message) => {
    expect(() => resolveRunConfig(tinyConfig({ loss: 'moco', ...(overrides as object) }))).toThrow(ConfigError);
    expect(() => resolveRunConfig(tinyConfig({ loss: 'moco', ...(overrides as object) }))).toThrow(message);
  });
});

describe('resume', () => {
  it('train N steps = train k, save, load, train N − k: byte-identical, with the queue and key encoder saved', async () => {
    const root = tempDir('moco-resume');
    const run = tinyConfig({
      loss: 'moco',
      pretrainEpochs: 2,
      probe: { mode: 'linear', epochs: 1 },
      moco: { queueSize: 20 }, // 6 steps of 8 keys per epoch: the queue wraps within an epoch
      data: { ...tinyConfig().data, train: { split: 'train', n: 48 }, val: { split: 'val', n: 24 } },
    });
    const full = await train(run, { outDir: path.join(root, 'full') });
    const ac = new AbortController();
    const onProgress = (p: TrainProgress) => {
      if (p.kind === 'epoch' && p.stage === 'pretrain' && p.epoch === 1) ac.abort();
    };
    const split = path.join(root, 'split');
    expect((await train(run, { outDir: split, signal: ac.signal, onProgress })).status).toBe('interrupted');
    const saved = loadSafetensors(path.join(split, 'checkpoints', 'last.safetensors')).tensors;
    expect(saved['auxiliary.moco.queue'].shape).toEqual([20, 128]);
    expect(saved['auxiliary.moco.pointer'].data[0]).toBe((6 * 8) % 20);
    expect(saved['auxiliary.moco.key.features.0.weight'].shape).toEqual(saved['features.0.weight'].shape);
    expect(saved['auxiliary.moco.key.features.0.weight'].data).not.toEqual(saved['features.0.weight'].data);

    const resumed = await train(null, { outDir: split, resume: true });
    expect(resumed.globalStep).toBe(full.globalStep);
    expect(resumed.final).toEqual(full.final);
    for (const name of ['last', 'best']) {
      const a = fs.readFileSync(path.join(root, 'full', 'checkpoints', `${name}.safetensors`));
      const b = fs.readFileSync(path.join(split, 'checkpoints', `${name}.safetensors`));
      expect(b.equals(a)).toBe(true);
    }
    // The probe stage's checkpoints hold the model alone.
    const last = loadSafetensors(path.join(split, 'checkpoints', 'last.safetensors')).tensors;
    expect(Object.keys(last).some((k) => k.startsWith('auxiliary.'))).toBe(false);
  });
});
