// The schema helpers every config and spec is built from: their "must be ..." messages, bounds, and
// the error lines (path: message) made from zod issues — unknown keys one each, a union's fitting branch.
import { z } from 'zod';
import { schema } from '../src';

const { describeNumber, formatIssues, number, oneOf, parseOrThrow, refineWith, strict, triple, vector } = schema;

function lines(s: z.ZodType, doc: unknown, where: schema.IssuePaths = {}): string[] {
  const r = s.safeParse(doc);
  return r.success ? [] : formatIssues(r.error.issues, where);
}

describe('number', () => {
  it.each<[schema.NumberCheck, string]>([
    [{}, 'a number'],
    [{ int: true, min: 1 }, 'an integer >= 1'],
    [{ gt: 0, max: 8 }, 'a number > 0 and <= 8'],
    [{ int: true, in: [8, 256] }, 'an integer in [8, 256]'],
    [{ min: 0, lt: 1 }, 'a number >= 0 and < 1'],
  ])('%j is described as "%s"', (check, text) => expect(describeNumber(check)).toBe(text));

  it.each<[schema.NumberCheck, unknown, boolean]>([
    [{ int: true, min: 1 }, 1, true],
    [{ int: true, min: 1 }, 0, false],
    [{ int: true, min: 1 }, 1.5, false],
    [{ gt: 0 }, 0, false],
    [{ lt: 1 }, 1, false],
    [{ in: [0, 1] }, 1, true],
    [{}, 'x', false],
    [{}, Infinity, false],
  ])('%j accepts %j: %s', (check, v, ok) => expect(number(check).safeParse(v).success).toBe(ok));

  it('fails with one message per value, even when several bounds fail', () => {
    expect(lines(strict({ seed: number({ int: true, min: 0 }) }), { seed: -1.5 })).toEqual([
      'seed: must be an integer >= 0, got -1.5',
    ]);
  });
});

describe('formatIssues', () => {
  const doc = strict({ loss: oneOf(['ce', 'simclr']), steps: z.array(strict({ p: number({ in: [0, 1] }) })) });

  it('writes paths with dots and indices under a prefix, and names the document itself by root', () => {
    expect(lines(doc, { loss: 'x', steps: [{ p: 0 }, { p: 2 }] }, { prefix: 'cfg' })).toEqual([
      'cfg.loss: must be one of ce, simclr, got "x"',
      'cfg.steps[1].p: must be a number in [0, 1], got 2',
    ]);
    expect(lines(doc, [], { root: 'config' })).toEqual(['config: must be an object, got []']);
  });

  it('gives every unknown key its own line', () => {
    expect(lines(doc, { loss: 'ce', steps: [{ p: 1, q: 0, r: 0 }] })).toEqual([
      'steps[0].q: unknown key (expected one of p)',
      'steps[0].r: unknown key (expected one of p)',
    ]);
  });

  it("reports a failed union as the problems of the branch the value was meant for, else the union's message", () => {
    const loss = z.union([oneOf(['ce']), strict({ loss: oneOf(['ce']) })], { error: schema.mustBe('a loss') });
    expect(lines(z.array(loss), [{ loss: 'x' }])).toEqual(['[0].loss: must be one of ce, got "x"']);
    expect(lines(z.array(loss), ['x'])).toEqual(['[0]: must be a loss, got "x"']);
  });
});

describe('field builders', () => {
  it('triple names the bad item; vector judges the array whole', () => {
    expect(lines(strict({ shape: triple({ int: true, in: [8, 256] }) }), { shape: [8, 3.5, 8] })).toEqual([
      'shape[1]: must be an integer in [8, 256], got 3.5',
    ]);
    expect(lines(strict({ shape: triple({ in: [0, 1] }, '(D, H, W)') }), {})).toEqual(['shape: required (D, H, W)']);
    const v = strict({ w: vector(2, { min: 0 }, 'non-negative numbers') });
    for (const w of [[1, -1], [1], 'x'])
      expect(lines(v, { w })).toEqual([`w: must be an array of 2 non-negative numbers, got ${JSON.stringify(w)}`]);
    expect(v.parse({ w: [0, 2] })).toEqual({ w: [0, 2] });
    expect(z.toJSONSchema(v).properties!.w).toMatchObject({
      type: 'array',
      minItems: 2,
      maxItems: 2,
      items: { type: 'number', minimum: 0 },
    });
  });

  it('refineWith checks between fields once the types are right, at paths under the value', () => {
    const range = refineWith(strict({ lo: number(), hi: number() }), (r, problem) => {
      if (r.lo > r.hi) problem(['hi'], `must be >= lo (${r.lo})`);
    });
    expect(lines(range, { lo: 2, hi: 1 })).toEqual(['hi: must be >= lo (2)']);
    expect(lines(range, { lo: 'a', hi: 1 })).toEqual(['lo: must be a number, got "a"']);
  });

  it('parseOrThrow throws the given error with every line', () => {
    expect(() =>
      parseOrThrow(strict({ a: number() }), { a: 'x', b: 1 }, (p) => new Error(p.join(' | ')), { prefix: 'doc' }),
    ).toThrow('doc.a: must be a number, got "x" | doc.b: unknown key (expected one of a)');
  });
});
