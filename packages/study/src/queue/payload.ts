// What may arrive over Redis, checked before a worker touches anything: a job id of the one shape the
// coordinator makes ("unit-" + 64 hex digits), and a payload with the schema below (a study name, its
// resolved spec, a unit id — never a path). A payload that breaks either fails its job at once.
import { z } from 'zod';
import { schema } from '@nodulab/data';
import { UNIT_ID } from '../framework/plan';

/** The only job ids a worker accepts: "unit-" and the hex SHA-256 of what determines the unit (see studyJobId). */
export const JOB_ID = /^unit-[0-9a-f]{64}$/;

/** A study name as the registry spells them. */
const STUDY_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** A job id or payload a worker refuses: the job fails at once with this message (no further attempts). */
export class PayloadError extends Error {}

/** A payload BullMQ could not parse as JSON; the worker fails its job with `reason`. */
export class UnparsablePayload {
  constructor(readonly reason: string) {}
}

/** The schema of a job's payload: exactly these keys. A worker's folders come from its own configuration. */
export const StudyJobDataSchema = schema.strict(
  {
    study: z.string({ error: schema.mustBe('a study name') }).regex(STUDY_NAME, 'must be a study name'),
    spec: z.record(z.string(), z.unknown(), { error: schema.mustBe("the study's resolved spec (an object)") }),
    unit: z.string({ error: schema.mustBe('a unit id') }).regex(UNIT_ID, 'must be a unit id ([A-Za-z0-9._-])'),
  },
  { unknownKey: 'unknown key (a payload holds study, spec and unit only; a worker writes only into its own results)' },
);

/** What a job carries: which study, its resolved spec, which unit of its plan. */
export type StudyJobData = z.output<typeof StudyJobDataSchema>;

/** `id` when it has the shape of a study job id; throws a PayloadError quoting it otherwise. */
export function checkJobId(id: unknown): string {
  if (typeof id !== 'string' || !JOB_ID.test(id))
    throw new PayloadError(`job id ${JSON.stringify(id)} refused: a study job id is unit-<64 hex digits>`);
  return id;
}

/** The payload of job `id` under StudyJobDataSchema and within `maxBytes` of JSON; throws a PayloadError. */
export function parsePayload(data: unknown, id: string, maxBytes: number): StudyJobData {
  if (data instanceof UnparsablePayload) throw new PayloadError(`job ${id}: payload refused: ${data.reason}`);
  const bytes = Buffer.byteLength(JSON.stringify(data) ?? '');
  if (bytes > maxBytes) throw new PayloadError(`job ${id}: payload refused: ${bytes} bytes (at most ${maxBytes})`);
  return schema.parseOrThrow(
    StudyJobDataSchema,
    data,
    (lines) => new PayloadError(`job ${id}: payload refused:\n  - ${lines.join('\n  - ')}`),
    { root: 'payload' },
  );
}
