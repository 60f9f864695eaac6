// Deep merge of JSON objects: how a study's --quick, a loss's overrides and a spec's defaults are laid over
// one another.
import { schema } from '@nodulab/data';

const { isPlainObject } = schema;
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** Merges plain objects recursively (arrays and scalars of `b` replace those of `a`). */
export function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b))
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : clone(v);
  return out;
}
