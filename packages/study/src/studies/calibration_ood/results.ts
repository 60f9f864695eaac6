// What the calibration-ood study declares and returns: the resolved spec, the units of its grid, one unit's
// result (a trained model measured, or one model's OOD detection) and the summary over units. Types and constant
// names only: every other file of the study imports this one, and it imports nothing of the study back.
import type { ReliabilityBin } from '@nodulab/eval';
import type { RunConfigInput } from '@nodulab/train';
import type { Aggregate } from '../../kit/aggregate';

/** The study's name, as users type it. */
export const STUDY_NAME = 'calibration-ood';

/** The training regimes. */
export const REGIMES = ['joint', 'dedicated', 'transfer'] as const;
export type Regime = (typeof REGIMES)[number];

/**
 * The OOD scores compared: the spectral signature's k-NN distance and four uncertainty baselines (the last, the
 * disagreement of the deep ensemble of that model of every seed).
 */
export const OOD_METHODS = ['spectral', 'max-softmax', 'entropy', 'mc-dropout', 'ensemble'] as const;
export type OodMethod = (typeof OOD_METHODS)[number];

/** The uncertainty baselines the spectral score is compared with. */
export const BASELINES = OOD_METHODS.filter((m) => m !== 'spectral') as Exclude<OodMethod, 'spectral'>[];

/** The calibration numbers of each regime and dataset (each also as `<key>After`, after temperature scaling). */
export const CALIBRATION_KEYS = ['ece', 'mce', 'nll', 'brier', 'eceBand', 'mceBand'] as const;
export type CalibrationKey = (typeof CALIBRATION_KEYS)[number];

/** A calibration-ood study, resolved (written as spec.json by the framework). */
export interface CalibrationOodSpec {
  name: typeof STUDY_NAME;
  description: string;
  /** The in-distribution segmentation datasets (presets with a `segmentation` target), at least two. */
  presets: string[];
  /**
   * Transfer: the model pretrained on `source` (its dedicated model) is fine-tuned on every other preset with
   * `fraction` of the labels (fraction · trainN samples), for as many optimizer steps as a dedicated model.
   */
  transfer: { source: string; fraction: number };
  /** A preset no model trains on: the "unseen dataset" OOD set. */
  unseen: string;
  seeds: number[];
  /** Volume shape of every dataset (each keeps its own spacing); divisible by 4 for a 2-level UNet3D. */
  shape: [number, number, number];
  /** Per dataset and seed: training, validation (temperature fitting) and test samples. */
  trainN: number;
  valN: number;
  testN: number;
  /** Samples of each OOD set. */
  oodN: number;
  /** Distortions (@nodulab/data's registry) applied to the in-distribution test volumes, at each severity. */
  distortions: string[];
  severities: number[];
  /**
   * The candidate layers (forward-hook names) whose feature map may give the spectral signature, and the candidate
   * k of its k-NN: each OOD unit chooses one of each on validation volumes (detector.ts), in this order of preference.
   */
  layers: string[];
  ks: number[];
  /** MC-dropout forward passes (at least 10). */
  mcSamples: number;
  /** Radius in voxels of the band around the structure where calibration is also measured. */
  bandRadius: number;
  /** Run-config overrides shared by every model (model, optimizer, batch size, epochs). */
  config: RunConfigInput;
  threads: number;
}

/** A unit that trains one model of one seed and measures it on its test datasets. */
export interface TrainUnit {
  id: string;
  kind: 'train';
  regime: Regime;
  seed: number;
  /** The datasets it trains on (transfer: the fine-tuning target). */
  datasets: string[];
  /** Transfer: the unit of the source preset's dedicated model of the same seed, whose checkpoint it fine-tunes. */
  needs?: string[];
}

/** Which model an OOD unit scores with: `joint`, or `dedicated:<preset>`. */
export type OodModelName = 'joint' | `dedicated:${string}`;

/** A unit that scores OOD detection by one model of one seed; it needs that model's unit of every seed (ensemble). */
export interface OodUnit {
  id: string;
  kind: 'ood';
  model: OodModelName;
  seed: number;
  /** The presets the model trained on: in distribution, and the reference signatures. */
  presets: string[];
  /** The training unit of this model in every seed, in seed order: the deep ensemble. */
  needs: string[];
  /** The training unit of the model scored: this seed's. */
  scored: string;
  /** The first seed's joint model also gives ROC curves and a 2-D map of its signatures. */
  showcase: boolean;
}

export type CalibrationOodUnit = TrainUnit | OodUnit;

/** A number that JSON may carry as null: NaN or ±Infinity (a failed or undefined measure). */
export type Num = number | null;

/** The calibration numbers kept per model and dataset (whole volume and band, before and after scaling). */
export type CalibrationNumbers = Record<CalibrationKey, { before: Num; after: Num }>;

/** One trained model measured on one of its test datasets. */
export interface DatasetResult {
  dataset: string;
  n: number;
  dice: number;
  /** Mean over the volumes with a finite HD95 (mm; null when none has one), and how many those are. */
  hd95: Num;
  hd95Finite: number;
  /** The Dice of predicting background everywhere on the same volumes (the control's trivial model). */
  trivialDice: number;
  calibration: CalibrationNumbers;
  /** Reliability bins: whole volume and band, before and after temperature scaling. */
  bins: {
    before: ReliabilityBin[];
    after: ReliabilityBin[];
    bandBefore: ReliabilityBin[];
    bandAfter: ReliabilityBin[];
  };
}

/** One test volume segmented by one model: a row of predictions.csv. */
export interface VolumeRow {
  dataset: string;
  index: number;
  dice: number;
  /** mm; null when exactly one of prediction and truth is empty (no finite HD95). */
  hd95: Num;
  truthVoxels: number;
  predictedVoxels: number;
}

/** What a training unit returns: the model (in the unit's folder) and its measurements. */
export interface TrainResult {
  kind: 'train';
  regime: Regime;
  /** e.g. "joint", "dedicated-seg-nodule", "transfer-seg-nodule-to-seg-vessels". */
  name: string;
  seed: number;
  trainedOn: string[];
  /** Labelled training samples (all datasets). */
  n: number;
  /** Epochs and optimizer steps (transfer: as many steps as a dedicated model, over fewer volumes). */
  epochs: number;
  steps: number;
  /** Fitted on the validation NLL of its training datasets. */
  temperature: number;
  results: DatasetResult[];
  volumes: VolumeRow[];
}

/** AUROC and FPR at 95% TPR of one method on one OOD set against the in-distribution test volumes. */
export interface OodMetric {
  auroc: number;
  fpr95: number;
}

/** One candidate spectral detector and its AUROC on validation volumes against their voxel-shuffled copies. */
export interface DetectorCandidate {
  layer: string;
  k: number;
  auroc: number;
}

/** The spectral detector an OOD unit chose on validation volumes, and every candidate it weighed. */
export interface DetectorChoice {
  layer: string;
  k: number;
  validationAuroc: number;
  candidates: DetectorCandidate[];
}

/** OOD detection by one model of one seed. */
export interface OodRun {
  model: OodModelName;
  seed: number;
  /** The spectral detector (layer and k), chosen on validation volumes. */
  detector: DetectorChoice;
  /** set -> method -> AUROC and FPR95. */
  sets: Record<string, Record<OodMethod, OodMetric>>;
  /**
   * Leave-one-out 1-NN accuracy of the in-distribution test signatures' dataset, and its chance level (null for a
   * model of one preset).
   */
  separation: Num;
  chance: Num;
}

/** ROC curves ([fpr, tpr] points) per set and method. */
export type RocCurves = Record<string, Record<OodMethod, [number, number][]>>;

/** A 2-D PCA of signatures: each point's set and coordinates, and the two components' explained variance. */
export interface SignatureMap {
  explained: number[];
  points: { set: string; x: number; y: number }[];
}

/** Every volume's scores of one set (in distribution: ood 0), per method: the rows of ood_scores.csv. */
export interface SetScores {
  set: string;
  ood: 0 | 1;
  scores: Record<OodMethod, number[]>;
}

/** What an OOD unit returns. */
export interface OodResult {
  kind: 'ood';
  run: OodRun;
  /** The OOD sets in report order. */
  setNames: string[];
  scores: SetScores[];
  /** The showcased unit only: ROC curves of the unseen, empty, scanner-shift and last sets, and the signature map. */
  roc: RocCurves | null;
  pca: SignatureMap | null;
}

export type CalibrationOodUnitResult = TrainResult | OodResult;

/** One trained model, as the Models table lists it. */
export type ModelRow = Omit<TrainResult, 'kind' | 'results' | 'volumes'>;

/** The numbers of one regime on one dataset, each over seeds. */
export type DatasetSummary = Record<string, Aggregate>;

/** set -> method -> AUROC and FPR95 over seeds. */
export type OodTable = Record<string, Record<string, { auroc: Aggregate; fpr95: Aggregate }>>;

/** The summary over every unit: what metrics.json holds as `results`. */
export interface CalibrationOodSummary {
  models: ModelRow[];
  /** Transfer: labelled volumes of each target and fine-tuning epochs (the dedicated model's step budget). */
  transfer: { volumes: number; epochs: number };
  /** regime -> dataset -> metric -> over seeds (dice, hd95, trivialDice, temperature, ece, eceAfter, ...). */
  performance: Record<string, Record<string, DatasetSummary>>;
  /** regime -> pooled reliability bins over datasets and seeds. */
  reliability: Record<string, Record<'before' | 'after' | 'bandBefore' | 'bandAfter', ReliabilityBin[]>>;
  /** The control's numbers: regime -> dataset -> Dice − all-background Dice over seeds. */
  margins: Record<string, Record<string, Aggregate>>;
  /** Every OOD run (the joint model of each seed, then each dedicated model of each seed). */
  ood: OodRun[];
  /** The OOD sets in report order. */
  oodSets: string[];
  /** Joint model: set -> method -> {auroc, fpr95} over seeds. */
  oodJoint: OodTable;
  /** Joint model: set -> baseline -> AUROC(spectral) − AUROC(baseline), paired over seeds. */
  oodDifferences: Record<string, Record<string, Aggregate>>;
  /** Dedicated models, each on its own preset's OOD sets: per seed the mean over the presets, over seeds. */
  oodDedicated: OodTable;
  oodDifferencesDedicated: Record<string, Record<string, Aggregate>>;
  /** preset -> its dedicated model's set -> method -> {auroc, fpr95} over seeds. */
  oodDedicatedByPreset: Record<string, OodTable>;
  /** Leave-one-out 1-NN accuracy of the dataset from the joint model's signatures, and its chance level. */
  separation: Aggregate;
  chance: number;
  /** The first seed's joint model: ROC curves and signature map. */
  roc: RocCurves;
  pca: SignatureMap;
}
