// Distributions of one factor as written in a spec's JSON ({"uniform": [4, 12]}, {"choice": [...]}, ...):
// their types, a zod schema per factor, and a seeded sampler.
import { z } from 'zod';
import { Generator } from '@nodulab/tensor';
import { FACTOR_INFO, FACTOR_NAMES, FactorName, FactorValue, factorValueSchema } from './factors';
import {
  Problem,
  formatIssues,
  isPlainObject,
  mustBe,
  number,
  probability,
  refineWith,
  show,
  strict,
  tuple,
} from '../schema';

/**
 * One factor's distribution. Exactly one form:
 * - `{ "const": v }` — always v;
 * - `{ "uniform": [low, high] }` — continuous uniform (number factors);
 * - `{ "int": [low, high] }` — integer uniform, both ends included (integer factors);
 * - `{ "normal": { "mean": m, "std": s, "min"?: a, "max"?: b } }` — Gaussian clipped to [a, b] and to
 *   the factor's range (rounded for integer factors);
 * - `{ "choice": [v1, v2, ...], "weights"?: [w1, w2, ...] }` — one of the values (weights default equal);
 * - `{ "bernoulli": p }` — true with probability p (boolean factors).
 */
export type Distribution =
  | { const: FactorValue }
  | { uniform: [number, number] }
  | { int: [number, number] }
  | { normal: { mean: number; std: number; min?: number; max?: number } }
  | { choice: FactorValue[]; weights?: number[] }
  | { bernoulli: number };

const FORMS = ['const', 'uniform', 'int', 'normal', 'choice', 'bernoulli'] as const;

/** Exactly one form per distribution (checked even when a form's value is invalid). */
function checkOneForm(d: Record<string, unknown>, problem: Problem): void {
  const forms = FORMS.filter((f) => f in d);
  if (forms.length > 1) problem([], `has ${forms.join(' and ')}; give exactly one distribution form`);
  else if (forms.length === 0 && d.weights === undefined)
    problem([], `no distribution form; give one of ${FORMS.join(', ')}`);
}

/** `choice` weights: one non-negative weight per value, not all zero; only beside `choice`. */
function checkWeights(d: { choice?: unknown[]; weights?: number[] }, problem: Problem): void {
  const w = d.weights;
  if (w === undefined) return;
  if (d.choice === undefined) problem(['weights'], `unknown key (expected one of ${FORMS.join(', ')})`);
  else if (w.length !== d.choice.length)
    problem(['weights'], `must be an array of ${d.choice.length} numbers (one per value), got ${show(w)}`);
  else if (w.reduce((a, b) => a + b, 0) <= 0) problem(['weights'], 'must not all be zero');
}

function distributionSchema(factor: FactorName): z.ZodType<Distribution> {
  const info = FACTOR_INFO[factor];
  const value = factorValueSchema(factor);
  const notFor = (form: string, hint = '') =>
    z.never({ error: `"${form}"${hint} does not apply to ${info.kind} factor "${factor}"` }).optional();
  const pair = refineWith(tuple([value, value], 'a [low, high] pair'), ([lo, hi], problem) => {
    if (lo > hi) problem([], `low ${lo} is greater than high ${hi}`);
  });
  // normal's bounds clip the draw: an integer factor's bound need only round into range.
  const bound =
    info.kind === 'integer'
      ? number({ min: info.min! - 0.5, lt: info.max! + 0.5 }, `in [${info.min}, ${info.max}] ${info.unit}`)
      : value;
  const normal = refineWith(
    strict(
      {
        mean: number({}, 'a finite number'),
        std: number({ min: 0 }, 'a finite number >= 0'),
        min: bound.optional(),
        max: bound.optional(),
      },
      { type: '{"mean": m, "std": s, "min"?: a, "max"?: b}' },
    ),
    (n, problem) => {
      if (n.min !== undefined && n.max !== undefined && (n.min as number) > (n.max as number))
        problem([], `min ${n.min} is greater than max ${n.max}`);
    },
  );
  const numeric = info.kind === 'number' || info.kind === 'integer';
  const d = strict(
    {
      const: value.optional(),
      uniform:
        info.kind === 'number' ? pair.optional() : notFor('uniform', info.kind === 'integer' ? ' (use "int")' : ''),
      int: info.kind === 'integer' ? pair.optional() : notFor('int'),
      normal: numeric ? normal.optional() : notFor('normal'),
      choice: z
        .array(value, { error: mustBe('a non-empty array of values') })
        .min(1)
        .optional(),
      weights: z
        .array(number({ min: 0 }, 'a finite number >= 0'), { error: mustBe('an array of numbers (one per value)') })
        .optional(),
      bernoulli: info.kind === 'boolean' ? probability().optional() : notFor('bernoulli'),
    },
    {
      type: 'an object such as {"const": ...} or {"uniform": [low, high]}',
      unknownKey: `unknown key (expected one of ${FORMS.join(', ')})`,
    },
  );
  return refineWith(d, checkWeights)
    .superRefine(
      (v, ctx) => checkOneForm(v, (path, message) => ctx.addIssue({ code: 'custom', path, message, input: v })),
      { when: (p) => isPlainObject(p.value) },
    )
    .meta({
      id: `${factor}Distribution`,
      description: `distribution of ${factor} (${info.description}${info.unit ? ', ' + info.unit : ''})`,
    }) as unknown as z.ZodType<Distribution>;
}

const DISTRIBUTION_SCHEMAS = Object.fromEntries(FACTOR_NAMES.map((f) => [f, distributionSchema(f)])) as Record<
  FactorName,
  z.ZodType<Distribution>
>;

/**
 * The schema of `factor`'s distribution: one form, its values valid for the factor (a `uniform` on
 * an integer factor, for one, fails with `"uniform" (use "int") does not apply ...`).
 */
export function distributionSchemaOf(factor: FactorName): z.ZodType<Distribution> {
  return DISTRIBUTION_SCHEMAS[factor];
}

/** Validates `d` as the distribution of `factor`; appends `path: message` strings to `errors`. */
export function validateDistribution(d: unknown, path: string, factor: FactorName, errors: string[]): void {
  const r = DISTRIBUTION_SCHEMAS[factor].safeParse(d);
  if (!r.success) errors.push(...formatIssues(r.error.issues, { prefix: path }));
}

/** Draws one value of `factor` from the (validated) distribution `d`. Draws a fixed number of variates per form. */
export function sampleDistribution(d: Distribution, factor: FactorName, gen: Generator): FactorValue {
  const info = FACTOR_INFO[factor];
  if ('const' in d) return d.const;
  if ('uniform' in d) return d.uniform[0] + (d.uniform[1] - d.uniform[0]) * gen.uniform();
  if ('int' in d) return d.int[0] + Math.floor(gen.uniform() * (d.int[1] - d.int[0] + 1));
  if ('normal' in d) {
    const { mean, std } = d.normal;
    const lo = Math.max(d.normal.min ?? -Infinity, info.min ?? -Infinity);
    const hi = Math.min(d.normal.max ?? Infinity, info.max ?? Infinity);
    let v = Math.min(hi, Math.max(lo, mean + std * gen.normal()));
    if (info.kind === 'integer') v = Math.min(Math.floor(hi), Math.max(Math.ceil(lo), Math.round(v)));
    return v;
  }
  if ('choice' in d) {
    const u = gen.uniform();
    const w = d.weights;
    if (w === undefined) return d.choice[Math.floor(u * d.choice.length)];
    const total = w.reduce((a, b) => a + b, 0);
    let acc = 0;
    for (let k = 0; k < w.length; k++) {
      acc += w[k] / total;
      if (u < acc && w[k] > 0) return d.choice[k];
    }
    for (let k = w.length - 1; k >= 0; k--) if (w[k] > 0) return d.choice[k];
    return d.choice[d.choice.length - 1];
  }
  return gen.uniform() < d.bernoulli;
}
