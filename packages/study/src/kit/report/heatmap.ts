// An inline SVG heat map generated as a string (no library, nothing fetched): a grid of rows × columns, each
// cell shaded from white (the domain's low end) to blue (its high end) and labelled with its value, e.g.
// accuracy under distortion × severity, or the CKA matrix between a model's layers.
import { esc } from './svg';

/** A heat map. */
export interface HeatMap {
  /** Identifies the chart in the DOM (data-chart). */
  id: string;
  title: string;
  rows: string[];
  cols: string[];
  rowLabel: string;
  colLabel: string;
  /** The value of a cell (NaN: no value, drawn grey). */
  value: (row: string, col: string) => number;
  /** Values mapped to white and to full blue; values outside are clipped. */
  domain: [number, number];
}

/** The shade of `v` in `domain`: rgb from white to blue. */
function shade(v: number, [lo, hi]: [number, number]): string {
  if (!Number.isFinite(v)) return '#dddddd';
  const t = Math.max(0, Math.min(1, (v - lo) / (hi - lo)));
  const c = Math.round(255 - 200 * t);
  return `rgb(${c},${Math.round(255 - 130 * t)},255)`;
}

/** The heat map as an <svg> element string; each cell carries data-row, data-col and data-value. */
export function heatMapSvg(h: HeatMap): string {
  const cell = { w: 56, h: 22 };
  const m = { l: 150, t: 44, r: 12, b: 40 };
  const W = m.l + cell.w * h.cols.length + m.r;
  const H = m.t + cell.h * h.rows.length + m.b;
  const parts: string[] = [
    `<svg class="heatmap" data-chart="${esc(h.id)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(h.title)}">`,
    `<title>${esc(h.title)}</title>`,
    `<text x="${W / 2}" y="16" text-anchor="middle" class="chart-title">${esc(h.title)}</text>`,
    `<text x="${m.l + (cell.w * h.cols.length) / 2}" y="${m.t - 22}" text-anchor="middle" class="axis-label">${esc(h.colLabel)}</text>`,
    `<text x="8" y="${m.t - 6}" class="axis-label">${esc(h.rowLabel)}</text>`,
  ];
  h.cols.forEach((c, j) =>
    parts.push(
      `<text x="${m.l + cell.w * (j + 0.5)}" y="${m.t - 6}" text-anchor="middle" class="tick">${esc(c)}</text>`,
    ),
  );
  h.rows.forEach((r, i) => {
    const y = m.t + cell.h * i;
    parts.push(`<text x="${m.l - 6}" y="${y + 15}" text-anchor="end" class="tick">${esc(r)}</text>`);
    h.cols.forEach((c, j) => {
      const v = h.value(r, c);
      const x = m.l + cell.w * j;
      const label = Number.isFinite(v) ? v.toFixed(2) : '–';
      parts.push(
        `<rect x="${x}" y="${y}" width="${cell.w - 1}" height="${cell.h - 1}" fill="${shade(v, h.domain)}" data-row="${esc(r)}" data-col="${esc(c)}" data-value="${Number.isFinite(v) ? v : ''}"><title>${esc(`${r} · ${c}: ${label}`)}</title></rect>`,
        `<text x="${x + cell.w / 2}" y="${y + 15}" text-anchor="middle" class="tick">${label}</text>`,
      );
    });
  });
  const ly = H - 16;
  parts.push(
    `<text x="${m.l}" y="${ly + 10}" class="legend">${h.domain[0]}</text>`,
    ...Array.from({ length: 10 }, (_, k) => {
      const v = h.domain[0] + ((h.domain[1] - h.domain[0]) * (k + 0.5)) / 10;
      return `<rect x="${m.l + 30 + 14 * k}" y="${ly}" width="14" height="12" fill="${shade(v, h.domain)}"/>`;
    }),
    `<text x="${m.l + 30 + 14 * 10 + 4}" y="${ly + 10}" class="legend">${h.domain[1]}</text>`,
    '</svg>',
  );
  return parts.join('');
}
