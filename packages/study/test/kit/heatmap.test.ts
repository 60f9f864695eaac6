// The SVG heat map: one cell per row × column carrying its value, shaded from white (low) to blue (high),
// grey and unlabelled where there is no value, with names escaped.
import { heatMapSvg } from '../../src/kit/report/heatmap';

describe('heatMapSvg', () => {
  const grid: Record<string, Record<string, number>> = {
    'noise <a>': { '1': 0.9, '5': 0.2 },
    blur: { '1': 1, '5': NaN },
  };
  const svg = heatMapSvg({
    id: 'heat-x',
    title: 'accuracy',
    rows: Object.keys(grid),
    cols: ['1', '5'],
    rowLabel: 'distortion',
    colLabel: 'severity',
    value: (r, c) => grid[r][c],
    domain: [0, 1],
  });
  const cells = [...svg.matchAll(/<rect [^>]*data-row="([^"]*)" data-col="([^"]*)" data-value="([^"]*)"/g)];
  const fill = (row: string, col: string) =>
    svg.match(new RegExp(`fill="([^"]+)" data-row="${row}" data-col="${col}"`))![1];

  it('has one cell per row and column with its value', () => {
    expect(cells.map((m) => [m[1], m[2], m[3]])).toEqual([
      ['noise &lt;a&gt;', '1', '0.9'],
      ['noise &lt;a&gt;', '5', '0.2'],
      ['blur', '1', '1'],
      ['blur', '5', ''],
    ]);
    expect(svg).toMatch(/^<svg class="heatmap" data-chart="heat-x"/);
    expect(svg).not.toContain('<a>');
  });

  it('shades high values bluer than low ones and a missing value grey', () => {
    const red = (c: string) => Number(c.match(/rgb\((\d+)/)![1]);
    expect(fill('blur', '1')).toBe('rgb(55,125,255)');
    expect(red(fill('noise &lt;a&gt;', '5'))).toBeGreaterThan(red(fill('noise &lt;a&gt;', '1')));
    expect(fill('blur', '5')).toBe('#dddddd');
  });
});
