// Predictive moments of several forward passes — the members of a deep ensemble (Lakshminarayanan et al.) or
// MC-dropout samples: the mean and population variance of the class probabilities, per sample or per voxel.
import { Tensor, noGrad } from '@nodulab/tensor';
import { Module } from '@nodulab/nn';
import { classProbabilities } from './probabilities';

/** Mean and variance over passes of class probabilities (N, K) or (N, K, D, H, W). */
export interface PredictiveMoments {
  /** Mean over passes of softmax(logits) along the class axis. */
  mean: Tensor;
  /** Variance over passes (population, divided by the count) of each class probability, shaped like `mean`. */
  variance: Tensor;
  /** Number of passes. */
  samples: number;
}

/**
 * The mean and population variance of the class probabilities of `count` passes, pass s giving the logits
 * `pass(s)`; every pass must give one shape. Accumulates in float64.
 */
export function predictiveMoments(count: number, pass: (s: number) => Tensor): PredictiveMoments {
  let sum: Float64Array | null = null;
  let sumSq: Float64Array | null = null;
  let shape: number[] = [];
  for (let s = 0; s < count; s++) {
    const p = noGrad(() => classProbabilities(pass(s)));
    if (sum && p.size !== sum.length)
      throw new Error(`predictiveMoments: pass ${s} gave shape [${p.shape.join(', ')}], pass 0 [${shape.join(', ')}]`);
    sum ??= new Float64Array(p.size);
    sumSq ??= new Float64Array(p.size);
    shape = [...p.shape];
    for (let i = 0; i < p.size; i++) {
      sum[i] += p.data[i];
      sumSq[i] += p.data[i] * p.data[i];
    }
  }
  const mean = new Float32Array(sum!.length);
  const variance = new Float32Array(sum!.length);
  for (let i = 0; i < mean.length; i++) {
    const m = sum![i] / count;
    mean[i] = m;
    variance[i] = Math.max(0, sumSq![i] / count - m * m);
  }
  return { mean: new Tensor(mean, shape), variance: new Tensor(variance, shape), samples: count };
}

/**
 * A deep ensemble's prediction of x: (N, C, D, H, W): each member run once in eval mode (its modes restored
 * afterwards), and the mean and variance over members of the class probabilities — the variance is the
 * members' disagreement, an uncertainty (and OOD) score. One member gives variance 0. Throws on no members.
 *
 * @example
 * const { variance } = ensemblePredict([jointSeed0, jointSeed1, jointSeed2], volumes);
 */
export function ensemblePredict(members: readonly Module[], x: Tensor): PredictiveMoments {
  if (members.length === 0) throw new Error('ensemblePredict: give at least one member model');
  return predictiveMoments(members.length, (s) => {
    const m = members[s];
    const wasTraining = m.training;
    m.eval();
    try {
      return m.forward(x);
    } finally {
      m.train(wasTraining);
    }
  });
}
