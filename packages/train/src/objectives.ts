// The training objectives as one interface the shared loop runs: cross-entropy, SupCon, SupCon + CE
// (joint), SimCLR's NT-Xent, MoCo v2's InfoNCE against a queue, the linear probe on a frozen encoder, Dice +
// per-voxel cross-entropy for segmentation and box regression (smooth-L1 + GIoU) of a localizer; ce and box take
// per-sample weights and hard-example mining. Each says how many augmented views it needs, which parameters it
// trains, how to compute its loss from a batch and, for MoCo, the state it keeps between steps.
import {
  Tensor,
  add,
  boxRegressionLoss,
  cat,
  crossEntropy,
  diceLoss,
  infoNceLoss,
  mulScalar,
  narrow,
  noGrad,
  ntXentLoss,
  sigmoid,
  sub,
  supConLoss,
} from '@nodulab/tensor';
import type { Module } from '@nodulab/nn';
import { setDropoutStep } from '@nodulab/nn';
import type { RunConfig } from './config';
import { TrainableNet, encoderParameters, modelSpec } from './model';
import { MocoState } from './moco';
import { derivedGenerator } from './seeds';

/** A training batch after augmentation: one view (x2 null) or two views of the same samples. */
export interface ViewBatch {
  x1: Tensor;
  x2: Tensor | null;
  labels: Int32Array;
  /** masks: (N, 1, D, H, W) 0/1 segmentation targets that moved with view 1 (segmenting objectives), else null. */
  masks?: Tensor | null;
  /** The run's global step of this batch: the key of its dropout masks (default 0). */
  step?: number;
  /** Localization: the true boxes (N, 6), centre and size normalised by the volume's (D, H, W). */
  boxes?: Tensor | null;
  /** Per-sample loss weights (N) from `config.sampleWeights`, or null for all 1. */
  weights?: Float32Array | null;
}

/** What a step computed: the loss to minimize and, for classifying objectives, the logits of view 1. */
export interface StepOutput {
  loss: Tensor;
  logits: Tensor | null;
}

/** One way of training the net. */
export interface Objective {
  /** e.g. "ce", "supcon", "linear-probe". */
  readonly name: string;
  /** Augmented views per sample. */
  readonly views: 1 | 2;
  /** Whether the objective trains the classifier (so validation reports accuracy and AUROC). */
  readonly classifies: boolean;
  /** Whether it trains a segmenter on masks (so batches carry masks and validation reports Dice and HD95). */
  readonly segments: boolean;
  /** Whether the objective trains the box head (so validation reports localization metrics). */
  readonly localizes?: boolean;
  /** The parameters the optimizer updates. */
  parameters(net: TrainableNet): Tensor[];
  /** Puts the model in the mode this objective trains in (a frozen encoder stays in eval mode). */
  trainMode(net: TrainableNet): void;
  /**
   * The loss of one batch (graph recorded for backward). In training mode a stateful objective also advances its
   * state (MoCo: the momentum update and the enqueue); in eval mode (validation) it only reads it.
   */
  step(net: TrainableNet, batch: ViewBatch): StepOutput;
  /**
   * State kept between steps (MoCo's key encoder and queue), its tensors named as in its state dict: saved with
   * every checkpoint of the stage (as the auxiliary module named after the objective), restored on resume, and
   * shared with the step thread like the model (`stepModules`); an objective writes no copying code of its own.
   */
  readonly state?: Module;
  /** Called when the stage starts afresh (not on resume), after the net holds its weights. */
  start?(net: TrainableNet): void;
}

/** Cross-entropy options from the config: class weights and label smoothing. */
function ceOptions(config: RunConfig): { weight?: number[]; labelSmoothing: number } {
  return { ...(config.classWeights ? { weight: config.classWeights } : {}), labelSmoothing: config.labelSmoothing };
}

/**
 * The per-sample weights of a step: the batch's weights (1 without), and with hard-example mining only the
 * ceil(fraction N) samples of highest loss (ties by position) keep theirs, the others get 0. `lossOf(i)` is
 * sample i's unweighted loss, read without a graph only when mining.
 */
export function stepWeights(
  n: number,
  weights: Float32Array | null | undefined,
  mining: number | null,
  lossOf: (i: number) => number,
): Float32Array | null {
  if (mining === null) return weights ?? null;
  const w = weights ? Float32Array.from(weights) : new Float32Array(n).fill(1);
  const losses = noGrad(() => Array.from({ length: n }, (_, i) => lossOf(i)));
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => losses[b] - losses[a] || a - b);
  for (const i of order.slice(Math.max(1, Math.ceil(mining * n)))) w[i] = 0;
  return w;
}

/** Both views through the encoder in one batch (2N, so BatchNorm sees both), and labels twice. */
function embedViews(net: TrainableNet, b: ViewBatch): { h: Tensor; labels: Int32Array } {
  if (!b.x2) throw new Error('a contrastive objective needs two views');
  const n = b.labels.length;
  const labels = new Int32Array(2 * n);
  labels.set(b.labels, 0);
  labels.set(b.labels, n);
  return { h: net.embed(cat([b.x1, b.x2], 0)), labels };
}

function projector(net: TrainableNet) {
  if (!net.projector) throw new Error('a contrastive objective needs a model with a projection head');
  return net.projector;
}

/** Supervised cross-entropy on logits = head(embed(x)); also fine-tuning after pretraining. */
export function crossEntropyObjective(config: RunConfig, name = 'ce'): Objective {
  const options = ceOptions(config);
  return {
    name,
    views: 1,
    classifies: true,
    segments: false,
    parameters: (net) => net.model.parameters(),
    trainMode: (net) => net.model.train(),
    step(net, b) {
      const logits = net.head.forward(net.embed(b.x1));
      const n = b.labels.length;
      const sampleWeights = stepWeights(n, b.weights, config.hardMining, (i) =>
        crossEntropy(narrow(logits, 0, i, 1), b.labels.subarray(i, i + 1), options).item(),
      );
      return {
        loss: crossEntropy(logits, b.labels, { ...options, ...(sampleWeights ? { sampleWeights } : {}) }),
        logits,
      };
    },
  };
}

/**
 * Box regression of a localizer: boxRegressionLoss (smooth-L1 + 1 − GIoU) between the box head's (N, 6)
 * normalised boxes and the batch's true boxes, with the per-sample weights and hard-example mining of the
 * config. Labels are never read.
 */
export function boxObjective(config: RunConfig): Objective {
  return {
    name: 'box',
    views: 1,
    classifies: false,
    segments: false,
    localizes: true,
    parameters: (net) => net.model.parameters(),
    trainMode: (net) => net.model.train(),
    step(net, b) {
      if (!b.boxes) throw new Error('the box objective needs batches with true boxes');
      const target = b.boxes;
      const pred = net.model.boxes(b.x1);
      const sampleWeights = stepWeights(b.labels.length, b.weights, config.hardMining, (i) =>
        boxRegressionLoss(narrow(pred, 0, i, 1), narrow(target, 0, i, 1)).item(),
      );
      return { loss: boxRegressionLoss(pred, target, sampleWeights ? { sampleWeights } : {}), logits: null };
    },
  };
}

/** SupCon (Khosla et al.) on the projections of two views; the classifier head is not trained. */
export function supConObjective(config: RunConfig): Objective {
  return {
    name: 'supcon',
    views: 2,
    classifies: false,
    segments: false,
    parameters: (net) => encoderParameters(net),
    trainMode: (net) => net.model.train(),
    step(net, b) {
      const { h, labels } = embedViews(net, b);
      return { loss: supConLoss(projector(net).forward(h), labels, { temperature: config.temperature }), logits: null };
    },
  };
}

/** CE on both views plus jointWeight * SupCon on their projections, from one shared embedding. */
export function jointObjective(config: RunConfig): Objective {
  const options = ceOptions(config);
  return {
    name: 'supcon-joint',
    views: 2,
    classifies: true,
    segments: false,
    parameters: (net) => net.model.parameters(),
    trainMode: (net) => net.model.train(),
    step(net, b) {
      const { h, labels } = embedViews(net, b);
      const logits = net.head.forward(h);
      const ce = crossEntropy(logits, labels, options);
      const sc = supConLoss(projector(net).forward(h), labels, { temperature: config.temperature });
      return { loss: add(ce, mulScalar(sc, config.jointWeight)), logits: narrow(logits, 0, 0, b.labels.length) };
    },
  };
}

/** SimCLR: NT-Xent between the projections of two views; labels are never read. */
export function simclrObjective(config: RunConfig): Objective {
  return {
    name: 'simclr',
    views: 2,
    classifies: false,
    segments: false,
    parameters: (net) => encoderParameters(net),
    trainMode: (net) => net.model.train(),
    step(net, b) {
      const n = b.labels.length;
      const z = projector(net).forward(embedViews(net, b).h);
      return {
        loss: ntXentLoss(narrow(z, 0, 0, n), narrow(z, 0, n, n), { temperature: config.temperature }),
        logits: null,
      };
    },
  };
}

/**
 * MoCo v2: queries q = projector(embed(x1)) of the trained network, keys k from the momentum encoder on x2
 * (no graph), InfoNCE of each query against its key and the queue of earlier keys (temperature
 * `config.moco.temperature`). In training mode, before the keys, the key encoder moves towards the query
 * network (θk ← m·θk + (1 − m)·θq), and after the loss the keys replace the oldest in the queue. The stage starts
 * with the key encoder a copy of the network; labels are never read.
 */
export function mocoObjective(config: RunConfig): Objective {
  const state = new MocoState({
    spec: modelSpec(config),
    queueSize: config.moco.queueSize,
    dim: config.model.options.projectionDim ?? 128,
    generator: derivedGenerator(config.seed, 'moco-queue'),
  });
  return {
    name: 'moco',
    views: 2,
    classifies: false,
    segments: false,
    state,
    parameters: (net) => encoderParameters(net),
    trainMode: (net) => net.model.train(),
    start: (net) => state.copyFrom(net.model),
    step(net, b) {
      if (!b.x2) throw new Error('a contrastive objective needs two views');
      const training = net.model.training;
      if (training) state.momentumUpdate(net.model, config.moco.momentum);
      const q = projector(net).forward(net.embed(b.x1));
      const k = state.keys(b.x2, training);
      const loss = infoNceLoss(q, k, state.negatives(), { temperature: config.moco.temperature });
      if (training) state.enqueue(k);
      return { loss, logits: null };
    },
  };
}

/**
 * A linear classifier on the frozen encoder: embeddings in eval mode without a graph, CE on head(h).
 * Trained by steps in probe mode 'linear-sgd'; in mode 'linear' the head is fitted in closed form
 * (probe_fit.ts) and this objective only says how the stage validates.
 */
export function linearProbeObjective(config: RunConfig, name = 'linear-probe'): Objective {
  const options = ceOptions(config);
  return {
    name,
    views: 1,
    classifies: true,
    segments: false,
    parameters: (net) => net.head.parameters(),
    trainMode: (net) => {
      net.model.eval();
      net.head.train();
    },
    step(net, b) {
      const h = noGrad(() => net.embed(b.x1));
      const logits = net.head.forward(h);
      return { loss: crossEntropy(logits, b.labels, options), logits };
    },
  };
}

/**
 * Dice + cross-entropy of per-voxel logits (N, 2, D, H, W) against 0/1 masks (N, 1, D, H, W): the
 * cross-entropy averaged over every voxel (class weights and label smoothing from the config) plus
 * `diceWeight` times the soft Dice loss of the target class (per sample, then averaged).
 */
export function diceCrossEntropy(logits: Tensor, masks: Tensor, config: RunConfig): Tensor {
  const [n, c] = logits.shape;
  if (c !== 2) throw new Error(`dice-ce: the model must output 2 classes (background, target), got ${c}`);
  const voxels = masks.size / n;
  if (logits.size !== n * c * voxels)
    throw new Error(`dice-ce: logits (${logits.shape.join(', ')}) do not match masks (${masks.shape.join(', ')})`);
  const target = Int32Array.from(masks.data);
  const ce = crossEntropy(logits, target, ceOptions(config));
  if (config.diceWeight === 0) return ce;
  // P(target) per voxel from two classes: softmax(l)[1] = sigmoid(l1 - l0), shaped like the masks.
  const p = sigmoid(sub(narrow(logits, 1, 1, 1), narrow(logits, 1, 0, 1)));
  const dice = diceLoss(p, masks, { smooth: 1 });
  return add(ce, mulScalar(dice, config.diceWeight));
}

/** Segmentation: Dice + per-voxel cross-entropy of the model's logits against the batch's masks. */
export function diceCeObjective(config: RunConfig): Objective {
  return {
    name: 'dice-ce',
    views: 1,
    classifies: false,
    segments: true,
    parameters: (net) => net.model.parameters(),
    trainMode: (net) => net.model.train(),
    step(net, b) {
      if (!b.masks) throw new Error('dice-ce: the batch has no masks');
      return { loss: diceCrossEntropy(net.model.forward(b.x1), b.masks, config), logits: null };
    },
  };
}

/**
 * One step of `objective` on `batch`: training mode, dropout masks keyed to the batch's step, gradients
 * zeroed, the loss and, when it is finite, backward (so every trained parameter holds its `.grad`; a
 * non-finite loss leaves none). The same on the calling thread and on the step worker.
 */
export function forwardBackward(
  net: TrainableNet,
  objective: Objective,
  batch: ViewBatch,
): { loss: number; logits: Tensor | null } {
  objective.trainMode(net);
  setDropoutStep(net.model, batch.step ?? 0);
  net.model.zeroGrad();
  const out = objective.step(net, batch);
  const loss = out.loss.item();
  if (Number.isFinite(loss)) out.loss.backward();
  return { loss, logits: out.logits ?? null };
}
