// The loss-generalization study's types: a unit of its grid, what a unit measured, and the summary over
// units. run_unit, summary, claims and report import these; this file imports no module of the study.
import type { ClassificationMetricName } from '@nodulab/eval';
import { CLASSIFICATION_METRICS } from '@nodulab/eval';
import type { Aggregate } from '../../kit/aggregate';
import type { FactorRole, FlipStats } from './counterfactual';
import type { ProbeResult } from '../../measures/probes';
import type { Arm, StudySpec } from './spec';

/** The classification metrics reported per test set. */
export const METRICS = CLASSIFICATION_METRICS;
export type MetricName = ClassificationMetricName;

/** What one (loss, seed) run measured. */
export interface RunResult {
  loss: string;
  seed: number;
  /** The dataset seed its training, validation and test data were drawn with. */
  dataSeed: number;
  /** The run folder, relative to the study folder. */
  dir: string;
  trainSeconds: number;
  testSets: Record<string, Record<MetricName, number>>;
  counterfactual: Record<string, FlipStats>;
  probes: Record<string, ProbeResult>;
  saliency: { n: number; insideShare: number; maskFraction: number };
}

/** Means and 95% CIs over seeds, per loss. */
export interface StudySummary {
  performance: Record<string, Record<string, Record<string, Aggregate>>>;
  counterfactual: Record<string, Record<string, Record<string, Aggregate>>>;
  probes: Record<string, Record<string, Aggregate>>;
  saliency: Record<string, Record<string, Aggregate>>;
}
/** One control run: (loss, seed) trained and tested on the iid control distribution. */
export interface ControlRun {
  loss: string;
  seed: number;
  dataSeed: number;
  dir: string;
  trainSeconds: number;
  metrics: Record<MetricName, number>;
}

/** The iid control arm. */
export interface ControlResult {
  enabled: boolean;
  /** Whether every loss's mean control balanced accuracy reached the threshold; null when not run. */
  passed: boolean | null;
  minBalancedAccuracy: number;
  /** Losses whose mean control balanced accuracy is below the threshold. */
  failing: string[];
  runs: ControlRun[];
  /** Per loss, each metric's mean and 95% CI over seeds. */
  summary: Record<string, Record<string, Aggregate>>;
}
/** The per-seed difference a − b of one measure between two losses. */
export interface PairedDifference {
  a: string;
  b: string;
  section: 'performance' | 'counterfactual' | 'probe';
  /** Test set, counterfactual factor or probe target. */
  target: string;
  metric: string;
  /** Mean and 95% CI of the differences; `values` are the per-seed differences. */
  diff: Aggregate;
}

/** One unit of the grid: a loss trained on one seed's data, on one arm (id: runs/<loss>-s<seed>[-control]). */
export interface LossGeneralizationUnit {
  id: string;
  loss: string;
  seed: number;
  arm: Arm;
}

/** What one unit measured: a shortcut-arm run with its counterfactual metadata, or a control run. */
export type RunOutcome =
  | {
      arm: 'shortcut';
      run: RunResult;
      counterfactualValues: Record<string, string>;
      factorRoles: Record<string, FactorRole>;
    }
  | { arm: 'control'; run: ControlRun };

/** Everything the study measured, over every unit; metrics.json's `results`. */
export interface LossGeneralizationResults {
  description: string;
  threads: number;
  losses: string[];
  seeds: number[];
  testSets: { name: string; split: string; spec: string; n: number }[];
  /** The dataset seed of each seed (see datasetSeedOf). */
  dataSeeds: number[];
  analysis: StudySpec['analysis'] & {
    counterfactualValues: Record<string, string>;
    /** What each counterfactual does: cross the shortcut, swap the core feature, or neither. */
    factorRoles: Record<string, FactorRole>;
  };
  runs: RunResult[];
  summary: StudySummary;
  /** The iid control arm: its runs, means over seeds and whether it passed. */
  control: ControlResult;
  /** Per pair of losses, the mean and 95% CI of per-seed differences of the compared measures. */
  pairedDifferences: PairedDifference[];
}
