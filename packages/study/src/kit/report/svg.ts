// Inline SVG charts generated as strings (no library, nothing fetched): a grouped bar chart with 95%
// confidence-interval error bars, one bar per series (loss) in each group (test set, factor); an x-y chart of
// lines or points (reliability diagrams, ROC curves, 2-D embeddings).
import type { Aggregate } from '../aggregate';

/** Escapes text for HTML / SVG. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Colour of series k (a colour-blind-safe palette). */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

/** A grouped bar chart. */
export interface BarChart {
  /** Identifies the chart in the DOM (data-chart). */
  id: string;
  title: string;
  yLabel: string;
  groups: string[];
  series: string[];
  /** The value of series s in group g, or undefined when absent. */
  value: (group: string, series: string) => Aggregate | undefined;
  /** The y range shown; values outside are clipped. */
  domain: [number, number];
  /** A dashed reference line (e.g. chance level), optional. */
  reference?: { y: number; label: string };
}

const fmt = (v: number): string => (Math.abs(v) >= 10 ? v.toFixed(0) : v.toFixed(2));

/** The chart as an <svg> element string; bars carry data-mean / data-lower / data-upper. */
export function barChartSvg(c: BarChart): string {
  const W = 680;
  const H = 300;
  const m = { l: 56, r: 12, t: 30, b: 64 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const [lo, hi] = c.domain;
  const y = (v: number): number => m.t + ph * (1 - (Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo));
  const parts: string[] = [];
  parts.push(
    `<svg class="chart" data-chart="${esc(c.id)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(c.title)}">`,
  );
  parts.push(`<title>${esc(c.title)}</title>`);
  parts.push(`<text x="${W / 2}" y="18" text-anchor="middle" class="chart-title">${esc(c.title)}</text>`);
  for (let k = 0; k <= 4; k++) {
    const v = lo + ((hi - lo) * k) / 4;
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="grid"/>`);
    parts.push(`<text x="${m.l - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" class="tick">${fmt(v)}</text>`);
  }
  parts.push(
    `<text transform="translate(14 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle" class="axis-label">${esc(c.yLabel)}</text>`,
  );
  const gw = pw / Math.max(1, c.groups.length);
  const bw = Math.min(40, (gw * 0.8) / Math.max(1, c.series.length));
  c.groups.forEach((g, gi) => {
    const x0 = m.l + gi * gw + (gw - bw * c.series.length) / 2;
    c.series.forEach((s, si) => {
      const a = c.value(g, s);
      if (!a || a.mean === null) return;
      const x = x0 + si * bw;
      const base = y(Math.max(lo, Math.min(hi, 0)));
      const top = y(a.mean);
      const tip = `${s} · ${g}: ${a.mean.toFixed(3)}${a.halfWidth !== null ? ` ± ${a.halfWidth.toFixed(3)} (95% CI, n=${a.n})` : ` (n=${a.n})`}`;
      parts.push(
        `<rect class="bar" x="${(x + 1).toFixed(1)}" y="${Math.min(top, base).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${Math.abs(base - top).toFixed(1)}" fill="${PALETTE[si % PALETTE.length]}" data-series="${esc(s)}" data-group="${esc(g)}" data-mean="${a.mean}" data-lower="${a.lower ?? ''}" data-upper="${a.upper ?? ''}"><title>${esc(tip)}</title></rect>`,
      );
      if (a.lower !== null && a.upper !== null) {
        const cx = (x + bw / 2).toFixed(1);
        parts.push(
          `<g class="ci"><line x1="${cx}" x2="${cx}" y1="${y(a.lower).toFixed(1)}" y2="${y(a.upper).toFixed(1)}"/><line x1="${(x + bw / 2 - 5).toFixed(1)}" x2="${(x + bw / 2 + 5).toFixed(1)}" y1="${y(a.lower).toFixed(1)}" y2="${y(a.lower).toFixed(1)}"/><line x1="${(x + bw / 2 - 5).toFixed(1)}" x2="${(x + bw / 2 + 5).toFixed(1)}" y1="${y(a.upper).toFixed(1)}" y2="${y(a.upper).toFixed(1)}"/></g>`,
        );
      }
    });
    parts.push(
      `<text x="${(m.l + gi * gw + gw / 2).toFixed(1)}" y="${H - m.b + 18}" text-anchor="middle" class="tick">${esc(g)}</text>`,
    );
  });
  if (c.reference && c.reference.y >= lo && c.reference.y <= hi) {
    parts.push(
      `<line x1="${m.l}" x2="${W - m.r}" y1="${y(c.reference.y).toFixed(1)}" y2="${y(c.reference.y).toFixed(1)}" class="reference"/>`,
    );
    parts.push(
      `<text x="${W - m.r - 4}" y="${(y(c.reference.y) - 4).toFixed(1)}" text-anchor="end" class="tick">${esc(c.reference.label)}</text>`,
    );
  }
  c.series.forEach((s, si) => {
    const lx = m.l + si * 130;
    parts.push(
      `<rect x="${lx}" y="${H - 22}" width="12" height="12" fill="${PALETTE[si % PALETTE.length]}"/><text x="${lx + 16}" y="${H - 12}" class="legend">${esc(s)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** A series of an x-y chart: a polyline through its points, or one dot per point. */
export interface XySeries {
  name: string;
  points: readonly (readonly [number, number])[];
  kind: 'line' | 'points';
}

/** An x-y chart: reliability diagrams, ROC curves, 2-D embeddings. */
export interface XyChart {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  /** The ranges shown; points outside are clipped to the frame. */
  x: [number, number];
  y: [number, number];
  series: XySeries[];
  /** Draw the dashed diagonal y = x (perfect calibration, a chance ROC). */
  diagonal?: boolean;
}

/** The chart as an <svg> element string; each series is a <g data-series> with data-points (count). */
export function xyChartSvg(c: XyChart): string {
  const W = 420;
  const H = 340;
  const m = { l: 56, r: 12, t: 30, b: 78 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const clip = (v: number, [lo, hi]: [number, number]) => Math.min(hi, Math.max(lo, v));
  const px = (v: number) => m.l + (pw * (clip(v, c.x) - c.x[0])) / (c.x[1] - c.x[0] || 1);
  const py = (v: number) => m.t + ph * (1 - (clip(v, c.y) - c.y[0]) / (c.y[1] - c.y[0] || 1));
  const parts: string[] = [
    `<svg class="chart" style="display:inline-block;vertical-align:top;margin-right:8px" data-chart="${esc(c.id)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(c.title)}">`,
    `<title>${esc(c.title)}</title>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" class="chart-title">${esc(c.title)}</text>`,
  ];
  for (let k = 0; k <= 4; k++) {
    const vx = c.x[0] + ((c.x[1] - c.x[0]) * k) / 4;
    const vy = c.y[0] + ((c.y[1] - c.y[0]) * k) / 4;
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${py(vy).toFixed(1)}" y2="${py(vy).toFixed(1)}" class="grid"/>`);
    parts.push(`<text x="${m.l - 6}" y="${(py(vy) + 4).toFixed(1)}" text-anchor="end" class="tick">${fmt(vy)}</text>`);
    parts.push(
      `<text x="${px(vx).toFixed(1)}" y="${H - m.b + 16}" text-anchor="middle" class="tick">${fmt(vx)}</text>`,
    );
  }
  parts.push(
    `<text x="${m.l + pw / 2}" y="${H - m.b + 34}" text-anchor="middle" class="axis-label">${esc(c.xLabel)}</text>`,
    `<text transform="translate(14 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle" class="axis-label">${esc(c.yLabel)}</text>`,
  );
  if (c.diagonal) {
    const lo = Math.max(c.x[0], c.y[0]);
    const hi = Math.min(c.x[1], c.y[1]);
    parts.push(
      `<line x1="${px(lo).toFixed(1)}" y1="${py(lo).toFixed(1)}" x2="${px(hi).toFixed(1)}" y2="${py(hi).toFixed(1)}" class="reference"/>`,
    );
  }
  c.series.forEach((s, si) => {
    const colour = PALETTE[si % PALETTE.length];
    const ok = s.points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
    const body =
      s.kind === 'line'
        ? `<polyline fill="none" stroke="${colour}" stroke-width="1.8" points="${ok.map(([a, b]) => `${px(a).toFixed(1)},${py(b).toFixed(1)}`).join(' ')}"/>`
        : ok
            .map(
              ([a, b]) =>
                `<circle cx="${px(a).toFixed(1)}" cy="${py(b).toFixed(1)}" r="3" fill="${colour}" fill-opacity="0.75"/>`,
            )
            .join('');
    parts.push(`<g data-series="${esc(s.name)}" data-points="${ok.length}">${body}</g>`);
    const lx = m.l + (si % 3) * 120;
    const ly = H - 30 + Math.floor(si / 3) * 14;
    parts.push(
      `<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${colour}"/><text x="${lx + 14}" y="${ly}" class="legend">${esc(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}
