#!/usr/bin/env node
// Chooses the pretraining-robustness study's target budget on validation volumes: trains scratch at every candidate
// budget (labelled samples × epochs) for each seed, as the study trains its target models, scores each on its seed's
// validation set, and prints every trial's validation kappa and the budget the fixed rule picks (the cheapest at
// which every seed reaches fair agreement, kappa >= 0.21). The study's test sets are never read. Writes trials.json
// and the training runs under the output folder.
// Usage: node tools/study/pretraining_budget.js [--out dir] [--seeds N] [--val-n N] [--threads N]
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { parseArgs } = require('util');

const study = require(path.resolve(__dirname, '..', '..', 'packages', 'study', 'dist'));

async function main() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: path.join(os.tmpdir(), 'nodulab-pretraining-budget') },
      seeds: { type: 'string', default: '3' },
      'val-n': { type: 'string', default: '256' },
      threads: { type: 'string', default: '2' },
    },
  });
  const seeds = Number(values.seeds);
  const valN = Number(values['val-n']);
  const threads = Number(values.threads);
  for (const [name, v] of [
    ['--seeds', seeds],
    ['--val-n', valN],
    ['--threads', threads],
  ])
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer`);
  const spec = study.resolvePretrainingSpec({ valN, threads });
  fs.mkdirSync(values.out, { recursive: true });
  console.log(
    `scratch, fine-tuned on every label, scored on ${valN} validation volumes per seed; bar kappa >= ` +
      `${study.BUDGET_MIN_KAPPA} in every seed`,
  );
  console.log('labels  epochs  seed  validation kappa  seconds');
  const trials = [];
  for (const b of study.BUDGET_CANDIDATES)
    for (let seed = 0; seed < seeds; seed++) {
      const t = await study.budgetTrial(spec, b, seed, values.out);
      trials.push(t);
      const kappa = t.validationKappa === null ? 'n/a' : t.validationKappa.toFixed(3);
      console.log(
        `${String(t.targetN).padStart(6)}  ${String(t.epochs).padStart(6)}  ${String(seed).padStart(4)}  ` +
          `${kappa.padStart(16)}  ${t.seconds.toFixed(1).padStart(7)}`,
      );
    }
  const chosen = study.chooseTargetBudget(trials);
  fs.writeFileSync(path.join(values.out, 'trials.json'), JSON.stringify({ valN, seeds, trials, chosen }, null, 2));
  console.log(chosen ? `chosen: ${chosen.targetN} labels x ${chosen.epochs} epochs` : 'no candidate reaches the bar');
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
