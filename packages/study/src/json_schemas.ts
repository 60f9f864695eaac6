// The JSON Schema files of nodulab's config and spec formats (schemas/ at the repository root),
// emitted from the zod schemas that validate them; tools/schema/emit.js writes them.
import { DatasetSpecSchema, schema } from '@nodulab/data';
import { RunConfigSchema } from '@nodulab/train';
import { StudySpecSchema } from './studies/loss_generalization/spec';

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
    'study.schema.json': schema.jsonSchemaText(StudySpecSchema, {
      title: 'nodulab study spec',
      description:
        'A controlled study: losses, seeds, training distribution, test sets and analyses (nodulab study --spec). Every field is optional.',
    }),
  };
}
