// Augmentation and distortion speed at 32^3: ms per batch of 32 volumes (N, 1, 32, 32, 32) through the
// default augmentation pipeline, the two-view pipeline, and each distortion at severity 3, on one thread.
// Usage (after `npm run build`): node packages/data/bench/augment.js [repeats=20]
'use strict';
const path = require('path');

const distDir = process.env.NODULAB_DATA_DIST || path.join(__dirname, '..', 'dist');
const lib = require(distDir);
const { Generator } = require('@nodulab/tensor');

function timeMs(fn, repeats) {
  for (let i = 0; i < 3; i++) fn(i);
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    fn(i);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { median: times[times.length >> 1], min: times[0] };
}

const repeats = Number(process.argv[2] || 20);
const batch = lib.fetchBatch(new lib.SyntheticDataset(lib.preset('iid'), 0, 'train', 32), lib.range(32), {
  masks: true,
});
const x = batch.x;
const masks = Uint8Array.from(batch.masks.data);

const fmt = (r) => `median ${r.median.toFixed(1)} ms (min ${r.min.toFixed(1)})`;
const aug = new lib.Compose();
console.log(
  `augmentBatch, default pipeline, 32 x 32^3:           ${fmt(timeMs((i) => lib.augmentBatch(aug, x, new Generator(i)), repeats))}`,
);
console.log(
  `augmentBatch, default pipeline, 32 x 32^3 with masks: ${fmt(timeMs((i) => lib.augmentBatch(aug, x, new Generator(i), { masks }), repeats))}`,
);
const tv = new lib.TwoViewPipeline(aug);
console.log(
  `TwoViewPipeline.batch, 32 x 32^3 (64 views):          ${fmt(timeMs((i) => tv.batch(x, new Generator(i)), repeats))}`,
);
for (const name of lib.distortionNames()) {
  const r = timeMs((i) => lib.distortBatch(x, name, 3, new Generator(i)), Math.max(3, repeats >> 2));
  console.log(`distortBatch ${name.padEnd(16)} severity 3, 32 x 32^3: ${fmt(r)}`);
}
