// A full-label model's analysis unit: accuracy, kappa and AUROC under every distortion × severity (the seed's
// in-distribution test set, distorted once per process), the layers' linear CKA with the fine-tuned scratch
// model of the same seed (the unit it needs) and between its own layers, the embedding's PCA spectrum
// (embedding.npy in the unit folder), and Grad-CAM enrichment on the main nodule and the satellites.
import * as path from 'path';
import { writeNpy } from '@nodulab/data';
import { ckaMatrix, linearCKA, pcaSpectrum } from '@nodulab/eval';
import type { Tensor } from '@nodulab/tensor';
import type { UnitContext } from '../../framework/study';
import { cached, testSets } from './data';
import { CKA_LAYERS, distortedBatches, fin, layerActivations, saliencyShares, scoreGrades } from './measure';
import type {
  AnalysisResult,
  AnalysisUnit,
  GradeScores,
  PretrainingUnitResult,
  SamplePredictions,
  TargetResult,
} from './results';
import type { PretrainingSpec } from './spec';
import { loadTarget } from './target';

/** The embedding file in an analysis unit's folder. */
export const EMBEDDING_FILE = 'embedding.npy';

/** A finished target unit that `unit` needs. */
function neededTarget(ctx: UnitContext<PretrainingUnitResult>, unit: AnalysisUnit, id: string) {
  const need = ctx.needs.get(id);
  if (!need || need.result.kind !== 'target')
    throw new Error(`pretraining-robustness: ${unit.id} needs the target model ${id}`);
  return { dir: need.dir, result: need.result as TargetResult };
}

/** Runs one analysis into ctx.dir. */
export async function runAnalysisUnit(
  spec: PretrainingSpec,
  unit: AnalysisUnit,
  ctx: UnitContext<PretrainingUnitResult>,
): Promise<AnalysisResult> {
  const own = neededTarget(ctx, unit, unit.needs[0]);
  const scratchUnit = neededTarget(ctx, unit, unit.needs[unit.needs.length - 1]);
  const { net, batchSize: bs } = loadTarget(own.dir, own.result);
  const { test } = await testSets(spec, unit.seed, ctx.cache);
  const stopped = () => {
    if (ctx.signal?.aborted) throw new Error(`pretraining-robustness: ${unit.id} was stopped`);
  };

  ctx.phase(`${unit.init} ${unit.mode} seed ${unit.seed}: distortions`);
  // The distorted sets of this seed (and batch size), made once per process and shared by the seed's models.
  const distortedSets = await cached(
    ctx.cache,
    'pretraining/distorted',
    { seed: unit.seed, bs, n: spec.testN },
    () => ({
      sets: new Map<string, ReturnType<typeof distortedBatches>>(),
    }),
  );
  const distorted: Record<string, Record<string, GradeScores>> = {};
  const distortedPredictions: Record<string, Record<string, SamplePredictions>> = {};
  for (const d of spec.distortions) {
    distorted[d] = {};
    distortedPredictions[d] = {};
    for (const sev of spec.severities) {
      stopped();
      const key = `${d}/${sev}`;
      if (!distortedSets.sets.has(key))
        distortedSets.sets.set(key, distortedBatches(test.data, bs, d, sev, 31 * unit.seed + sev));
      const r = await scoreGrades(net, test.data, distortedSets.sets.get(key)!);
      distorted[d][String(sev)] = r.scores;
      distortedPredictions[d][String(sev)] = r.predictions;
    }
  }

  ctx.phase(`${unit.init} ${unit.mode} seed ${unit.seed}: representations`);
  stopped();
  const acts = await layerActivations(net, test.data, bs);
  const scratch: Record<string, Tensor> =
    scratchUnit.dir === own.dir
      ? acts
      : await cached(ctx.cache, 'pretraining/scratch-activations', { seed: unit.seed, unit: unit.needs[1] }, () => {
          const s = loadTarget(scratchUnit.dir, scratchUnit.result);
          return layerActivations(s.net, test.data, s.batchSize);
        });
  const emb = acts.embedding;
  writeNpy(path.join(ctx.dir, EMBEDDING_FILE), { dtype: 'float32', shape: emb.shape, data: emb.data });
  const pca = pcaSpectrum(emb);

  ctx.phase(`${unit.init} ${unit.mode} seed ${unit.seed}: Grad-CAM`);
  stopped();
  const saliency = await saliencyShares(net, test, spec.testN, bs);
  return {
    kind: 'analysis',
    init: unit.init,
    mode: unit.mode,
    seed: unit.seed,
    distorted,
    distortedPredictions,
    effectiveRank: fin(pca.effectiveRank),
    explainedVariance: pca.explainedVarianceRatio.slice(0, 10).map(fin),
    ckaToScratch: Object.fromEntries(CKA_LAYERS.map((l) => [l, fin(linearCKA(acts[l], scratch[l]))])),
    ckaWithin: ckaMatrix(CKA_LAYERS.map((l) => acts[l])).map((row) => row.map(fin)),
    saliency,
    embedding: EMBEDDING_FILE,
  };
}
