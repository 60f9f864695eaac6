// The pretraining-robustness study's numbers over seeds: grade scores per initialisation, mode and label
// fraction; mCE relative to scratch (ImageNet-C's mean corruption error); representation and saliency
// statistics; the control (scratch beats chance in distribution) and each claim's paired effects with verdicts.
import { Aggregate, aggregate } from '../../kit/aggregate';
import { Claim, judgeClaim } from '../../claims/claims';
import type { ModelAnalysis, TargetRun } from './run';
import { CKA_LAYERS, SIZE_BINS } from './measure';
import type { InitKind, PretrainingSpec, TrainMode } from './spec';

/** Scratch must beat chance in distribution: its kappa's 95% CI lies above 0. */
export interface Control {
  kappa: Aggregate;
  accuracy: Aggregate;
  /** The grade's learnability ceiling: kappa of a softmax probe on the true factors, over seeds. */
  factorKappa: Aggregate;
  passed: boolean;
  note: string;
}

export interface PretrainingSummary {
  /** init -> mode -> fraction -> 'test' | 'shift' -> metric -> over seeds. */
  performance: Record<string, Record<string, Record<string, Record<string, Record<string, Aggregate>>>>>;
  /** init -> mode -> mCE relative to fine-tuned scratch (1 = as robust as scratch, lower = more robust). */
  mce: Record<string, Record<string, Aggregate>>;
  /** init -> mode -> distortion -> severity -> mean accuracy over seeds (the heat map). */
  distortedAccuracy: Record<string, Record<string, Record<string, Record<string, number>>>>;
  /** init -> mode -> effective rank / CKA to scratch per layer / mean within-model CKA matrix. */
  representations: Record<
    string,
    Record<string, { effectiveRank: Aggregate; ckaToScratch: Record<string, Aggregate>; ckaWithin: number[][] }>
  >;
  /** init -> mode -> Grad-CAM enrichment on the main nodule / satellites, overall and by size bin. */
  saliency: Record<string, Record<string, { main: Record<string, Aggregate>; satellites: Record<string, Aggregate> }>>;
  control: Control;
  claims: Claim[];
}

const byInitMode = <T>(inits: InitKind[], modes: TrainMode[], f: (i: InitKind, m: TrainMode) => T | null) => {
  const out: Record<string, Record<string, T>> = {};
  for (const i of inits)
    for (const m of modes) {
      const v = f(i, m);
      if (v !== null) (out[i] ??= {})[m] = v;
    }
  return out;
};

/** Mean corruption error of `a` relative to `ref` (one seed): mean over distortions of Σ_s err_a / Σ_s err_ref. */
export function meanCorruptionError(a: ModelAnalysis['distorted'], ref: ModelAnalysis['distorted']): number {
  const ces = Object.keys(a).map((d) => {
    const sevs = Object.keys(a[d]);
    const ea = sevs.reduce((s, k) => s + (1 - a[d][k].accuracy), 0);
    const er = sevs.reduce((s, k) => s + (1 - ref[d][k].accuracy), 0);
    return er > 0 ? ea / er : NaN;
  });
  return ces.reduce((x, y) => x + y, 0) / ces.length;
}

/** Aggregates the runs and analyses and judges the claims. */
export function summarizePretraining(
  spec: PretrainingSpec,
  runs: TargetRun[],
  analyses: ModelAnalysis[],
  factorProbe: { seed: number; test: { kappa: number } }[] = [],
): PretrainingSummary {
  const seeds = spec.seeds;
  const fractions = [...spec.labelFractions].sort((a, b) => a - b);
  const full = fractions[fractions.length - 1];
  const run = (i: InitKind, m: TrainMode, f: number, s: number) =>
    runs.find((r) => r.init === i && r.mode === m && r.fraction === f && r.seed === s);
  const ana = (i: InitKind, m: TrainMode, s: number) =>
    analyses.find((a) => a.init === i && a.mode === m && a.seed === s);
  const has = (i: InitKind, m: TrainMode) => runs.some((r) => r.init === i && r.mode === m);

  const performance: PretrainingSummary['performance'] = byInitMode(spec.inits, spec.modes, (i, m) => {
    if (!has(i, m)) return null;
    const out: Record<string, Record<string, Record<string, Aggregate>>> = {};
    for (const f of fractions)
      for (const set of ['test', 'shift'] as const)
        for (const k of ['accuracy', 'kappa', 'auroc'] as const)
          ((out[String(f)] ??= {})[set] ??= {})[k] = aggregate(seeds.map((s) => run(i, m, f, s)?.[set][k] ?? NaN));
    return out;
  });
  const mceOf = (i: InitKind, m: TrainMode, s: number) => {
    const a = ana(i, m, s);
    const ref = ana('scratch', 'finetune', s);
    return a && ref ? meanCorruptionError(a.distorted, ref.distorted) : NaN;
  };
  const mce = byInitMode(spec.inits, spec.modes, (i, m) =>
    has(i, m) ? aggregate(seeds.map((s) => mceOf(i, m, s))) : null,
  );
  const distortedAccuracy = byInitMode(spec.inits, spec.modes, (i, m) => {
    if (!has(i, m)) return null;
    const out: Record<string, Record<string, number>> = {};
    for (const d of spec.distortions)
      for (const sev of spec.severities)
        (out[d] ??= {})[String(sev)] =
          aggregate(seeds.map((s) => ana(i, m, s)?.distorted[d][String(sev)].accuracy ?? NaN)).mean ?? NaN;
    return out;
  });
  const representations = byInitMode(spec.inits, spec.modes, (i, m) => {
    if (!has(i, m)) return null;
    const as = seeds.map((s) => ana(i, m, s)).filter((a): a is ModelAnalysis => a !== undefined);
    const L = CKA_LAYERS.length;
    return {
      effectiveRank: aggregate(seeds.map((s) => ana(i, m, s)?.effectiveRank ?? NaN)),
      ckaToScratch: Object.fromEntries(
        CKA_LAYERS.map((l) => [l, aggregate(seeds.map((s) => ana(i, m, s)?.ckaToScratch[l] ?? NaN))]),
      ),
      ckaWithin: Array.from({ length: L }, (_, r) =>
        Array.from({ length: L }, (_, c) => as.reduce((x, a) => x + a.ckaWithin[r][c], 0) / Math.max(1, as.length)),
      ),
    };
  });
  const saliency = byInitMode(spec.inits, spec.modes, (i, m) => {
    if (!has(i, m)) return null;
    const pick = (k: 'main' | 'satellites') => ({
      all: aggregate(seeds.map((s) => ana(i, m, s)?.saliency[k === 'main' ? 'mainAll' : 'satellitesAll'] ?? NaN)),
      ...Object.fromEntries(
        SIZE_BINS.map((b) => [b.name, aggregate(seeds.map((s) => ana(i, m, s)?.saliency[k][b.name] ?? NaN))]),
      ),
    });
    return { main: pick('main'), satellites: pick('satellites') };
  });

  const kappa = aggregate(seeds.map((s) => run('scratch', 'finetune', full, s)?.test.kappa ?? NaN));
  const accuracy = aggregate(seeds.map((s) => run('scratch', 'finetune', full, s)?.test.accuracy ?? NaN));
  const passed = kappa.lower !== null && kappa.lower > 0;
  const control: Control = {
    kappa,
    accuracy,
    factorKappa: aggregate(seeds.map((s) => factorProbe.find((f) => f.seed === s)?.test.kappa ?? NaN)),
    passed,
    note: passed
      ? 'scratch, fine-tuned on all labels, grades better than chance in distribution (kappa 95% CI above 0)'
      : kappa.lower === null
        ? 'FAILED to show: one seed gives no CI, so it is not shown that scratch beats chance in distribution'
        : 'FAILED: the kappa of scratch in distribution is not above chance (its 95% CI includes 0); the comparisons below rest on a model that did not learn the grade',
  };

  const pretrained = spec.inits.filter((i) => i !== 'scratch');
  const ssl = pretrained.filter((i) => i !== 'supervised');
  const diff = (a: InitKind, b: InitKind, f: number, get: (r: TargetRun) => number) =>
    seeds.map((s) => {
      const x = run(a, 'finetune', f, s);
      const y = run(b, 'finetune', f, s);
      return x && y ? get(x) - get(y) : NaN;
    });
  const anaDiff = (a: InitKind, get: (r: ModelAnalysis) => number) =>
    seeds.map((s) => {
      const x = ana(a, 'finetune', s);
      const y = ana('scratch', 'finetune', s);
      return x && y ? get(x) - get(y) : NaN;
    });
  const vsScratch = (f: number, get: (r: TargetRun) => number) =>
    pretrained.map((i) => ({ comparison: `${i} − scratch`, values: diff(i, 'scratch', f, get) }));
  const claims: Claim[] = [
    judgeClaim(
      'Pretraining improves grading in distribution',
      `kappa, fine-tuned, ${full * 100}% labels`,
      'greater',
      vsScratch(full, (r) => r.test.kappa),
    ),
    judgeClaim(
      'Pretraining improves label efficiency',
      `kappa, fine-tuned, ${fractions[0] * 100}% labels`,
      'greater',
      vsScratch(fractions[0], (r) => r.test.kappa),
    ),
    judgeClaim(
      'Pretraining improves generalization to another dataset',
      `kappa on the scanner-shifted set, fine-tuned, ${full * 100}% labels`,
      'greater',
      vsScratch(full, (r) => r.shift.kappa),
    ),
    judgeClaim(
      'Pretraining improves robustness to distortions',
      'mCE relative to scratch − 1 (fine-tuned)',
      'less',
      pretrained.map((i) => ({ comparison: `mCE(${i}) − 1`, values: seeds.map((s) => mceOf(i, 'finetune', s) - 1) })),
    ),
    judgeClaim(
      'Self-supervision improves grading more than supervised pretraining',
      `kappa, fine-tuned, ${full * 100}% labels`,
      'greater',
      spec.inits.includes('supervised')
        ? ssl.map((i) => ({
            comparison: `${i} − supervised`,
            values: diff(i, 'supervised', full, (r) => r.test.kappa),
          }))
        : [],
    ),
    judgeClaim(
      'Pretraining gives richer representations',
      'effective rank of the embedding (fine-tuned)',
      'greater',
      pretrained.map((i) => ({ comparison: `${i} − scratch`, values: anaDiff(i, (a) => a.effectiveRank) })),
    ),
    judgeClaim(
      'Pretrained models attend more to the small lesions',
      'Grad-CAM enrichment on satellite micronodules (share of saliency ÷ share of voxels; fine-tuned)',
      'greater',
      pretrained.map((i) => ({ comparison: `${i} − scratch`, values: anaDiff(i, (a) => a.saliency.satellitesAll) })),
    ),
  ];
  return { performance, mce, distortedAccuracy, representations, saliency, control, claims };
}
