// The bench's model-step children and helpers (tools/bench): a real training step in a child process
// reports time and peak memory, bad arguments exit 2 naming the input, the scaling grid parses, and
// PyTorch is held to the ISA nodulab runs, with jemalloc preloaded by default; the event-loop and memory
// benches run a worker-thread step.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const benchModels = require('../../tools/bench/bench_models.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const torchEnv = require('../../tools/bench/torch_env.js');
const STEP = path.join(__dirname, '..', '..', 'tools', 'bench', 'model_step.js');

describe('tools/bench model_step.js', () => {
  it.each([['nodulenet3d'], ['resnet3d10'], ['unet3d']])(
    '%s: one training step at 8^3 reports ms and peak RSS',
    (model) => {
      const r = spawnSync(process.execPath, [STEP, model, '8', '2', '1', '1'], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const out = JSON.parse(r.stdout.trim());
      expect(out.ms).toBeGreaterThan(0);
      expect(out.maxRssMb).toBeGreaterThan(10);
    },
  );

  it('exits 2 naming a bad model or size', () => {
    const bad = spawnSync(process.execPath, [STEP, 'vgg', '8', '2'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/model must be one of nodulenet3d, resnet3d10, unet3d, got vgg/);
    const size = spawnSync(process.execPath, [STEP, 'unet3d', '0', '2'], { encoding: 'utf8' });
    expect(size.status).toBe(2);
    expect(size.stderr).toMatch(/size must be a positive integer, got 0/);
  });
});

describe('tools/bench helpers', () => {
  it('parses a scaling grid and rejects a malformed one', () => {
    expect(benchModels.parseGrid('32,64x1,8')).toEqual({ sizes: [32, 64], batches: [1, 8] });
    expect(() => benchModels.parseGrid('32,64')).toThrow(/--scaling-grid must look like/);
    expect(() => benchModels.parseGrid('0x1')).toThrow(/--scaling-grid/);
  });

  it('holds PyTorch to AVX2 when nodulab runs AVX2, and caps nothing for AVX-512', () => {
    const env = torchEnv.torchEnv('avx2', 'glibc');
    expect([env.ATEN_CPU_CAPABILITY, env.ONEDNN_MAX_CPU_ISA]).toEqual(['avx2', 'AVX2']);
    expect(torchEnv.torchEnv('avx512', 'glibc').ONEDNN_MAX_CPU_ISA).toBe(process.env.ONEDNN_MAX_CPU_ISA);
  });

  it('preloads jemalloc without decay by default, and glibc preloads nothing', () => {
    const fair = () => torchEnv.torchEnv('avx512');
    if (fs.existsSync(torchEnv.JEMALLOC)) {
      expect([fair().LD_PRELOAD, fair().MALLOC_CONF]).toEqual([
        '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2',
        'dirty_decay_ms:-1,muzzy_decay_ms:-1',
      ]);
    } else expect(fair).toThrow(/libjemalloc\.so\.2 is missing: apt-get install -y libjemalloc2/);
    const untuned = torchEnv.torchEnv('avx512', 'glibc');
    expect([untuned.LD_PRELOAD, untuned.MALLOC_CONF]).toEqual([undefined, undefined]);
    expect(() => torchEnv.torchEnv('avx512', 'tcmalloc')).toThrow(/must be one of jemalloc, glibc, got tcmalloc/);
  });

  it('bench.js --only and profile_step.js --model exit 2 naming the bad value', () => {
    const bench = path.join(__dirname, '..', '..', 'tools', 'bench', 'bench.js');
    const only = spawnSync(process.execPath, [bench, '--only', 'conv3,conv9', '--no-torch'], { encoding: 'utf8' });
    expect(only.status).toBe(2);
    expect(only.stderr).toMatch(
      /--only takes a comma list of conv1, conv2, conv3, train_step, inference; got conv3,conv9/,
    );
    const malloc = spawnSync(process.execPath, [bench, '--torch-malloc=tcmalloc'], { encoding: 'utf8' });
    expect(malloc.status).toBe(2);
    expect(malloc.stderr).toMatch(/--torch-malloc takes glibc \(an extra, untuned column\); got tcmalloc/);
    const profile = path.join(__dirname, '..', '..', 'tools', 'bench', 'profile_step.js');
    const model = spawnSync(process.execPath, [profile, '--model', 'vgg'], { encoding: 'utf8' });
    expect(model.status).toBe(2);
    expect(model.stderr).toMatch(/--model must be nodulenet3d or resnet3d10/);
  });
});

describe('tools/bench event_loop_bench.js and memory_bench.js', () => {
  const bench = (name: string) => path.join(__dirname, '..', '..', 'tools', 'bench', name);
  it('event_loop_bench measures training on the JS thread and on the worker thread, and inference both ways', () => {
    const r = spawnSync(
      process.execPath,
      [bench('event_loop_bench.js'), '--steps', '2', '--batch', '2', '--size', '8'],
      {
        encoding: 'utf8',
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const row of ['train step, JS thread', 'train step, worker thread', 'inference, ForwardWorker'])
      expect(r.stdout).toMatch(new RegExp(`^${row}\\s+[0-9.]+\\s+[0-9.]+`, 'm'));
  });
  it('memory_bench trains on the worker thread and reports RSS per step', () => {
    const r = spawnSync(
      process.execPath,
      [bench('memory_bench.js'), '--steps', '3', '--batch', '2', '--size', '8', '--thread', 'worker'],
      { encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/RSS growth over steps \d+\.\.3: -?[0-9.]+ MiB/);
  });
});
