// Out-of-distribution detection metrics and the k-nearest-neighbour distance score: AUROC (from
// metrics.ts), FPR at 95% TPR and the ROC curve of an OOD score, and a scorer that measures how far a signature lies
// from the training set's signatures.
import { checkPaired, ClassArray } from './confusion';
import { auroc } from './metrics';

/**
 * False positive rate at the threshold where the true positive rate first reaches `tpr` (default 0.95):
 * with scores higher = more positive and a sample called positive when score >= t, t is the largest
 * threshold whose TPR is >= tpr (the ⌈tpr·P⌉-th largest positive score), and the result is the fraction
 * of negatives scoring >= t. NaN when either class is absent. Throws on a NaN score or a tpr outside (0, 1].
 */
export function fprAtTpr(labels: ClassArray, scores: ArrayLike<number>, tpr = 0.95, positive = 1): number {
  checkPaired('fprAtTpr', labels, scores, 'labels', 'scores');
  if (!(tpr > 0 && tpr <= 1)) throw new Error(`fprAtTpr: tpr must be in (0, 1], got ${tpr}`);
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (Number.isNaN(scores[i])) throw new Error(`fprAtTpr: scores[${i}] is NaN`);
    (labels[i] === positive ? pos : neg).push(scores[i]);
  }
  if (pos.length === 0 || neg.length === 0) return NaN;
  pos.sort((a, b) => b - a);
  const k = Math.max(1, Math.ceil(tpr * pos.length - 1e-9));
  const threshold = pos[k - 1];
  let fp = 0;
  for (const s of neg) if (s >= threshold) fp++;
  return fp / neg.length;
}

/** One point of a ROC curve: the false and true positive rates at a threshold. */
export interface RocPoint {
  fpr: number;
  tpr: number;
  /** Samples with score >= threshold are called positive. */
  threshold: number;
}

/**
 * The ROC curve of `scores` (higher = more positive), like sklearn's `roc_curve` without dropping collinear
 * points: from (0, 0) at threshold +Infinity, one point per distinct score, descending, to (1, 1). Its
 * trapezoidal area equals {@link auroc}. Throws on a NaN score or when either class is absent.
 */
export function rocCurve(labels: ClassArray, scores: ArrayLike<number>, positive = 1): RocPoint[] {
  checkPaired('rocCurve', labels, scores, 'labels', 'scores');
  const order = Array.from({ length: labels.length }, (_, i) => i);
  for (const i of order) if (Number.isNaN(scores[i])) throw new Error(`rocCurve: scores[${i}] is NaN`);
  order.sort((a, b) => scores[b] - scores[a]);
  const P = order.filter((i) => labels[i] === positive).length;
  const N = order.length - P;
  if (P === 0 || N === 0) throw new Error(`rocCurve: need positives and negatives, got ${P} and ${N}`);
  const out: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: Infinity }];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    if (labels[order[k]] === positive) tp++;
    else fp++;
    if (k + 1 < order.length && scores[order[k + 1]] === scores[order[k]]) continue;
    out.push({ fpr: fp / N, tpr: tp / P, threshold: scores[order[k]] });
  }
  return out;
}

/** OOD detection quality of one score: OOD samples are the positives, a higher score = more OOD. */
export interface OodMetrics {
  nIn: number;
  nOut: number;
  /** P(score of an OOD sample > score of an in-distribution one), ties counting 1/2. */
  auroc: number;
  /** Fraction of in-distribution samples flagged when 95% of the OOD samples are. */
  fpr95: number;
}

/**
 * AUROC and FPR at 95% TPR of an OOD score (higher = more out-of-distribution) from the scores of
 * in-distribution samples and of OOD samples. For a confidence (higher = more in-distribution, e.g. max
 * softmax), pass its negation.
 */
export function oodMetrics(inScores: ArrayLike<number>, outScores: ArrayLike<number>): OodMetrics {
  if (inScores.length === 0 || outScores.length === 0)
    throw new Error(`oodMetrics: need in-distribution and OOD scores, got ${inScores.length} and ${outScores.length}`);
  const labels = [...Array.from(inScores, () => 0), ...Array.from(outScores, () => 1)];
  const scores = [...Array.from(inScores), ...Array.from(outScores)];
  return {
    nIn: inScores.length,
    nOut: outScores.length,
    auroc: auroc(labels, scores),
    fpr95: fprAtTpr(labels, scores, 0.95),
  };
}

/** Options of {@link KnnScorer}. */
export interface KnnOptions {
  /** Neighbours considered; default 1 (the nearest training signature). */
  k?: number;
  /** The score: the distance to the k-th nearest ('kth', default) or the mean distance to the k nearest ('mean'). */
  reduce?: 'kth' | 'mean';
}

/**
 * k-nearest-neighbour distance to a set of training vectors (e.g. spectral signatures), Euclidean: the
 * larger the distance, the less a query looks like the training data — an OOD score. Like scikit-learn's
 * `NearestNeighbors(n_neighbors=k).kneighbors(x)` reduced to one number per query.
 *
 * @example
 * const knn = new KnnScorer(trainSignatures, { k: 5 });
 * const scores = knn.scoreAll(testSignatures); // higher = more out-of-distribution
 */
export class KnnScorer {
  readonly k: number;
  readonly reduce: 'kth' | 'mean';
  /** Length of every vector. */
  readonly dim: number;
  private readonly train: Float64Array;
  private readonly count: number;

  /** @param train the training vectors, all of one length; copied. */
  constructor(train: readonly ArrayLike<number>[], options: KnnOptions = {}) {
    const k = options.k ?? 1;
    const reduce = options.reduce ?? 'kth';
    if (!Number.isInteger(k) || k < 1) throw new Error(`KnnScorer: k must be a positive integer, got ${k}`);
    if (reduce !== 'kth' && reduce !== 'mean')
      throw new Error(`KnnScorer: reduce must be 'kth' or 'mean', got ${JSON.stringify(reduce)}`);
    if (train.length === 0) throw new Error('KnnScorer: the training set is empty');
    if (k > train.length)
      throw new Error(`KnnScorer: k = ${k} is larger than the training set (${train.length} vectors)`);
    const dim = train[0].length;
    if (dim === 0) throw new Error('KnnScorer: training vectors are empty');
    this.train = new Float64Array(train.length * dim);
    train.forEach((v, i) => {
      if (v.length !== dim)
        throw new Error(`KnnScorer: training vector ${i} has length ${v.length} but vector 0 has ${dim}`);
      for (let j = 0; j < dim; j++) {
        if (!Number.isFinite(v[j])) throw new Error(`KnnScorer: training vector ${i}[${j}] = ${v[j]} is not finite`);
        this.train[i * dim + j] = v[j];
      }
    });
    this.k = k;
    this.reduce = reduce;
    this.dim = dim;
    this.count = train.length;
  }

  /** The k smallest Euclidean distances from `query` to the training vectors, ascending. */
  neighbors(query: ArrayLike<number>): number[] {
    if (query.length !== this.dim)
      throw new Error(`KnnScorer: the query has length ${query.length} but training vectors have ${this.dim}`);
    for (let j = 0; j < query.length; j++)
      if (!Number.isFinite(query[j])) throw new Error(`KnnScorer: query[${j}] = ${query[j]} is not finite`);
    const best: number[] = []; // ascending, at most k
    for (let i = 0; i < this.count; i++) {
      let d2 = 0;
      for (let j = 0; j < this.dim; j++) {
        const d = this.train[i * this.dim + j] - query[j];
        d2 += d * d;
      }
      if (best.length === this.k && d2 >= best[this.k - 1]) continue;
      let at = best.length;
      while (at > 0 && best[at - 1] > d2) at--;
      best.splice(at, 0, d2);
      if (best.length > this.k) best.pop();
    }
    return best.map(Math.sqrt);
  }

  /** The OOD score of one query: the k-th nearest distance, or the mean of the k nearest. */
  score(query: ArrayLike<number>): number {
    const d = this.neighbors(query);
    return this.reduce === 'kth' ? d[d.length - 1] : d.reduce((a, b) => a + b, 0) / d.length;
  }

  /** {@link score} of each query. */
  scoreAll(queries: readonly ArrayLike<number>[]): Float64Array {
    return Float64Array.from(queries, (q) => this.score(q));
  }
}
