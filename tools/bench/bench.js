#!/usr/bin/env node
// `npm run bench`: nodulab's speed measured side by side with PyTorch CPU in one run.
// Prints, for each NoduleNet3D conv layer (batch 32, 32^3 input) and for the full training step:
// median ms, GFLOP/s, fraction of this machine's FMA peak, PyTorch's median ms and the ratio
// (PyTorch ms / nodulab ms; > 1 means nodulab is faster); then ResNet3D-10 and UNet3D training steps
// (bench_models.js). PyTorch runs with jemalloc preloaded (torch_env.js: the fair comparison; Debian's
// libjemalloc2). Options: --threads N (2), --runs N (7), --json FILE (also write the results as
// JSON), --no-torch, --torch-malloc glibc (also PyTorch untuned, with glibc malloc, beside it),
// --no-models, --scaling (NoduleNet3D at 32^3, 64^3, 96^3 x batch 1, 8, 32: time and peak RSS per step
// beside PyTorch; minutes), --scaling-grid 32,64x1,8 (a smaller grid), --only CASES (a
// comma list of conv1, conv2, conv3, train_step, inference: only those rows, side by side with PyTorch, and no
// model, event-loop or data sections; e.g. `--only conv3,inference` for a short comparison).
// "cpu ms" is the process's CPU time per call (all threads): on a shared machine, where other processes
// take turns on the cores, it is what the work costs when it has the cores; "% peak" is measured by it.
'use strict';
const path = require('path');
const fs = require('fs');
const { spawnSync } = require('child_process');
const { torchEnv, torchEnvText } = require('./torch_env');

const ROOT = path.resolve(__dirname, '..', '..');
// (name, in channels, out channels, spatial size) of NoduleNet3D's conv layers at a 32^3 input.
const LAYERS = [
  ['conv1', 1, 16, 32],
  ['conv2', 16, 32, 16],
  ['conv3', 32, 64, 8],
];
const args = parseArgs(process.argv.slice(2));
const THREADS = args.threads ?? 2;
const RUNS = args.runs ?? 7;
const BATCH = 32;
/** Whether the case `name` (a layer, train_step or inference) runs: all of them unless --only lists some. */
const wanted = (name) => !args.only || args.only.includes(name);

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--threads' || a === '--runs') {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) fail(`${a} needs a positive integer`);
      out[a.slice(2)] = v;
    } else if (a === '--json') out.json = argv[++i];
    else if (a === '--no-torch') out.noTorch = true;
    else if (a === '--torch-malloc' || a.startsWith('--torch-malloc=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v !== 'glibc' && v !== 'jemalloc') fail(`--torch-malloc takes glibc (an extra, untuned column); got ${v}`);
      out.torchGlibc = v === 'glibc';
    } else if (a === '--no-models') out.noModels = true;
    else if (a === '--scaling') out.scaling = true;
    else if (a === '--scaling-grid') out.scalingGrid = argv[++i];
    else if (a === '--only') {
      out.only = String(argv[++i] ?? '')
        .split(',')
        .filter(Boolean);
      const known = [...LAYERS.map(([name]) => name), 'train_step', 'inference'];
      const bad = out.only.filter((c) => !known.includes(c));
      if (out.only.length === 0 || bad.length) fail(`--only takes a comma list of ${known.join(', ')}; got ${argv[i]}`);
    } else
      fail(
        `unknown option ${a} (expected --threads N, --runs N, --json FILE, --no-torch, --torch-malloc glibc, ` +
          '--no-models, --scaling, --scaling-grid SxB, --only CASES)',
      );
  }
  return out;
}

function fail(msg) {
  console.error(`bench: ${msg}`);
  process.exit(2);
}

/** Median wall ms and median process CPU ms (user + system, all threads) of `runs` calls after `warmup`. */
function timed(fn, runs = RUNS, warmup = 2) {
  for (let i = 0; i < warmup; i++) fn();
  const times = [],
    cpu = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e3);
  }
  const median = (v) => v.sort((a, b) => a - b)[Math.floor(v.length / 2)];
  return { ms: median(times), cpuMs: median(cpu) };
}

/**
 * FMA peak of this machine (GFLOP/s at THREADS threads) for the ISA the kernels run (`isa`), measured by
 * the native bench driver: {gflops} rated by each thread's CPU time, {wallGflops} by wall time.
 */
function fmaPeakGflops(isa) {
  const exe = path.join(ROOT, 'native', 'build', 'nodulab_bench');
  if (!fs.existsSync(exe)) return null;
  const r = spawnSync(exe, ['--peak', '--threads', String(THREADS), '--isa', isa], { encoding: 'utf8' });
  for (const line of (r.stdout || '').split('\n')) {
    try {
      const j = JSON.parse(line);
      if (j.bench === 'fma_peak') return { gflops: j.gflops, wallGflops: j.wall_gflops, accumulators: j.accumulators };
    } catch {
      /* not a JSON line */
    }
  }
  return null;
}

/** PyTorch's timings of the cases with allocator `malloc` (torch_env.js), or {note} saying why there are none. */
function torchTimings(malloc) {
  if (args.noTorch) return { note: 'skipped (--no-torch)' };
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return { note: 'PyTorch not found (apt-get install -y python3-torch)' };
  let env;
  try {
    env = torchEnv(require('@nodulab/tensor').native.getIsa().active, malloc);
  } catch (e) {
    return { note: e.message };
  }
  const cases = args.only ? [args.only.join(',')] : [];
  const r = spawnSync(
    '/usr/bin/python3',
    [path.join(__dirname, 'torch_bench.py'), String(THREADS), String(RUNS), ...cases],
    {
      encoding: 'utf8',
      env,
    },
  );
  if (r.status !== 0) return { note: `torch_bench.py failed: ${r.stderr.slice(-500)}` };
  const out = {};
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const j = JSON.parse(line);
    out[j.name] = j.ms ?? j.version;
    if (j.cpu_ms !== undefined) out[`${j.name}.cpu`] = j.cpu_ms;
  }
  return out;
}

/**
 * Row "inference.onnxruntime": the same eval-mode model exported to ONNX (BN folded) and timed in
 * onnxruntime-node (tools/bench/onnxruntime_inference.js, same threads and runs) in this run; the
 * row's `vsNodulab` is nodulab ms / onnxruntime ms (> 1: onnxruntime is faster).
 */
function onnxruntimeInference(rows, model, flop) {
  const os = require('os');
  const { saveOnnx } = require('@nodulab/onnx');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-bench-')), 'nodulenet3d.onnx');
  saveOnnx(model, file, { inputSize: [32, 32, 32] });
  const r = spawnSync(
    process.execPath,
    [path.join(__dirname, 'onnxruntime_inference.js'), file, String(THREADS), String(RUNS), `${BATCH},1,32,32,32`],
    { encoding: 'utf8' },
  );
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  if (r.status !== 0) return console.log(`onnxruntime-node: n/a (${(r.stderr || r.error || '').toString().trim()})`);
  const { ms, version } = JSON.parse(r.stdout);
  const nodulab = rows.find((row) => row.name === 'inference');
  rows.push({ name: 'inference.onnxruntime', flop, ms, vsNodulab: nodulab.ms / ms });
  console.log(
    `onnxruntime-node ${version}: NoduleNet3D inference, batch ${BATCH}, 32^3: ${ms.toFixed(1)} ms; nodulab ${nodulab.ms.toFixed(1)} ms; nodulab/onnxruntime time ratio ${(nodulab.ms / ms).toFixed(2)}`,
  );
}

function main() {
  const T = require('@nodulab/tensor');
  const nn = require('@nodulab/nn');
  T.setNumThreads(THREADS);
  const { native } = T;
  const g = new T.Generator(0);
  const rows = [];

  for (const [name, ci, co, s] of LAYERS) {
    if (!wanted(name)) continue;
    const xShape = [BATCH, ci, s, s, s],
      wShape = [co, ci, 3, 3, 3];
    const x = T.randn(xShape, g).data,
      w = T.randn(wShape, g).data;
    const one = [1, 1, 1];
    const flop = 2 * BATCH * co * s * s * s * ci * 27;
    const fwd = timed(() => native.conv3d(x, xShape, w, wShape, null, one, one, one));
    const dy = T.randn([BATCH, co, s, s, s], g).data;
    const yShape = [BATCH, co, s, s, s];
    const bwd = timed(() => {
      native.conv3dBackpropFilter(x, xShape, dy, yShape, wShape, one, one, one, false);
      if (ci > 1) native.conv3dBackpropInput(dy, yShape, w, wShape, xShape, one, one, one);
    });
    rows.push({ name: `${name}.forward`, ...fwd, flop });
    rows.push({ name: `${name}.backward`, ...bwd, flop: ci > 1 ? 2 * flop : flop });
  }

  const model = new nn.NoduleNet3D({ seed: 0 });
  const opt = new nn.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const x = T.randn([BATCH, 1, 32, 32, 32], g);
  const labels = Int32Array.from({ length: BATCH }, () => g.randint(2));
  const convFlop = LAYERS.reduce((s, [, ci, co, n]) => s + 2 * BATCH * co * n * n * n * ci * 27, 0);
  const stepFlop = 3 * convFlop - 2 * BATCH * 16 * 32 ** 3 * 27; // fwd + dW + dX (none for the image)
  if (wanted('train_step'))
    rows.push({
      name: 'train_step',
      flop: stepFlop,
      ...timed(() => {
        opt.zeroGrad();
        const loss = T.crossEntropy(model.forward(x), labels);
        loss.backward();
        opt.step();
      }),
    });
  model.eval();
  if (wanted('inference')) {
    rows.push({ name: 'inference', flop: convFlop, ...timed(() => T.noGrad(() => model.forward(x))) });
    onnxruntimeInference(rows, model, convFlop);
  }

  const isa = native.getIsa();
  const peakInfo = fmaPeakGflops(isa.active);
  const peak = peakInfo ? peakInfo.gflops : null;
  const torch = torchTimings('jemalloc');
  const glibc = args.torchGlibc ? torchTimings('glibc') : null;
  console.log(
    `nodulab bench — ${THREADS} threads, ISA ${isa.active}, median of ${RUNS} runs, batch ${BATCH}, 32^3 input`,
  );
  console.log(
    peakInfo
      ? `FMA peak (measured, ${isa.active}, ${peakInfo.accumulators} accumulators x ${THREADS} threads): ${peak.toFixed(0)} GFLOP/s by CPU time (${peakInfo.wallGflops.toFixed(0)} by wall time)`
      : 'FMA peak: n/a (native/build/nodulab_bench missing)',
  );
  const version = (t, malloc) =>
    t['torch.version'] ? `${t['torch.version']} (same run, ${torchEnvText(isa.active, malloc)})` : t.note;
  console.log(`PyTorch: ${version(torch, 'jemalloc')}`);
  if (glibc) console.log(`PyTorch (glibc column): ${version(glibc, 'glibc')}`);
  const header = ['case', 'nodulab ms', 'cpu ms', 'GFLOP/s', '% peak', 'torch ms', 'cpu ms', 'torch/nodulab', '(cpu)'];
  if (glibc) header.push('glibc ms', 'glibc/nodulab');
  const table = rows.map((r) => {
    const gflops = r.flop / r.ms / 1e6;
    // % of peak by CPU time: FLOPs per core-second against the peak per core.
    const cpuRate = r.cpuMs ? r.flop / r.cpuMs / 1e6 : null;
    const t = typeof torch[r.name] === 'number' ? torch[r.name] : null;
    const tc = typeof torch[`${r.name}.cpu`] === 'number' ? torch[`${r.name}.cpu`] : null;
    r.gflops = gflops;
    r.peakFraction = peak && cpuRate ? cpuRate / (peak / THREADS) : null;
    r.torchMs = t;
    r.torchCpuMs = tc;
    r.ratio = t ? t / r.ms : null;
    r.cpuRatio = tc && r.cpuMs ? tc / r.cpuMs : null;
    const cells = [
      r.name,
      r.ms.toFixed(1),
      r.cpuMs ? r.cpuMs.toFixed(1) : '-',
      gflops.toFixed(1),
      r.peakFraction ? (100 * r.peakFraction).toFixed(1) : '-',
      t ? t.toFixed(1) : '-',
      tc ? tc.toFixed(1) : '-',
      t ? (t / r.ms).toFixed(2) : '-',
      r.cpuRatio ? r.cpuRatio.toFixed(2) : '-',
    ];
    if (glibc) {
      const g = typeof glibc[r.name] === 'number' ? glibc[r.name] : null;
      r.torchGlibcMs = g;
      cells.push(g ? g.toFixed(1) : '-', g ? (g / r.ms).toFixed(2) : '-');
    }
    return cells;
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  for (const r of table) console.log(line(r));
  console.log(
    'GFLOP/s and % peak count direct-convolution FLOPs; 3x3x3 stride-1 convs with enough channels (AVX2: 16 each ' +
      'way and 32 on one side; AVX-512: 32 each way) run Winograd F(2,3), which does 3.4x fewer multiply-adds, so ' +
      'their "% peak" is an effective rate and can pass 100.',
  );
  const extra = modelsAndScaling(torch, glibc);
  if (args.json)
    fs.writeFileSync(
      args.json,
      JSON.stringify(
        {
          threads: THREADS,
          runs: RUNS,
          isa,
          peakGflops: peak,
          peak: peakInfo,
          torch,
          torchGlibc: glibc,
          rows,
          ...extra,
        },
        null,
        2,
      ),
    );
}

// ---- whole-model training steps and the scaling table (bench_models.js) --------------------------------
function modelsAndScaling(torch, glibc) {
  const bm = require('./bench_models');
  // The allocators PyTorch runs with in these sections: jemalloc (the fair column), and glibc when asked for.
  const mallocs = typeof torch['torch.version'] === 'string' ? ['jemalloc'] : [];
  if (mallocs.length && glibc && typeof glibc['torch.version'] === 'string') mallocs.push('glibc');
  const runs = Math.min(RUNS, 5);
  const out = {};
  if (!args.noModels && !args.only) out.models = bm.modelSection({ threads: THREADS, runs, mallocs });
  if (args.scaling || args.scalingGrid) {
    let grid = {};
    try {
      grid = args.scalingGrid ? bm.parseGrid(args.scalingGrid) : {};
    } catch (e) {
      fail(e.message);
    }
    out.scaling = bm.scalingSection({ threads: THREADS, runs: Math.min(RUNS, 3), mallocs, ...grid });
  }
  return out;
}
// ---- end whole-model training steps --------------------------------------------------------------------

main();
if (!args.only) {
  require('./event_loop_bench').printEventLoopBench(THREADS); // event-loop delay, sync vs async (own process)
  // Second section: the synthetic-data generator's volumes/s on 1 thread and THREADS workers (data_bench.js).
  require('./data_bench')
    .printDataBench(3000, THREADS)
    .catch((e) => {
      console.error(`data bench: ${e.message}`);
      process.exitCode = 1;
    });
}
