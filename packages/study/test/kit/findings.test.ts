// The Findings section's power line: decided, or the seeds the inconclusive primary claims would need, from the
// engine's own verdicts and seed counts.
import { ClaimInput, judgeClaims } from '../../src/claims';
import { findingsSection, findingsText, powerText } from '../../src/kit/report/findings';

const claim = (id: string, values: number[], over: Partial<ClaimInput> = {}): ClaimInput => ({
  id,
  statement: `claim ${id}`,
  measure: 'accuracy',
  direction: 'greater',
  sesoi: 0.05,
  sesoiReason: 'test',
  comparisons: [{ name: 'a − b', values }],
  ...over,
});

describe('powerText', () => {
  it('says every testable primary claim is decided', () => {
    const f = judgeClaims([], [claim('a', [0.3, 0.31, 0.29, 0.3]), claim('s', [0, 1], { role: 'secondary' })]);
    expect(f.claims[0].verdict).toBe('reproduced');
    expect(powerText(f)).toBe('Power: every testable primary claim is decided.');
    // Each claim shows the observed SD of its paired differences beside its effect and the seeds it needs.
    const sd = f.claims[0].comparisons[0].sd!.toFixed(3);
    expect(findingsText(f)[0]).toContain(`(SESOI 0.05, SD ${sd}, seeds needed`);
    expect(findingsSection(f).join('')).toContain('<th>SD</th>');
    expect(findingsSection(f).join('')).toContain(`<td>${sd}</td>`);
  });

  it('names the inconclusive claims and the largest number of seeds they would need', () => {
    const f = judgeClaims([], [claim('a', [0.05, -0.02, 0.1]), claim('b', [0.04, 0.0, 0.09]), claim('c', [0.2])]);
    const [a, b] = f.claims;
    expect([a.verdict, b.verdict, f.claims[2].verdict]).toEqual(['inconclusive', 'inconclusive', 'inconclusive']);
    const n = Math.max(a.seedsNeeded!, b.seedsNeeded!);
    expect(powerText(f)).toBe(
      `Power: 2 inconclusive primary claim(s) (a ${a.seedsNeeded}, b ${b.seedsNeeded}) would need at most ${n} ` +
        `seeds for 80% power at their SESOI: rerun with --seeds ${n} (spread it with --queue); the seeds c would ` +
        'need are unknown (fewer than 2 seeds or no variance).',
    );
  });

  it('tells a claim beyond 1000 seeds from one whose SD is unknown', () => {
    const f = judgeClaims([], [claim('wide', [0.9, -0.8, 0.5], { sesoi: 0.001 }), claim('one', [0.2])]);
    expect(f.claims.map((c) => [c.verdict, c.seedsNeeded])).toEqual([
      ['inconclusive', null],
      ['inconclusive', null],
    ]);
    expect(powerText(f)).toBe(
      'Power: wide would need more than 1000 seeds at the SD observed; the seeds one would need are unknown ' +
        '(fewer than 2 seeds or no variance).',
    );
  });

  it('says so when no primary claim was testable, and ends the report section and the terminal lines', () => {
    const f = judgeClaims(
      [{ id: 'ctl', statement: 'learns', passed: false, detail: 'no' }],
      [claim('a', [0.3, 0.31], { dependsOn: ['ctl'] })],
    );
    expect(powerText(f)).toBe('Power: no primary claim was testable.');
    expect(findingsSection(f).at(-1)).toBe('<p class="note" data-power>Power: no primary claim was testable.</p>');
    expect(findingsText(f).at(-1)).toBe('  Power: no primary claim was testable.');
  });
});
