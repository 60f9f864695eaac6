// A dataset spec given by reference, as run configs and study specs write it: a preset name, a spec
// file path, or an inline spec; its schema parses to the spec itself (reading the file).
import * as fs from 'fs';
import { z } from 'zod';
import { jsonValueDepth, MAX_JSON_DEPTH } from '@nodulab/platform';
import { PRESET_NAMES, loadSpec } from './presets';
import { mustBe, nonEmptyString } from '../schema';
import { DatasetSpec, SpecError, validateSpec } from './spec';

/** The spec `ref` names (a preset or a spec file) or holds (inline); throws naming `source` when invalid. */
export function specFromRef(ref: unknown, source = 'spec'): DatasetSpec {
  if (typeof ref !== 'string') {
    if (jsonValueDepth(ref) > MAX_JSON_DEPTH)
      throw new SpecError(source, [`${source}: nested deeper than ${MAX_JSON_DEPTH}`]);
    return validateSpec(JSON.parse(JSON.stringify(ref)), source);
  }
  if (!PRESET_NAMES.includes(ref) && !fs.existsSync(ref))
    throw new Error(`"${ref}" is neither a dataset preset (${PRESET_NAMES.join(', ')}) nor a spec file`);
  return loadSpec(ref);
}

/** The problems of a spec that failed to load, one line each (a SpecError's own lines, else its message). */
export function specProblems(e: unknown): string[] {
  return e instanceof SpecError ? e.errors : [(e as Error).message.replace(/\n\s*-?\s*/g, ' ')];
}

/**
 * The schema of a spec reference: a preset name, a spec file, or an inline spec (JSON Schema:
 * schemas/data-spec.schema.json). Parses to the validated spec; each problem of it is one issue.
 */
export const SpecRefSchema = z
  .union(
    [
      nonEmptyString().describe('a dataset preset name or a spec JSON file'),
      z.record(z.string(), z.unknown()).meta({ $ref: 'data-spec.schema.json' }),
    ],
    {
      error: mustBe('a preset name, a spec file or an inline spec'),
    },
  )
  .transform((ref, ctx): DatasetSpec => {
    try {
      return specFromRef(ref, 'inline spec');
    } catch (e) {
      for (const message of specProblems(e)) ctx.addIssue({ code: 'custom', message, input: ref });
      return z.NEVER;
    }
  });
