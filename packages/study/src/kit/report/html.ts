// The HTML kit every study report is built from: one self-contained page shell (inline CSS, tiny
// inline scripts that record errors and mark the page rendered; fetches nothing), tables, and the
// "mean [95% CI]" cell format.
import type { Aggregate } from '../aggregate';
import { esc } from './svg';

export const CSS = `body{font:14px/1.45 system-ui,sans-serif;max-width:1000px;margin:24px auto;padding:0 16px;color:#222}
h1{font-size:24px}h2{margin-top:36px;border-bottom:1px solid #ddd}table{border-collapse:collapse;margin:8px 0 16px}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}th{background:#f4f4f4}
.chart{display:block;margin:8px 0;max-width:100%;height:auto}.chart-title{font-weight:600;font-size:14px}.tick,.legend{font-size:11px;fill:#333}
.axis-label{font-size:12px;fill:#333}.grid{stroke:#e6e6e6}.ci line{stroke:#222;stroke-width:1.3}.reference{stroke:#888;stroke-dasharray:4 3}
.note{color:#555}.ok{color:#0a7a32}.warn{color:#b35c00}.fail{color:#fff;background:#b00;padding:8px 12px;font-weight:600}
.v-reproduced{color:#0a7a32;font-weight:600}.v-not-reproduced{color:#b00;font-weight:600}.v-inconclusive{color:#b35c00}.v-contradicted{color:#fff;background:#b00;font-weight:600}.v-not-testable{color:#666;font-style:italic}.v-secondary{color:#555}#errors:empty{display:none}#errors{color:#b00;border:1px solid #b00;padding:8px}`;

/** "0.812 [0.790, 0.834]", or "0.812" without a CI. */
export function fmtCI(a: Aggregate | undefined, digits = 3): string {
  if (!a || a.mean === null) return '–';
  return a.lower !== null && a.upper !== null
    ? `${a.mean.toFixed(digits)} [${a.lower.toFixed(digits)}, ${a.upper.toFixed(digits)}]`
    : a.mean.toFixed(digits);
}

export function table(head: string[], rows: string[][], id: string): string {
  return `<table data-table="${esc(id)}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/**
 * A self-contained page: inline CSS, the given body parts, and tiny inline scripts that record script
 * errors (#errors) and mark the page rendered (body data-charts / data-rendered). Fetches nothing.
 */
export function htmlPage(title: string, body: readonly string[]): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<script>(function(){var errs=[];function note(m){errs.push(m);var d=document.getElementById('errors');if(d){d.textContent=errs.join('\\n');d.setAttribute('data-count',String(errs.length));}}
window.addEventListener('error',function(e){note(String(e.message||e));});var ce=console.error;console.error=function(){note(Array.prototype.join.call(arguments,' '));return ce.apply(console,arguments);};})();</script>
<style>${CSS}</style></head>
<body>
<div id="errors" data-count="0"></div>
${body.join('\n')}
<script>(function(){var c=document.querySelectorAll('svg.chart');document.body.setAttribute('data-charts',String(c.length));document.body.setAttribute('data-rendered','ok');})();</script>
</body></html>
`;
}
