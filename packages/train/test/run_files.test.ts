// The run folder: config.json (resolved, re-resolvable), log.jsonl (a record per step and epoch),
// checkpoints with model, optimizer, schedule and training state, summary.json; all parse.
import * as fs from 'fs';
import * as path from 'path';
import { auroc, ClassificationEvaluation, datasetBatches, evaluate } from '@nodulab/eval';
import { loadSafetensors, readModelSpec } from '@nodulab/nn';
import { loadRun, netPredictor, openSource, readTrainState, resolveRunConfig, stepsPerEpoch, train } from '../src';
import { tempDir, tinyConfig } from './helpers';

jest.setTimeout(30_000);

describe('run files', () => {
  it('writes config, log, checkpoints and summary that parse', async () => {
    const dir = path.join(tempDir('files'), 'run');
    const s = await train(
      tinyConfig({
        loss: 'supcon-joint',
        epochs: 2,
        optimizer: { name: 'adamw', lr: 1e-2 },
        schedule: { name: 'step', stepSize: 1, gamma: 0.5 },
      }),
      { outDir: dir },
    );

    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    expect(resolveRunConfig(cfg)).toEqual(cfg);
    expect(cfg.model.options.projectionHead).toBe(true);
    expect(cfg.data.spec.name).toBe('easy');

    const records = fs
      .readFileSync(path.join(dir, 'log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const steps = records.filter((r) => r.event === 'step');
    const epochs = records.filter((r) => r.event === 'epoch');
    expect(records[0].event).toBe('start');
    expect(records[records.length - 1].event).toBe('end');
    expect(steps).toHaveLength(2 * stepsPerEpoch(resolveRunConfig(cfg)));
    for (const r of steps) {
      expect(Number.isNaN(Date.parse(r.time))).toBe(false);
      expect(Number.isFinite(r.loss)).toBe(true);
    }
    expect(epochs.map((r) => r.epoch)).toEqual([1, 2]);
    expect(epochs.map((r) => r.lr)).toEqual([1e-2, 5e-3]);
    for (const r of epochs)
      expect(Object.keys(r.val).sort()).toEqual([
        'accuracy',
        'auroc',
        'balancedAccuracy',
        'loss',
        'n',
        'sensitivity',
        'specificity',
      ]);

    const last = path.join(dir, 'checkpoints', 'last.safetensors');
    const { tensors, metadata } = loadSafetensors(last);
    expect(Object.keys(tensors)).toEqual(
      expect.arrayContaining([
        'features.0.weight',
        'classifier.weight',
        'projector.net.0.weight',
        'optimizer.state.0.exp_avg',
      ]),
    );
    expect(readModelSpec(metadata)?.kind).toBe('nodulenet3d');
    expect(JSON.parse(metadata['nodulab.scheduler']).lastEpoch).toBe(2);
    const state = readTrainState(last);
    expect(state).toMatchObject({
      stage: 0,
      stageName: 'train',
      epochsDone: 2,
      globalStep: s.globalStep,
      rng: { scheme: 'derived', seed: 0 },
    });
    expect(fs.existsSync(path.join(dir, 'checkpoints', 'best.safetensors'))).toBe(true);
    expect(fs.readdirSync(path.join(dir, 'checkpoints')).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({
      status: 'completed',
      loss: 'supcon-joint',
      globalStep: s.globalStep,
      stages: [{ name: 'train', objective: 'supcon-joint', epochs: 2 }],
    });
    expect(summary.best.epoch).toBe(s.best!.epoch);

    // loadRun gives back the best model: its validation AUROC is the recorded best.
    const run = loadRun(dir, 'best');
    expect(run.summary?.status).toBe('completed');
    const val = openSource(run.config.data, 'val');
    const { logits, predictions } = (await evaluate(
      netPredictor(run.net, val),
      datasetBatches(val, 16),
    )) as ClassificationEvaluation;
    const labels = predictions.map((p) => p.label);
    expect(logits.length).toBe(2 * labels.length);
    const p1 = Array.from({ length: labels.length }, (_, i) => logits[2 * i + 1] - logits[2 * i]);
    expect(auroc(labels, p1)).toBeCloseTo(s.best!.metrics.auroc, 6);
  });
});
