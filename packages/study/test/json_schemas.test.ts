// The JSON Schema files in schemas/: equal to what the zod schemas emit now, and, read back as
// validators (zod's fromJSONSchema, sibling files bundled in), they accept real documents and reject bad ones.
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { PRESET_NAMES, preset, validateSpec } from '@nodulab/data';
import { LOSSES, defaultRunConfig, resolveRunConfig } from '@nodulab/train';
import { BUILTIN_STUDY_NAMES, builtinStudy, jsonSchemaFiles, quickStudy, resolveStudySpec } from '../src';

const DIR = path.resolve(__dirname, '..', '..', '..', 'schemas');
const FILES = jsonSchemaFiles();
type Json = Record<string, unknown>;

/** The file's schema with every `$ref` to a sibling file replaced by that file's schema (its $defs merged in). */
function bundle(name: string): Json {
  const root = JSON.parse(fs.readFileSync(path.join(DIR, name), 'utf8')) as Json;
  const defs: Json = { ...(root.$defs as Json) };
  const inline = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(inline);
    if (typeof node !== 'object' || node === null) return node;
    const ref = (node as Json).$ref;
    if (typeof ref === 'string' && !ref.startsWith('#')) {
      const { $schema: _s, $defs, title: _t, description: _d, ...body } = bundle(ref);
      Object.assign(defs, $defs);
      return body;
    }
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inline(v)]));
  };
  const out = inline(root) as Json;
  return { ...out, $defs: defs };
}

const validator = (name: string) => z.fromJSONSchema(bundle(name) as never);
const accepts = (name: string, doc: unknown) => validator(name).safeParse(JSON.parse(JSON.stringify(doc))).success;

describe('schemas/*.schema.json', () => {
  it.each(Object.keys(FILES))('%s is what the zod schemas emit (npm run schemas)', (name) => {
    expect(fs.readFileSync(path.join(DIR, name), 'utf8')).toBe(FILES[name]);
  });

  it('name the keys, enums and bounds an editor completes', () => {
    const run = JSON.parse(FILES['run-config.schema.json']);
    expect(run.properties.loss.enum).toEqual([...LOSSES]);
    expect(run.properties.optimizer.properties.name.enum).toEqual(['sgd', 'adam', 'adamw']);
    expect(run.properties.batchSize).toMatchObject({ type: 'integer', minimum: 2, default: 32 });
    expect(run.additionalProperties).toBe(false);
    const spec = JSON.parse(FILES['data-spec.schema.json']);
    expect(spec.required).toEqual(['name']);
    expect(Object.keys(spec.$defs.FactorDistributions.properties)).toContain('diameter');
    expect(spec.$defs.diameterDistribution.properties.uniform.prefixItems[1]).toMatchObject({
      minimum: 2,
      maximum: 40,
    });
    const study = JSON.parse(FILES['study-loss-generalization.schema.json']);
    expect(study.properties.losses.items.anyOf[0].enum).toEqual([...LOSSES]);
    expect(study.properties.config.$ref).toBe('run-config.schema.json');
    for (const s of [run, spec, study]) expect(s.properties.$schema.type).toBe('string');
  });

  it('accept every preset, default and resolved config, and built-in study', () => {
    for (const name of PRESET_NAMES)
      expect(accepts('data-spec.schema.json', { $schema: 'data-spec.schema.json', ...preset(name) })).toBe(true);
    expect(accepts('run-config.schema.json', defaultRunConfig())).toBe(true);
    expect(accepts('run-config.schema.json', resolveRunConfig({ loss: 'simclr', model: { kind: 'resnet3d' } }))).toBe(
      true,
    );
    for (const name of BUILTIN_STUDY_NAMES) {
      expect(
        accepts('study-loss-generalization.schema.json', {
          $schema: '../schemas/study-loss-generalization.schema.json',
          ...quickStudy(builtinStudy(name)),
        }),
      ).toBe(true);
      expect(accepts('study-loss-generalization.schema.json', resolveStudySpec(builtinStudy(name)))).toBe(true);
    }
  });

  it.each<[string, unknown]>([
    ['data-spec.schema.json', { name: 'x', factorz: {} }],
    ['data-spec.schema.json', { name: 'x', factors: { diameter: { uniform: [1, 80] } } }],
    ['data-spec.schema.json', { name: 'x', labelRule: { any: [{ factor: 'size', gt: 1 }] } }],
    ['run-config.schema.json', { loss: 'triplet' }],
    ['run-config.schema.json', { augment: { steps: [{ op: 'zoom' }] } }],
    ['run-config.schema.json', { data: { spec: { name: 'x', classBalance: 2 } } }],
    ['study-loss-generalization.schema.json', { losses: ['xent'] }],
    ['study-loss-generalization.schema.json', { train: { spec: { name: 'x', factors: { size: {} } } } }],
    ['study-loss-generalization.schema.json', { config: { optimizer: { lr: -1 } } }],
  ])('%s rejects %j', (name, doc) => {
    expect(accepts(name, doc)).toBe(false);
  });

  it('a "$schema" key is accepted by the resolvers and dropped from what they return', () => {
    expect(validateSpec({ $schema: '../schemas/data-spec.schema.json', name: 'x' })).toEqual({ name: 'x' });
    expect(resolveRunConfig({ $schema: '../schemas/run-config.schema.json' })).not.toHaveProperty('$schema');
    expect(
      resolveStudySpec({ $schema: '../schemas/study-loss-generalization.schema.json', seeds: 1 }),
    ).not.toHaveProperty('$schema');
  });
});
