// The Findings tables of a named study's report: one row per claim (measure, verdict), then one row per measured
// effect (comparison, effect with its 95% CI, the Bonferroni-adjusted CI the verdict reads, verdict).
import type { Claim } from '../../claims/claims';
import { fmtCI, table } from './html';

/** CSS class of a verdict cell (`v-reproduced`, `v-not-reproduced`, `v-inconclusive`). */
const verdictClass = (v: string): string => `v-${v.replace(/ /g, '-')}`;

/** The claims table and the effects table, as HTML, verdict cells classed by verdict. */
export function claimsTables(claims: readonly Claim[]): string[] {
  return [
    table(
      ['claim', 'measure', 'verdict'],
      claims.map((c) => [c.claim, c.measure, c.verdict]),
      'claims',
    ).replace(
      /<td>(reproduced|not reproduced|inconclusive)<\/td>/g,
      (_m, v: string) => `<td class="${verdictClass(v)}">${v}</td>`,
    ),
    table(
      ['claim', 'comparison', 'effect [95% CI]', 'adjusted CI', 'verdict'],
      claims.flatMap((c) =>
        c.effects.length === 0
          ? [[c.claim, '(not measured by this spec)', '–', '–', c.verdict]]
          : c.effects.map((e) => [c.claim, e.comparison, fmtCI(e.effect), fmtCI(e.adjusted), e.verdict]),
      ),
      'effects',
    ),
  ];
}
