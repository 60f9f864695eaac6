// `nodulab study [name]`: runs a registered study (default: the first, loss-generalization) through the one
// runner every study shares — in-process, or as BullMQ jobs for `nodulab worker`s with --queue — into
// runs/<study>-<time>/ with report.html, metrics.json, spec.json, timing.json and the study's own files. A
// malformed spec exits 2 and writes nothing; the folder is locked while written and appears only when the
// study completes. Each study's own options come from the registry (`nodulab study <name> --help`).
import * as fs from 'fs';
import { parseJsonBounded } from '@nodulab/platform';
import { AnyStudy, STUDIES, StudyEvent, StudySpecError, runStudy, studyNamed } from '@nodulab/study';
import { OptionSpecs, UsageError } from '../args';
import { DEVICE_OPTION, selectDevice } from '../device';
import type { Command } from '../command';
import { ProgressBar } from '../progress';
import { checkNewOut, timestampedOut, withLockedOut } from '../output';
import { QUEUE_CONNECTION_NAMES, QUEUE_CONNECTION_OPTIONS } from '../queue_options';
import { runQueuedStudy } from './study_queue';

const SHARED_OPTIONS = {
  spec: { type: 'string', description: "study spec .json (instead of the study's built-in spec)" },
  quick: { type: 'boolean', description: 'every stage at toy size, for a first look and for tests' },
  seeds: { type: 'integer', description: 'number of seeds (0..N-1), overrides the spec', min: 1 },
  threads: { type: 'integer', description: 'kernel threads', min: 1 },
  device: DEVICE_OPTION,
  out: { type: 'string', description: 'study folder (default runs/<study>-<time>)' },
  queue: {
    type: 'string',
    description:
      'redis://host:port or rediss://host:port (TLS): put each unit on this BullMQ queue for `nodulab worker`s (default: run in-process)',
  },
  results: {
    type: 'string',
    description:
      'with --queue: the results folder the workers write unit folders into (their --results; default runs/queue-results)',
  },
  ...QUEUE_CONNECTION_OPTIONS,
} as const satisfies OptionSpecs;

/** The options of one study: the shared ones and its own. */
function optionsOf(study: AnyStudy): OptionSpecs {
  const own = Object.fromEntries(
    Object.entries(study.options ?? {}).map(([k, o]) => [k, { type: o.type, description: o.description, min: o.min }]),
  );
  return { ...SHARED_OPTIONS, ...own };
}

/** Every study's own options, for the parser; which study may take which is checked in run(). */
function allOptions(): OptionSpecs {
  const out: OptionSpecs = { ...SHARED_OPTIONS };
  for (const s of STUDIES)
    for (const [k, o] of Object.entries(s.options ?? {}))
      out[k] = { type: o.type, description: `${s.name}: ${o.description}`, min: o.min };
  return out;
}

/** The study named by the positional, or the default (the registry's first). */
function chosenStudy(positionals: string[]): AnyStudy {
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
  try {
    return studyNamed(positionals[0] ?? STUDIES[0].name);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The study input: its built-in spec or a spec file, with --quick, --seeds, --threads and its options laid over. */
function studyInput(study: AnyStudy, o: Record<string, unknown>): Record<string, unknown> {
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
  } else input = study.defaultInput();
  if (o.quick) input = study.quick(input);
  if (o.seeds !== undefined) input = study.withSeeds(input, o.seeds as number);
  if (o.threads !== undefined) input = study.withThreads(input, o.threads as number);
  for (const [k, opt] of Object.entries(study.options ?? {}))
    if (o[k] !== undefined) input = opt.apply(input, o[k] as string | number | boolean);
  return input;
}

/** A bar over each unit's training steps, and a line per phase and per finished unit. */
function reporter(): { onEvent: (e: StudyEvent) => void; finish: () => void } {
  const tty = Boolean(process.stderr.isTTY);
  let bar: ProgressBar | null = null;
  const clear = (): string => (tty ? '\r\x1b[K' : '');
  return {
    onEvent(e) {
      if (e.kind === 'phase') process.stderr.write(`${clear()}${e.message}\n`);
      else if (e.kind === 'unit-start') bar = null;
      else if (e.kind === 'progress') {
        const p = e.progress;
        bar ??= new ProgressBar(`[${e.index}/${e.total}] ${e.unit}`, p.totalSteps);
        bar.update(p.step, `${p.stage} epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(4)}`);
      } else if (e.kind === 'unit-end')
        process.stderr.write(`${clear()}[${e.index}/${e.total}] ${e.unit}: done in ${e.seconds.toFixed(1)} s\n`);
    },
    finish() {
      if (tty) process.stderr.write('\r\x1b[K');
    },
  };
}

export const studyCommand: Command = {
  name: 'study',
  summary: `run a study (${STUDIES.map((s) => s.name).join(', ')}; default ${STUDIES[0]?.name}): its units in-process or on a queue, its claims judged, report.html`,
  positionals: '[study]',
  options: allOptions(),
  specialize(positionals) {
    const study = STUDIES.find((s) => s.name === positionals[0]);
    return study ? { summary: `${study.name}: ${study.summary}`, options: optionsOf(study) } : null;
  },
  async run(o, positionals) {
    selectDevice(o.device);
    const study = chosenStudy(positionals);
    for (const s of STUDIES)
      for (const k of Object.keys(s.options ?? {}))
        if (o[k] !== undefined && !(study.options && k in study.options))
          throw new UsageError(`--${k} applies to the ${s.name} study only`);
    for (const k of ['results', ...QUEUE_CONNECTION_NAMES])
      if (o[k] !== undefined && o.queue === undefined) throw new UsageError(`--${k} needs --queue`);
    let spec: unknown;
    try {
      spec = study.resolve(studyInput(study, o));
    } catch (e) {
      if (e instanceof StudySpecError) {
        process.stderr.write(`nodulab study: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
    const outDir = (o.out as string | undefined) ?? timestampedOut(`${study.name}${o.quick ? '-quick' : ''}`);
    checkNewOut(outDir);
    const seeds = study.seeds(spec);
    if (o.queue !== undefined) {
      const queued = await runQueuedStudy(study, spec, o.queue as string, o, outDir);
      if (typeof queued === 'number') return queued;
      process.stdout.write(study.text(queued, outDir));
      return 0;
    }
    const output = await withLockedOut(outDir, async (signal) => {
      const rep = reporter();
      try {
        process.stderr.write(
          `study ${study.name}: ${study.plan(spec).length} units, seeds ${seeds.join(', ')} -> ${outDir}\n`,
        );
        return await runStudy(study, spec, { outDir, onEvent: rep.onEvent, signal });
      } finally {
        rep.finish();
      }
    });
    process.stdout.write(study.text(output, outDir));
    return 0;
  },
};
