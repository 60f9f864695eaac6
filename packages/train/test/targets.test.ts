// Training on a K-class target: a run on the 'grade' preset builds a 5-class head, reports arg-max accuracy while
// training, validates with the multi-class metrics and scores with ordinal metrics from the evaluation's probabilities.
import { datasetBatches, evaluate, ordinalMetrics, ClassificationEvaluation } from '@nodulab/eval';
import { preset } from '@nodulab/data';
import { loadRun, netPredictor, openSource, train } from '../src';
import { tempDir, tinyConfig } from './helpers';

it('trains and evaluates a 5-class grade model', async () => {
  const dir = tempDir('grade-run');
  const spec = { ...preset('grade'), volume: { shape: [16, 16, 16], spacing: [2, 2, 2] } };
  const config = tinyConfig({
    epochs: 1,
    data: { spec: spec as never, seed: 2, train: { n: 48 }, val: { split: 'val', n: 32 } },
  });
  const summary = await train(config, { outDir: dir, stepThread: 'main' });
  expect(summary.status).toBe('completed');
  expect(summary.final?.accuracy).toBeGreaterThanOrEqual(0);
  expect(summary.final?.auroc).toBeGreaterThan(0);
  const { net, config: resolved } = loadRun(dir);
  const val = openSource(resolved.data, 'val');
  const r = (await evaluate(netPredictor(net, val), datasetBatches(val, 8))) as ClassificationEvaluation;
  expect(r.numClasses).toBe(5);
  expect(r.probabilities.length).toBe(32 * 5);
  const labels = r.predictions.map((p) => p.label);
  expect(Math.max(...labels)).toBeLessThanOrEqual(4);
  expect(new Set(labels).size).toBeGreaterThan(2);
  const o = ordinalMetrics(labels, r.probabilities, 5, { positiveFrom: 3 });
  expect(o.accuracy).toBeCloseTo(r.metrics.accuracy, 12);
  expect(r.predictions.every((p) => Number.isNaN(p.pMalignant) && p.predicted >= 0 && p.predicted < 5)).toBe(true);
});
