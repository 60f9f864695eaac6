// The claims engine: a table of hand-made cases for each verdict and rule, gating by controls and premises,
// and a simulation of many studies that checks the family-wise error under the null and the power at the SESOI.
import { ClaimInput, ControlInput, judgeClaims, seedsForPower } from '../../src/claims';

const claim = (over: Partial<ClaimInput> & Pick<ClaimInput, 'id' | 'comparisons'>): ClaimInput => ({
  statement: `claim ${over.id}`,
  measure: 'accuracy',
  direction: 'greater',
  sesoi: 0.05,
  sesoiReason: 'test',
  ...over,
});
const one = (values: number[], over: Partial<ClaimInput> = {}) =>
  judgeClaims([], [claim({ id: 'c', comparisons: [{ name: 'a − b', values }], ...over })]).claims[0];

describe("judgeClaims verdicts (one primary claim: α' = 0.05)", () => {
  test.each([
    ['reproduced', [0.2, 0.25, 0.3, 0.22, 0.28], {}],
    ['contradicted', [-0.2, -0.25, -0.3, -0.22, -0.28], {}],
    ['reproduced', [-0.2, -0.25, -0.3, -0.22, -0.28], { direction: 'less' as const }],
    ['not reproduced', [0.001, -0.002, 0.0015, -0.001, 0.0005], {}],
    ['inconclusive', [0.3, -0.3, 0.1, -0.2, 0.25], {}],
  ])('%s', (verdict, values, over) => {
    const c = one(values, over);
    expect(c.verdict).toBe(verdict);
    expect(c.comparisons[0].n).toBe(5);
    expect(c.alpha).toBeCloseTo(0.05);
  });

  test('a CI on the claimed side that touches 0 is not "not reproduced" (equivalence needs the CI inside ±SESOI)', () => {
    expect(one([-0.001, 0.098, 0.05, 0.02, 0.07]).verdict).not.toBe('not reproduced');
  });

  test('identical per-seed values and a single seed are inconclusive, with the reason', () => {
    const same = one([0.1, 0.1, 0.1]);
    expect(same.verdict).toBe('inconclusive');
    expect(same.reason).toMatch(/identical/);
    const single = one([0.4]);
    expect(single.verdict).toBe('inconclusive');
    expect(single.reason).toMatch(/at least 2/);
  });

  test('non-finite values are left out and counted', () => {
    const c = one([0.2, NaN, 0.25, 0.3, 0.22]);
    expect(c.comparisons[0]).toMatchObject({ n: 4, missing: 1 });
  });
});

describe('rules, family and gating', () => {
  const up = [0.2, 0.25, 0.3, 0.22, 0.28];
  const zero = [0.001, -0.002, 0.0015, -0.001, 0.0005];
  const noisy = [0.3, -0.3, 0.1, -0.2, 0.25];

  test("'all' is reproduced only when every comparison is, and counts once in the family", () => {
    const f = judgeClaims(
      [],
      [
        claim({
          id: 'all',
          rule: 'all',
          comparisons: [
            { name: 'x', values: up },
            { name: 'y', values: up },
          ],
        }),
        claim({
          id: 'mixed',
          rule: 'all',
          comparisons: [
            { name: 'x', values: up },
            { name: 'y', values: zero },
          ],
        }),
      ],
    );
    expect(f.familySize).toBe(2);
    expect(f.claims.map((c) => c.verdict)).toEqual(['reproduced', 'not reproduced']);
  });

  test("'any' counts once per comparison and is reproduced when one comparison is", () => {
    const f = judgeClaims(
      [],
      [
        claim({
          id: 'any',
          rule: 'any',
          comparisons: [
            { name: 'x', values: noisy },
            { name: 'y', values: up },
          ],
        }),
      ],
    );
    expect(f.familySize).toBe(2);
    expect(f.claims[0].alpha).toBeCloseTo(0.025);
    expect(f.claims[0].verdict).toBe('reproduced');
  });

  test('secondary claims are outside the family and get no verdict', () => {
    const f = judgeClaims(
      [],
      [
        claim({ id: 'p', comparisons: [{ name: 'x', values: up }] }),
        claim({ id: 's', role: 'secondary', comparisons: [{ name: 'x', values: up }] }),
      ],
    );
    expect(f.familySize).toBe(1);
    expect(f.claims[1].verdict).toBeNull();
    expect(f.claims[1].comparisons[0].verdict).toBeNull();
  });

  test('a failed control makes every claim that depends on it not testable, whatever its data', () => {
    const controls: ControlInput[] = [{ id: 'ctl', statement: 'models learn', passed: false, detail: '0.50 < 0.8' }];
    const f = judgeClaims(controls, [
      claim({ id: 'c', dependsOn: ['ctl'], comparisons: [{ name: 'x', values: up }] }),
      claim({ id: 'd', comparisons: [{ name: 'x', values: up }] }),
    ]);
    expect(f.claims[0].verdict).toBe('not testable');
    expect(f.claims[0].reason).toMatch(/control 'ctl', which failed/);
    expect(f.claims[1].verdict).toBe('reproduced');
  });

  test('a claim whose premise is not reproduced is not testable; premises are judged first whatever the order', () => {
    const f = judgeClaims(
      [],
      [
        claim({ id: 'c', dependsOn: ['premise'], comparisons: [{ name: 'x', values: up }] }),
        claim({ id: 'premise', comparisons: [{ name: 'x', values: noisy }] }),
      ],
    );
    expect(f.claims.map((c) => c.id)).toEqual(['c', 'premise']);
    expect(f.claims[1].verdict).toBe('inconclusive');
    expect(f.claims[0].verdict).toBe('not testable');
  });

  test('a claim tested after another counts no hypothesis, shares its α and waits for it to be reproduced', () => {
    const chain = (first: number[]) =>
      judgeClaims(
        [],
        [
          claim({ id: 'a', comparisons: [{ name: 'x', values: first }] }),
          claim({ id: 'b', after: 'a', comparisons: [{ name: 'x', values: up }] }),
          claim({ id: 'c', after: 'b', comparisons: [{ name: 'x', values: up }] }),
          claim({ id: 'd', comparisons: [{ name: 'x', values: up }] }),
        ],
      );
    const passed = chain(up);
    expect(passed.familySize).toBe(2);
    expect(passed.claims.map((c) => [c.id, c.verdict, c.alpha, c.after])).toEqual([
      ['a', 'reproduced', 0.025, null],
      ['b', 'reproduced', 0.025, 'a'],
      ['c', 'reproduced', 0.025, 'b'],
      ['d', 'reproduced', 0.025, null],
    ]);
    expect(passed.policy).toMatch(/fixed sequence/);
    const stopped = chain(noisy);
    expect(stopped.claims.map((c) => c.verdict)).toEqual([
      'inconclusive',
      'not testable',
      'not testable',
      'reproduced',
    ]);
    expect(stopped.claims[1].reason).toBe("is tested after 'a', which is inconclusive");
    expect(stopped.claims[2].reason).toBe("is tested after 'b', which is not testable");
    expect(judgeClaims([], [claim({ id: 'a', comparisons: [] })]).policy).not.toMatch(/fixed sequence/);
  });

  test('malformed claims are errors of the study, not findings', () => {
    expect(() => judgeClaims([], [claim({ id: 'c', comparisons: [] }), claim({ id: 'c', comparisons: [] })])).toThrow(
      /duplicate id 'c'/,
    );
    expect(() => judgeClaims([], [claim({ id: 'c', sesoi: 0, comparisons: [] })])).toThrow(/SESOI must be > 0/);
    expect(() => judgeClaims([], [claim({ id: 'c', dependsOn: ['nope'], comparisons: [] })])).toThrow(
      /unknown control or claim 'nope'/,
    );
    expect(() => judgeClaims([], [claim({ id: 'c', after: 'nope', comparisons: [] })])).toThrow(
      /c is tested after 'nope': both must be primary/,
    );
    expect(() =>
      judgeClaims(
        [],
        [claim({ id: 's', role: 'secondary', comparisons: [] }), claim({ id: 'c', after: 's', comparisons: [] })],
      ),
    ).toThrow(/both must be primary/);
  });
});

/** A seeded normal generator (mulberry32 + Box–Muller). */
function normals(seed: number): () => number {
  let a = seed >>> 0;
  const u = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(u() + 1e-300)) * Math.cos(2 * Math.PI * u());
}

describe('the policy, calibrated by simulation', () => {
  const studies = 4000;
  const sd = 0.04;
  const sesoi = 0.03;
  const draw = normals(7);
  const sample = (n: number, mean: number): number[] => Array.from({ length: n }, () => mean + sd * draw());
  const family = (n: number, means: number[]): ClaimInput[] =>
    means.map((m, k) => claim({ id: `c${k}`, sesoi, comparisons: [{ name: 'x', values: sample(n, m) }] }));

  test('under the null, a false reproduced or contradicted verdict in a family of 3 claims happens in ≤ 5% of studies', () => {
    let falseFamilies = 0;
    for (let s = 0; s < studies; s++) {
      const f = judgeClaims([], family(5, [0, 0, 0]));
      if (f.claims.some((c) => c.verdict === 'reproduced' || c.verdict === 'contradicted')) falseFamilies++;
    }
    // 5% plus three binomial standard errors of the simulation itself.
    expect(falseFamilies / studies).toBeLessThanOrEqual(0.05 + 3 * Math.sqrt((0.05 * 0.95) / studies));
  });

  test('under the null, a family of 2 claims and a chain of 3 tested in sequence keeps family-wise error ≤ 5%', () => {
    let falseFamilies = 0;
    for (let s = 0; s < studies; s++) {
      // The chain's head has a real effect, so the claims after it are reached and tested under their own null.
      const claims = [
        ...family(5, [0]),
        claim({ id: 'head', sesoi, comparisons: [{ name: 'x', values: sample(5, 0.2) }] }),
        claim({ id: 'next', after: 'head', sesoi, comparisons: [{ name: 'x', values: sample(5, 0) }] }),
        claim({ id: 'last', after: 'next', sesoi, comparisons: [{ name: 'x', values: sample(5, 0) }] }),
      ];
      const f = judgeClaims([], claims);
      const nulls = f.claims.filter((c) => c.id !== 'head');
      if (nulls.some((c) => c.verdict === 'reproduced' || c.verdict === 'contradicted')) falseFamilies++;
    }
    expect(falseFamilies / studies).toBeLessThanOrEqual(0.05 + 3 * Math.sqrt((0.05 * 0.95) / studies));
  });

  test('at the SESOI, the seeds the engine asks for reproduce the claim with about 80% power', () => {
    const alpha = 0.05 / 3;
    const n = seedsForPower(sesoi, sd, alpha)!;
    expect(n).toBeGreaterThan(2);
    let hits = 0;
    for (let s = 0; s < studies; s++) {
      const f = judgeClaims([], family(n, [sesoi, 0, 0]));
      if (f.claims[0].verdict === 'reproduced') hits++;
    }
    // The shifted-t approximation is slightly conservative or slightly liberal by a few points.
    expect(hits / studies).toBeGreaterThan(0.75);
    expect(hits / studies).toBeLessThan(0.9);
  });

  test('with many seeds and no effect, the claims are not reproduced (equivalence decides)', () => {
    const f = judgeClaims([], family(40, [0, 0, 0]));
    expect(f.claims.every((c) => c.verdict === 'not reproduced')).toBe(true);
  });
});
