// The pretraining-robustness study's numbers over seeds: grade scores per initialisation, mode and label
// fraction; mCE and relative mCE against fine-tuned scratch (ImageNet-C's mean corruption errors, Hendrycks &
// Dietterich 2019: relative mCE counts only the error a distortion adds to the clean error); representation and
// saliency statistics; the control's numbers. Each Aggregate keeps its per-seed values in seed order, which
// the claims pair.
import { Aggregate, aggregate } from '../../kit/aggregate';
import type { UnitOutcome } from '../../framework/study';
import { CKA_LAYERS, SIZE_BINS } from './measure';
import { combos } from './plan';
import { TEST_SETS } from './results';
import type {
  AnalysisResult,
  FactsResult,
  GradeScores,
  Num,
  PretrainResult,
  PretrainingSummary,
  PretrainingUnit,
  PretrainingUnitResult,
  TargetResult,
} from './results';
import { fullFraction } from './spec';
import type { InitKind, PretrainingSpec, TrainMode } from './spec';

/** A unit result's number, NaN for null (a non-finite measure). */
export const num = (v: Num | undefined): number => (typeof v === 'number' ? v : NaN);

/**
 * Mean corruption error of `a` relative to `ref` (one seed): mean over distortions of Σ_s err_a / Σ_s err_ref. The
 * relative mCE with clean errors taken as 0.
 */
export function meanCorruptionError(
  a: Record<string, Record<string, GradeScores>>,
  ref: Record<string, Record<string, GradeScores>>,
): number {
  return relativeCorruptionError(a, ref, { a: 1, ref: 1 });
}

/**
 * Relative mean corruption error of `a` against `ref` (one seed): mean over distortions of
 * Σ_s (err_a(d, s) − err_a(clean)) / Σ_s (err_ref(d, s) − err_ref(clean)). Unlike mCE, a model that is only more
 * accurate on clean data does not score lower. NaN for a distortion that does not raise the reference's error
 * (nothing to be relative to).
 */
export function relativeCorruptionError(
  a: Record<string, Record<string, GradeScores>>,
  ref: Record<string, Record<string, GradeScores>>,
  clean: { a: number; ref: number },
): number {
  const ces = Object.keys(a).map((d) => {
    const sevs = Object.keys(a[d]);
    const ea = sevs.reduce((s, k) => s + (1 - num(a[d][k].accuracy)) - (1 - clean.a), 0);
    const er = sevs.reduce((s, k) => s + (1 - num(ref[d]?.[k]?.accuracy)) - (1 - clean.ref), 0);
    return er > 0 ? ea / er : NaN;
  });
  return ces.reduce((x, y) => x + y, 0) / ces.length;
}

const byInitMode = <T>(
  spec: PretrainingSpec,
  f: (i: InitKind, m: TrainMode) => T,
): Record<string, Record<string, T>> => {
  const out: Record<string, Record<string, T>> = {};
  for (const { init, mode } of combos(spec)) (out[init] ??= {})[mode] = f(init, mode);
  return out;
};

/** The results of each kind, found by what they are of. */
export class PretrainingOutcomes {
  readonly targets: TargetResult[];
  readonly analyses: AnalysisResult[];
  readonly facts: FactsResult[];
  readonly encoders: { unit: string; result: PretrainResult }[];

  constructor(outcomes: readonly UnitOutcome<PretrainingUnit, PretrainingUnitResult>[]) {
    const of = <K extends PretrainingUnitResult['kind']>(k: K) =>
      outcomes.filter((o) => o.result.kind === k).map((o) => o.result as Extract<PretrainingUnitResult, { kind: K }>);
    this.targets = of('target');
    this.analyses = of('analysis');
    this.facts = of('facts');
    this.encoders = outcomes
      .filter((o) => o.result.kind === 'pretrain')
      .map((o) => ({ unit: o.unit.id, result: o.result as PretrainResult }));
  }

  target(i: InitKind, m: TrainMode, f: number, s: number): TargetResult | undefined {
    return this.targets.find((r) => r.init === i && r.mode === m && r.fraction === f && r.seed === s);
  }

  analysis(i: InitKind, m: TrainMode, s: number): AnalysisResult | undefined {
    return this.analyses.find((a) => a.init === i && a.mode === m && a.seed === s);
  }

  factsOf(s: number): FactsResult | undefined {
    return this.facts.find((f) => f.seed === s);
  }
}

/** The summary over every unit's outcome. */
export function summarizePretraining(
  spec: PretrainingSpec,
  outcomes: readonly UnitOutcome<PretrainingUnit, PretrainingUnitResult>[],
): PretrainingSummary {
  const o = new PretrainingOutcomes(outcomes);
  const seeds = spec.seeds;
  const full = fullFraction(spec);
  const over = (f: (s: number) => number): Aggregate => aggregate(seeds.map(f));

  const performance = byInitMode(spec, (i, m) => {
    const out: PretrainingSummary['performance'][string][string] = {};
    for (const f of spec.labelFractions) {
      const bySet = {} as Record<(typeof TEST_SETS)[number], Record<string, Aggregate>>;
      for (const set of TEST_SETS)
        bySet[set] = Object.fromEntries(
          (['accuracy', 'kappa', 'auroc'] as const).map((k) => [
            k,
            over((s) => num(o.target(i, m, f, s)?.scores[set][k])),
          ]),
        );
      out[String(f)] = bySet;
    }
    return out;
  });
  const mceOf = (i: InitKind, m: TrainMode, s: number): number => {
    const a = o.analysis(i, m, s);
    const ref = o.analysis('scratch', 'finetune', s);
    return a && ref ? meanCorruptionError(a.distorted, ref.distorted) : NaN;
  };
  const mce = byInitMode(spec, (i, m) => over((s) => mceOf(i, m, s)));
  // The clean error is the model's own on the same in-distribution test set (its all-labels target unit).
  const relativeMceOf = (i: InitKind, m: TrainMode, s: number): number => {
    const a = o.analysis(i, m, s);
    const ref = o.analysis('scratch', 'finetune', s);
    const cleanA = num(o.target(i, m, full, s)?.scores.test.accuracy);
    const cleanRef = num(o.target('scratch', 'finetune', full, s)?.scores.test.accuracy);
    return a && ref ? relativeCorruptionError(a.distorted, ref.distorted, { a: cleanA, ref: cleanRef }) : NaN;
  };
  const relativeMce = byInitMode(spec, (i, m) => over((s) => relativeMceOf(i, m, s)));
  const distortedAccuracy = byInitMode(spec, (i, m) => {
    const out: Record<string, Record<string, number | null>> = {};
    for (const d of spec.distortions)
      for (const sev of spec.severities)
        (out[d] ??= {})[String(sev)] = over((s) =>
          num(o.analysis(i, m, s)?.distorted[d]?.[String(sev)]?.accuracy),
        ).mean;
    return out;
  });
  const representations = byInitMode(spec, (i, m) => {
    const as = seeds.map((s) => o.analysis(i, m, s)).filter((a): a is AnalysisResult => a !== undefined);
    const L = CKA_LAYERS.length;
    return {
      effectiveRank: over((s) => num(o.analysis(i, m, s)?.effectiveRank)),
      ckaToScratch: Object.fromEntries(
        CKA_LAYERS.map((l) => [l, over((s) => num(o.analysis(i, m, s)?.ckaToScratch[l]))]),
      ),
      ckaWithin: Array.from({ length: L }, (_, r) =>
        Array.from({ length: L }, (_, c) => aggregate(as.map((a) => num(a.ckaWithin[r]?.[c]))).mean),
      ),
    };
  });
  const saliency = byInitMode(spec, (i, m) => {
    const pick = (k: 'main' | 'satellites') => ({
      all: over((s) => num(o.analysis(i, m, s)?.saliency[k === 'main' ? 'mainAll' : 'satellitesAll'])),
      ...Object.fromEntries(SIZE_BINS.map((b) => [b.name, over((s) => num(o.analysis(i, m, s)?.saliency[k][b.name]))])),
    });
    return { main: pick('main'), satellites: pick('satellites') };
  });
  const control = {
    kappa: over((s) => num(o.target('scratch', 'finetune', full, s)?.scores.test.kappa)),
    accuracy: over((s) => num(o.target('scratch', 'finetune', full, s)?.scores.test.accuracy)),
    factorKappa: over((s) => num(o.factsOf(s)?.factorProbe.kappa)),
  };
  const encoders = o.encoders.map((e) => ({ unit: e.unit, init: e.result.init, runSeed: e.result.runSeed }));
  return { performance, mce, relativeMce, distortedAccuracy, representations, saliency, control, encoders };
}
