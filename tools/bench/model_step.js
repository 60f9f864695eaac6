#!/usr/bin/env node
// One model's training step timed in a fresh process, so its peak resident memory is its own:
//   node tools/bench/model_step.js <nodulenet3d|resnet3d10|unet3d> <size> <batch> [threads (2)] [runs (5)]
// prints {"ms": median ms per step, "cpuMs": median process CPU ms per step, "maxRssMb": peak RSS of this
// process}. The step: zero grads, forward,
// loss, backward, SGD (momentum 0.9). Classifiers take cross-entropy on random labels; UNet3D takes a
// per-voxel MSE against a random one-hot mask (a loss of negligible cost beside the convolutions).
// tools/bench/torch_models.py does the same work in PyTorch.
'use strict';

const MODELS = ['nodulenet3d', 'resnet3d10', 'unet3d'];
/** Untimed steps before the timed ones, on both sides of the comparison (torch_models.py reads the same count). */
const WARMUP_STEPS = 3;

/** Builds the model and a closure running one training step on a (batch, 1, size^3) input. */
function makeStep(name, size, batch) {
  const T = require('@nodulab/tensor');
  const nn = require('@nodulab/nn');
  const g = new T.Generator(0);
  const model =
    name === 'nodulenet3d'
      ? new nn.NoduleNet3D({ seed: 0 })
      : name === 'resnet3d10'
        ? new nn.ResNet3D({ seed: 0 })
        : new nn.UNet3D({ seed: 0 });
  const opt = new nn.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const x = T.randn([batch, 1, size, size, size], g);
  let loss;
  if (name === 'unet3d') {
    const mask = new Float32Array(batch * 2 * size ** 3);
    const vox = size ** 3;
    for (let n = 0; n < batch; n++) for (let v = 0; v < vox; v++) mask[(n * 2 + g.randint(2)) * vox + v] = 1;
    const target = T.Tensor.from(mask, [batch, 2, size, size, size]);
    loss = () => T.mseLoss(model.forward(x), target);
  } else {
    const labels = Int32Array.from({ length: batch }, () => g.randint(2));
    loss = () => T.crossEntropy(model.forward(x), labels);
  }
  return () => {
    opt.zeroGrad();
    loss().backward();
    opt.step();
  };
}

function main(argv) {
  const [name, size, batch, threads = 2, runs = 5] = [argv[0], ...argv.slice(1).map(Number)];
  if (!MODELS.includes(name)) throw new Error(`model_step: model must be one of ${MODELS.join(', ')}, got ${name}`);
  for (const [k, v] of Object.entries({ size, batch, threads, runs }))
    if (!Number.isInteger(v) || v < 1) throw new Error(`model_step: ${k} must be a positive integer, got ${v}`);
  require('@nodulab/tensor').setNumThreads(threads);
  const step = makeStep(name, size, batch);
  // Warm-up: WARMUP_STEPS steps, the same count as torch_models.py. nodulab's buffer pool fills over the
  // first steps (tensors freed by one step are reused once the garbage collector has released them), so
  // steps 2-3 still touch fresh pages: at 32^3 x 32 they take ~200 ms against ~100 ms from step 4 on.
  for (let i = 0; i < WARMUP_STEPS; i++) step();
  const times = [],
    cpu = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    step();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e3);
  }
  const median = (v) => v.sort((a, b) => a - b)[Math.floor(v.length / 2)];
  console.log(
    JSON.stringify({ ms: median(times), cpuMs: median(cpu), maxRssMb: process.resourceUsage().maxRSS / 1024 }),
  );
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
}

module.exports = { MODELS, WARMUP_STEPS, makeStep };
