// The 'linear' probe stage (of supcon, simclr and moco, and of ce from a pretrained encoder in init.mode
// 'linear'), fitted rather than stepped: the frozen encoder's embeddings h: (N, embedDim) of the un-augmented
// training and validation sets, a logistic regression fitted to convergence on them (binary for two classes,
// multinomial for K; standardised features, L2 penalty chosen on validation), folded into the model's linear
// head; then one validation, selection and checkpoint, like one epoch.
import { DataLoader, Dataset } from '@nodulab/data';
import { Linear } from '@nodulab/nn';
import { validate } from './evaluate';
import { StageTotals, endEpoch } from './epoch_end';
import { LabelledFeatures, LogisticModel, fitLogisticProbe } from './logistic_regression';
import { SoftmaxModel, binaryAsSoftmax, fitSoftmaxProbe } from './softmax_regression';
import type { LoopContext } from './loop_context';
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
    const h = await ctx.steps.forward(b.x, 'embedding');
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
 * Writes a fitted probe into the head Linear(d -> K): W[k, j] = weight[k, j] / std_j and
 * bias_k − Σ_j W[k, j]·mean_j, so the head on raw embeddings gives the probe's logits (a binary probe as
 * logits ∓z/2, so softmax gives P(class 1) = sigmoid(z)). Weights are written in place (a step worker shares them).
 */
export function loadProbeIntoHead(net: TrainableNet, probe: LogisticModel | SoftmaxModel): void {
  const m = 'classes' in probe ? probe : binaryAsSoftmax(probe);
  const head = net.head;
  const K = m.classes;
  if (!(head instanceof Linear) || !head.bias || head.weight.shape[0] !== K || head.weight.shape[1] !== m.d)
    throw new Error(
      `the linear probe needs a Linear(${m.d} -> ${K}) head with bias; ${net.spec.kind} has ${head.constructor.name}` +
        (head instanceof Linear ? `(${head.weight.shape[1]} -> ${head.weight.shape[0]})` : ''),
    );
  const w = new Float32Array(K * m.d);
  const b = new Float32Array(K);
  for (let k = 0; k < K; k++) {
    let offset = m.bias[k];
    for (let j = 0; j < m.d; j++) {
      const wj = m.std[j] > 0 ? m.weight[k * m.d + j] / m.std[j] : 0;
      offset -= wj * m.mean[j];
      w[k * m.d + j] = wj;
    }
    b[k] = offset;
  }
  head.weight.data.set(w);
  head.bias.data.set(b);
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
  const options = { classWeights: config.classWeights, labelSmoothing: config.labelSmoothing };
  // The head's outputs are the target's classes: two fit the binary probe, more the multinomial one.
  const classes = net.head instanceof Linear ? net.head.weight.shape[0] : 2;
  const { model, trials } =
    classes === 2
      ? await fitLogisticProbe(train, val, train.d, config.probe.weightDecays, options)
      : await fitSoftmaxProbe(train, val, train.d, classes, config.probe.weightDecays, options);
  loadProbeIntoHead(net, model);
  const metrics = await validate(net, plan.objective, ctx.val, config, ctx.augment, ctx.steps.forward);
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
