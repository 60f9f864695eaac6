// Label rules: a small JSON predicate over the factor record (all / any / not of factor comparisons)
// that decides a sample's label, with its zod schema and an evaluator.
import { z } from 'zod';
import { FACTOR_INFO, FACTOR_NAMES, FactorName, FactorRecord, FactorValue, checkFactorValue } from './factors';
import { Problem, formatIssues, mustBe, number, refineWith, show, strict } from '../schema';

/** A comparison of one factor with a value: exactly one of the operators. */
export interface Comparison {
  factor: FactorName;
  gt?: number;
  ge?: number;
  lt?: number;
  le?: number;
  eq?: FactorValue;
  ne?: FactorValue;
  in?: FactorValue[];
}

/** A label rule: label = 1 where the rule holds, else 0. */
export type Rule = { all: Rule[] } | { any: Rule[] } | { not: Rule } | Comparison;

const ORDER_OPS = ['gt', 'ge', 'lt', 'le'] as const;
const COMBINATORS = ['all', 'any', 'not'] as const;

/** A comparison value must have the factor's type (and be an allowed category), but may lie outside its range. */
function checkValueType(factor: FactorName, v: unknown): string | null {
  const kind = FACTOR_INFO[factor].kind;
  if (kind === 'number' || kind === 'integer')
    return typeof v === 'number' && Number.isFinite(v) ? null : `must be a finite number, got ${show(v)}`;
  return checkFactorValue(factor, v);
}

type FlatRule = Partial<Record<'all' | 'any', Rule[]>> & { not?: Rule; factor?: FactorName } & Partial<
    Record<string, unknown>
  >;

/** One combinator alone, or one factor with exactly one operator whose value fits the factor. */
function checkRule(r: FlatRule, problem: Problem): void {
  const keys = Object.keys(r);
  const combinator = COMBINATORS.find((c) => r[c] !== undefined);
  if (combinator) {
    if (keys.length !== 1) problem([], `"${combinator}" must be the only key, found ${keys.join(', ')}`);
    return;
  }
  const factor = r.factor;
  if (factor === undefined)
    return problem([], `needs "all", "any", "not" or "factor"; found ${keys.length ? keys.join(', ') : 'no keys'}`);
  const ops = keys.filter((k) => k !== 'factor');
  if (ops.length === 0) return problem([], `comparison of "${factor}" has no operator`);
  if (ops.length > 1)
    return problem(
      [],
      `comparison of "${factor}" has ${ops.length} operators (${ops.join(', ')}); use "all" to combine`,
    );
  const op = ops[0];
  const kind = FACTOR_INFO[factor].kind;
  const values = op === 'in' ? (r.in as unknown[]) : [r[op]];
  if ((ORDER_OPS as readonly string[]).includes(op)) {
    if (kind !== 'number' && kind !== 'integer')
      problem([op], `"${op}" needs a numeric factor; "${factor}" is ${kind}`);
  } else
    values.forEach((v, k) => {
      const msg = checkValueType(factor, v);
      if (msg) problem(op === 'in' ? ['in', k] : [op], msg);
    });
}

const scalar = z.union([z.number(), z.boolean(), z.string()], { error: mustBe('a number, true/false or a string') });
const rules = () =>
  z
    .array(RuleSchema, { error: mustBe('a non-empty array of rules') })
    .min(1)
    .optional();

/** The schema of a label rule (recursive): `{"all": [...]}`, `{"any": [...]}`, `{"not": ...}` or a comparison. */
export const RuleSchema: z.ZodType<Rule> = refineWith(
  strict(
    {
      get all() {
        return rules();
      },
      get any() {
        return rules();
      },
      get not() {
        return RuleSchema.optional();
      },
      factor: z
        .enum(FACTOR_NAMES as [FactorName, ...FactorName[]], {
          error: (issue) => `unknown factor ${show(issue.input)}`,
        })
        .optional(),
      ...(Object.fromEntries(ORDER_OPS.map((op) => [op, number({}, 'a finite number').optional()])) as Record<
        (typeof ORDER_OPS)[number],
        z.ZodOptional<z.ZodNumber>
      >),
      eq: scalar.optional(),
      ne: scalar.optional(),
      in: z
        .array(scalar, { error: mustBe('a non-empty array') })
        .min(1)
        .optional(),
    },
    { type: 'an object ({"all": [...]}, {"any": [...]}, {"not": ...} or {"factor": ..., "<op>": ...})' },
  ),
  (r, problem) => checkRule(r as FlatRule, problem),
).meta({
  id: 'Rule',
  description:
    'label = 1 where the rule holds: all / any / not of comparisons {"factor": name, "<gt|ge|lt|le|eq|ne|in>": value}',
}) as unknown as z.ZodType<Rule>;

/** Validates `rule`; appends `path: message` strings to `errors`. */
export function validateRule(rule: unknown, path: string, errors: string[]): void {
  const r = RuleSchema.safeParse(rule);
  if (!r.success) errors.push(...formatIssues(r.error.issues, { prefix: path }));
}

/** Evaluates a validated rule on a factor record. */
export function evaluateRule(rule: Rule, f: FactorRecord): boolean {
  if ('all' in rule) return rule.all.every((r) => evaluateRule(r, f));
  if ('any' in rule) return rule.any.some((r) => evaluateRule(r, f));
  if ('not' in rule) return !evaluateRule(rule.not, f);
  const v = f[rule.factor];
  if (rule.gt !== undefined) return (v as number) > rule.gt;
  if (rule.ge !== undefined) return (v as number) >= rule.ge;
  if (rule.lt !== undefined) return (v as number) < rule.lt;
  if (rule.le !== undefined) return (v as number) <= rule.le;
  if (rule.eq !== undefined) return v === rule.eq;
  if (rule.ne !== undefined) return v !== rule.ne;
  return rule.in!.includes(v);
}

/** The factors a rule reads. */
export function ruleFactors(rule: Rule, out = new Set<FactorName>()): Set<FactorName> {
  if ('all' in rule) rule.all.forEach((r) => ruleFactors(r, out));
  else if ('any' in rule) rule.any.forEach((r) => ruleFactors(r, out));
  else if ('not' in rule) ruleFactors(rule.not, out);
  else out.add(rule.factor);
  return out;
}
