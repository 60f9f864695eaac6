// `npm run bench` sections for whole-model training steps, each run in a fresh child process (nodulab:
// model_step.js, PyTorch: torch_models.py) so the peak resident memory printed is that step's own:
// - models: ResNet3D-10 and UNet3D (32^3 and 64^3) beside PyTorch (always);
// - scaling (`--scaling`): NoduleNet3D at 32^3, 64^3, 96^3 x batch 1, 8, 32, time and peak RSS per step.
'use strict';
const path = require('path');
const { spawnSync } = require('child_process');
const { torchEnv } = require('./torch_env');

/** (label, model, size, batch) of the model rows. */
const MODEL_CASES = [
  ['resnet3d10 32^3 b8', 'resnet3d10', 32, 8],
  ['unet3d 32^3 b8', 'unet3d', 32, 8],
  ['unet3d 64^3 b2', 'unet3d', 64, 2],
];
const SCALING_SIZES = [32, 64, 96];
const SCALING_BATCHES = [1, 8, 32];

function activeIsa() {
  return require('@nodulab/tensor').native.getIsa().active;
}

/** Runs one child (PyTorch with allocator `malloc`); returns {ms, maxRssMb} or {error}. */
function runChild(cmd, argv, malloc) {
  let env = process.env;
  if (cmd !== process.execPath)
    try {
      env = torchEnv(activeIsa(), malloc);
    } catch (e) {
      return { error: e.message };
    }
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

/**
 * nodulab and PyTorch (with each allocator of `mallocs`: jemalloc first, then glibc when asked for) for one
 * (model, size, batch); each side in its own process.
 */
function measure(model, size, batch, threads, runs, mallocs) {
  const args = [model, String(size), String(batch), String(threads), String(runs)];
  const nodulab = runChild(process.execPath, [path.join(__dirname, 'model_step.js'), ...args]);
  const pt = (malloc) =>
    mallocs.includes(malloc)
      ? runChild('/usr/bin/python3', [path.join(__dirname, 'torch_models.py'), ...args], malloc)
      : null;
  return { model, size, batch, nodulab, torch: pt('jemalloc'), torchGlibc: pt('glibc') };
}

function fmt(r, key, digits = 1) {
  if (!r) return '-';
  return r.error ? 'failed' : r[key].toFixed(digits);
}

function printTable(title, rows, label) {
  const header = ['case', 'nodulab ms', 'cpu ms', 'MB', 'torch ms', 'cpu ms', 'MB', 'torch/nodulab', '(cpu)'];
  const glibc = rows.some((r) => r.torchGlibc);
  if (glibc) header.push('glibc ms', 'glibc/nodulab');
  const ok = (r, side) => r[side] && !r[side].error && !r.nodulab.error;
  const cells = rows.map((r) => [
    label(r),
    fmt(r.nodulab, 'ms'),
    fmt(r.nodulab, 'cpuMs'),
    fmt(r.nodulab, 'maxRssMb', 0),
    fmt(r.torch, 'ms'),
    fmt(r.torch, 'cpuMs'),
    fmt(r.torch, 'maxRssMb', 0),
    ok(r, 'torch') ? (r.torch.ms / r.nodulab.ms).toFixed(2) : '-',
    ok(r, 'torch') ? (r.torch.cpuMs / r.nodulab.cpuMs).toFixed(2) : '-',
    ...(glibc
      ? [fmt(r.torchGlibc, 'ms'), ok(r, 'torchGlibc') ? (r.torchGlibc.ms / r.nodulab.ms).toFixed(2) : '-']
      : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => c.map((s, i) => (i === 0 ? s.padEnd(widths[i]) : s.padStart(widths[i]))).join('  ');
  console.log(title);
  console.log(line(header));
  for (const c of cells) console.log(line(c));
  for (const r of rows)
    for (const side of ['nodulab', 'torch', 'torchGlibc'])
      if (r[side] && r[side].error) console.log(`  ${label(r)} ${side}: ${r[side].error}`);
}

/** Training steps of ResNet3D-10 and UNet3D, nodulab beside PyTorch; prints the table, returns the rows. */
function modelSection({ threads, runs, mallocs }) {
  const rows = MODEL_CASES.map(([label, model, size, batch]) => ({
    label,
    ...measure(model, size, batch, threads, runs, mallocs),
  }));
  printTable(
    `Training steps (SGD momentum; median of ${runs}; MB: peak RSS of a fresh process per case; ${threads} threads; ` +
      'PyTorch with jemalloc)',
    rows,
    (r) => r.label,
  );
  return rows;
}

/**
 * NoduleNet3D training step over volume sizes x batch sizes (grid: {sizes, batches}); prints time and
 * peak RSS per step beside PyTorch, and how time grows with voxels per step.
 */
function scalingSection({ threads, runs, mallocs, sizes = SCALING_SIZES, batches = SCALING_BATCHES }) {
  const rows = [];
  for (const size of sizes)
    for (const batch of batches) rows.push(measure('nodulenet3d', size, batch, threads, runs, mallocs));
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

module.exports = { modelSection, scalingSection, parseGrid, MODEL_CASES };
