#!/usr/bin/env node
// Why a hard-samples run's malignancy classifiers score what they score: per seed and dense classifier, on its own
// training set (unaugmented), validation and test sets, the malignant fraction of the labels, the fraction predicted
// malignant, the mean P(malignant), AUROC, balanced accuracy at 0.5 and at the threshold that predicts as many
// malignant as there are. Tells a degenerate classifier (one class), a bad threshold and a weak model apart.
// Reads the run's checkpoints; changes nothing.
// Usage: node tools/study/hard_classifiers.js <hard-samples output folder>
'use strict';
const path = require('path');

const pkg = (name) => require(path.resolve(__dirname, '..', '..', 'packages', name, 'dist'));
const { setNumThreads } = pkg('tensor');
const { ForwardWorker } = pkg('nn');
const { SyntheticDataset, preset } = pkg('data');
const { binaryMetrics, datasetBatches, evaluate } = pkg('eval');
const { loadRun, netPredictor } = pkg('train');

/** One set's figures for one classifier. */
async function setFigures(net, set) {
  const r = await evaluate(netPredictor(net, set), datasetBatches(set, 32));
  const labels = r.predictions.map((p) => p.label);
  const scores = r.predictions.map((p) => p.pMalignant);
  const n = labels.length;
  const malignant = labels.reduce((a, b) => a + b, 0) / n;
  // The threshold at which the fraction predicted malignant equals the fraction that is.
  const sorted = [...scores].sort((a, b) => a - b);
  const atPrior = binaryMetrics(labels, scores, sorted[Math.min(n - 1, Math.floor(n * (1 - malignant)))]);
  const f = (v) => v.toFixed(2);
  return (
    `malignant ${f(malignant)} predicted ${f(r.predictions.filter((p) => p.predicted === 1).length / n)} ` +
    `mean P ${f(scores.reduce((a, b) => a + b, 0) / n)} AUROC ${r.metrics.auroc.toFixed(3)} ` +
    `BA@0.5 ${r.metrics.balancedAccuracy.toFixed(3)} BA@prior ${atPrior.balancedAccuracy.toFixed(3)}`
  );
}

async function main() {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write('usage: node tools/study/hard_classifiers.js <hard-samples output folder>\n');
    process.exit(2);
  }
  const spec = require(path.resolve(out, 'spec.json'));
  setNumThreads(spec.threads);
  const ds = { ...preset('localize'), name: 'localize', volume: spec.volume };
  const classN = spec.classifier ? spec.classifier.n : spec.n;
  for (const seed of spec.seeds) {
    const sets = {
      train: new SyntheticDataset(ds, 1000 + seed, 'train', classN),
      val: new SyntheticDataset(ds, 1000 + seed, 'val', spec.valN),
      test: new SyntheticDataset(ds, 1000 + seed, 'test', spec.testN),
    };
    for (let k = 0; k < spec.models; k++) {
      const { net } = loadRun(path.join(out, 'runs', `s${seed}-cls${k}`, `ce-dense${k}`), 'best');
      process.stdout.write(`seed ${seed} ce-dense${k}\n`);
      for (const [name, set] of Object.entries(sets))
        process.stdout.write(`  ${name.padEnd(5)} ${await setFigures(net, set)}\n`);
      await ForwardWorker.of(net.model).close(); // the thread the three sets' predictors shared
    }
  }
}

main().catch((e) => {
  process.stderr.write(`hard_classifiers: ${e.message}\n`);
  process.exit(1);
});
