// A zod schema as the text of a JSON Schema file (draft 2020-12) that editors use to complete and
// check what a user writes: the input side, so every field with a default is optional and shows it.
import { z } from 'zod';

/** The title and description a JSON Schema file opens with. */
export interface JsonSchemaHead {
  title: string;
  description: string;
}

/** `schema` as JSON Schema text (2-space indented, final newline); fields may `$ref` sibling schema files. */
export function jsonSchemaText(schema: z.ZodType, head: JsonSchemaHead): string {
  const { $schema, ...body } = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' });
  return `${JSON.stringify({ $schema, title: head.title, description: head.description, ...body }, null, 2)}\n`;
}
