// The Findings section every study report opens with: the inference policy in words, each control with
// its outcome, and one row per claim (statement, verdict, primary effect with its adjusted CI, SESOI and its
// reason, the seeds a decision would need, and why the verdict is what it is), closed by the power line: how many
// seeds the primary claims still inconclusive would need.
import { MAX_SEEDS_PLANNED } from '../../claims';
import type { Findings, JudgedClaim, JudgedComparison } from '../../claims';
import { esc } from './svg';
import { table } from './html';

/** "0.050 [0.010, 0.090]" for an effect and its CI; "0.050" without a CI; "–" without a value. */
export function fmtEffect(c: Pick<JudgedComparison, 'mean' | 'ci'>, digits = 3): string {
  if (c.mean === null) return '–';
  return c.ci
    ? `${c.mean.toFixed(digits)} [${c.ci[0].toFixed(digits)}, ${c.ci[1].toFixed(digits)}]`
    : c.mean.toFixed(digits);
}

/** CSS class of a verdict cell: `v-reproduced`, `v-not-reproduced`, ... */
export const verdictClass = (v: string | null): string => `v-${(v ?? 'secondary').replace(/ /g, '-')}`;

const seedsText = (n: number | null): string => (n === null ? '–' : String(n));

/** The observed SD of a comparison's paired differences, "–" without one. */
const sdText = (sd: number | null): string => (sd === null ? '–' : sd.toFixed(3));

/**
 * The power line: every primary claim decided, or the seeds (`--seeds N`) the inconclusive ones would need for 80%
 * power at their SESOI (the largest of theirs), naming those whose need is unknown (fewer than 2 seeds, no variance).
 */
export function powerText(f: Findings): string {
  const open = f.claims.filter((c) => c.role === 'primary' && c.verdict === 'inconclusive');
  if (open.length === 0)
    return f.claims.some((c) => c.role === 'primary' && c.verdict !== 'not testable')
      ? 'Power: every testable primary claim is decided.'
      : 'Power: no primary claim was testable.';
  const known = open.filter((c) => c.seedsNeeded !== null);
  // Without a count: either no SD to plan from (fewer than 2 seeds, identical values), or more than the planner's
  // ceiling (MAX_SEEDS_PLANNED) at the SD observed.
  const hasSd = (c: JudgedClaim) => c.comparisons.length > 0 && c.comparisons.every((x) => x.sd !== null && x.sd > 0);
  const beyond = open.filter((c) => c.seedsNeeded === null && hasSd(c)).map((c) => c.id);
  const unknown = open.filter((c) => c.seedsNeeded === null && !hasSd(c)).map((c) => c.id);
  const parts: string[] = [];
  if (known.length) {
    const n = Math.max(...known.map((c) => c.seedsNeeded as number));
    parts.push(
      `${known.length} inconclusive primary claim(s) (${known.map((c) => `${c.id} ${c.seedsNeeded}`).join(', ')}) ` +
        `would need at most ${n} seeds for 80% power at their SESOI: rerun with --seeds ${n} (spread it with --queue)`,
    );
  }
  if (beyond.length)
    parts.push(`${beyond.join(', ')} would need more than ${MAX_SEEDS_PLANNED} seeds at the SD observed`);
  if (unknown.length)
    parts.push(`the seeds ${unknown.join(', ')} would need are unknown (fewer than 2 seeds or no variance)`);
  return `Power: ${parts.join('; ')}.`;
}

/** One row per comparison of a claim (the first carries the claim's statement, verdict and reason). */
function claimRows(c: JudgedClaim): string[] {
  const comps = c.comparisons.length ? c.comparisons : [null];
  return comps.map((x, k) => {
    const first = k === 0;
    const span = comps.length > 1 && first ? ` rowspan="${comps.length}"` : '';
    const lead = first
      ? `<td${span}>${esc(c.statement)}<div class="note">${esc(c.measure)}; SESOI ${c.sesoi} (${esc(c.sesoiReason)})${c.after ? `; tested after ${esc(c.after)}` : ''}</div></td>` +
        `<td${span} class="${verdictClass(c.verdict)}">${esc(c.verdict ?? 'secondary')}</td>`
      : '';
    const cells = x
      ? `<td>${esc(x.name)}</td><td>${esc(fmtEffect(x))}</td><td>${esc(sdText(x.sd))}</td><td>${x.n}</td>` +
        `<td>${esc(seedsText(x.seedsNeeded))}</td>`
      : '<td>–</td><td>–</td><td>–</td><td>0</td><td>–</td>';
    const why = first ? `<td${span} class="note">${esc(c.reason)}</td>` : '';
    return `<tr data-claim="${esc(c.id)}">${lead}${cells}${why}</tr>`;
  });
}

/**
 * The Findings section: heading, the policy, the controls table and the claims table (primary first, then
 * secondary). Every cell is escaped; verdict cells are classed by verdict.
 */
export function findingsSection(f: Findings): string[] {
  const out: string[] = ['<h2 id="findings">Findings</h2>', `<p class="note" data-policy>${esc(f.policy)}</p>`];
  if (f.controls.length)
    out.push(
      table(
        ['control', 'outcome', 'measured'],
        f.controls.map((c) => [c.statement, c.passed ? 'passed' : 'FAILED', c.detail]),
        'controls',
      ).replace(/<td>FAILED<\/td>/g, '<td class="v-not-testable">FAILED</td>'),
    );
  const ordered = [...f.claims.filter((c) => c.role === 'primary'), ...f.claims.filter((c) => c.role !== 'primary')];
  out.push(
    `<table data-table="claims"><thead><tr><th>claim</th><th>verdict</th><th>comparison</th>` +
      `<th>effect [adjusted CI]</th><th>SD</th><th>seeds</th><th>seeds needed</th><th>why</th></tr></thead><tbody>` +
      ordered.flatMap(claimRows).join('') +
      '</tbody></table>',
  );
  out.push(`<p class="note" data-power>${esc(powerText(f))}</p>`);
  return out;
}

/** The Findings as terminal lines: one per control and one per claim. */
export function findingsText(f: Findings): string[] {
  const lines = f.controls.map(
    (c) => `  control ${c.passed ? 'passed' : 'FAILED'.padEnd(6)} ${c.statement}: ${c.detail}`,
  );
  for (const c of f.claims) {
    const head = c.comparisons[0];
    const effect = head ? ` ${fmtEffect(head)}` : '';
    const sd = head && head.sd !== null ? `, SD ${head.sd.toFixed(3)}` : '';
    const need = c.seedsNeeded === null ? '' : `, seeds needed ${c.seedsNeeded}`;
    lines.push(`  ${(c.verdict ?? 'secondary').padEnd(15)} ${c.statement}${effect} (SESOI ${c.sesoi}${sd}${need})`);
  }
  lines.push(`  ${powerText(f)}`);
  return lines;
}
