// How the pretraining-robustness study's target budget (labelled samples × epochs) is chosen, on validation volumes
// only: scratch is trained at each candidate budget, as the study trains its target models, for several seeds, and
// scored on its validation set (quadratic weighted kappa); the budget is the cheapest candidate (fewest samples
// seen, then fewest labels) at which every seed grades with at least "fair" agreement. The study's test sets are
// never read.
import * as path from 'path';
import { datasetBatches } from '@nodulab/eval';
import { loadRun, openSource, train } from '@nodulab/train';
import { scoreGrades } from './measure';
import type { PretrainingSpec } from './spec';
import { fullFraction } from './spec';
import { targetConfig } from './target';

/**
 * The least validation kappa, in every seed, at which scratch counts as having learned the grade: 0.21, where Landis
 * & Koch's "fair agreement" begins (below it, "slight": a model that barely grades leaves the control to chance).
 * Fixed before any trial ran.
 */
export const BUDGET_MIN_KAPPA = 0.21;

/** One candidate target budget: labelled samples at label fraction 1, and epochs. */
export interface TargetBudget {
  targetN: number;
  epochs: number;
}

/** Scratch at one budget and seed, scored on the seed's validation set. */
export interface BudgetTrial extends TargetBudget {
  seed: number;
  validationKappa: number | null;
  seconds: number;
}

/** The budgets tried when the default was chosen, cheapest first by samples seen. */
export const BUDGET_CANDIDATES: readonly TargetBudget[] = [
  { targetN: 256, epochs: 4 },
  { targetN: 512, epochs: 12 },
  { targetN: 2048, epochs: 4 },
  { targetN: 2048, epochs: 6 },
  { targetN: 2048, epochs: 8 },
];

/** `spec` with the target budget `b` (label fraction 1 trains on b.targetN samples for b.epochs). */
export function withBudget(spec: PretrainingSpec, b: TargetBudget): PretrainingSpec {
  return { ...spec, targetN: b.targetN, config: { ...spec.config, epochs: b.epochs } };
}

/**
 * Trains scratch (fine-tuned, all labels) at budget `b` and seed `seed` into `outDir`, as the study trains a target
 * model, and scores its best checkpoint on the seed's validation set.
 */
export async function budgetTrial(
  spec: PretrainingSpec,
  b: TargetBudget,
  seed: number,
  outDir: string,
): Promise<BudgetTrial> {
  const t0 = Date.now();
  const s = withBudget(spec, b);
  const config = targetConfig(s, 'scratch', 'finetune', fullFraction(s), seed, null);
  const sources = { train: openSource(config.data, 'train'), val: openSource(config.data, 'val') };
  const dir = path.join(outDir, `scratch-n${b.targetN}-e${b.epochs}-s${seed}`);
  const summary = await train(config, { outDir: dir, sources, prefetch: 0, stepThread: 'main' });
  if (summary.status !== 'completed') throw new Error(`budgetTrial: ${dir} was stopped`);
  const { net } = loadRun(dir, 'best');
  const r = await scoreGrades(net, sources.val, datasetBatches(sources.val, config.batchSize));
  return { ...b, seed, validationKappa: r.scores.kappa, seconds: (Date.now() - t0) / 1000 };
}

/** Samples seen in training at budget `b`. */
const samplesSeen = (b: TargetBudget): number => b.targetN * b.epochs;

/**
 * The chosen budget of `trials` (see the file header): the candidate with the fewest samples seen (then fewest
 * labels) whose every seed's validation kappa is at least `minKappa`; null when none qualifies.
 */
export function chooseTargetBudget(trials: readonly BudgetTrial[], minKappa = BUDGET_MIN_KAPPA): TargetBudget | null {
  const key = (b: TargetBudget) => `${b.targetN}x${b.epochs}`;
  const byBudget = new Map<string, BudgetTrial[]>();
  for (const t of trials) byBudget.set(key(t), [...(byBudget.get(key(t)) ?? []), t]);
  const passing = [...byBudget.values()]
    .filter((ts) => ts.every((t) => t.validationKappa !== null && t.validationKappa >= minKappa))
    .map((ts) => ({ targetN: ts[0].targetN, epochs: ts[0].epochs }))
    .sort((a, b) => samplesSeen(a) - samplesSeen(b) || a.targetN - b.targetN);
  return passing[0] ?? null;
}
