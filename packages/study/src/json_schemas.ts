// The JSON Schema files of nodulab's config and spec formats (schemas/ at the repository root),
// emitted from the zod schemas that validate them, one per registered study; tools/schema/emit.js writes them.
import { DatasetSpecSchema, schema } from '@nodulab/data';
import { RunConfigSchema } from '@nodulab/train';
import { STUDIES } from './registry';

/** Each schema file's name and text. A `"$schema": "<path to the file>"` key in a document lets an editor use it. */
export function jsonSchemaFiles(): Record<string, string> {
  return {
    'data-spec.schema.json': schema.jsonSchemaText(DatasetSpecSchema, {
      title: 'nodulab dataset spec',
      description:
        'How a synthetic nodule dataset is drawn: factor distributions per class, shortcuts, the label rule and per-split overrides (nodulab generate --spec, data.spec, train.spec).',
    }),
    'run-config.schema.json': schema.jsonSchemaText(RunConfigSchema, {
      title: 'nodulab run config',
      description:
        'One training run: model, loss, optimizer, schedule, epochs, augmentation, data, seed, threads (nodulab train --config). Every field is optional.',
    }),
    ...Object.fromEntries(
      STUDIES.map((study) => [
        study.schemaFile,
        schema.jsonSchemaText(study.specSchema, {
          title: `nodulab ${study.name} study spec`,
          description: `${study.summary} (nodulab study ${study.name} --spec). Every field is optional.`,
        }),
      ]),
    ),
  };
}
