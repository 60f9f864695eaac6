// `npm run bench` sections for whole-model training steps, each run in a fresh child process (nodulab:
// model_step.js, PyTorch: torch_models.py) so the peak resident memory printed is that step's own:
// - models: ResNet3D-10 and UNet3D (32^3 and 64^3) beside PyTorch (always);
// - scaling (`--scaling`): NoduleNet3D at 32^3, 64^3, 96^3 x batch 1, 8, 32, time and peak RSS per step.
'use strict';
const path = require('path');
const { spawnSync } = require('child_process');

/** (label, model, size, batch) of the model rows. */
const MODEL_CASES = [
  ['resnet3d10 32^3 b8', 'resnet3d10', 32, 8],
  ['unet3d 32^3 b8', 'unet3d', 32, 8],
  ['unet3d 64^3 b2', 'unet3d', 64, 2],
];
const SCALING_SIZES = [32, 64, 96];
const SCALING_BATCHES = [1, 8, 32];

/**
 * The environment that holds PyTorch to the vector ISA nodulab runs (NODULAB_ISA or the best detected),
 * so a ratio compares like with like: ATen's kernels (ATEN_CPU_CAPABILITY) and oneDNN's
 * (ONEDNN_MAX_CPU_ISA; DNNL_ for older builds). Nothing is capped for avx512.
 */
function torchIsaEnv(isa) {
  const caps = { avx2: ['avx2', 'AVX2'], scalar: ['default', 'SSE41'] }[isa];
  if (!caps) return process.env;
  return { ...process.env, ATEN_CPU_CAPABILITY: caps[0], ONEDNN_MAX_CPU_ISA: caps[1], DNNL_MAX_CPU_ISA: caps[1] };
}

function activeIsa() {
  return require('@nodulab/tensor').native.getIsa().active;
}

/** Runs one child; returns {ms, maxRssMb} or {error}. */
function runChild(cmd, argv) {
  const env = cmd === process.execPath ? process.env : torchIsaEnv(activeIsa());
  const r = spawnSync(cmd, argv, { encoding: 'utf8', cwd: __dirname, env });
  if (r.status !== 0) {
    const why = (r.stderr || '').trim().split('\n').pop() || (r.signal ? `killed by ${r.signal}` : `exit ${r.status}`);
    return { error: why };
  }
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop());
  } catch {
    return { error: 'no result line' };
  }
}

/** nodulab and (when `torch`) PyTorch for one (model, size, batch); each side in its own process. */
function measure(model, size, batch, threads, runs, torch) {
  const args = [model, String(size), String(batch), String(threads), String(runs)];
  const nodulab = runChild(process.execPath, [path.join(__dirname, 'model_step.js'), ...args]);
  const pt = torch ? runChild('/usr/bin/python3', [path.join(__dirname, 'torch_models.py'), ...args]) : null;
  return { model, size, batch, nodulab, torch: pt };
}

function fmt(r, key, digits = 1) {
  if (!r) return '-';
  return r.error ? 'failed' : r[key].toFixed(digits);
}

function printTable(title, rows, label) {
  const header = ['case', 'nodulab ms', 'cpu ms', 'MB', 'torch ms', 'cpu ms', 'MB', 'torch/nodulab', '(cpu)'];
  const both = (r) => r.torch && !r.torch.error && !r.nodulab.error;
  const cells = rows.map((r) => [
    label(r),
    fmt(r.nodulab, 'ms'),
    fmt(r.nodulab, 'cpuMs'),
    fmt(r.nodulab, 'maxRssMb', 0),
    fmt(r.torch, 'ms'),
    fmt(r.torch, 'cpuMs'),
    fmt(r.torch, 'maxRssMb', 0),
    both(r) ? (r.torch.ms / r.nodulab.ms).toFixed(2) : '-',
    both(r) ? (r.torch.cpuMs / r.nodulab.cpuMs).toFixed(2) : '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => c.map((s, i) => (i === 0 ? s.padEnd(widths[i]) : s.padStart(widths[i]))).join('  ');
  console.log(title);
  console.log(line(header));
  for (const c of cells) console.log(line(c));
  for (const r of rows)
    for (const side of ['nodulab', 'torch'])
      if (r[side] && r[side].error) console.log(`  ${label(r)} ${side}: ${r[side].error}`);
}

/** Training steps of ResNet3D-10 and UNet3D, nodulab beside PyTorch; prints the table, returns the rows. */
function modelSection({ threads, runs, torch }) {
  const rows = MODEL_CASES.map(([label, model, size, batch]) => ({
    label,
    ...measure(model, size, batch, threads, runs, torch),
  }));
  printTable(
    `Training steps (SGD momentum; median of ${runs}; MB: peak RSS of a fresh process per case; ${threads} threads)`,
    rows,
    (r) => r.label,
  );
  return rows;
}

/**
 * NoduleNet3D training step over volume sizes x batch sizes (grid: {sizes, batches}); prints time and
 * peak RSS per step beside PyTorch, and how time grows with voxels per step.
 */
function scalingSection({ threads, runs, torch, sizes = SCALING_SIZES, batches = SCALING_BATCHES }) {
  const rows = [];
  for (const size of sizes)
    for (const batch of batches) rows.push(measure('nodulenet3d', size, batch, threads, runs, torch));
  printTable(
    `Scaling: NoduleNet3D training step, size^3 x batch (median of ${runs}; MB: peak RSS; ${threads} threads)`,
    rows,
    (r) => `${r.size}^3 b${r.batch}`.padEnd(9),
  );
  // CPU time per voxel, relative to the smallest working set that ran: 1.0 = linear in voxels x batch.
  const ok = rows.filter((r) => !r.nodulab.error);
  if (ok.length) {
    const perVox = (r, side) => r[side].cpuMs / (r.batch * r.size ** 3);
    const base = perVox(ok[0], 'nodulab');
    const tb = ok[0].torch && !ok[0].torch.error ? perVox(ok[0], 'torch') : null;
    console.log(`CPU time per voxel relative to ${ok[0].size}^3 b${ok[0].batch} (1.00 = linear in voxels x batch):`);
    for (const r of ok)
      console.log(
        `  ${`${r.size}^3 b${r.batch}`.padEnd(9)} nodulab ${(perVox(r, 'nodulab') / base).toFixed(2)}` +
          (tb && r.torch && !r.torch.error ? `  torch ${(perVox(r, 'torch') / tb).toFixed(2)}` : ''),
      );
  }
  return rows;
}

/** Parses "--scaling-grid 32,64x1,8" into {sizes, batches}. */
function parseGrid(s) {
  const m = /^([\d,]+)x([\d,]+)$/.exec(s || '');
  const list = (t) => t.split(',').map(Number);
  if (!m || [...list(m[1]), ...list(m[2])].some((v) => !Number.isInteger(v) || v < 1))
    throw new Error(`--scaling-grid must look like 32,64,96x1,8,32 (sizes x batches), got ${s}`);
  return { sizes: list(m[1]), batches: list(m[2]) };
}

module.exports = { modelSection, scalingSection, parseGrid, torchIsaEnv, MODEL_CASES };
