// OOD detection by one model of one seed (the joint model, or a dedicated model on its own preset): the k-NN scorer
// over its own training volumes' signatures, every method's scores of its in-distribution test volumes and of each
// OOD set built from its presets, AUROC and FPR95 per set and method, how well the test signatures separate the
// datasets (joint model); for the showcased seed's joint model also ROC curves and the signatures' 2-D PCA.
import { Module } from '@nodulab/nn';
import { KnnScorer, oodMetrics, pcaProject, rocCurve } from '@nodulab/eval';
import { OodScores, VolumeSet, concatSets, nearestNeighbourAccuracy, oodScores, setSignatures } from './measure';
import { oodSets, presetVolumes } from './data';
import { CalibrationOodSpec, OOD_METHODS, OodMethod } from './spec';

/** Which model an OOD run scores with: `joint`, or `dedicated:<preset>`. */
export type OodModelName = 'joint' | `dedicated:${string}`;

/** The model of an OOD run: the module, its name, the presets it trained on, and its deep ensemble. */
export interface OodModel {
  name: OodModelName;
  model: Module;
  /** In distribution: these presets' test volumes; reference signatures: their training volumes. */
  presets: readonly string[];
  /** The ensemble-disagreement baseline's members: this model of every seed. */
  ensemble: readonly Module[];
}

/** OOD detection by one model of one seed. */
export interface OodRun {
  model: OodModelName;
  seed: number;
  /** set -> method -> AUROC and FPR at 95% TPR against the in-distribution test volumes. */
  sets: Record<string, Record<OodMethod, { auroc: number; fpr95: number }>>;
  /**
   * Leave-one-out 1-NN accuracy of the in-distribution test signatures' dataset, and its chance level (NaN for a
   * model of one preset).
   */
  separation: number;
  chance: number;
}

/** ROC curves ([fpr, tpr] points) per set and method. */
export type RocCurves = Record<string, Record<OodMethod, [number, number][]>>;

/** A 2-D PCA of signatures: each point's set and coordinates, and the two components' explained variance. */
export interface SignatureMap {
  explained: number[];
  points: { set: string; x: number; y: number }[];
}

/** What {@link runOod} returns. */
export interface OodMeasurement {
  run: OodRun;
  /** The OOD sets in report order. */
  setNames: string[];
  /** ood_scores.csv rows (model, seed, set, method, index, ood, score), in-distribution first. */
  rows: string[];
  /** With `showcase`: ROC curves of the unseen, empty, scanner-shift and last sets, and the signature map. */
  roc: RocCurves;
  pca: SignatureMap | null;
}

/** A set name as a CSV cell (quoted when it holds a comma, a quote or a line break). */
function csvName(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The header of ood_scores.csv. */
export const OOD_SCORES_HEADER = 'model,seed,set,method,index,ood,score';

/**
 * Runs OOD detection with model `m` of `seed` against the OOD sets of its presets (see the file header and
 * {@link oodSets}); never against volumes of a training preset it did not train on.
 */
export async function runOod(
  m: OodModel,
  spec: CalibrationOodSpec,
  seed: number,
  tests: ReadonlyMap<string, VolumeSet>,
  batchSize: number,
  showcase: boolean,
): Promise<OodMeasurement> {
  const { model, presets } = m;
  const trainSig: Float32Array[] = [];
  for (const p of presets)
    trainSig.push(
      ...(await setSignatures(model, await presetVolumes(spec, seed, p, 'train', spec.trainN), spec.layer, batchSize)),
    );
  const knn = new KnnScorer(trainSig, { k: spec.k });
  const options = { layer: spec.layer, knn, mcSamples: spec.mcSamples, ensemble: m.ensemble, batchSize };
  const inDist = await oodScores(
    model,
    concatSets(
      'in-distribution',
      presets.map((p) => tests.get(p)!),
    ),
    options,
  );
  const rows: string[] = [];
  const addRows = (set: string, isOod: number, s: OodScores) => {
    for (const method of OOD_METHODS)
      s[method].forEach((v, i) => rows.push([m.name, seed, csvName(set), method, i, isOod, v].join(',')));
  };
  addRows('in-distribution', 0, inDist.scores);
  const sets = await oodSets(spec, seed, tests, presets);
  const perSet: OodRun['sets'] = {};
  const roc: RocCurves = {};
  const mapped: { set: string; sig: Float32Array[] }[] = presets.map((p, k) => ({
    set: p,
    sig: inDist.signatures.slice(k * spec.testN, (k + 1) * spec.testN),
  }));
  for (const [j, set] of sets.entries()) {
    const r = await oodScores(model, set, options);
    addRows(set.name, 1, r.scores);
    perSet[set.name] = Object.fromEntries(
      OOD_METHODS.map((method) => {
        const q = oodMetrics(inDist.scores[method], r.scores[method]);
        return [method, { auroc: q.auroc, fpr95: q.fpr95 }];
      }),
    ) as OodRun['sets'][string];
    if (!showcase) continue;
    if (j < 2) mapped.push({ set: set.name, sig: r.signatures });
    if (j < 3 || j === sets.length - 1)
      roc[set.name] = Object.fromEntries(
        OOD_METHODS.map((method) => {
          const ins = Array.from(inDist.scores[method]);
          const outs = Array.from(r.scores[method]);
          const curve = rocCurve([...ins.map(() => 0), ...outs.map(() => 1)], [...ins, ...outs]);
          return [method, curve.map((p) => [p.fpr, p.tpr] as [number, number])];
        }),
      ) as RocCurves[string];
  }
  const groups = presets.flatMap((_, k) => Array.from({ length: spec.testN }, () => k));
  const several = presets.length > 1;
  const run: OodRun = {
    model: m.name,
    seed,
    sets: perSet,
    separation: several ? nearestNeighbourAccuracy(inDist.signatures, groups) : NaN,
    chance: several ? 1 / presets.length : NaN,
  };
  return { run, setNames: sets.map((s) => s.name), rows, roc, pca: showcase ? signatureMap(mapped) : null };
}

/** The 2-D PCA of every signature of `sets`, each point labelled with its set. */
function signatureMap(sets: { set: string; sig: Float32Array[] }[]): SignatureMap {
  const all = sets.flatMap((s) => s.sig);
  const dim = all[0].length;
  const flat = new Float32Array(all.length * dim);
  all.forEach((v, i) => flat.set(v, i * dim));
  const proj = pcaProject({ data: flat, shape: [all.length, dim] }, 2);
  const names = sets.flatMap((s) => s.sig.map(() => s.set));
  return {
    explained: proj.explainedVarianceRatio,
    points: names.map((set, i) => ({ set, x: proj.coordinates[2 * i], y: proj.coordinates[2 * i + 1] })),
  };
}
