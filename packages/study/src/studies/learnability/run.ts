// Runs the learnability sweep: each loss trained on iid data (no shortcut) at every class separation
// and at fractions of the training budget, scored on an in-distribution test set; plus the race of a
// CE model learning the shortcut alone against one learning the core feature alone, epoch by epoch.
import * as fs from 'fs';
import * as path from 'path';
import { setNumThreads } from '@nodulab/tensor';
import { writeFileAtomic } from '@nodulab/platform';
import { Dataset, DatasetSpec } from '@nodulab/data';
import { ClassificationEvaluation, datasetBatches, evaluate } from '@nodulab/eval';
import { LossKind, RunConfig, loadRun, netPredictor, openSource, resolveRunConfig, train } from '@nodulab/train';
import { Aggregate, aggregate } from '../../kit/aggregate';
import { deepMerge } from '../loss_generalization/spec';
import type { LearnabilitySpec } from './spec';
import { learnabilityHtml } from './report';
import { inStagedFolder } from '../../kit/staged';
import { generateSet } from '../../measures/test_data';

/** One trained and tested model of the sweep. */
export interface LearnabilityRun {
  loss: LossKind;
  seed: number;
  separation: number;
  /** Fraction of the full budget. */
  budget: number;
  /** Epochs of the stage that sets the budget (CE: training; SupCon/SimCLR: pretraining). */
  epochs: number;
  balancedAccuracy: number;
  auroc: number;
  trainSeconds: number;
}

/** Validation AUROC and balanced accuracy after each epoch of a CE run (the race). */
export interface EpochCurve {
  task: 'shortcut' | 'core';
  seed: number;
  stepsPerEpoch: number;
  auroc: number[];
  balancedAccuracy: number[];
}

/** What the sweep measured, aggregated over seeds. */
export interface LearnabilityResults {
  spec: LearnabilitySpec;
  runs: LearnabilityRun[];
  race: EpochCurve[];
  /** loss -> separation -> balanced accuracy over seeds (full budget). */
  bySeparation: Record<string, Record<string, Aggregate>>;
  /** loss -> budget fraction -> balanced accuracy over seeds (default separation). */
  byBudget: Record<string, Record<string, Aggregate>>;
  /** First epoch whose validation AUROC reaches 0.9, per task (mean over seeds; null if never). */
  epochsTo090: { shortcut: Aggregate; core: Aggregate };
  seconds: number;
}

/** Progress of the sweep, for a command's display. */
export interface LearnabilityEvent {
  index: number;
  total: number;
  what: string;
}

/** The iid data spec at class separation `s`, at the sweep's volume. */
export function coreSpec(spec: LearnabilitySpec, s: number): DatasetSpec {
  return { name: `iid-separation-${s}`, separation: s, volume: spec.volume };
}

/** Data labelled by the shortcut factor alone: both classes smooth, the class decides the factor. */
export function shortcutOnlySpec(spec: LearnabilitySpec): DatasetSpec {
  const [small, large] = spec.shortcut.distributions;
  const smooth = { lobulation: { uniform: [0, 0.03] }, spiculationCount: { const: 0 } } as const;
  const boundary = (upper(small) + lower(large)) / 2;
  return {
    name: `shortcut-only-${spec.shortcut.factor}`,
    volume: spec.volume,
    classes: { '0': { ...smooth, [spec.shortcut.factor]: small }, '1': { ...smooth, [spec.shortcut.factor]: large } },
    labelRule: { factor: spec.shortcut.factor, gt: boundary },
  } as DatasetSpec;
}

const upper = (d: unknown): number => bounds(d)[1];
const lower = (d: unknown): number => bounds(d)[0];
function bounds(d: unknown): [number, number] {
  const u = (d as { uniform?: [number, number] }).uniform;
  if (!u)
    throw new Error(`learnability: the shortcut's distributions must be uniform ranges, got ${JSON.stringify(d)}`);
  return u;
}

/** The run config of one model of the sweep. */
function runConfig(spec: LearnabilitySpec, loss: LossKind, seed: number, data: DatasetSpec, budget: number): RunConfig {
  const base = resolveRunConfig({ ...(spec.config as object), loss, seed });
  const scaled =
    loss === 'ce' || loss === 'supcon-joint'
      ? { epochs: Math.max(1, Math.round(base.epochs * budget)) }
      : { pretrainEpochs: Math.max(1, Math.round(base.pretrainEpochs * budget)) };
  return resolveRunConfig({
    ...deepMerge(spec.config as Record<string, unknown>, scaled),
    name: `learnability/${data.name}-${loss}-b${budget}-s${seed}`,
    loss,
    seed,
    threads: spec.threads,
    data: {
      spec: data,
      seed: 1000 + seed,
      train: { split: 'train', n: spec.n },
      val: { split: 'val', n: spec.valN },
    },
  });
}

/**
 * Runs the sweep into `out` (one run folder per model under runs/, learnability.json, metrics.json,
 * report.html), written as `<out>.partial` and renamed when complete (a failed or stopped sweep leaves
 * nothing). Each (separation, seed) draws its own training, validation and test data, generated once
 * and shared by every loss and budget trained on it.
 */
export async function runLearnability(
  spec: LearnabilitySpec,
  out: string,
  onEvent: (e: LearnabilityEvent) => void = () => undefined,
  signal?: AbortSignal,
): Promise<LearnabilityResults> {
  return inStagedFolder(out, (staging) => runLearnabilityIn(spec, staging, onEvent, signal));
}

/** The sweep written into `out` (the staging folder). */
async function runLearnabilityIn(
  spec: LearnabilitySpec,
  out: string,
  onEvent: (e: LearnabilityEvent) => void,
  signal: AbortSignal | undefined,
): Promise<LearnabilityResults> {
  const t0 = Date.now();
  setNumThreads(spec.threads);
  fs.mkdirSync(path.join(out, 'runs'), { recursive: true });
  writeFileAtomic(path.join(out, 'learnability.json'), Buffer.from(JSON.stringify(spec, null, 2) + '\n'));
  // One data draw per (seed, separation): the losses and budgets trained on it.
  const draws: { seed: number; separation: number; jobs: { loss: LossKind; budget: number }[] }[] = [];
  for (const seed of spec.seeds) {
    const separations = [...new Set([...spec.separations, spec.separation])];
    for (const separation of separations) {
      const jobs: { loss: LossKind; budget: number }[] = [];
      for (const loss of spec.losses) {
        if (spec.separations.includes(separation)) jobs.push({ loss, budget: 1 });
        if (separation === spec.separation)
          for (const budget of spec.budgets)
            if (budget !== 1 || !spec.separations.includes(separation)) jobs.push({ loss, budget });
      }
      draws.push({ seed, separation, jobs });
    }
  }
  const total = draws.reduce((a, d) => a + d.jobs.length, 0) + 2 * spec.seeds.length;
  let index = 0;
  /** Trains one run and returns its validation metrics after each epoch; throws unless it completed. */
  const trainRun = async (config: RunConfig, dir: string, sources: { train: Dataset; val: Dataset }) => {
    const curve: { auroc: number[]; balancedAccuracy: number[]; stepsPerEpoch: number } = {
      auroc: [],
      balancedAccuracy: [],
      stepsPerEpoch: 0,
    };
    const summary = await train(config, {
      outDir: dir,
      sources,
      prefetch: 2,
      signal,
      onProgress: (p) => {
        if (p.kind !== 'epoch' || !p.val || p.val.auroc === undefined) return;
        curve.auroc.push(p.val.auroc);
        curve.balancedAccuracy.push(p.val.balancedAccuracy ?? NaN);
        curve.stepsPerEpoch = p.steps;
      },
    });
    if (summary.status !== 'completed') throw new Error(`learnability: stopped during ${dir}; nothing was kept`);
    return curve;
  };
  const runs: LearnabilityRun[] = [];
  for (const { seed, separation, jobs } of draws) {
    const data = coreSpec(spec, separation);
    const first = runConfig(spec, 'ce', seed, data, 1);
    const sources = { train: openSource(first.data, 'train'), val: openSource(first.data, 'val') };
    const test = await generateSet(`test-${separation}-s${seed}`, data, 2000 + seed, 'test', spec.testN);
    for (const job of jobs) {
      onEvent({
        index: ++index,
        total,
        what: `${job.loss} separation ${separation} budget ${job.budget} seed ${seed}`,
      });
      const config = runConfig(spec, job.loss, seed, data, job.budget);
      const dir = path.join(out, 'runs', `${job.loss}-sep${separation}-b${job.budget}-s${seed}`);
      const started = Date.now();
      await trainRun(config, dir, sources);
      const trainSeconds = (Date.now() - started) / 1000;
      const { net } = loadRun(dir, 'best');
      const r = (await evaluate(
        netPredictor(net, test),
        datasetBatches(test, config.batchSize),
      )) as ClassificationEvaluation;
      const epochs = job.loss === 'ce' || job.loss === 'supcon-joint' ? config.epochs : config.pretrainEpochs;
      runs.push({ loss: job.loss, seed, separation, budget: job.budget, epochs, ...pick(r), trainSeconds });
    }
  }

  const race: EpochCurve[] = [];
  for (const seed of spec.seeds) {
    for (const [task, data] of [
      ['shortcut', shortcutOnlySpec(spec)],
      ['core', coreSpec(spec, spec.separation)],
    ] as const) {
      onEvent({ index: ++index, total, what: `race: ce on the ${task} alone, seed ${seed}` });
      const config = runConfig(spec, 'ce', seed, data, 1);
      const sources = { train: openSource(config.data, 'train'), val: openSource(config.data, 'val') };
      race.push({ task, seed, ...(await trainRun(config, path.join(out, 'runs', `race-${task}-s${seed}`), sources)) });
    }
  }

  const results: LearnabilityResults = {
    spec,
    runs,
    race,
    bySeparation: table(spec.losses, spec.separations, (loss, s) =>
      runs.filter((r) => r.loss === loss && r.separation === s && r.budget === 1),
    ),
    byBudget: table(spec.losses, spec.budgets, (loss, b) =>
      runs.filter((r) => r.loss === loss && r.separation === spec.separation && r.budget === b),
    ),
    epochsTo090: {
      shortcut: aggregate(race.filter((c) => c.task === 'shortcut').map(firstEpochAt(0.9))),
      core: aggregate(race.filter((c) => c.task === 'core').map(firstEpochAt(0.9))),
    },
    seconds: (Date.now() - t0) / 1000,
  };
  writeFileAtomic(path.join(out, 'metrics.json'), Buffer.from(JSON.stringify(results, null, 2) + '\n'));
  writeFileAtomic(path.join(out, 'report.html'), Buffer.from(learnabilityHtml(results)));
  return results;
}

/** The two metrics the sweep keeps of an evaluation. */
const pick = (r: ClassificationEvaluation) => ({
  balancedAccuracy: r.metrics.balancedAccuracy,
  auroc: r.metrics.auroc,
});

/** loss -> key -> balanced accuracy aggregated over the runs `pick` selects. */
function table(
  losses: readonly string[],
  keys: readonly number[],
  pick: (loss: LossKind, key: number) => LearnabilityRun[],
): Record<string, Record<string, Aggregate>> {
  const out: Record<string, Record<string, Aggregate>> = {};
  for (const loss of losses) {
    out[loss] = {};
    for (const k of keys) out[loss][String(k)] = aggregate(pick(loss as LossKind, k).map((r) => r.balancedAccuracy));
  }
  return out;
}

/** The first epoch (1-based) whose validation AUROC reaches `level`, or NaN if none does. */
const firstEpochAt =
  (level: number) =>
  (c: EpochCurve): number => {
    const k = c.auroc.findIndex((a) => a >= level);
    return k < 0 ? NaN : k + 1;
  };
