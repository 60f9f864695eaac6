// Generator throughput at 32^3: volumes/s on one thread and on N worker threads (each worker makes
// every N-th index), and a check that workers produce the same bytes as the main thread.
// Usage (after `npm run build`): node packages/data/bench/throughput.js [samples=2000] [workers=2]
'use strict';
const path = require('path');
const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');

const distDir = process.env.NODULAB_DATA_DIST || path.join(__dirname, '..', 'dist');
const lib = require(distDir);

function checksum(volume) {
  let h = 0x811c9dc5;
  const words = new Uint32Array(volume.buffer, volume.byteOffset, volume.length);
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i], 0x01000193) >>> 0;
  return h;
}

function run(presetName, seed, split, indices) {
  const gen = new lib.NoduleGenerator(lib.preset(presetName), seed);
  return indices.map((i) => checksum(gen.sample(split, i).volume));
}

if (!isMainThread) {
  const { presetName, seed, split, indices } = workerData;
  parentPort.postMessage(run(presetName, seed, split, indices));
} else {
  const n = Number(process.argv[2] || 2000);
  const workers = Number(process.argv[3] || 2);
  const indices = Array.from({ length: n }, (_, i) => i);
  run('iid', 0, 'warmup', indices.slice(0, 100));
  let t0 = process.hrtime.bigint();
  const serial = run('iid', 0, 'bench', indices);
  const single = n / (Number(process.hrtime.bigint() - t0) / 1e9);
  console.log(`1 thread : ${single.toFixed(0)} volumes/s (32^3, preset iid, ${n} samples)`);
  t0 = process.hrtime.bigint();
  const parts = Array.from({ length: workers }, (_, w) => indices.filter((i) => i % workers === w));
  Promise.all(
    parts.map(
      (part) =>
        new Promise((resolve, reject) => {
          const worker = new Worker(__filename, {
            workerData: { presetName: 'iid', seed: 0, split: 'bench', indices: part },
          });
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    ),
  ).then((results) => {
    const rate = n / (Number(process.hrtime.bigint() - t0) / 1e9);
    const same = parts.every((part, w) => part.every((i, k) => results[w][k] === serial[i]));
    console.log(
      `${workers} workers: ${rate.toFixed(0)} volumes/s (including worker start-up); identical bytes to 1 thread: ${same}`,
    );
    if (!same) process.exitCode = 1;
  });
}
