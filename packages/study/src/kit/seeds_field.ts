// The `seeds` field every study spec shares: a count (seeds 0..n-1) or a list of distinct seeds, resolved to
// the list. One schema, so `--seeds N` and a spec's seeds mean the same in every study.
import { z } from 'zod';
import { schema } from '@nodulab/data';

const { mustBe, number, refineWith, show } = schema;

/** The zod field of `seeds`; `describe` says what a seed draws in this study. */
export function seedsField(describe = 'a count (seeds 0..n-1) or the seeds') {
  return z
    .union(
      [
        number({ int: true, in: [1, 100] }).transform((n) => Array.from({ length: n }, (_, i) => i)),
        refineWith(
          z.array(number({ int: true, in: [0, Number.MAX_SAFE_INTEGER] })).min(1, { error: 'must not be empty' }),
          (s, problem) => {
            if (new Set(s).size !== s.length) problem([], `must be distinct, got ${show(s)}`);
          },
        ),
      ],
      { error: mustBe('a count (integer) or an array of seeds') },
    )
    .describe(describe);
}
