// PIE and HTL: modal predictions and dense/pruned disagreement on hand-written populations, box
// divergence of hand-computed mean boxes, HTL selection rules and counts, subgroup rates; planted
// populations in which a known subgroup disagrees must make that subgroup over-represented; bad input named.
import { Generator } from '@nodulab/tensor';
import { Box3d, box3d } from '@nodulab/eval';
import {
  classificationPie,
  htlCounts,
  localizationDivergence,
  modalPrediction,
  selectHtl,
  subgroupHtlRates,
} from '../../../src';

describe('modalPrediction and classificationPie', () => {
  it('takes the most frequent class, ties to the smallest', () => {
    expect(
      Array.from(
        modalPrediction([
          [0, 1, 2, 1],
          [0, 1, 1, 0],
          [1, 2, 2, 0],
        ]),
      ),
    ).toEqual([0, 1, 2, 0]);
    expect(
      Array.from(
        modalPrediction([
          [1, 0],
          [0, 1],
        ]),
      ),
    ).toEqual([0, 0]);
  });

  it('flags the samples whose pruned modal class differs from the dense one, per sparsity', () => {
    const dense = [
      [0, 1, 1, 0, 1],
      [0, 1, 0, 0, 1],
      [0, 1, 1, 1, 1],
    ]; // modal 0 1 1 0 1
    const at30 = [
      [0, 1, 1, 0, 0],
      [0, 1, 1, 0, 0],
      [1, 1, 1, 0, 1],
    ]; // modal 0 1 1 0 0: sample 4
    const at90 = [
      [1, 0, 1, 0, 0],
      [1, 1, 1, 0, 0],
      [1, 0, 0, 0, 0],
    ]; // modal 1 0 1 0 0: samples 0, 1, 4
    const r = classificationPie({
      dense,
      pruned: [
        { sparsity: 0.3, models: at30 },
        { sparsity: 0.9, models: at90 },
      ],
    });
    expect(Array.from(r.denseModal)).toEqual([0, 1, 1, 0, 1]);
    expect(Array.from(r.perSparsity[0].pie)).toEqual([0, 0, 0, 0, 1]);
    expect(Array.from(r.perSparsity[1].pie)).toEqual([1, 1, 0, 0, 1]);
    expect(r.perSparsity.map((p) => [p.sparsity, p.count, p.fraction])).toEqual([
      [0.3, 1, 0.2],
      [0.9, 3, 0.6],
    ]);
    expect(Array.from(r.score)).toEqual([0.5, 0.5, 0, 0, 1]);
  });

  it('names too few models, unequal lengths, a bad sparsity and a bad class', () => {
    const three = [
      [0, 1],
      [0, 1],
      [1, 1],
    ];
    const pruned = [{ sparsity: 0.5, models: three }];
    expect(() => classificationPie({ dense: three.slice(0, 2), pruned })).toThrow(
      'classificationPie: the dense population has 2 models, needs at least 3',
    );
    expect(() =>
      classificationPie({ dense: three, pruned: [{ sparsity: 0.5, models: [[0, 1], [0], [1, 1]] }] }),
    ).toThrow(
      'classificationPie: the population at sparsity 0.5 model 1 has 1 predictions, expected 2 (one per sample)',
    );
    expect(() => classificationPie({ dense: three, pruned: [{ sparsity: 1, models: three }] })).toThrow(
      /sparsity must be in \(0, 1\), got 1/,
    );
    expect(() => classificationPie({ dense: three, pruned: [] })).toThrow(/no pruned populations/);
    expect(() => modalPrediction([[0, 1.5]])).toThrow('modalPrediction: model 0 predicts 1.5 for sample 1');
  });
});

describe('localizationDivergence', () => {
  const b = (z: number, d: number): Box3d => box3d([z, 0, 0], [d, 2, 2]);
  it('is 1 - IoU of the populations mean boxes', () => {
    // sample 0: dense mean z = 0, d = 2; pruned mean z = 1, d = 2 -> IoU 1/3.
    // sample 1: dense mean z = 5, d = 4; pruned mean z = 5, d = 2 -> IoU 1/2.
    const dense = [
      [b(-1, 2), b(5, 4)],
      [b(1, 2), b(5, 3)],
      [b(0, 2), b(5, 5)],
    ];
    const pruned = [
      [b(1, 2), b(5, 2)],
      [b(0, 2), b(5, 1)],
      [b(2, 2), b(5, 3)],
    ];
    const r = localizationDivergence({ dense, pruned: [{ sparsity: 0.5, models: pruned }] });
    expect(r.denseMeanBoxes[1]).toEqual({ centre: [5, 0, 0], size: [4, 2, 2] });
    expect(r.perSparsity[0].divergence[0]).toBeCloseTo(2 / 3, 12);
    expect(r.perSparsity[0].divergence[1]).toBeCloseTo(1 / 2, 12);
    expect(r.score[1]).toBeCloseTo(1 / 2, 12);
  });

  it('names a box of negative size with its population and sample', () => {
    const ok = [[b(0, 1)], [b(0, 1)], [b(0, 1)]];
    const bad = [[b(0, 1)], [{ centre: [0, 0, 0], size: [-1, 1, 1] } as Box3d], [b(0, 1)]];
    expect(() => localizationDivergence({ dense: ok, pruned: [{ sparsity: 0.7, models: bad }] })).toThrow(
      /localizationDivergence: the population at sparsity 0\.7, sample 0: meanBox: boxes\[1\] has a negative size/,
    );
  });
});

describe('selectHtl and htlCounts', () => {
  const scores = [0.1, 0.9, 0, 0.5, 0.5, 0.3, 0, 0, 0, 0.05];
  it('takes the top fraction among positive scores, ties by index', () => {
    expect(Array.from(selectHtl(scores, { topFraction: 0.2 }))).toEqual([0, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(selectHtl(scores))).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0, 0]); // default 10%
    // 80% of 10 = 8, but only 6 samples score above 0.
    expect(selectHtl(scores, { topFraction: 0.8 }).reduce((s, v) => s + v, 0)).toBe(6);
  });

  it('or every score above a threshold', () => {
    expect(Array.from(selectHtl(scores, { threshold: 0.3 }))).toEqual([0, 1, 0, 1, 1, 0, 0, 0, 0, 0]);
  });

  it('an empty HTL set is an error naming the rule, unless allowed', () => {
    expect(() => selectHtl(scores, { threshold: 0.95 })).toThrow(
      'selectHtl: no sample is HTL under threshold 0.95 (N = 10, highest score 0.9)',
    );
    expect(() => selectHtl([0, 0, 0])).toThrow(/no sample is HTL under topFraction 0\.1/);
    expect(selectHtl([0, 0], { threshold: 0 }, { allowEmpty: true })).toEqual(new Uint8Array(2));
    expect(() => selectHtl(scores, { topFraction: 0 })).toThrow(/topFraction must be in \(0, 1\], got 0/);
    expect(() => selectHtl([0.1, NaN])).toThrow(/scores\[1\] = NaN is not finite/);
  });

  it('counts per sparsity, zero included', () => {
    const counts = htlCounts(
      [
        { sparsity: 0.3, scores: [0, 0.1, 0, 0] },
        { sparsity: 0.9, scores: [0.4, 0.6, 0.2, 0.7] },
      ],
      { threshold: 0.3 },
    );
    expect(counts).toEqual([
      { sparsity: 0.3, count: 0, fraction: 0 },
      { sparsity: 0.9, count: 3, fraction: 0.75 },
    ]);
  });
});

describe('subgroupHtlRates', () => {
  it('rates, ratio to the population rate and share, per group', () => {
    const r = subgroupHtlRates([1, 1, 0, 0, 1, 0, 0, 0], ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b']);
    expect(r.populationRate).toBe(3 / 8);
    expect(r.groups.map((g) => [g.group, g.n, g.htl, g.rate.rate, g.ratio, g.share])).toEqual([
      ['a', 4, 2, 0.5, 0.5 / (3 / 8), 2 / 3],
      ['b', 4, 1, 0.25, 0.25 / (3 / 8), 1 / 3],
    ]);
    expect(r.groups[0].rate.lower).toBeLessThan(0.5);
    expect(r.groups[0].rate.upper).toBeGreaterThan(0.5);
  });

  it('an empty HTL set is an error', () => {
    expect(() => subgroupHtlRates([0, 0, 0], ['a', 'b', 'a'])).toThrow(
      'subgroupHtlRates: the HTL set is empty (0 of 3 samples), so no subgroup can be compared',
    );
    expect(() => subgroupHtlRates([1, 0], ['a'])).toThrow(/htl has 2 flags but groups has 1 entries/);
  });
});

describe('planted: a subgroup that pruned models get wrong is over-represented among HTL samples', () => {
  const N = 300;
  const SPARSITIES = [0.3, 0.5, 0.7, 0.9];
  // Samples 0, 10, 20, ...: the planted "tiny and faint" subgroup (30 of 300).
  const group = Array.from({ length: N }, (_, i) => (i % 10 === 0 ? 'tiny-faint' : 'other'));
  const labels = Array.from({ length: N }, (_, i) => (i * 7) % 2);

  /** 5 models that predict the label, each flipping it with probability flip(sample). */
  function population(g: Generator, flip: (i: number) => number): number[][] {
    return Array.from({ length: 5 }, () => labels.map((y, i) => (g.uniform() < flip(i) ? 1 - y : y)));
  }

  it('classification: PIE over-represents the subgroup, at every sparsity', () => {
    const g = new Generator(42);
    const dense = population(g, () => 0.05);
    // Pruning hurts the subgroup more the sparser the model; everyone else barely changes.
    const pruned = SPARSITIES.map((s) => ({
      sparsity: s,
      models: population(g, (i) => (group[i] === 'tiny-faint' ? 0.3 + 0.5 * s : 0.05 + 0.05 * s)),
    }));
    const pie = classificationPie({ dense, pruned });
    const counts = pie.perSparsity.map((p) => p.count);
    expect(counts[counts.length - 1]).toBeGreaterThan(counts[0]);
    const htl = selectHtl(pie.score, { topFraction: 0.1 });
    const rates = subgroupHtlRates(htl, group);
    const planted = rates.groups.find((x) => x.group === 'tiny-faint')!;
    const other = rates.groups.find((x) => x.group === 'other')!;
    expect(planted.ratio).toBeGreaterThan(3);
    expect(planted.rate.lower).toBeGreaterThan(rates.populationRate);
    expect(other.rate.upper).toBeLessThan(planted.rate.lower);
    for (const p of pie.perSparsity) {
      const r = subgroupHtlRates(p.pie, group).groups.find((x) => x.group === 'tiny-faint')!;
      expect(r.ratio).toBeGreaterThan(1.5);
    }
  });

  it('localization: box divergence over-represents the subgroup', () => {
    const g = new Generator(7);
    const truth = Array.from({ length: N }, () => [
      g.uniformRange(10, 30),
      g.uniformRange(10, 30),
      g.uniformRange(10, 30),
    ]);
    const boxes = (shift: (i: number) => number): Box3d[][] =>
      Array.from({ length: 3 }, () =>
        truth.map((c, i) => {
          const jitter = () => g.normal() * 0.3;
          return box3d([c[0] + shift(i) + jitter(), c[1] + jitter(), c[2] + jitter()], [6, 6, 6]);
        }),
      );
    const dense = boxes(() => 0);
    const pruned = SPARSITIES.map((s) => ({
      sparsity: s,
      models: boxes((i) => (group[i] === 'tiny-faint' ? 4 * s : 0)),
    }));
    const div = localizationDivergence({ dense, pruned });
    const htl = selectHtl(div.score, { topFraction: 0.1 });
    const planted = subgroupHtlRates(htl, group).groups.find((x) => x.group === 'tiny-faint')!;
    expect(planted.ratio).toBeGreaterThan(5);
    expect(planted.share).toBeGreaterThan(0.8);
    const byThreshold = htlCounts(
      div.perSparsity.map((p) => ({ sparsity: p.sparsity, scores: p.divergence })),
      { threshold: 0.5 },
    );
    // A shift of 4 s voxels on a 6-voxel box: divergence 1/3 at s = 0.3, 3/4 at s = 0.9; jitter alone stays below.
    expect(byThreshold[0].count).toBeLessThan(5);
    expect(byThreshold[byThreshold.length - 1].count).toBeGreaterThanOrEqual(25);
  });

  it('with no planted subgroup, neither group is over-represented beyond chance', () => {
    const g = new Generator(43);
    const dense = population(g, () => 0.1);
    const pruned = SPARSITIES.map((s) => ({ sparsity: s, models: population(g, () => 0.1 + 0.2 * s) }));
    const htl = selectHtl(classificationPie({ dense, pruned }).score, { topFraction: 0.1 });
    const planted = subgroupHtlRates(htl, group).groups.find((x) => x.group === 'tiny-faint')!;
    expect(planted.rate.lower).toBeLessThan(subgroupHtlRates(htl, group).populationRate);
  });
});
