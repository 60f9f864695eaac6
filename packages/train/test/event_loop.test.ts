// A training run never blocks the event loop for long: a timer keeps firing between steps and
// validation batches while train() runs.
import * as path from 'path';
import { train } from '../src';
import { tempDir, tinyConfig } from './helpers';

jest.setTimeout(30_000);

it('timers fire during training', async () => {
  const ticks: number[] = [];
  const timer = setInterval(() => ticks.push(Date.now()), 5);
  let steps = 0;
  const started = Date.now();
  try {
    await train(tinyConfig({ loss: 'simclr', pretrainEpochs: 2, probe: { mode: 'linear', epochs: 2 } }), {
      outDir: path.join(tempDir('loop'), 'run'),
      onProgress: (p) => {
        if (p.kind === 'step') steps++;
      },
    });
  } finally {
    clearInterval(timer);
  }
  const ms = Date.now() - started;
  // Ticks all through the run: about one per step (most steps take longer than the 5 ms interval
  // and then yield); a run that never yielded would let none fire. 12 steps per epoch; the linear probe
  // is fitted (embeddings on the worker, one fit per penalty), not stepped.
  expect(steps).toBe(24);
  expect(ticks.length).toBeGreaterThanOrEqual(steps / 2);
  // The longest stretch without a tick is about one step or one validation batch, far below an
  // epoch (a run that never yielded would have no ticks at all).
  const gaps = ticks.slice(1).map((t, i) => t - ticks[i]);
  expect(Math.max(...gaps)).toBeLessThan(Math.max(250, ms / 8));
});
