// `nodulab train`: trains a nodule classifier with cross-entropy, SupCon (two-stage or joint) or SimCLR
// from a JSON run config and/or options; a progress bar on a terminal, run folder with config,
// log.jsonl, checkpoints and summary; --resume continues a stopped run exactly; Ctrl-C stops cleanly.
import * as fs from 'fs';
import { parseJsonBounded } from '@nodulab/platform';
import {
  ConfigError,
  LOSSES,
  OPTIMIZERS,
  PROBE_MODES,
  RunConfigInput,
  RunSummary,
  TRAIN_MODEL_KINDS,
  TrainProgress,
  train,
} from '@nodulab/train';
import { PRESET_NAMES } from '@nodulab/data';
import { UsageError } from '../args';
import type { Command } from '../command';
import { timestampedOut } from '../output';
import { ProgressBar } from '../progress';
import { DEVICE_OPTION, selectDevice } from '../device';

const OPTIONS = {
  config: { type: 'string', description: 'run config .json (options below override its fields)' },
  loss: { type: 'string', description: 'training objective', choices: LOSSES },
  model: { type: 'string', description: 'model', choices: TRAIN_MODEL_KINDS },
  width: { type: 'number', description: 'NoduleNet3D width multiplier' },
  spec: { type: 'string', description: `dataset preset (${PRESET_NAMES.join(', ')}) or spec .json file` },
  'n-train': { type: 'integer', description: 'training samples', min: 1 },
  'n-val': { type: 'integer', description: 'validation samples', min: 1 },
  epochs: { type: 'integer', description: 'epochs of ce / supcon-joint', min: 1 },
  'pretrain-epochs': { type: 'integer', description: 'contrastive pretraining epochs (supcon, simclr, moco)', min: 1 },
  probe: {
    type: 'string',
    description: 'second stage of supcon / simclr / moco (linear: logistic regression fitted to convergence)',
    choices: PROBE_MODES,
  },
  'probe-epochs': { type: 'integer', description: 'epochs of the linear-sgd probe / fine-tuning', min: 1 },
  'batch-size': { type: 'integer', description: 'batch size', min: 2 },
  optimizer: { type: 'string', description: 'optimizer', choices: OPTIMIZERS },
  lr: { type: 'number', description: 'learning rate' },
  temperature: { type: 'number', description: 'SupCon / NT-Xent temperature' },
  seed: { type: 'integer', description: 'run seed (init, data order, augmentation)', min: 0 },
  threads: { type: 'integer', description: 'kernel threads', min: 1 },
  device: DEVICE_OPTION,
  prefetch: {
    type: 'integer',
    description: 'training batches prepared ahead in a worker thread (0: none; results are identical)',
    default: 2,
    min: 0,
  },
  out: { type: 'string', description: 'run folder (default runs/<loss>-s<seed>-<time>)' },
  resume: { type: 'boolean', description: 'continue the run in --out from its last checkpoint' },
} as const;

/** The config from --config with the options laid over it. */
function configFrom(o: Record<string, unknown>): { input: RunConfigInput; given: boolean } {
  let input: Record<string, unknown> = {};
  if (o.config !== undefined) {
    const file = o.config as string;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read --config ${file}: ${(e as Error).message}`);
    }
    try {
      input = parseJsonBounded(text, file) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError([(e as Error).message]);
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input))
      throw new ConfigError([`${file}: must hold a JSON object`]);
  }
  const obj = (k: string): Record<string, unknown> => {
    const v = input[k];
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? { ...(v as object) } : {};
  };
  const set = (flag: string, apply: (v: unknown) => void): void => {
    if (o[flag] !== undefined) apply(o[flag]);
  };
  let given = o.config !== undefined;
  const mark = (flag: string, apply: (v: unknown) => void): void => set(flag, (v) => ((given = true), apply(v)));
  const model = obj('model');
  const data = obj('data');
  const probe = obj('probe');
  const optimizer = obj('optimizer');
  mark('loss', (v) => (input.loss = v));
  mark('model', (v) => (model.kind = v));
  mark('width', (v) => (model.options = { ...((model.options as object) ?? {}), widthMultiplier: v }));
  mark('spec', (v) => (data.spec = v));
  mark('n-train', (v) => (data.train = { ...((data.train as object) ?? {}), n: v }));
  mark('n-val', (v) => (data.val = { ...((data.val as object) ?? {}), n: v }));
  mark('epochs', (v) => (input.epochs = v));
  mark('pretrain-epochs', (v) => (input.pretrainEpochs = v));
  mark('probe', (v) => (probe.mode = v));
  mark('probe-epochs', (v) => (probe.epochs = v));
  mark('batch-size', (v) => (input.batchSize = v));
  mark('optimizer', (v) => (optimizer.name = v));
  mark('lr', (v) => (optimizer.lr = v));
  mark('temperature', (v) => (input.temperature = v));
  mark('seed', (v) => (input.seed = v));
  mark('threads', (v) => (input.threads = v));
  for (const [k, v] of [
    ['model', model],
    ['data', data],
    ['probe', probe],
    ['optimizer', optimizer],
  ] as const) {
    if (Object.keys(v).length > 0) input[k] = v;
  }
  return { input: input as RunConfigInput, given };
}

function defaultOut(input: RunConfigInput): string {
  return timestampedOut(`${input.loss ?? 'ce'}-s${input.seed ?? 0}`);
}

function fmt(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(3);
}

/** Draws the bar in samples (so its rate is samples/s) with epoch, step and loss, and prints a line per epoch. */
function progressReporter(): { onProgress: (p: TrainProgress) => void; finish: () => void } {
  let bar: ProgressBar | null = null;
  let samples0 = 0;
  const tty = Boolean(process.stderr.isTTY);
  return {
    onProgress(p) {
      if (!bar) {
        samples0 = p.kind === 'step' ? p.samplesSeen - p.totalSamples / p.totalSteps : p.samplesSeen;
        bar = new ProgressBar('train', p.totalSamples - samples0);
      }
      const where = `${p.stage} epoch ${p.epoch}/${p.epochs}`;
      if (p.kind === 'step') {
        bar.update(p.samplesSeen - samples0, `${where} step ${p.step}/${p.steps} loss ${p.loss.toFixed(4)}`);
        return;
      }
      const v = p.val;
      const metrics =
        v?.accuracy !== undefined
          ? ` acc ${fmt(v.accuracy)} auroc ${fmt(v.auroc)}`
          : v?.dice !== undefined
            ? ` dice ${fmt(v.dice)} hd95 ${fmt(v.hd95)} mm`
            : '';
      process.stderr.write(
        `${tty ? '\r\x1b[K' : ''}${where}: train loss ${p.loss.toFixed(4)}, val loss ${fmt(v?.loss)}${metrics}, ${p.samplesPerSec.toFixed(1)} samples/s\n`,
      );
    },
    finish() {
      bar?.finish();
    },
  };
}

function report(s: RunSummary): string {
  const lines = [
    `${s.status === 'completed' ? 'trained' : 'stopped'} ${s.loss} (${s.stages.map((x) => `${x.name} ${x.epochs} epochs`).join(', ')}), seed ${s.seed}: ${s.globalStep} steps, ${s.seconds.toFixed(1)} s`,
  ];
  if (s.final)
    lines.push(
      `  last epoch: val loss ${fmt(s.final.loss)}${s.final.accuracy !== undefined ? `, accuracy ${fmt(s.final.accuracy)}, balanced accuracy ${fmt(s.final.balancedAccuracy)}, AUROC ${fmt(s.final.auroc)}` : ''}${s.final.dice !== undefined ? `, Dice ${fmt(s.final.dice)}, HD95 ${fmt(s.final.hd95)} mm` : ''}`,
    );
  if (s.best)
    lines.push(`  best: ${s.stages[s.best.stage].name} epoch ${s.best.epoch}, ${s.best.metric} ${fmt(s.best.value)}`);
  lines.push(
    `  run folder ${s.outDir}: config.json, log.jsonl, summary.json, checkpoints/last.safetensors${s.checkpoints.best ? ', checkpoints/best.safetensors' : ''}`,
  );
  if (s.status !== 'completed') lines.push(`  continue with: nodulab train --resume --out ${s.outDir}`);
  return lines.join('\n') + '\n';
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a nodule classifier (ce, supcon, supcon-joint, simclr, moco) with checkpoints, logs and --resume',
  options: OPTIONS,
  async run(o) {
    selectDevice(o.device);
    const resume = o.resume === true;
    if (resume && o.out === undefined) throw new UsageError('--resume needs --out <run folder>');
    let summary: RunSummary;
    const ac = new AbortController();
    const onSignal = (): void => ac.abort();
    try {
      const { input, given } = configFrom(o);
      const outDir = (o.out as string | undefined) ?? defaultOut(input);
      const reporter = progressReporter();
      process.once('SIGINT', onSignal);
      try {
        summary = await train(resume && !given ? null : input, {
          outDir,
          resume,
          prefetch: o.prefetch as number,
          onProgress: reporter.onProgress,
          signal: ac.signal,
        });
      } finally {
        reporter.finish();
      }
    } catch (e) {
      if (e instanceof ConfigError) {
        process.stderr.write(`nodulab train: ${e.message}\n`);
        return 2;
      }
      throw e;
    } finally {
      process.removeListener('SIGINT', onSignal);
    }
    process.stdout.write(report(summary));
    return summary.status === 'completed' ? 0 : 130;
  },
};
