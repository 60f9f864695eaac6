// Training steps on a worker thread: the event loop runs while a step is in flight, and a run gives
// the same bytes with its steps on the worker thread or on the calling thread.
import * as fs from 'fs';
import * as path from 'path';
import { Generator, Tensor, randn } from '@nodulab/tensor';
import { buildNet, inlineStepRunner, planStages, resolveRunConfig, train, workerStepRunner } from '../src';
import { tempDir, tinyConfig } from './helpers';

jest.setTimeout(120_000);

const batch = (n: number) => ({
  x1: randn([n, 1, 16, 16, 16], new Generator(3)),
  x2: null,
  labels: Int32Array.from({ length: n }, (_, i) => i % 2),
});

describe.each([
  ['ce', {}],
  ['simclr', { pretrainEpochs: 1, probe: { mode: 'linear', epochs: 1 } }],
  ['moco', { pretrainEpochs: 1, probe: { mode: 'linear', epochs: 1 }, moco: { queueSize: 20 } }],
] as const)('%s run', (loss, extra) => {
  it('writes the same checkpoint and losses with steps on a worker thread as on the calling thread', async () => {
    const dir = tempDir(`thread-${loss}`);
    const config = tinyConfig({ loss, epochs: 1, ...extra });
    const runs = { worker: path.join(dir, 'worker'), main: path.join(dir, 'main') };
    await train(config, { outDir: runs.worker, stepThread: 'worker' });
    await train(config, { outDir: runs.main, stepThread: 'main' });
    const losses = (d: string) =>
      fs
        .readFileSync(path.join(d, 'log.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((r) => r.event === 'step')
        .map((r) => r.loss);
    expect(losses(runs.worker).length).toBeGreaterThan(0);
    expect(losses(runs.worker)).toEqual(losses(runs.main));
    const ckpt = (d: string) => fs.readFileSync(path.join(d, 'checkpoints', 'last.safetensors'));
    expect(ckpt(runs.worker).equals(ckpt(runs.main))).toBe(true);
  });
});

it('runs a setImmediate callback while a worker step is in flight, then gives the inline gradients', async () => {
  const config = resolveRunConfig(tinyConfig({ loss: 'ce' }));
  const stages = planStages(config);
  const objective = stages[0].objective;
  const onWorker = buildNet(config);
  const inline = buildNet(config);
  const runner = await workerStepRunner(onWorker, config, stages);
  try {
    const order: string[] = [];
    // 64 volumes, so the worker's step lasts far longer than a turn of the event loop even on a loaded machine
    // (with 8, a main thread held off the CPU for the whole step once saw the step's reply first).
    const step = runner.step(0, objective, batch(64)).then((r) => (order.push('step'), r));
    setImmediate(() => order.push('immediate'));
    const r = await step;
    expect(order).toEqual(['immediate', 'step']);
    // The calling-thread runner finishes its step before any callback can run.
    const order2: string[] = [];
    const step2 = inlineStepRunner(inline)
      .step(0, objective, batch(64))
      .then((x) => (order2.push('step'), x));
    setImmediate(() => order2.push('immediate'));
    const r2 = await step2;
    expect(order2[0]).toBe('step');
    expect(r.loss).toBe(r2.loss);
    const grads = (m: typeof inline.model) => m.parameters().map((p) => Array.from((p.grad as Tensor).data));
    expect(grads(onWorker.model)).toEqual(grads(inline.model));
  } finally {
    await runner.close();
  }
});
