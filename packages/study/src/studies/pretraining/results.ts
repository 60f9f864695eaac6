// What the pretraining-robustness study returns: its units (pretrained encoders, each seed's facts, target
// models, full-label analyses), each unit's result (JSON: non-finite numbers as null, paths relative to the unit
// folder) and the summary over units. The run, summary and report import these types; this file imports
// nothing of theirs.
import type { Aggregate } from '../../kit/aggregate';
import type { InitKind, PretrainedInit, TrainMode } from './spec';

/** A number of a unit result; null where the measure is not finite (a constant prediction's kappa). */
export type Num = number | null;

/** The scores of one model on one test set. */
export interface GradeScores {
  accuracy: Num;
  /** Quadratic weighted kappa. */
  kappa: Num;
  /** AUROC of P(grade >= 4). */
  auroc: Num;
}

/** One model's per-sample outputs on one test set, in test-set order. */
export interface SamplePredictions {
  /** Predicted grade 1..5. */
  predicted: number[];
  /** P(grade >= 4). */
  pHigh: number[];
}

/** What each test sample is, in test-set order (the per-sample CSV's descriptive columns). */
export interface SampleFacts {
  index: number[];
  grade: number[];
  diameter: number[];
  satelliteCount: number[];
}

/** The two clean test sets: in distribution and the scanner-shifted second dataset. */
export const TEST_SETS = ['test', 'shift'] as const;
export type TestSetName = (typeof TEST_SETS)[number];

/** A pretrained encoder: trained once, read by every target model that starts from it. */
export interface PretrainUnit {
  id: string;
  kind: 'pretrain';
  init: PretrainedInit;
  /** Its run seed (the study seed, or 0 when the seeds share one set of encoders). */
  runSeed: number;
  needs?: string[];
}

/** Per seed: the grade's learnability ceiling (a probe on the true factors) and what the test samples are. */
export interface FactsUnit {
  id: string;
  kind: 'facts';
  seed: number;
  /** None: it reads only the generator. */
  needs?: string[];
}

/** One target model: an initialisation trained in one mode on a fraction of the labels, scored clean. */
export interface TargetUnit {
  id: string;
  kind: 'target';
  init: InitKind;
  mode: TrainMode;
  fraction: number;
  seed: number;
  /** The encoder unit it starts from (none for scratch). */
  needs?: string[];
}

/** A full-label model's distortions, representations (with CKA to scratch of the same seed) and Grad-CAM. */
export interface AnalysisUnit {
  id: string;
  kind: 'analysis';
  init: InitKind;
  mode: TrainMode;
  seed: number;
  /** [its target unit, the fine-tuned scratch target unit of the seed] (the latter once for scratch itself). */
  needs: string[];
}

export type PretrainingUnit = PretrainUnit | FactsUnit | TargetUnit | AnalysisUnit;
export type UnitKind = PretrainingUnit['kind'];

export interface PretrainResult {
  kind: 'pretrain';
  init: PretrainedInit;
  runSeed: number;
  /** The encoder checkpoint, relative to the unit folder. */
  checkpoint: string;
}

export interface FactsResult {
  kind: 'facts';
  seed: number;
  /** A softmax probe on the true factors the grade rule reads, scored on the in-distribution test set. */
  factorProbe: GradeScores;
  samples: Record<TestSetName, SampleFacts>;
}

export interface TargetResult {
  kind: 'target';
  init: InitKind;
  mode: TrainMode;
  fraction: number;
  seed: number;
  /** Labelled training samples. */
  n: number;
  /** The training run, relative to the unit folder. */
  run: string;
  scores: Record<TestSetName, GradeScores>;
  predictions: Record<TestSetName, SamplePredictions>;
}

/**
 * Mean Grad-CAM enrichment on the main nodule and on the satellites per size bin (null where a bin is empty): the
 * share of the saliency inside a mask divided by the share of the voxels inside it (1 = no preference).
 */
export interface SaliencyShares {
  main: Record<string, Num>;
  satellites: Record<string, Num>;
  /** Over every analysed sample with satellites. */
  mainAll: Num;
  satellitesAll: Num;
  /** Samples analysed. */
  n: number;
}

export interface AnalysisResult {
  kind: 'analysis';
  init: InitKind;
  mode: TrainMode;
  seed: number;
  /** distortion -> severity -> scores on the distorted in-distribution test set. */
  distorted: Record<string, Record<string, GradeScores>>;
  /** distortion -> severity -> per-sample outputs. */
  distortedPredictions: Record<string, Record<string, SamplePredictions>>;
  /** Effective rank (exp of the spectral entropy) of the embedding's PCA spectrum; its first explained variances. */
  effectiveRank: Num;
  explainedVariance: Num[];
  /** Linear CKA with the fine-tuned scratch model of the same seed at each layer. */
  ckaToScratch: Record<string, Num>;
  /** CKA between this model's layers (CKA_LAYERS order). */
  ckaWithin: Num[][];
  saliency: SaliencyShares;
  /** The embedding of the test set (N, features), relative to the unit folder. */
  embedding: string;
}

export type PretrainingUnitResult = PretrainResult | FactsResult | TargetResult | AnalysisResult;

/** The summary over units: every number a claim or a table reads, over seeds. */
export interface PretrainingSummary {
  /** init -> mode -> fraction -> test set -> metric -> over seeds. */
  performance: Record<string, Record<string, Record<string, Record<TestSetName, Record<string, Aggregate>>>>>;
  /** init -> mode -> mCE relative to fine-tuned scratch (1 = as robust as scratch, lower = more robust). */
  mce: Record<string, Record<string, Aggregate>>;
  /** init -> mode -> relative mCE against fine-tuned scratch (error added by distortion over scratch's added error). */
  relativeMce: Record<string, Record<string, Aggregate>>;
  /** init -> mode -> distortion -> severity -> mean accuracy over seeds (the heat map). */
  distortedAccuracy: Record<string, Record<string, Record<string, Record<string, number | null>>>>;
  /** init -> mode -> effective rank / CKA to scratch per layer / mean within-model CKA matrix. */
  representations: Record<
    string,
    Record<
      string,
      { effectiveRank: Aggregate; ckaToScratch: Record<string, Aggregate>; ckaWithin: (number | null)[][] }
    >
  >;
  /** init -> mode -> Grad-CAM enrichment on the main nodule / satellites, overall ('all') and by size bin. */
  saliency: Record<string, Record<string, { main: Record<string, Aggregate>; satellites: Record<string, Aggregate> }>>;
  /** The control's numbers: fine-tuned scratch at all labels in distribution, and the factor probe's ceiling. */
  control: { kappa: Aggregate; accuracy: Aggregate; factorKappa: Aggregate };
  /** The encoders the target models started from. */
  encoders: { unit: string; init: PretrainedInit; runSeed: number }[];
}
