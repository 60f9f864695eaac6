// `nodulab study [name]`: runs a study (default loss-generalization) — every loss x seed trained,
// tested under shift and analysed — into runs/<id>/ with report.html, metrics.json/.csv, checkpoints
// and the resolved study.json. A malformed spec exits 2 and writes nothing; the folder is locked while
// written and appears only when the study completes (<out>.partial until then).
import * as fs from 'fs';
import * as path from 'path';
import { parseJsonBounded } from '@nodulab/platform';
import {
  BUILTIN_STUDY_NAMES,
  LossGeneralizationEvent,
  StudyResults,
  StudySpec,
  StudySpecError,
  builtinStudy,
  fmtCI,
  quickStudy,
  resolveStudySpec,
  runLossGeneralization,
  withSeeds,
} from '@nodulab/study';
import { UsageError } from '../args';
import { DEVICE_OPTION, selectDevice } from '../device';
import type { Command } from '../command';
import { ProgressBar } from '../progress';
import { checkNewOut, timestampedOut, withLockedOut } from '../output';
import { runHardSamplesCommand } from './study_hard_samples';
import { runLearnabilityCommand } from './study_learnability';
import { runPretrainingCommand } from './study_pretraining';
import { runCalibrationOodCommand } from './study_calibration_ood';
import { runQueuedStudy } from './study_queue';

const OPTIONS = {
  spec: { type: 'string', description: 'study spec .json (instead of a built-in study)' },
  quick: {
    type: 'boolean',
    description: 'every stage at toy size: 16^3, 1 seed, 2 epochs per stage, with the control arm (~15 s)',
  },
  seeds: { type: 'integer', description: 'number of seeds (0..N-1), overrides the spec', min: 1 },
  threads: { type: 'integer', description: 'kernel threads', min: 1 },
  device: DEVICE_OPTION,
  out: { type: 'string', description: 'study folder (default runs/<study>-<time>)' },
  'ood-layer': {
    type: 'string',
    description:
      'calibration-ood: the layer (forward-hook name) whose spectral signature scores OOD (default bottleneck)',
  },
  'ood-k': {
    type: 'integer',
    description: 'calibration-ood: k of the k-NN distance to the training signatures (default 1, the nearest)',
    min: 1,
  },
  queue: {
    type: 'string',
    description: 'redis://host:port: put each run on this BullMQ queue for `nodulab worker`s (default: run in-process)',
  },
  results: {
    type: 'string',
    description: 'with --queue: shared folder the workers write run folders into (default runs/queue-results)',
  },
} as const;

/** The user's study input: a built-in by name or a spec file, with --quick/--seeds/--threads laid over. */
function studyInput(o: Record<string, unknown>, positionals: string[]): Record<string, unknown> {
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
  if (positionals.length === 1 && o.spec !== undefined)
    throw new UsageError('give either a built-in study name or --spec, not both');
  let input: Record<string, unknown>;
  if (o.spec !== undefined) {
    const file = o.spec as string;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read --spec ${file}: ${(e as Error).message}`);
    }
    let doc: unknown;
    try {
      doc = parseJsonBounded(text, file);
    } catch (e) {
      throw new StudySpecError([(e as Error).message]);
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
      throw new StudySpecError([`${file}: must hold a JSON object`]);
    input = doc as Record<string, unknown>;
  } else {
    const name = positionals[0] ?? 'loss-generalization';
    if (!BUILTIN_STUDY_NAMES.includes(name))
      throw new UsageError(
        `unknown study '${name}' (built-in: ${BUILTIN_STUDY_NAMES.join(', ')}, learnability, hard-samples, pretraining-robustness, calibration-ood; or --spec file.json)`,
      );
    input = builtinStudy(name);
  }
  if (o.quick) input = quickStudy(input);
  if (o.seeds !== undefined) input = withSeeds(input, o.seeds as number);
  if (o.threads !== undefined) input = { ...input, threads: o.threads };
  return input;
}

/** A bar over all models' training steps, and a line per phase and per finished model. */
function reporter(): { onEvent: (e: LossGeneralizationEvent) => void; finish: () => void } {
  const tty = Boolean(process.stderr.isTTY);
  let bar: ProgressBar | null = null;
  const clear = (): string => (tty ? '\r\x1b[K' : '');
  return {
    onEvent(e) {
      if (e.kind === 'phase') process.stderr.write(`${clear()}${e.message}\n`);
      else if (e.kind === 'run-start') bar = null;
      else if (e.kind === 'train') {
        const p = e.progress;
        bar ??= new ProgressBar(`[${e.index}/${e.total}] train`, p.totalSteps);
        bar.update(
          p.globalStep,
          `${p.stage} epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(4)} ${p.samplesPerSec.toFixed(0)} samples/s`,
        );
      } else if (e.kind === 'run-end')
        process.stderr.write(
          e.arm === 'control'
            ? `${clear()}[${e.index}/${e.total}] ${e.loss} seed ${e.seed} control: trained and tested without the shortcut in ${e.seconds.toFixed(1)} s\n`
            : `${clear()}[${e.index}/${e.total}] ${e.loss} seed ${e.seed}: trained, tested and analysed in ${e.seconds.toFixed(1)} s\n`,
        );
    },
    finish() {
      if (tty) process.stderr.write('\r\x1b[K');
    },
  };
}

/** What ran, the headline table (balanced accuracy per test set, flip rates) and where the files are. */
export function studyReport(r: StudyResults, outDir: string): string {
  const lines: string[] = [];
  lines.push(
    `study ${r.study}: ${r.losses.length} losses (${r.losses.join(', ')}) x ${r.seeds.length} seeds (${r.seeds.join(', ')}) = ${r.runs.length} models in ${r.seconds.toFixed(1)} s`,
  );
  lines.push(`test sets: ${r.testSets.map((t) => `${t.name} (${t.spec}/${t.split}, n=${t.n})`).join(', ')}`);
  const c = r.control;
  if (c.enabled)
    lines.push(
      c.passed
        ? `iid control passed: every loss reached ${c.minBalancedAccuracy} balanced accuracy without the shortcut`
        : `iid control FAILED: ${c.failing.map((l) => `${l} ${fmtCI(c.summary[l]?.balancedAccuracy)}`).join(', ')} below ${c.minBalancedAccuracy} balanced accuracy without the shortcut`,
    );
  const tests = r.testSets.map((t) => t.name);
  const w = Math.max(8, ...r.losses.map((l) => l.length)) + 2;
  const col = 26;
  lines.push('');
  lines.push(`balanced accuracy, mean [95% CI] over seeds`);
  lines.push('loss'.padEnd(w) + tests.map((t) => t.padEnd(col)).join(''));
  for (const l of r.losses)
    lines.push(
      l.padEnd(w) + tests.map((t) => fmtCI(r.summary.performance[l]?.[t]?.balancedAccuracy).padEnd(col)).join(''),
    );
  const factors = r.analysis.factors.map((f) => f.name);
  lines.push('');
  lines.push(`counterfactual flip rate on ${r.analysis.testSet} (only that factor changed)`);
  lines.push('loss'.padEnd(w) + factors.map((f) => f.padEnd(col)).join(''));
  for (const l of r.losses)
    lines.push(
      l.padEnd(w) + factors.map((f) => fmtCI(r.summary.counterfactual[l]?.[f]?.flipRate).padEnd(col)).join(''),
    );
  lines.push('');
  lines.push(
    `Grad-CAM share inside the nodule: ${r.losses.map((l) => `${l} ${fmtCI(r.summary.saliency[l]?.insideShare)}`).join(', ')}`,
  );
  lines.push('');
  lines.push('findings');
  for (const f of r.claims) lines.push(`  ${f.verdict.padEnd(15)} ${f.claim}`);
  lines.push('');
  lines.push(`report: ${path.join(outDir, r.files.report)}`);
  lines.push(
    `also: ${path.join(outDir, r.files.metricsJson)}, ${path.join(outDir, r.files.metricsCsv)}, ${path.join(outDir, r.files.study)}, ${path.join(outDir, 'runs')}/ (checkpoints, predictions/)`,
  );
  return lines.join('\n') + '\n';
}

export const studyCommand: Command = {
  name: 'study',
  summary: `run a study (${BUILTIN_STUDY_NAMES.join(', ')}, learnability, hard-samples, pretraining-robustness, calibration-ood or --spec): losses x seeds, tests under shift, features used, report.html`,
  positionals: '[study]',
  options: OPTIONS,
  async run(o, positionals) {
    selectDevice(o.device);
    for (const name of ['ood-layer', 'ood-k'])
      if (o[name] !== undefined && positionals[0] !== 'calibration-ood')
        throw new UsageError(`--${name} applies to the calibration-ood study only`);
    if (positionals[0] === 'hard-samples' && positionals.length === 1) return runHardSamplesCommand(o);
    if (positionals[0] === 'learnability' && positionals.length === 1) return runLearnabilityCommand(o);
    if (positionals[0] === 'pretraining-robustness' && positionals.length === 1) return runPretrainingCommand(o);
    if (positionals[0] === 'calibration-ood' && positionals.length === 1) return runCalibrationOodCommand(o);
    let study: StudySpec;
    try {
      study = resolveStudySpec(studyInput(o, positionals));
    } catch (e) {
      if (e instanceof StudySpecError) {
        process.stderr.write(`nodulab study: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
    const outDir = (o.out as string | undefined) ?? timestampedOut(`${study.name}${o.quick ? '-quick' : ''}`);
    checkNewOut(outDir);
    if (o.results !== undefined && o.queue === undefined) throw new UsageError('--results needs --queue');
    if (o.queue !== undefined) {
      const queued = await runQueuedStudy(study, o.queue as string, o.results as string | undefined, outDir);
      if (typeof queued === 'number') return queued;
      process.stdout.write(studyReport(queued, outDir));
      return 0;
    }
    const results = await withLockedOut(outDir, async (signal) => {
      const rep = reporter();
      try {
        process.stderr.write(
          `study ${study.name}: ${study.losses.map((l) => l.name).join(', ')} x seeds ${study.seeds.join(', ')} -> ${outDir}\n`,
        );
        return await runLossGeneralization(study, { outDir, onEvent: rep.onEvent, signal });
      } finally {
        rep.finish();
      }
    });
    process.stdout.write(studyReport(results, outDir));
    return 0;
  },
};
