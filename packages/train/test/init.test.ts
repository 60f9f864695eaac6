// Initialising a run from a pretrained encoder: a model built with init holds the source run's embeddings
// exactly, a linear probe (fitted, or by steps with 'linear-sgd') leaves them unchanged while fine-tuning moves
// them, the new head has the target's classes, and a missing or mismatched checkpoint is a clear error before
// anything is written.
import * as fs from 'fs';
import * as path from 'path';
import { Generator, noGrad, randn } from '@nodulab/tensor';
import { preset } from '@nodulab/data';
import { ConfigError, buildNet, loadEncoder, loadRun, planStages, resolveRunConfig, train } from '../src';
import { tempDir, tinyConfig } from './helpers';

const volume = { shape: [16, 16, 16], spacing: [2, 2, 2] };
const x = randn([4, 1, 16, 16, 16], new Generator(9));

describe('init from a pretrained encoder', () => {
  const root = tempDir('init');
  const source = path.join(root, 'source');
  const checkpoint = path.join(source, 'checkpoints', 'last.safetensors');
  const gradeData = {
    spec: { ...preset('grade'), volume } as never,
    seed: 4,
    train: { n: 32 },
    val: { split: 'val', n: 16 },
  };
  const target = (mode: 'linear' | 'finetune') =>
    tinyConfig({ epochs: 1, data: gradeData, init: { checkpoint, part: 'encoder', mode }, seed: 7 });
  let before: Float32Array;

  beforeAll(async () => {
    // Supervised pretraining on the 8-class composition source task.
    const data = {
      spec: { ...preset('composition'), volume } as never,
      seed: 3,
      train: { n: 32 },
      val: { split: 'val', n: 16 },
    };
    await train(tinyConfig({ epochs: 1, data }), { outDir: source, stepThread: 'main' });
    const src = loadRun(source, 'last').net;
    before = noGrad(() => src.embed(x)).data.slice();
  });

  it('a model built with init embeds exactly as the pretrained one and has a fresh 5-class head', () => {
    const cfg = resolveRunConfig(target('finetune'));
    const net = buildNet(cfg);
    loadEncoder(net, checkpoint);
    net.model.eval();
    expect(Array.from(noGrad(() => net.embed(x)).data)).toEqual(Array.from(before));
    expect(noGrad(() => net.model.forward(x)).shape).toEqual([4, 5]);
    const scratch = buildNet(cfg);
    scratch.model.eval();
    expect(Array.from(noGrad(() => scratch.embed(x)).data)).not.toEqual(Array.from(before));
  });

  it('a linear probe keeps the encoder; fine-tuning changes it', async () => {
    const probeDir = path.join(root, 'probe');
    const s = await train(target('linear'), { outDir: probeDir, stepThread: 'main' });
    // probe.mode 'linear' (tinyConfig's): the 5-class head is fitted (softmax regression), in no steps.
    expect(s.stages).toEqual([{ name: 'probe', objective: 'logistic-regression', epochs: 1 }]);
    expect(s.globalStep).toBe(0);
    const probed = loadRun(probeDir, 'last').net;
    expect(Array.from(noGrad(() => probed.embed(x)).data)).toEqual(Array.from(before));
    const tuneDir = path.join(root, 'tune');
    await train(target('finetune'), { outDir: tuneDir, stepThread: 'main' });
    const tuned = loadRun(tuneDir, 'last').net;
    expect(Array.from(noGrad(() => tuned.embed(x)).data)).not.toEqual(Array.from(before));
  });

  it('writes the same checkpoint bytes wherever the encoder lies: the init is recorded by its content digest', async () => {
    const elsewhere = path.join(root, 'moved', 'encoder.safetensors');
    fs.mkdirSync(path.dirname(elsewhere), { recursive: true });
    fs.copyFileSync(checkpoint, elsewhere);
    const a = path.join(root, 'tune-a');
    const b = path.join(root, 'tune-b');
    await train(target('finetune'), { outDir: a, stepThread: 'main' });
    const moved = {
      ...target('finetune'),
      init: { checkpoint: elsewhere, part: 'encoder' as const, mode: 'finetune' as const },
    };
    await train(moved, { outDir: b, stepThread: 'main' });
    const last = (d: string) => fs.readFileSync(path.join(d, 'checkpoints', 'last.safetensors'));
    expect(last(a).equals(last(b))).toBe(true);
    expect(last(a).toString('latin1')).toMatch(/sha256:[0-9a-f]{64}/);
    // config.json keeps the path the user gave.
    expect(JSON.parse(fs.readFileSync(path.join(b, 'config.json'), 'utf8')).init.checkpoint).toBe(elsewhere);
  });

  it("trains the probe by steps for the run's epochs when probe.mode is 'linear-sgd'", () => {
    const cfg = resolveRunConfig({ ...target('linear'), epochs: 2, probe: { mode: 'linear-sgd' } });
    expect(planStages(cfg).map((p) => [p.name, p.objective.name, p.epochs, p.fitted])).toEqual([
      ['probe', 'linear-probe', 2, false],
    ]);
  });

  it('rejects a missing checkpoint before writing anything, and a mismatched one naming the file', async () => {
    const out = path.join(root, 'missing');
    const bad = { ...target('finetune'), init: { checkpoint: path.join(root, 'nope.safetensors') } };
    await expect(train(bad, { outDir: out })).rejects.toThrow(ConfigError);
    await expect(train(bad, { outDir: out })).rejects.toThrow(/init\.checkpoint: .*nope\.safetensors does not exist/);
    expect(fs.existsSync(out)).toBe(false);
    const wide = buildNet(resolveRunConfig({ ...target('finetune'), model: { options: { widthMultiplier: 0.5 } } }));
    expect(() => loadEncoder(wide, checkpoint)).toThrow(/init\.checkpoint .*last\.safetensors: .*shape/);
    expect(() => resolveRunConfig({ ...target('linear'), loss: 'simclr' })).toThrow(
      /init\.mode: 'linear' applies to the ce loss/,
    );
  });
});
