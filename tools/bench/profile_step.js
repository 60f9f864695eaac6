#!/usr/bin/env node
// Where a NoduleNet3D training step (and inference) spends its time: wraps every function of the
// native addon with a timer, runs a few steps (batch 32, 32^3 input, SGD momentum, cross-entropy)
// and prints, per native function, the calls and milliseconds per step, plus the time outside them.
//
// Usage (after `npx tsc -b packages/nn`, which builds the dist/ folders it loads):
//   node tools/bench/profile_step.js [--threads N (2)] [--steps N (5)] [--warmup N (2)] [--eval] [--by-shape]
//     [--model nodulenet3d|resnet3d10 (nodulenet3d)] [--size S (32)] [--batch B (32)]
//   NODULAB_NATIVE_DIR=native/build-<name>/Release node tools/bench/profile_step.js   (another build)
// --eval profiles inference (model.eval() under noGrad) instead of the training step; --by-shape
// splits each function's row by the first 5-D shape argument (one row per layer). "cpu ms" is process CPU
// time (all threads): on a shared machine it shows the cost of a call when it has the cores.
'use strict';

function parseArgs(argv) {
  const out = {
    threads: 2,
    steps: 5,
    warmup: 2,
    eval: false,
    byShape: false,
    model: 'nodulenet3d',
    size: 32,
    batch: 32,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--model') {
      out.model = argv[++i];
      if (!['nodulenet3d', 'resnet3d10'].includes(out.model)) fail(`--model must be nodulenet3d or resnet3d10`);
    } else if (a === '--threads' || a === '--steps' || a === '--warmup' || a === '--size' || a === '--batch') {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < (a === '--warmup' ? 0 : 1)) fail(`${a} needs a positive integer`);
      out[a.slice(2)] = v;
    } else if (a === '--eval') out.eval = true;
    else if (a === '--by-shape') out.byShape = true;
    else
      fail(
        `unknown option ${a} (expected --threads N, --steps N, --warmup N, --eval, --by-shape, --model M, --size S, --batch B)`,
      );
  }
  return out;
}

function fail(msg) {
  console.error(`profile_step: ${msg}`);
  process.exit(2);
}

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** The first argument that is a 5-D shape, as "[N,C,D,H,W]", or ''. */
function shapeKey(args) {
  const s = args.find((a) => Array.isArray(a) && a.length === 5 && a.every((d) => typeof d === 'number'));
  return s ? ` [${s.join(',')}]` : '';
}

/** Replaces every function of `native` by a timed wrapper; returns the stats table (per name, or name + shape). */
function instrument(native, byShape) {
  const stats = new Map();
  for (const name of Object.keys(native)) {
    const fn = native[name];
    if (typeof fn !== 'function') continue;
    native[name] = function timed(...args) {
      const key = byShape ? name + shapeKey(args) : name;
      let s = stats.get(key);
      if (!s) stats.set(key, (s = { calls: 0, ms: 0, cpuMs: 0 }));
      const t0 = nowMs();
      const c0 = process.cpuUsage();
      try {
        return fn.apply(this, args);
      } finally {
        s.ms += nowMs() - t0;
        const c = process.cpuUsage(c0);
        s.cpuMs += (c.user + c.system) / 1e3;
        s.calls += 1;
      }
    };
  }
  return stats;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const T = require('@nodulab/tensor');
  const nn = require('@nodulab/nn');
  T.setNumThreads(args.threads);
  const g = new T.Generator(0);
  const model = args.model === 'resnet3d10' ? new nn.ResNet3D({ seed: 0 }) : new nn.NoduleNet3D({ seed: 0 });
  const opt = new nn.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const x = T.randn([args.batch, 1, args.size, args.size, args.size], g);
  const labels = Int32Array.from({ length: args.batch }, () => g.randint(2));
  if (args.eval) model.eval();
  const step = args.eval
    ? () => T.noGrad(() => model.forward(x))
    : () => {
        opt.zeroGrad();
        const loss = T.crossEntropy(model.forward(x), labels);
        loss.backward();
        opt.step();
      };

  for (let i = 0; i < args.warmup; i++) step();
  const stats = instrument(T.native, args.byShape);
  const t0 = nowMs();
  const c0 = process.cpuUsage();
  for (let i = 0; i < args.steps; i++) step();
  const total = (nowMs() - t0) / args.steps;
  const cu = process.cpuUsage(c0);
  const totalCpu = (cu.user + cu.system) / 1e3 / args.steps;

  const rows = [...stats.entries()].filter(([, s]) => s.calls > 0).sort((a, b) => b[1].ms - a[1].ms);
  const nativeMs = rows.reduce((acc, [, s]) => acc + s.ms, 0) / args.steps;
  const nativeCpu = rows.reduce((acc, [, s]) => acc + s.cpuMs, 0) / args.steps;
  const isa = T.native.getIsa().active;
  console.log(
    `profile_step — ${args.eval ? 'inference' : 'train step'}, ${args.model} batch ${args.batch}, ${args.size}^3, ${args.threads} threads, ISA ${isa}, mean of ${args.steps} steps`,
  );
  const w = args.byShape ? 48 : 24;
  console.log(
    `${'native function'.padEnd(w)}${'calls/step'.padStart(11)}${'ms/step'.padStart(10)}${'% step'.padStart(8)}${'cpu ms'.padStart(9)}`,
  );
  for (const [name, s] of rows) {
    const ms = s.ms / args.steps;
    console.log(
      `${name.padEnd(w)}${(s.calls / args.steps).toFixed(1).padStart(11)}${ms.toFixed(2).padStart(10)}${((100 * ms) / total).toFixed(1).padStart(8)}${(s.cpuMs / args.steps).toFixed(2).padStart(9)}`,
    );
  }
  console.log(
    `${'(outside native calls)'.padEnd(w)}${''.padStart(11)}${(total - nativeMs).toFixed(2).padStart(10)}${((100 * (total - nativeMs)) / total).toFixed(1).padStart(8)}${(totalCpu - nativeCpu).toFixed(2).padStart(9)}`,
  );
  console.log(
    `${'step total'.padEnd(w)}${''.padStart(11)}${total.toFixed(2).padStart(10)}${''.padStart(8)}${totalCpu.toFixed(2).padStart(9)}`,
  );
}

main();
