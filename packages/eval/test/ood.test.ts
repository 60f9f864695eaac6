// OOD metrics against hand computations (FPR at 95% TPR, AUROC of in- vs out-of-distribution scores)
// the ROC curve, and the k-NN distance scorer on points with known distances, with its errors.
import { auroc, fprAtTpr, KnnScorer, oodMetrics, rocCurve } from '../src';

describe('fprAtTpr', () => {
  // positives 0.9 0.8 0.7 0.6 0.3; negatives 0.85 0.5 0.4 0.35 0.2 0.1
  const labels = [1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0];
  const scores = [0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4, 0.35, 0.3, 0.2, 0.1];
  it.each([
    // tpr, threshold (⌈tpr·5⌉-th positive), negatives >= threshold
    [0.95, 4 / 6], // 5th positive 0.3: 0.85 0.5 0.4 0.35
    [0.8, 1 / 6], // 4th positive 0.6: 0.85
    [0.6, 1 / 6], // 3rd positive 0.7: 0.85
    [0.2, 0], // 1st positive 0.9: none
    [1, 4 / 6],
  ])('at TPR %p', (tpr, want) => expect(fprAtTpr(labels, scores, tpr)).toBeCloseTo(want, 12));

  it('counts tied negatives as flagged', () => {
    expect(fprAtTpr([1, 1, 0, 0], [0.5, 0.5, 0.5, 0.1])).toBe(0.5);
  });

  it('needs exactly 19 of 20 positives at 95%', () => {
    // positives 1..20: the 19th largest is 2, the threshold; a negative at 1.5 is not flagged, one at 2 is
    const pos = Array.from({ length: 20 }, (_, i) => i + 1);
    const l = [...pos.map(() => 1), 0, 0];
    expect(fprAtTpr(l, [...pos, 1.5, 0])).toBe(0);
    expect(fprAtTpr(l, [...pos, 2, 0])).toBe(0.5);
  });

  it('respects the positive class and rejects bad input', () => {
    expect(fprAtTpr([0, 1], [0.9, 0.1], 0.95, 0)).toBe(0);
    expect(fprAtTpr([1, 1], [0.9, 0.1])).toBeNaN();
    expect(() => fprAtTpr([1, 0], [NaN, 1])).toThrow('scores[0] is NaN');
    expect(() => fprAtTpr([1, 0], [1, 0], 0)).toThrow('tpr must be in (0, 1]');
    expect(() => fprAtTpr([1, 0], [1])).toThrow('labels has 2 entries but scores has 1');
  });
});

describe('oodMetrics', () => {
  it('treats OOD as positive: AUROC and FPR95 by hand', () => {
    // OOD 0.25 beats 2 of 3 in-distribution scores, 0.4 beats all 3: AUROC 5/6;
    // 95% of OOD needs t = 0.25, which flags 0.3 of the in-distribution scores.
    const m = oodMetrics([0.1, 0.2, 0.3], [0.25, 0.4]);
    expect(m).toEqual({ nIn: 3, nOut: 2, auroc: 5 / 6, fpr95: 1 / 3 });
  });
  it('is 1 and 0 for separated scores, and 0.5 for identical ones', () => {
    expect(oodMetrics([0, 1], [2, 3])).toMatchObject({ auroc: 1, fpr95: 0 });
    expect(oodMetrics([1, 1], [1, 1])).toMatchObject({ auroc: 0.5, fpr95: 1 });
  });
  it('needs both sets', () => expect(() => oodMetrics([], [1])).toThrow('got 0 and 1'));
});

describe('KnnScorer', () => {
  const train = [
    [0, 0],
    [3, 4],
    [6, 8],
  ];
  it.each([
    [1, 'kth', [0, 0], 0],
    [2, 'kth', [0, 0], 5],
    [3, 'kth', [0, 0], 10],
    [2, 'mean', [0, 0], 2.5],
    [3, 'mean', [0, 0], 5],
    [1, 'kth', [3, 0], 3],
    [2, 'kth', [3, 0], 4],
    [3, 'kth', [3, 0], Math.sqrt(73)],
  ] as const)('k=%p %p at %j is %p', (k, reduce, q, want) => {
    expect(new KnnScorer(train, { k, reduce }).score(q)).toBeCloseTo(want, 12);
  });

  it('scores many queries, the nearest neighbours ascending', () => {
    const knn = new KnnScorer(train, { k: 3 });
    expect(knn.neighbors([6, 8])).toEqual([0, 5, 10]);
    expect(
      Array.from(
        new KnnScorer(train).scoreAll([
          [0, 1],
          [6, 9],
        ]),
      ),
    ).toEqual([1, 1]);
  });

  it.each([
    [() => new KnnScorer(train, { k: 4 }), 'k = 4 is larger than the training set (3 vectors)'],
    [() => new KnnScorer(train, { k: 0 }), 'k must be a positive integer, got 0'],
    [() => new KnnScorer([]), 'the training set is empty'],
    [() => new KnnScorer([[1, 2], [1]]), 'training vector 1 has length 1 but vector 0 has 2'],
    [() => new KnnScorer([[1, NaN]]), 'training vector 0[1] = NaN is not finite'],
    [() => new KnnScorer(train).score([1, 2, 3]), 'the query has length 3 but training vectors have 2'],
    [() => new KnnScorer(train, { reduce: 'max' as 'kth' }), `reduce must be 'kth' or 'mean'`],
  ])('error %#', (f, msg) => expect(f).toThrow(msg));
});

describe('rocCurve', () => {
  it('steps through the distinct scores, ties as one point, and its area is the AUROC', () => {
    // scores 0.9(+) 0.8(−) 0.8(+) 0.4(−) 0.1(+): P = 3, N = 2
    const labels = [1, 0, 1, 0, 1];
    const scores = [0.9, 0.8, 0.8, 0.4, 0.1];
    const roc = rocCurve(labels, scores);
    expect(roc.map((p) => [p.fpr, p.tpr])).toEqual([
      [0, 0],
      [0, 1 / 3],
      [1 / 2, 2 / 3],
      [1, 2 / 3],
      [1, 1],
    ]);
    let area = 0;
    for (let k = 1; k < roc.length; k++) area += ((roc[k].fpr - roc[k - 1].fpr) * (roc[k].tpr + roc[k - 1].tpr)) / 2;
    expect(area).toBeCloseTo(auroc(labels, scores), 12);
    expect(() => rocCurve([1, 1], [0.2, 0.3])).toThrow('need positives and negatives, got 2 and 0');
  });
});
