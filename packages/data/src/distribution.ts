// Distributions of one factor as written in a spec's JSON ({"uniform": [4, 12]}, {"choice": [...]}, ...):
// their types, a validator that names the path of every bad key or value, and a seeded sampler.
import { Generator } from '@nodulab/tensor';
import { FACTOR_INFO, FactorName, FactorValue, checkFactorValue } from './factors';

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

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function checkPair(value: unknown, path: string, factor: FactorName, integer: boolean, errors: string[]): void {
  if (!Array.isArray(value) || value.length !== 2) {
    errors.push(`${path}: must be a [low, high] pair, got ${JSON.stringify(value)}`);
    return;
  }
  value.forEach((v, k) => {
    const msg = checkFactorValue(factor, v);
    if (msg !== null) errors.push(`${path}[${k}]: ${msg}`);
    else if (integer && !Number.isInteger(v)) errors.push(`${path}[${k}]: must be an integer, got ${v}`);
  });
  if (isFiniteNumber(value[0]) && isFiniteNumber(value[1]) && value[0] > value[1]) {
    errors.push(`${path}: low ${value[0]} is greater than high ${value[1]}`);
  }
}

/** Validates `d` as the distribution of `factor`; appends `path: message` strings to `errors`. */
export function validateDistribution(d: unknown, path: string, factor: FactorName, errors: string[]): void {
  const info = FACTOR_INFO[factor];
  if (!isObject(d)) {
    errors.push(`${path}: must be an object such as {"const": ...} or {"uniform": [low, high]}, got ${JSON.stringify(d)}`);
    return;
  }
  const keys = Object.keys(d);
  const forms = keys.filter((k) => (FORMS as readonly string[]).includes(k));
  for (const k of keys) {
    if (!(FORMS as readonly string[]).includes(k) && !(k === 'weights' && 'choice' in d)) {
      errors.push(`${path}.${k}: unknown key (expected one of ${FORMS.join(', ')})`);
    }
  }
  if (forms.length !== 1) {
    if (forms.length > 1) errors.push(`${path}: has ${forms.join(' and ')}; give exactly one distribution form`);
    else if (keys.length === 0) errors.push(`${path}: empty distribution; give one of ${FORMS.join(', ')}`);
    return;
  }
  const form = forms[0];
  const p = `${path}.${form}`;
  const numeric = info.kind === 'number' || info.kind === 'integer';
  const wrongKind = (what: string) => errors.push(`${p}: ${what} does not apply to ${info.kind} factor "${factor}"`);
  switch (form) {
    case 'const': {
      const msg = checkFactorValue(factor, d.const);
      if (msg !== null) errors.push(`${p}: ${msg}`);
      break;
    }
    case 'uniform':
      if (info.kind !== 'number') wrongKind('"uniform"' + (info.kind === 'integer' ? ' (use "int")' : ''));
      else checkPair(d.uniform, p, factor, false, errors);
      break;
    case 'int':
      if (info.kind !== 'integer') wrongKind('"int"');
      else checkPair(d.int, p, factor, true, errors);
      break;
    case 'normal': {
      if (!numeric) {
        wrongKind('"normal"');
        break;
      }
      const n = d.normal;
      if (!isObject(n)) {
        errors.push(`${p}: must be {"mean": m, "std": s, "min"?: a, "max"?: b}, got ${JSON.stringify(n)}`);
        break;
      }
      for (const k of Object.keys(n)) if (!['mean', 'std', 'min', 'max'].includes(k)) errors.push(`${p}.${k}: unknown key (expected mean, std, min, max)`);
      if (!isFiniteNumber(n.mean)) errors.push(`${p}.mean: must be a finite number, got ${JSON.stringify(n.mean)}`);
      if (!isFiniteNumber(n.std) || n.std < 0) errors.push(`${p}.std: must be a finite number >= 0, got ${JSON.stringify(n.std)}`);
      for (const k of ['min', 'max'] as const) {
        if (n[k] === undefined) continue;
        const msg = checkFactorValue(factor, n[k]);
        if (msg !== null && !(info.kind === 'integer' && isFiniteNumber(n[k]) && checkFactorValue(factor, Math.round(n[k] as number)) === null)) {
          errors.push(`${p}.${k}: ${msg}`);
        }
      }
      if (isFiniteNumber(n.min) && isFiniteNumber(n.max) && n.min > n.max) errors.push(`${p}: min ${n.min} is greater than max ${n.max}`);
      break;
    }
    case 'choice': {
      const values = d.choice;
      if (!Array.isArray(values) || values.length === 0) {
        errors.push(`${p}: must be a non-empty array of values, got ${JSON.stringify(values)}`);
        break;
      }
      values.forEach((v, k) => {
        const msg = checkFactorValue(factor, v);
        if (msg !== null) errors.push(`${p}[${k}]: ${msg}`);
      });
      if (d.weights !== undefined) {
        const w = d.weights;
        if (!Array.isArray(w) || w.length !== values.length) {
          errors.push(`${path}.weights: must be an array of ${values.length} numbers (one per value), got ${JSON.stringify(w)}`);
        } else {
          w.forEach((x, k) => {
            if (!isFiniteNumber(x) || x < 0) errors.push(`${path}.weights[${k}]: must be a finite number >= 0, got ${JSON.stringify(x)}`);
          });
          if (w.every(isFiniteNumber) && w.reduce((a: number, b: number) => a + b, 0) <= 0) errors.push(`${path}.weights: must not all be zero`);
        }
      }
      break;
    }
    case 'bernoulli':
      if (info.kind !== 'boolean') wrongKind('"bernoulli"');
      else if (!isFiniteNumber(d.bernoulli) || d.bernoulli < 0 || d.bernoulli > 1) {
        errors.push(`${p}: must be a probability in [0, 1], got ${JSON.stringify(d.bernoulli)}`);
      }
      break;
  }
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
