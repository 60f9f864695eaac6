#!/usr/bin/env node
// Steady-state memory of a training loop: NoduleNet3D trained for --steps steps (default 1000) with its
// steps on a worker thread (the default of train(); --thread main for the JS thread). Prints resident
// memory (RSS) and minor page faults per step every tenth of the run, and the RSS growth over the second
// half. Flat RSS and few faults per step mean activations are reused, not faulted in (and zeroed by the
// kernel) afresh each step. NODULAB_HEAP_REUSE=0 shows the allocator's default for comparison.
// Options: --steps N, --batch N (default 8), --size S (cubic input, 32), --threads N (2), --thread worker|main.
'use strict';
const { yieldToEventLoop } = require('@nodulab/platform');
const { nodulenetCeStep } = require('./ce_step');

function parseArgs(argv) {
  const out = { steps: 1000, batch: 8, size: 32, threads: 2, thread: 'worker' };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    const raw = argv[i + 1];
    if (key === 'thread' && (raw === 'worker' || raw === 'main')) out.thread = raw;
    else if (key in out && key !== 'thread' && Number.isInteger(Number(raw)) && Number(raw) >= 1)
      out[key] = Number(raw);
    else {
      console.error(`memory_bench: unknown option or bad value: ${argv[i]} ${raw}`);
      process.exit(2);
    }
  }
  return out;
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const { T, TR, config, stages, objective } = nodulenetCeStep(a);
  const net = TR.buildNet(config);
  const opt = TR.buildOptimizer(net.model.parameters(), config.optimizer);
  const runner = a.thread === 'worker' ? await TR.workerStepRunner(net, config, stages) : TR.inlineStepRunner(net);
  const g = new T.Generator(1);
  const labels = Int32Array.from({ length: a.batch }, (_, i) => i % 2);
  const every = Math.max(1, Math.floor(a.steps / 10));
  const mb = () => process.memoryUsage().rss / 2 ** 20;
  const rss = [];
  let faults = process.resourceUsage().minorPageFault;
  const t0 = Date.now();
  console.log(
    `NoduleNet3D, batch ${a.batch}, ${a.size}^3, ${a.threads} threads, steps on the ${a.thread} thread, ` +
      `heap reuse ${process.env.NODULAB_HEAP_REUSE === '0' ? 'off' : 'on'}`,
  );
  console.log('step   RSS MiB  JS heap MiB  ArrayBuffers MiB  minor faults/step  ms/step');
  let last = t0;
  for (let s = 1; s <= a.steps; s++) {
    const x1 = T.randn([a.batch, 1, a.size, a.size, a.size], g); // a fresh batch each step, as a loader gives
    await runner.step(0, objective, { x1, x2: null, labels });
    opt.step();
    await yieldToEventLoop();
    if (s % every === 0) {
      const f = process.resourceUsage().minorPageFault;
      const now = Date.now();
      rss.push([s, mb()]);
      const m = process.memoryUsage();
      const cells = [
        [s, 4],
        [mb().toFixed(0), 8],
        [(m.heapTotal / 2 ** 20).toFixed(0), 11],
        [(m.arrayBuffers / 2 ** 20).toFixed(0), 16],
        [((f - faults) / every).toFixed(0), 17],
        [((now - last) / every).toFixed(0), 7],
      ];
      console.log(cells.map(([v, w]) => String(v).padStart(w)).join('  '));
      faults = f;
      last = now;
    }
  }
  await runner.close();
  const half = rss.filter(([s]) => s >= a.steps / 2);
  const growth = half[half.length - 1][1] - half[0][1];
  console.log(`RSS growth over steps ${half[0][0]}..${half[half.length - 1][0]}: ${growth.toFixed(1)} MiB`);
}

main().catch((e) => {
  console.error(`memory_bench: ${e.stack || e.message}`);
  process.exit(1);
});
