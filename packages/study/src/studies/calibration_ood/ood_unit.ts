// One OOD unit of the calibration-ood study: OOD detection by one model of one seed (the joint model, or a
// dedicated model on its own preset), loaded from the training unit it needs. The spectral detector's layer and k
// chosen on its validation volumes (detector.ts), the k-NN scorer over its own training volumes' signatures, every
// method's scores of its in-distribution test volumes and of each OOD set built from its presets, AUROC and FPR95
// per set and method, how well the test signatures separate the datasets (joint model); the showcased unit also
// gives ROC curves and the signatures' 2-D PCA. The ensemble baseline is this model of every seed (the other
// needed units).
import { ConcatDataset } from '@nodulab/data';
import { oodMetrics, pcaProject, rocCurve } from '@nodulab/eval';
import { loadRun, netPredictor } from '@nodulab/train';
import type { UnitContext } from '../../framework/study';
import { oodSets, presetSet } from './data';
import { chooseDetector, setLayerSignatures } from './detector';
import { OodScores, nearestNeighbourAccuracy, oodScores } from './measure';
import {
  CalibrationOodSpec,
  CalibrationOodUnitResult,
  OOD_METHODS,
  OodResult,
  OodRun,
  OodUnit,
  RocCurves,
  SetScores,
  SignatureMap,
} from './results';

/**
 * Runs OOD detection of `unit` (see the file header); never against volumes of a training preset the model did
 * not see.
 */
export async function runOodUnit(
  spec: CalibrationOodSpec,
  unit: OodUnit,
  ctx: UnitContext<CalibrationOodUnitResult>,
): Promise<OodResult> {
  const { seed, presets } = unit;
  const load = (id: string) => {
    const u = ctx.needs.get(id);
    if (!u) throw new Error(`calibration-ood: ${unit.id} needs ${id}`);
    return loadRun(u.dir, 'best').net;
  };
  const nets = unit.needs.map(load);
  const net = nets[unit.needs.indexOf(unit.scored)];
  const model = net.model;
  const ensemble = nets.map((n) => n.model);
  const bs = spec.config.batchSize ?? 8;
  ctx.phase(`OOD scores of the ${unit.model} model, seed ${seed}`);
  const trainSets = await Promise.all(presets.map((p) => presetSet(spec, seed, p, 'train', spec.trainN, ctx.cache)));
  const valSets = await Promise.all(presets.map((p) => presetSet(spec, seed, p, 'val', spec.valN, ctx.cache)));
  const trainSig = setLayerSignatures(model, trainSets, spec.layers, bs);
  const detector = chooseDetector(model, trainSig, valSets, spec, seed, bs);
  const { layer } = detector.choice;
  const options = { layer, knn: detector.knn, mcSamples: spec.mcSamples, ensemble, batchSize: bs };
  const tests = await Promise.all(presets.map((p) => presetSet(spec, seed, p, 'test', spec.testN, ctx.cache)));
  const inSet = new ConcatDataset(tests);
  const predictor = netPredictor(net, inSet);
  try {
    const inDist = await oodScores(model, predictor, inSet, options);
    const scores: SetScores[] = [{ set: 'in-distribution', ood: 0, scores: inDist.scores }];
    const sets = await oodSets(spec, seed, presets, ctx.cache);
    const perSet: OodRun['sets'] = {};
    const roc: RocCurves = {};
    const mapped: { set: string; sig: Float32Array[] }[] = presets.map((p, k) => ({
      set: p,
      sig: inDist.signatures.slice(k * spec.testN, (k + 1) * spec.testN),
    }));
    for (const [j, set] of sets.entries()) {
      if (ctx.signal?.aborted) throw new Error(`calibration-ood: stopped during ${unit.id}`);
      const r = await oodScores(model, predictor, set.data, options);
      scores.push({ set: set.name, ood: 1, scores: r.scores });
      perSet[set.name] = Object.fromEntries(
        OOD_METHODS.map((method) => {
          const q = oodMetrics(inDist.scores[method], r.scores[method]);
          return [method, { auroc: q.auroc, fpr95: q.fpr95 }];
        }),
      ) as OodRun['sets'][string];
      if (!unit.showcase) continue;
      if (j < 2) mapped.push({ set: set.name, sig: r.signatures });
      if (j < 3 || j === sets.length - 1) roc[set.name] = rocCurves(inDist.scores, r.scores);
    }
    const groups = presets.flatMap((_, k) => Array.from({ length: spec.testN }, () => k));
    const several = presets.length > 1;
    return {
      kind: 'ood',
      run: {
        model: unit.model,
        seed,
        detector: detector.choice,
        sets: perSet,
        separation: several ? nearestNeighbourAccuracy(inDist.signatures, groups) : null,
        chance: several ? 1 / presets.length : null,
      },
      setNames: sets.map((s) => s.name),
      scores,
      roc: unit.showcase ? roc : null,
      pca: unit.showcase ? signatureMap(mapped) : null,
    };
  } finally {
    await predictor.release();
  }
}

/** The ROC curve of each method: in-distribution scores against one OOD set's. */
function rocCurves(ins: OodScores, outs: OodScores): RocCurves[string] {
  return Object.fromEntries(
    OOD_METHODS.map((method) => {
      const curve = rocCurve(
        [...ins[method].map(() => 0), ...outs[method].map(() => 1)],
        [...ins[method], ...outs[method]],
      );
      return [method, curve.map((p) => [p.fpr, p.tpr] as [number, number])];
    }),
  ) as RocCurves[string];
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
    explained: Array.from(proj.explainedVarianceRatio),
    points: names.map((set, i) => ({ set, x: proj.coordinates[2 * i], y: proj.coordinates[2 * i + 1] })),
  };
}
