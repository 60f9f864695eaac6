// Label rules: a small JSON predicate over the factor record (all / any / not of factor comparisons)
// that decides a sample's label, with a validator naming the path of every bad key and an evaluator.
import { FACTOR_INFO, FactorName, FactorRecord, FactorValue, checkFactorValue, isFactorName } from './factors';

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
const VALUE_OPS = ['eq', 'ne', 'in'] as const;

/** Validates `rule`; appends `path: message` strings to `errors`. */
export function validateRule(rule: unknown, path: string, errors: string[]): void {
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) {
    errors.push(`${path}: must be an object ({"all": [...]}, {"any": [...]}, {"not": ...} or {"factor": ..., "<op>": ...}), got ${JSON.stringify(rule)}`);
    return;
  }
  const r = rule as Record<string, unknown>;
  const keys = Object.keys(r);
  for (const combinator of ['all', 'any'] as const) {
    if (combinator in r) {
      if (keys.length !== 1) errors.push(`${path}: "${combinator}" must be the only key, found ${keys.join(', ')}`);
      const list = r[combinator];
      if (!Array.isArray(list) || list.length === 0) errors.push(`${path}.${combinator}: must be a non-empty array of rules`);
      else list.forEach((sub, k) => validateRule(sub, `${path}.${combinator}[${k}]`, errors));
      return;
    }
  }
  if ('not' in r) {
    if (keys.length !== 1) errors.push(`${path}: "not" must be the only key, found ${keys.join(', ')}`);
    validateRule(r.not, `${path}.not`, errors);
    return;
  }
  if (!('factor' in r)) {
    errors.push(`${path}: needs "all", "any", "not" or "factor"; found ${keys.length ? keys.join(', ') : 'no keys'}`);
    return;
  }
  const factor = r.factor;
  if (typeof factor !== 'string' || !isFactorName(factor)) {
    errors.push(`${path}.factor: unknown factor ${JSON.stringify(factor)}`);
    return;
  }
  const ops = keys.filter((k) => k !== 'factor');
  for (const k of ops) {
    if (!(ORDER_OPS as readonly string[]).includes(k) && !(VALUE_OPS as readonly string[]).includes(k)) {
      errors.push(`${path}.${k}: unknown operator (expected one of ${[...ORDER_OPS, ...VALUE_OPS].join(', ')})`);
    }
  }
  if (ops.length !== 1) {
    if (ops.length === 0) errors.push(`${path}: comparison of "${factor}" has no operator`);
    else errors.push(`${path}: comparison of "${factor}" has ${ops.length} operators (${ops.join(', ')}); use "all" to combine`);
    return;
  }
  const op = ops[0];
  const value = r[op];
  const kind = FACTOR_INFO[factor].kind;
  if ((ORDER_OPS as readonly string[]).includes(op)) {
    if (kind !== 'number' && kind !== 'integer') errors.push(`${path}.${op}: "${op}" needs a numeric factor; "${factor}" is ${kind}`);
    else if (typeof value !== 'number' || !Number.isFinite(value)) errors.push(`${path}.${op}: must be a finite number, got ${JSON.stringify(value)}`);
  } else if (op === 'in') {
    if (!Array.isArray(value) || value.length === 0) errors.push(`${path}.in: must be a non-empty array, got ${JSON.stringify(value)}`);
    else value.forEach((v, k) => {
      const msg = checkValueType(factor, v);
      if (msg) errors.push(`${path}.in[${k}]: ${msg}`);
    });
  } else {
    const msg = checkValueType(factor, value);
    if (msg) errors.push(`${path}.${op}: ${msg}`);
  }
}

/** A comparison value must have the factor's type (and be an allowed category), but may lie outside its range. */
function checkValueType(factor: FactorName, v: unknown): string | null {
  const kind = FACTOR_INFO[factor].kind;
  if (kind === 'number' || kind === 'integer') return typeof v === 'number' && Number.isFinite(v) ? null : `must be a finite number, got ${JSON.stringify(v)}`;
  return checkFactorValue(factor, v);
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
