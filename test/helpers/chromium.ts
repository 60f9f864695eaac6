// Test helper: renders an HTML file in headless Chromium (Debian's `chromium`) and returns the DOM
// after scripts ran plus every console message it logged; `CHROMIUM` is null when /usr/bin/chromium is missing.
// Also the checks a study report's HTML and its render must pass, and a CSV parser.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const CHROMIUM: string | null = fs.existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : null;

/** Chromium's headless flags with a throwaway profile and console messages logged to stderr. */
export function headlessArgs(profile: string): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
    '--enable-logging=stderr',
    '--v=0',
  ];
}

/** The rendered DOM of `file` (loaded via file://) and the console messages (errors included) Chromium logged. */
export function renderInChromium(file: string): { dom: string; consoleMessages: string[] } {
  if (!CHROMIUM) throw new Error('chromium is not installed (apt-get install -y chromium)');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-chromium-'));
  try {
    const r = spawnSync(
      CHROMIUM,
      [
        ...headlessArgs(profile),
        '--disable-quic',
        '--virtual-time-budget=2000',
        '--dump-dom',
        `file://${path.resolve(file)}`,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`chromium exited with ${r.status}: ${r.stderr}`);
    const consoleMessages = r.stderr.split('\n').filter((l) => /:CONSOLE/.test(l));
    return { dom: r.stdout, consoleMessages };
  } finally {
    removeProfile(profile);
  }
}

/**
 * Removes a Chromium profile folder. Chromium's helper processes can still be writing into it for a moment
 * after the browser exits, so a folder that refills while it is removed is retried rather than failing the test.
 */
export function removeProfile(profile: string): void {
  fs.rmSync(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
}

/** The data-chart ids of the six charts every study report holds. */
export const REPORT_CHARTS = [
  'performance-accuracy',
  'performance-balancedAccuracy',
  'performance-auroc',
  'counterfactual-flip-rate',
  'probe-scores',
  'saliency-inside',
];

/** Expects the report's HTML to hold each of {@link REPORT_CHARTS}. */
export function expectReportCharts(html: string): void {
  for (const id of REPORT_CHARTS) expect(html).toContain(`data-chart="${id}"`);
}

/**
 * Renders a report in Chromium and expects it to have run its scripts, drawn its six charts, and shown
 * and logged no error; returns the rendered DOM for further checks.
 */
export function expectCleanRender(file: string): string {
  const { dom, consoleMessages } = renderInChromium(file);
  expect(dom).toMatch(/data-rendered="ok"/);
  expect(dom).toMatch(/data-charts="6"/);
  expect(dom).toMatch(/<div id="errors" data-count="0"><\/div>/);
  expect(consoleMessages).toEqual([]);
  return dom;
}

/** Parses simple CSV (quoted cells with "" escapes) into rows of cells. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const cells: string[] = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') {
          cur += '"';
          i++;
        } else if (ch === '"') quoted = false;
        else cur += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ',') {
        cells.push(cur);
        cur = '';
      } else cur += ch;
    }
    cells.push(cur);
    rows.push(cells);
  }
  return rows;
}
