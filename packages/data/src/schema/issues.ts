// Turns zod issues into nodulab's error lines, "path: message" (e.g. `losses[0]: must be one of ce, ...`),
// and parses a document with a schema, throwing the caller's error class with every line at once.
import { z } from 'zod';

/** A value as an error message quotes it: JSON, or `undefined`. */
export function show(v: unknown): string {
  return v === undefined ? 'undefined' : (JSON.stringify(v) ?? String(v));
}

/** Whether `v` is a plain JSON object (not null, not an array). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Where the lines of a document's problems start: `prefix` heads every path; `root` names the document itself. */
export interface IssuePaths {
  /** Written before every path, e.g. "spec" gives `spec.name: ...` (default: none, `name: ...`). */
  prefix?: string;
  /** The name of a problem with the whole document when `prefix` is empty, e.g. "config". */
  root?: string;
}

/** `a.b[0].c` from a zod path, under `prefix`. */
export function joinPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : out === '' ? String(k) : `.${String(k)}`;
  return out;
}

/**
 * The branch of a failed union to report: the one whose shape the input has (not rejected at its root), if exactly
 * one.
 */
function unionBranch(errors: readonly z.core.$ZodIssue[][]): z.core.$ZodIssue[] | null {
  const rootMismatch = (i: z.core.$ZodIssue) =>
    i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value');
  const fitting = errors.filter((branch) => branch.length > 0 && !branch.some(rootMismatch));
  return fitting.length === 1 ? fitting[0] : null;
}

/**
 * One "path: message" line per problem: unknown keys one line each, a failed union as the problems
 * of the branch the input was meant for, identical lines once.
 */
export function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  where: IssuePaths = {},
  base: readonly PropertyKey[] = [],
): string[] {
  const lines: string[] = [];
  const at = (path: readonly PropertyKey[]) => joinPath(where.prefix ?? '', path) || (where.root ?? '');
  for (const issue of issues) {
    const path = [...base, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) lines.push(`${at([...path, k])}: ${issue.message}`);
    } else if (issue.code === 'invalid_union' && unionBranch(issue.errors)) {
      lines.push(...formatIssues(unionBranch(issue.errors)!, where, path));
    } else lines.push(`${at(path)}: ${issue.message}`);
  }
  return [...new Set(lines)];
}

/**
 * Parses `doc` with `schema`; on failure throws `fail(lines)` with every problem as "path: message".
 * @param where how paths are written (see IssuePaths)
 */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  doc: unknown,
  fail: (problems: string[]) => Error,
  where: IssuePaths = {},
): z.output<S> {
  const r = schema.safeParse(doc);
  if (!r.success) throw fail(formatIssues(r.error.issues, where));
  return r.data;
}
