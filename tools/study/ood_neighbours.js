#!/usr/bin/env node
// Where the `empty` OOD volumes of a calibration-ood run sit among the training signatures: per seed, the spectral
// AUROC (empty vs in-distribution test) of the joint model, which training dataset holds each empty volume's nearest
// signature, the AUROC with the nodule-free training volumes left out, and the same score under the dedicated
// seg-nodule model. Reads the run's checkpoints; changes nothing.
// Usage: node tools/study/ood_neighbours.js <calibration-ood output folder> [seeds, e.g. 0,1,2]
'use strict';
const fs = require('fs');
const path = require('path');

const pkg = (name) => require(path.resolve(__dirname, '..', '..', 'packages', name, 'dist'));
const { setNumThreads } = pkg('tensor');
const { SyntheticDataset } = pkg('data');
const { KnnScorer, oodMetrics } = pkg('eval');
const { loadRun } = pkg('train');
const study = pkg('study');

/** Signatures of `split` of preset `name` in seed `seed` under `model`, and whether each volume holds a nodule. */
async function presetSignatures(model, spec, seed, name, split, n) {
  const k = spec.presets.indexOf(name);
  const ds = new SyntheticDataset(study.datasetSpec(spec, name), study.dataSeed(seed, k), split, n);
  const sig = await study.setSignatures(model, await study.presetVolumes(spec, seed, name, split, n), spec.layer, 8);
  return sig.map((s, i) => ({ s, preset: name, nodule: ds.get(i).factors.hasNodule }));
}

/** The index of the vector of `train` nearest to `q` (Euclidean). */
function nearest(train, q) {
  let best = Infinity;
  let who = -1;
  train.forEach((t, i) => {
    let d = 0;
    for (let j = 0; j < q.length; j++) d += (t.s[j] - q[j]) ** 2;
    if (d < best) [best, who] = [d, i];
  });
  return who;
}

/** AUROC of the empty signatures against the test signatures, by the k-NN distance to `train`. */
function emptyAuroc(train, test, empty, k) {
  const knn = new KnnScorer(
    train.map((t) => t.s),
    { k },
  );
  return oodMetrics(knn.scoreAll(test), knn.scoreAll(empty)).auroc;
}

async function main() {
  const [root, seedList] = process.argv.slice(2);
  if (!root) throw new Error('usage: node tools/study/ood_neighbours.js <calibration-ood output folder> [seeds]');
  const specFile = path.join(root, 'calibration-ood.json');
  if (!fs.existsSync(specFile)) throw new Error(`${root}: no calibration-ood.json (not a calibration-ood output)`);
  const spec = JSON.parse(fs.readFileSync(specFile, 'utf8'));
  const seeds = seedList ? seedList.split(',').map(Number) : spec.seeds;
  setNumThreads(1);
  for (const seed of seeds) {
    const emptyDs = new SyntheticDataset(study.datasetSpec(spec, 'empty'), study.dataSeed(seed, 8), 'test', spec.oodN);
    const emptyVolumes = await study.loadVolumes('empty', emptyDs, spec.oodN, false);
    const joint = loadRun(path.join(root, 'runs', `joint-s${seed}`), 'best').net.model;
    const train = [];
    const test = [];
    for (const p of spec.presets) {
      train.push(...(await presetSignatures(joint, spec, seed, p, 'train', spec.trainN)));
      test.push(...(await presetSignatures(joint, spec, seed, p, 'test', spec.testN)).map((t) => t.s));
    }
    const empty = await study.setSignatures(joint, emptyVolumes, spec.layer, 8);
    const from = {};
    for (const q of empty) {
      const t = train[nearest(train, q)];
      const key = `${t.preset}${t.nodule ? '' : ' (no nodule)'}`;
      from[key] = (from[key] ?? 0) + 1;
    }
    const withNodule = train.filter((t) => t.nodule);
    const nodule = spec.presets.indexOf('seg-nodule');
    const noduleTest = nodule < 0 ? null : test.slice(nodule * spec.testN, (nodule + 1) * spec.testN);
    console.log(
      `seed ${seed}, joint model (${spec.layer}, k = ${spec.k}): empty AUROC ${emptyAuroc(train, test, empty, spec.k).toFixed(3)}; ` +
        `without the ${train.length - withNodule.length} nodule-free training volumes ` +
        `${emptyAuroc(withNodule, test, empty, spec.k).toFixed(3)}; ` +
        (noduleTest
          ? `against seg-nodule test only ${emptyAuroc(train, noduleTest, empty, spec.k).toFixed(3)}; `
          : '') +
        `nearest training signature of each empty volume: ` +
        Object.entries(from)
          .map(([k, n]) => `${k} ${n}`)
          .join(', '),
    );
    const dedicatedDir = path.join(root, 'runs', `dedicated-seg-nodule-s${seed}`);
    if (!noduleTest || !fs.existsSync(dedicatedDir)) continue;
    const ded = loadRun(dedicatedDir, 'best').net.model;
    const dTrain = await presetSignatures(ded, spec, seed, 'seg-nodule', 'train', spec.trainN);
    const dTest = (await presetSignatures(ded, spec, seed, 'seg-nodule', 'test', spec.testN)).map((t) => t.s);
    const dEmpty = await study.setSignatures(ded, emptyVolumes, spec.layer, 8);
    console.log(
      `seed ${seed}, dedicated seg-nodule model: empty vs seg-nodule test AUROC ` +
        emptyAuroc(dTrain, dTest, dEmpty, spec.k).toFixed(3),
    );
  }
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
