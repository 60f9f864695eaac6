// `nodulab evaluate`: runs a model — an exported ONNX model in onnxruntime-node (--model) or a checkpoint / run
// folder in-process (--checkpoint) — on a dataset spec's generated test split(s), or on a folder of labelled
// scans (--scans: DICOM series / NIfTI + labels.csv), and reports accuracy, sensitivity, specificity, balanced
// accuracy and AUROC (segmentation models on splits: mean Dice of the nodule class), as text and optionally JSON.
import { writeFileAtomic } from '@nodulab/platform';
import { DatasetSpec, INPUT_LIMIT_ENV, loadSpec, SyntheticDataset } from '@nodulab/data';
import {
  datasetBatches,
  evaluate,
  formatClassificationMetrics,
  loadCheckpointPredictor,
  Predictor,
} from '@nodulab/eval';
import { OnnxPredictor } from '@nodulab/onnx';
import { ParsedOptions, UsageError } from '../args';
import { DEVICE_OPTION, selectDevice } from '../device';
import type { Command } from '../command';
import { ProgressBar } from '../progress';
import { evaluateScans } from './evaluate_scans';

const OPTIONS = {
  model: { type: 'string', description: 'an ONNX model exported by `nodulab export` (or give --checkpoint)' },
  checkpoint: {
    type: 'string',
    description: 'a run folder (its checkpoints/best.safetensors) or a safetensors checkpoint, run in-process',
  },
  spec: { type: 'string', description: 'dataset preset name or spec JSON file (or give --scans)' },
  scans: {
    type: 'string',
    description:
      "a folder of scans (DICOM series folders, .nii/.nii.gz) with labels.csv (scan,label): each read as `nodulab infer` reads it, at the model's spacing and input size",
  },
  'max-voxels': {
    type: 'number',
    description: `--scans: largest volume grid, as read and as resampled (default: ${INPUT_LIMIT_ENV.maxVoxels}, else 268435456)`,
    min: 1,
  },
  n: { type: 'integer', description: 'samples per split', default: 200, min: 1 },
  seed: { type: 'integer', description: 'dataset seed', default: 0, min: 0 },
  split: { type: 'string', description: "comma-separated splits (default: 'test' and every split the spec defines)" },
  threshold: {
    type: 'number',
    description: 'P(positive class) at or above which a sample is called positive',
    default: 0.5,
  },
  batch: { type: 'integer', description: 'volumes per forward pass', default: 32, min: 1 },
  out: { type: 'string', description: 'also write the metrics as JSON to this file' },
  json: { type: 'boolean', description: 'print the JSON document (with --scans: per-scan rows) instead of lines' },
  device: DEVICE_OPTION,
} as const;

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary:
    "Evaluate an ONNX model or a checkpoint on a dataset spec's test split(s) or a folder of labelled scans: accuracy, sensitivity, specificity, balanced accuracy, AUROC.",
  options: OPTIONS,
  async run(o) {
    selectDevice(o.device);
    if ((o.model === undefined) === (o.checkpoint === undefined)) {
      throw new UsageError('give exactly one of --model <m.onnx> and --checkpoint <run folder|file.safetensors>');
    }
    if (o.scans !== undefined) return runScans(o);
    if (!o.spec) throw new UsageError('give --spec (a preset name or a spec file) or --scans <folder>');
    const spec: DatasetSpec = loadSpec(o.spec as string);
    const splits =
      o.split !== undefined
        ? (o.split as string)
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : ['test', ...Object.keys(spec.splits ?? {})];
    if (!splits.length) throw new UsageError('--split names no split');
    const source = (o.model ?? o.checkpoint) as string;
    const predictor: Predictor =
      o.model !== undefined ? await OnnxPredictor.load(source) : loadCheckpointPredictor(source);
    const m = predictor.info;
    const n = o.n as number;
    const hu = m.normalization.type === 'window';
    const report: Record<string, Record<string, unknown>> = {};
    const say = (line: string): void => void (o.json || process.stdout.write(line));
    try {
      for (const split of splits) {
        // A localizer's true boxes are read per item after its batch: kept items are not generated twice.
        const cache = m.task === 'localization';
        const data = new SyntheticDataset(spec, o.seed as number, split, n, { hu, cache });
        const shape = data.shape;
        if (shape.some((d, i) => d !== m.inputSize[i])) {
          throw new Error(
            `spec ${spec.name} split ${split} generates (${shape.join(', ')}) volumes; the model expects (${m.inputSize.join(', ')})`,
          );
        }
        const bar = new ProgressBar(`evaluate ${split}`, n);
        const batches = datasetBatches(data, o.batch as number, {
          masks: m.task === 'segmentation',
          boxes: m.task === 'localization',
        });
        const r = await evaluate(predictor, batches, {
          units: hu ? 'HU' : 'normalized',
          threshold: o.threshold as number,
          onProgress: (done) => bar.update(done),
        });
        bar.finish();
        if (r.task === 'classification') {
          report[split] = { ...r.metrics, confusion: r.confusion, threshold: r.threshold };
          say(`${split.padEnd(14)} ${formatClassificationMetrics(r.metrics)}\n`);
        } else if (r.task === 'localization') {
          const x = r.metrics;
          report[split] = { ...x };
          say(
            `${split.padEnd(14)} n=${x.n} meanIoU=${x.meanIoU.toFixed(4)} hit@0.5=${x.hitRate50.toFixed(4)} hit@0.25=${x.hitRate25.toFixed(4)} centreError=${x.meanCentreErrorMm.toFixed(2)}mm\n`,
          );
        } else {
          report[split] = { ...r.metrics };
          const { n: count, meanDice, meanHd95, hd95Finite } = r.metrics;
          say(
            `${split.padEnd(14)} n=${count} meanDice=${meanDice.toFixed(4)} meanHD95=${meanHd95.toFixed(2)} mm (finite in ${hd95Finite})\n`,
          );
        }
      }
    } finally {
      await predictor.release();
    }
    const configHash = 'configHash' in m ? (m as { configHash: string }).configHash : undefined;
    const doc = {
      model: o.model,
      checkpoint: o.checkpoint,
      modelKind: m.modelKind,
      task: m.task,
      configHash,
      spec: spec.name,
      seed: o.seed,
      n,
      threshold: o.threshold,
      splits: report,
    };
    writeDoc(o, doc);
    return 0;
  },
};

/** Prints `doc` with --json and writes it to --out when given. */
function writeDoc(o: ParsedOptions, doc: object): void {
  const text = JSON.stringify(doc, null, 2) + '\n';
  if (o.json) process.stdout.write(text);
  if (o.out) writeFileAtomic(o.out as string, Buffer.from(text));
}

/** `evaluate --scans <folder>`: see {@link evaluateScans}. */
async function runScans(o: ParsedOptions): Promise<number> {
  if (o.spec !== undefined || o.split !== undefined)
    throw new UsageError('give --spec (generated splits) or --scans <folder>, not both');
  const maxVoxels = o['max-voxels'] as number | undefined;
  if (maxVoxels !== undefined && !Number.isSafeInteger(maxVoxels))
    throw new UsageError(`--max-voxels must be a positive integer; got ${maxVoxels}`);
  const source = (o.model ?? o.checkpoint) as string;
  const predictor: Predictor =
    o.model !== undefined ? await OnnxPredictor.load(source) : loadCheckpointPredictor(source);
  const m = predictor.info;
  let r;
  try {
    r = await evaluateScans(predictor, o.scans as string, {
      threshold: o.threshold as number,
      batch: o.batch as number,
      limits: maxVoxels === undefined ? {} : { maxVoxels },
      quiet: Boolean(o.json),
    });
  } finally {
    await predictor.release();
  }
  if (!o.json) process.stdout.write(r.lines.join('\n') + '\n');
  const configHash = 'configHash' in m ? (m as { configHash: string }).configHash : undefined;
  writeDoc(o, {
    model: o.model,
    checkpoint: o.checkpoint,
    modelKind: m.modelKind,
    task: m.task,
    configHash,
    scans: o.scans,
    inputSize: m.inputSize,
    spacing: m.spacing,
    threshold: o.threshold,
    metrics: r.metrics,
    results: r.scans,
  });
  return 0;
}
