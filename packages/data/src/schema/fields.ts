// Field schemas every nodulab config and spec is built from (numbers with bounds, choices, strict
// objects, fixed-length number arrays), each failing with one message "must be ..., got <value>".
import { z } from 'zod';
import { show } from './issues';

/** An error map giving `must be <phrase>, got <the value>` for every problem of a schema. */
export function mustBe(phrase: string): (issue: { input?: unknown }) => string {
  return (issue) => `must be ${phrase}, got ${show(issue.input)}`;
}

/** Bounds of a number: `in` (inclusive interval, written "in [a, b]") or any of gt / min / max / lt. */
export interface NumberCheck {
  int?: boolean;
  in?: readonly [number, number];
  gt?: number;
  min?: number;
  max?: number;
  lt?: number;
}

/** "an integer >= 1", "a number > 0 and <= 8", "an integer in [8, 256]". */
export function describeNumber(c: NumberCheck): string {
  const kind = c.int ? 'an integer' : 'a number';
  if (c.in) return `${kind} in [${c.in[0]}, ${c.in[1]}]`;
  const bounds = [
    ['>', c.gt],
    ['>=', c.min],
    ['<=', c.max],
    ['<', c.lt],
  ]
    .filter(([, v]) => v !== undefined)
    .map(([op, v]) => `${op} ${v}`);
  return bounds.length ? `${kind} ${bounds.join(' and ')}` : kind;
}

/** A finite number within `c`; fails with `must be <phrase>, got v` (phrase: describeNumber(c) unless given). */
export function number(c: NumberCheck = {}, phrase = describeNumber(c)): z.ZodNumber {
  let s = z.number({ error: mustBe(phrase) });
  if (c.int) s = s.int();
  const min = c.in?.[0] ?? c.min;
  const max = c.in?.[1] ?? c.max;
  if (min !== undefined) s = s.gte(min);
  if (max !== undefined) s = s.lte(max);
  if (c.gt !== undefined) s = s.gt(c.gt);
  if (c.lt !== undefined) s = s.lt(c.lt);
  return s;
}

/** A probability in [0, 1]. */
export const probability = (): z.ZodNumber => number({ in: [0, 1] }, 'a probability in [0, 1]');

/** A non-empty string. */
export const nonEmptyString = (): z.ZodString => z.string({ error: mustBe('a non-empty string') }).min(1);

/** true or false. */
export const boolean = (): z.ZodBoolean => z.boolean({ error: mustBe('true or false') });

/** One of `values` (a JSON Schema enum); fails with `must be one of a, b, c, got "x"`. */
export function oneOf<const T extends readonly [string, ...string[]]>(
  values: T,
  phrase = `one of ${values.join(', ')}`,
): z.ZodEnum<{ [K in T[number]]: K }> {
  return z.enum(values, { error: mustBe(phrase) }) as unknown as z.ZodEnum<{ [K in T[number]]: K }>;
}

/** Messages of a strict object: for an unknown key, and the phrase for a value that is no object. */
export interface StrictMessages {
  unknownKey?: string;
  type?: string;
}

/** An object that rejects unknown keys, one line each: `path.key: unknown key (expected one of a, b)`. */
export function strict<S extends z.core.$ZodLooseShape>(
  shape: S,
  m: StrictMessages = {},
): z.ZodObject<S, z.core.$strict> {
  const unknownKey = m.unknownKey ?? `unknown key (expected one of ${Object.keys(shape).join(', ')})`;
  const type = mustBe(m.type ?? 'an object');
  return z.strictObject(shape, { error: (issue) => (issue.code === 'unrecognized_keys' ? unknownKey : type(issue)) });
}

/**
 * An array of `items` with item-level errors (`path[k]: ...`); a wrong length or type fails with `must be <phrase>`.
 */
export function tuple<T extends readonly [z.ZodType, ...z.ZodType[]]>(
  items: T,
  phrase: string,
): z.ZodTuple<[...T], null> {
  return z.tuple([...items] as [...T], { error: mustBe(phrase) });
}

/**
 * Three numbers (z, y, x) within `c`, each named in its error (`path[2]: must be an integer in [8, 256]`).
 * @param required the message `required <what>` when the key is missing (default: the type message)
 */
export function triple(c: NumberCheck, required?: string): z.ZodTuple<[z.ZodNumber, z.ZodNumber, z.ZodNumber], null> {
  const type = mustBe('an array of 3 numbers (z, y, x)');
  return z.tuple([number(c), number(c), number(c)], {
    error: (issue) => (required && issue.input === undefined ? `required ${required}` : type(issue)),
  });
}

type Tuple<N extends number, Acc extends number[] = []> = Acc['length'] extends N ? Acc : Tuple<N, [...Acc, number]>;

/**
 * `n` numbers within `c`, judged as a whole: any problem fails with `must be an array of <n> <what>`
 * at the array's path. The JSON Schema still carries the bounds of each item.
 */
export function vector<N extends number>(n: N, c: NumberCheck, what: string): z.ZodType<Tuple<N>> {
  const item = number(c);
  const { $schema: _, ...items } = z.toJSONSchema(item);
  const phrase = mustBe(`an array of ${n} ${what}`);
  return z
    .array(z.any(), { error: phrase })
    .refine((v) => v.length === n && v.every((x) => item.safeParse(x).success), { error: phrase })
    .meta({ items, minItems: n, maxItems: n }) as unknown as z.ZodType<Tuple<N>>;
}

/** Reports a problem of a checked value: its path under the value, and the message. */
export type Problem = (path: PropertyKey[], message: string) => void;

/**
 * Adds the cross-field checks of `check` to `schema`. They see the value typed, after its fields
 * parsed (a field out of range does not stop them; a field of the wrong type does).
 */
export function refineWith<S extends z.ZodType>(schema: S, check: (v: z.output<S>, problem: Problem) => void): S {
  return schema.superRefine((v, ctx) =>
    check(v, (path, message) => ctx.addIssue({ code: 'custom', path, message, input: v })),
  ) as S;
}
