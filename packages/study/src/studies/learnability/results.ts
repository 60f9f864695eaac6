// What the learnability study's spec, units and summary are (types only): the plan, the unit runner, the
// summary, the claims and the report import them; this file imports nothing of theirs back.
import type { FactorName } from '@nodulab/data';
import type { LossKind, RunConfigInput } from '@nodulab/train';
import type { Aggregate } from '../../kit/aggregate';

/** A uniform range [low, high] of a factor. */
export interface UniformRange {
  uniform: [number, number];
}

/** The race's shortcut: a factor drawn from the side-0 range for class 0 and the side-1 range for class 1. */
export interface RaceShortcut {
  factor: FactorName;
  distributions: [UniformRange, UniformRange];
}

/** A learnability sweep, resolved (saved as spec.json in the study folder). */
export interface LearnabilitySpec {
  name: string;
  description: string;
  losses: LossKind[];
  seeds: number[];
  /** Class separations of the core feature (data spec field `separation`), each trained at the full budget. */
  separations: number[];
  /** Fractions of the full budget (epochs of CE, pretraining epochs of SupCon/SimCLR) at `separation`. */
  budgets: number[];
  /** The separation the budget sweep, the targets and the race use. */
  separation: number;
  volume: { shape: [number, number, number]; spacing: [number, number, number] };
  n: number;
  valN: number;
  testN: number;
  /** The shortcut of the race: a model trained on data labelled by this factor alone (core feature absent). */
  shortcut: RaceShortcut;
  /** The race: the validation AUROC a model must reach, and the smallest difference in epochs that matters. */
  race: { auroc: number; sesoiEpochs: number };
  /** Per loss, the balanced accuracy it must reach at `separation` and the full budget. */
  targets: Partial<Record<LossKind, number>>;
  /** The smallest difference from a target that matters, in balanced accuracy. */
  targetSesoi: number;
  /** Run-config overrides shared by every run. */
  config: RunConfigInput;
  threads: number;
}

/** One model of the sweep: a loss trained on iid data at one class separation and fraction of the budget. */
export interface ModelUnit {
  id: string;
  kind: 'model';
  loss: LossKind;
  seed: number;
  separation: number;
  /** Fraction of the full budget (CE: epochs; SupCon/SimCLR: pretraining epochs). */
  budget: number;
}

/** One side of the race: a CE model trained on data labelled by the shortcut alone, or by the core feature alone. */
export interface RaceUnit {
  id: string;
  kind: 'race';
  task: RaceTask;
  seed: number;
}

export type RaceTask = 'shortcut' | 'core';

/** A unit of the learnability plan. */
export type LearnabilityUnit = ModelUnit | RaceUnit;

/** Validation AUROC and balanced accuracy after each epoch of a run (one per epoch; null where not finite). */
export interface ValidationCurve {
  stepsPerEpoch: number;
  auroc: (number | null)[];
  balancedAccuracy: (number | null)[];
}

/** A model unit's result: its test metrics, its validation curve and where its per-sample predictions are. */
export interface ModelResult {
  kind: 'model';
  loss: LossKind;
  seed: number;
  separation: number;
  budget: number;
  /** Epochs of the stage the budget scales (CE: training; SupCon/SimCLR: pretraining). */
  epochs: number;
  /** Of the best checkpoint on the seed's iid test set at this separation; null when not finite (one class). */
  balancedAccuracy: number | null;
  auroc: number | null;
  /** Test samples scored. */
  testN: number;
  /** Per-sample predictions (index, label, p_malignant, predicted, factors), relative to the unit folder. */
  predictions: string;
  /** After each epoch that reported validation AUROC (the CE model at the race's separation and full budget is
   * the race's core side). */
  validation: ValidationCurve;
}

/** A race unit's result: the CE run's validation curve. */
export interface RaceResult extends ValidationCurve {
  kind: 'race';
  task: RaceTask;
  seed: number;
}

export type LearnabilityUnitResult = ModelResult | RaceResult;

/** One trained and tested model of the sweep, as the summary lists it. */
export type LearnabilityRun = Omit<ModelResult, 'kind' | 'predictions' | 'testN' | 'validation'>;

/** One side of the race for one seed, with the first epoch that reached the race's AUROC level. */
export interface EpochCurve extends ValidationCurve {
  task: RaceTask;
  seed: number;
  /** The unit whose run it is: race-<task>-s<seed>, or the sweep's CE model at the race's separation, full budget. */
  unit: string;
  /** First epoch (1-based) whose validation AUROC reached the level; null when none did. */
  epochToLevel: number | null;
}

/** What the sweep measured, aggregated over seeds (metrics.json's `results`). */
export interface LearnabilityResults {
  runs: LearnabilityRun[];
  race: EpochCurve[];
  /** loss -> separation -> balanced accuracy over seeds (full budget). */
  bySeparation: Record<string, Record<string, Aggregate>>;
  /** loss -> budget fraction -> balanced accuracy over seeds (at the race's separation). */
  byBudget: Record<string, Record<string, Aggregate>>;
  /** First epoch whose validation AUROC reached the race's level, per task, over the seeds that reached it. */
  epochsToLevel: { shortcut: Aggregate; core: Aggregate };
}
