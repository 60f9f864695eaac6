// The 'linear' probe stage of supcon and simclr, fitted rather than stepped: the frozen encoder's
// embeddings h: (N, embedDim) of the un-augmented training and validation sets, a logistic regression
// fitted to convergence on them (standardised features, L2 penalty chosen on validation), folded into
// the model's linear head; then one validation, selection and checkpoint, like one epoch.
import { DataLoader, Dataset } from '@nodulab/data';
import { Linear } from '@nodulab/nn';
import { validate } from './evaluate';
import { StageTotals, endEpoch } from './epoch_end';
import { LabelledFeatures, LogisticModel, fitLogisticProbe } from './logistic_regression';
import type { LoopContext } from './loop';
import type { TrainableNet } from './model';

/** Embeddings (n, d) and labels of every sample of `source` (encoder in eval mode), or null when stopped. */
async function embedded(ctx: LoopContext, source: Dataset): Promise<(LabelledFeatures & { d: number }) | null> {
  const rows: Float32Array[] = [];
  const labels: number[] = [];
  // One pass in index order, without augmentation: the probe sees the data as evaluation does.
  let d = 0;
  ctx.net.model.eval();
  for (const b of new DataLoader(source, { batchSize: ctx.config.batchSize })) {
    if (ctx.signal?.aborted) return null;
    const h = await ctx.net.model.forwardAsync(b.x, 'embedding');
    d = h.shape[1];
    rows.push(h.data.slice());
    labels.push(...b.labels);
  }
  const X = new Float64Array(labels.length * d);
  let at = 0;
  for (const r of rows) {
    X.set(r, at);
    at += r.length;
  }
  return { X, y: labels, n: labels.length, d };
}

/**
 * Writes the fitted probe into the head Linear(d -> 2): logits ±z/2 with z = w·(h − mean)/std + bias,
 * so softmax gives P(malignant) = sigmoid(z). Weights are written in place (a step worker shares them).
 */
export function loadProbeIntoHead(net: TrainableNet, m: LogisticModel): void {
  const head = net.head;
  if (!(head instanceof Linear) || !head.bias || head.weight.shape[0] !== 2 || head.weight.shape[1] !== m.d)
    throw new Error(
      `the linear probe needs a Linear(${m.d} -> 2) head with bias; ${net.spec.kind} has ${head.constructor.name}`,
    );
  const w = new Float32Array(2 * m.d);
  let offset = m.bias;
  for (let j = 0; j < m.d; j++) {
    const wj = m.std[j] > 0 ? m.weight[j] / m.std[j] : 0;
    offset -= wj * m.mean[j];
    w[j] = -wj / 2;
    w[m.d + j] = wj / 2;
  }
  head.weight.data.set(w);
  head.bias.data.set([-offset / 2, offset / 2]);
}

/** Runs the fitted probe stage `stageIndex`; resolves 'aborted' when the signal fired while embedding. */
export async function fitProbeStage(
  ctx: LoopContext,
  stageIndex: number,
  totals: StageTotals,
): Promise<'done' | 'aborted'> {
  const { config, net } = ctx;
  const plan = ctx.stages[stageIndex];
  const started = Date.now();
  const train = await embedded(ctx, ctx.train);
  const val = train && (await embedded(ctx, ctx.val));
  if (!train || !val) return 'aborted';
  const { model, trials } = await fitLogisticProbe(train, val, train.d, config.probe.weightDecays, {
    classWeights: config.classWeights,
    labelSmoothing: config.labelSmoothing,
  });
  loadProbeIntoHead(net, model);
  const metrics = await validate(net, plan.objective, ctx.val, config, ctx.augment);
  endEpoch(ctx, stageIndex, {
    epoch: 1,
    val: metrics,
    trainLoss: trials.find((t) => t.weightDecay === model.weightDecay)!.trainLoss,
    started,
    steps: 0,
    ...totals,
    extra: { weightDecay: model.weightDecay, iterations: model.iterations, trials },
  });
  return 'done';
}
