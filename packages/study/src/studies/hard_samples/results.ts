// What the hard-samples study returns: its units, each unit's result (JSON: plain arrays, paths relative to the
// unit's folder, no wall-clock values) and the summary over units. run_unit, summary, claims, report and text
// import these types; this file imports nothing back from the study's folder but its leaf helpers' types.
import type { FactorRecord } from '@nodulab/data';
import type { Box3d, ProportionCI } from '@nodulab/eval';
import type { Aggregate } from '../../kit/aggregate';
import type { HtlCount } from './htl';
import type { HardSamplesSpec, Setting } from './spec';

/** The retraining arms: the baseline (dense localizer 0 itself) and three ways of attending at its budget. */
export const ARMS = ['baseline', 'htl', 'random', 'mining'] as const;
export type AttendArm = (typeof ARMS)[number];
/** The arms that retrain (the baseline is dense localizer 0). */
export const RETRAINED_ARMS = ['htl', 'random', 'mining'] as const;
export type RetrainedArm = (typeof RETRAINED_ARMS)[number];

/**
 * One unit of the grid, per seed (its own data draw):
 * - data: the factor records of the training pool and the test set (no model);
 * - classifier: dense malignancy classifier `model` and its pruned + fine-tuned copies at every sparsity;
 * - targets: a setting's training boxes (supervised: the true ones; semi: a teacher's pseudo-boxes where the
 *   box is not known; weak: Grad-CAM boxes of the dense classifiers, so it needs every classifier unit);
 * - localizer: dense localizer `model` and its pruned copies, trained on the setting's boxes;
 * - arm: one retrained arm of a setting; it needs every localizer unit (their box divergence chooses the HTL
 *   samples) and the setting's targets.
 */
export type HardSamplesUnit =
  | { id: string; kind: 'data'; seed: number; needs?: string[] }
  | { id: string; kind: 'classifier'; seed: number; model: number; needs?: string[] }
  | { id: string; kind: 'targets'; seed: number; setting: Setting; needs?: string[] }
  | { id: string; kind: 'localizer'; seed: number; setting: Setting; model: number; needs?: string[] }
  | { id: string; kind: 'arm'; seed: number; setting: Setting; arm: RetrainedArm; needs: string[] };

/** One model's outputs on one set. */
export interface SetOutputs {
  /** Localizers: predicted boxes (voxels) and their IoU with the true boxes. */
  boxes?: Box3d[];
  ious?: number[];
  /** Classifiers: predicted classes, and the set's AUROC and balanced accuracy of malignancy. */
  classes?: number[];
  metrics?: { auroc: number; balancedAccuracy: number };
}

/** One model's outputs on the training pool and on the test set. */
export interface ModelOutputs {
  name: string;
  /** 0 for dense models. */
  sparsity: number;
  /** Its run folder, relative to its unit's folder. */
  dir: string;
  train: SetOutputs;
  test: SetOutputs;
}

export interface DataResult {
  kind: 'data';
  seed: number;
  factors: { train: FactorRecord[]; test: FactorRecord[] };
}

/** A dense model and its pruned copies (dense first, then by sparsity as the spec lists them). */
export interface PopulationResult {
  kind: 'classifier' | 'localizer';
  seed: number;
  /** null for classifiers. */
  setting: Setting | null;
  model: number;
  models: ModelOutputs[];
}

export interface TargetsResult {
  kind: 'targets';
  seed: number;
  setting: Setting;
  /** Per training sample: 1 where the true box was given (all for supervised, none for weak). */
  labeled: number[];
  /** Per training sample: IoU of its training box with the true box. */
  targetIoUs: number[];
  /** The boxes (voxels) the setting's localizers train and validate on. */
  train: Box3d[];
  val: Box3d[];
  /** Per test sample: IoU of the mean training box (the trivial localizer) with the true box. */
  meanBoxIoUs: number[];
}

export interface ArmResult {
  kind: 'arm';
  seed: number;
  setting: Setting;
  arm: RetrainedArm;
  /** Per training sample: 1 where up-weighted (htl, random); all 0 for mining. */
  upweighted: number[];
  /** Per test sample: IoU with the true box. */
  ious: number[];
}

export type HardSamplesUnitResult = DataResult | PopulationResult | TargetsResult | ArmResult;

/** One factor subgroup: its HTL rate against the population's, and test IoU before/after attending. */
export interface SubgroupRow {
  factor: string;
  group: string;
  n: number;
  htl: number;
  rate: ProportionCI;
  populationRate: number;
  ratio: number;
  /** Test samples in the subgroup and their mean IoU under the baseline and the HTL-weighted arm (localization). */
  testN: number;
  iouBaseline: number | null;
  iouHtl: number | null;
}

/**
 * The subgroup most over-represented among HTL samples (n >= 5, chosen after looking at all of them): per seed,
 * its HTL rate − the population's.
 */
export interface OverRepresentation {
  factor: string;
  group: string;
  candidates: number;
  perSeed: Aggregate;
}

/** The control of one setting: its dense localizer against the mean of its training boxes (test mean IoU). */
export interface LocalizerControl {
  dense: Aggregate;
  meanBox: Aggregate;
  difference: Aggregate;
  passed: boolean;
  text: string;
}

/**
 * The classifiers' control: the dense malignancy classifiers' test AUROC and balanced accuracy (mean over a
 * seed's dense models, 95% CI over seeds); passed when both intervals lie above chance (0.5), or with one seed
 * when both means do. PIE and the weak setting's Grad-CAM boxes rest on it.
 */
export interface ClassifierControl {
  auroc: Aggregate;
  balancedAccuracy: Aggregate;
  passed: boolean;
  text: string;
}

/**
 * One sparsity's pruned population against the dense one, on the test set: pruned − dense (each the mean over a
 * seed's models), 95% CI over seeds. PIE and localization HTL assume pruned models about as accurate as dense ones.
 */
export interface PrunedRow {
  sparsity: number;
  /** Classifiers: AUROC and balanced accuracy differences; localizers: mean IoU difference. */
  auroc?: Aggregate;
  balancedAccuracy?: Aggregate;
  iou?: Aggregate;
}

/** HTL counts per sparsity over seeds. */
export interface CountRow {
  sparsity: number;
  count: Aggregate;
  fraction: Aggregate;
}

/** What one supervision setting reports; every Aggregate's `values` are per seed, in seed order. */
export interface SettingSummary {
  setting: Setting;
  control: LocalizerControl;
  /** Mean IoU of the training boxes the localizers learn from with the true boxes (1 when supervised). */
  targetIoU: Aggregate;
  counts: CountRow[];
  arms: Record<AttendArm, Aggregate>;
  /** Paired per-seed differences of test mean IoU between arms. */
  differences: { a: AttendArm; b: AttendArm; difference: Aggregate }[];
  /** Dense localizers' mean training IoU with the true boxes: non-HTL − HTL samples, per seed. */
  htlHarder: Aggregate;
  subgroups: SubgroupRow[];
  overRepresented: OverRepresentation | null;
  pruned: PrunedRow[];
}

/** The summary over units (metrics.json's `results`). */
export interface HardSamplesResults {
  seeds: number[];
  classification: {
    control: ClassifierControl;
    counts: CountRow[];
    /** PIE fraction at the highest sparsity − at the lowest, per seed. */
    pieGrowth: Aggregate;
    subgroups: SubgroupRow[];
    overRepresented: OverRepresentation | null;
    pruned: PrunedRow[];
  };
  settings: SettingSummary[];
}

/** What one seed measured, assembled from its units' results (the summary and the per-sample files read it). */
export interface SeedView {
  seed: number;
  factors: DataResult['factors'];
  classModels: ModelOutputs[];
  pieScore: number[];
  pieHtl: number[];
  pieCounts: HtlCount[];
  settings: SettingView[];
}

/** What one setting measured on one seed. */
export interface SettingView {
  setting: Setting;
  labeled: number[];
  targetIoUs: number[];
  locScore: number[];
  locHtl: number[];
  locCounts: HtlCount[];
  boxModels: ModelOutputs[];
  armIoUs: Record<AttendArm, number[]>;
  meanBoxIoUs: number[];
  denseTestIoU: number;
  denseTrainIoU: { htl: number; rest: number };
}

/** The spec as the summary's helpers need it. */
export type SpecView = Pick<HardSamplesSpec, 'seeds' | 'settings' | 'sparsities' | 'htlFraction' | 'volume' | 'n'>;
