// Logits -> probabilities: softmax over the class axis for (N,K) and per-voxel (N,K,D,H,W) logits,
// P(malignant) = class 1 (for two classes the logistic of the logit difference), argmax masks, Dice.
import { Tensor } from '@nodulab/tensor';
import { argmaxClasses, classProbabilities, dice, malignancy, positiveScores } from '../src';

describe('classProbabilities', () => {
  it('is softmax over classes of (N,K) logits, rows summing to 1', () => {
    const p = classProbabilities(Tensor.from([0, 0, 1, 3, -50, 50], [3, 2])).data;
    expect(p[0]).toBeCloseTo(0.5, 6);
    expect(p[3]).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
    expect(p[4]).toBeCloseTo(0, 6);
    for (let i = 0; i < 3; i++) expect(p[2 * i] + p[2 * i + 1]).toBeCloseTo(1, 6);
  });

  it('softmaxes each voxel of (N,K,D,H,W) logits over K', () => {
    // N=2, K=3, 2 voxels: each voxel's 3 class logits are strided by the voxel count.
    const logits = Tensor.from([1, 2, 0, 0, 3, 1, /* sample 2 */ 0, 0, 0, 0, 0, 0], [2, 3, 1, 1, 2]);
    const p = classProbabilities(logits);
    expect(p.shape).toEqual([2, 3, 1, 1, 2]);
    const z = Math.exp(1) + 1 + Math.exp(3);
    expect(p.data[0]).toBeCloseTo(Math.exp(1) / z, 6); // voxel 0, class 0
    expect(p.data[2]).toBeCloseTo(1 / z, 6); // voxel 0, class 1
    expect(p.data[4]).toBeCloseTo(Math.exp(3) / z, 6); // voxel 0, class 2
    for (let v = 6; v < 12; v++) expect(p.data[v]).toBeCloseTo(1 / 3, 6);
  });

  it('P(malignant) of two logits is the logistic of their difference', () => {
    const l = [0.3, -1.2, 2, 2.5, -4, 7];
    const got = malignancy(Tensor.from(l, [3, 2]));
    for (let i = 0; i < 3; i++) expect(got[i]).toBeCloseTo(1 / (1 + Math.exp(l[2 * i] - l[2 * i + 1])), 6);
  });

  it.each([
    [() => classProbabilities(Tensor.from([1, 2], [2])), /must be \(N,K\)/],
    [() => positiveScores(Tensor.from([0.5, 0.5], [1, 2]), 2), /class 2 is not in \[0, 1\]/],
  ])('rejects bad input %#', (fn, message) => {
    expect(fn).toThrow(message);
  });
});

describe('argmaxClasses and dice', () => {
  it('takes the most probable class per voxel', () => {
    // K=2, 3 voxels: class-0 scores then class-1 scores.
    expect(Array.from(argmaxClasses([0.9, 0.2, 0.5, 0.1, 0.8, 0.5], 2, 3))).toEqual([0, 1, 0]);
  });

  it.each([
    ['overlap', [1, 1, 0, 0], [1, 0, 1, 0], 0.5],
    ['identical', [0, 1, 1, 0], [0, 1, 1, 0], 1],
    ['both empty', [0, 0], [0, 0], 1],
    ['disjoint', [1, 0], [0, 1], 0],
    ['a 0/255 truth mask', [1, 1, 0], [255, 0, 0], 2 / 3],
  ])('Dice of class 1: %s', (_name, pred, truth, want) => {
    expect(dice(pred, truth)).toBeCloseTo(want, 12);
  });

  it('Dice names a length mismatch', () => {
    expect(() => dice([1], [1, 0])).toThrow(/1 voxels but the true mask has 2/);
  });
});
