#!/usr/bin/env node
// Event-loop delay (perf_hooks.monitorEventLoopDelay, 1 ms resolution) while NoduleNet3D trains (batch
// 32, 32^3, SGD momentum) and while it infers 32 volumes, with the work on the JS thread (the synchronous
// API, yielding between steps) and on a worker thread (train's step runner, nn's ForwardWorker).
// Prints p50 / p99 / max delay in ms and ms per step. Run alone (`node tools/bench/event_loop_bench.js
// [--threads N] [--steps N]`) or from bench.js. Also: --batch N, --size S (cubic input).
'use strict';
const { yieldToEventLoop } = require('@nodulab/platform');
const { nodulenetCeStep } = require('./ce_step');
const { monitorEventLoopDelay } = require('perf_hooks');
const { spawnSync } = require('child_process');

/** Runs this file in a child process (so nothing else shares its event loop) and prints its table. */
function printEventLoopBench(threads) {
  console.log('\nevent-loop delay (monitorEventLoopDelay) during NoduleNet3D training and inference');
  const r = spawnSync(process.execPath, [__filename, '--threads', String(threads)], { stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}

function parseArgs(argv) {
  const out = { threads: 2, steps: 6, batch: 32, size: 32 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    const v = Number(argv[i + 1]);
    if (!(key in out) || !Number.isInteger(v) || v < 1) {
      console.error(`event_loop_bench: unknown option or bad value: ${argv[i]} ${argv[i + 1]}`);
      process.exit(2);
    }
    out[key] = v;
  }
  return out;
}

/** Event-loop delay while `run` (async) goes: p50, p99 and max in ms. */
async function delayDuring(run) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const t0 = process.hrtime.bigint();
  const steps = await run();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  h.disable();
  return { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6, msPerStep: ms / steps };
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const { T, TR, config, stages, objective } = nodulenetCeStep(a);
  const { ForwardWorker } = require('@nodulab/nn');
  const batch = {
    x1: T.randn([a.batch, 1, a.size, a.size, a.size], new T.Generator(1)),
    x2: null,
    labels: Int32Array.from({ length: a.batch }, (_, i) => i % 2),
  };
  const train = (runner, net) =>
    delayDuring(async () => {
      const opt = TR.buildOptimizer(net.model.parameters(), config.optimizer);
      await runner.step(0, objective, batch); // warm-up (first touch of the activations)
      opt.step();
      for (let s = 0; s < a.steps; s++) {
        await runner.step(0, objective, batch);
        opt.step();
        await yieldToEventLoop();
      }
      return a.steps;
    });
  const infer = (forward, net) =>
    delayDuring(async () => {
      net.model.eval();
      await forward(batch.x1);
      for (let s = 0; s < a.steps; s++) {
        await forward(batch.x1);
        await yieldToEventLoop();
      }
      return a.steps;
    });
  const rows = [];
  const syncNet = TR.buildNet(config);
  rows.push(['train step, JS thread', await train(TR.inlineStepRunner(syncNet), syncNet)]);
  const asyncNet = TR.buildNet(config);
  const runner = await TR.workerStepRunner(asyncNet, config, stages);
  rows.push(['train step, worker thread', await train(runner, asyncNet)]);
  await runner.close();
  const net = TR.buildNet(config);
  rows.push(['inference, JS thread', await infer((x) => T.noGrad(() => net.model.forward(x)), net)]);
  const worker = new ForwardWorker(net.model);
  rows.push(['inference, ForwardWorker', await infer((x) => worker.forward(x), net)]);
  await worker.close();
  const header = ['case', 'p50 ms', 'p99 ms', 'max ms', 'ms/step'];
  const table = rows.map(([name, r]) => [name, ...[r.p50, r.p99, r.max, r.msPerStep].map((v) => v.toFixed(1))]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`batch ${a.batch}, ${a.size}^3, ${a.threads} threads, ${a.steps} steps each`);
  console.log(line(header));
  for (const r of table) console.log(line(r));
}

module.exports = { printEventLoopBench };
if (require.main === module) {
  main().catch((e) => {
    console.error(`event_loop_bench: ${e.stack || e.message}`);
    process.exit(1);
  });
}
