// `nodulab evaluate`: generates a dataset spec's test split(s), runs a model on them — an exported ONNX
// model in onnxruntime-node (--model) or a checkpoint / run folder in-process (--checkpoint) — and
// reports accuracy, sensitivity, specificity, balanced accuracy and AUROC per split (segmentation
// models: mean Dice of the nodule class), as text and optionally JSON.
import { writeFileAtomic } from '@nodulab/platform';
import { DatasetSpec, loadSpec, SyntheticDataset } from '@nodulab/data';
import {
  datasetBatches,
  evaluate,
  formatClassificationMetrics,
  loadCheckpointPredictor,
  Predictor,
} from '@nodulab/eval';
import { OnnxPredictor } from '@nodulab/onnx';
import { UsageError } from '../args';
import { DEVICE_OPTION, selectDevice } from '../device';
import type { Command } from '../command';
import { ProgressBar } from '../progress';

const OPTIONS = {
  model: { type: 'string', description: 'an ONNX model exported by `nodulab export` (or give --checkpoint)' },
  checkpoint: {
    type: 'string',
    description: 'a run folder (its checkpoints/best.safetensors) or a safetensors checkpoint, run in-process',
  },
  spec: { type: 'string', description: 'dataset preset name or spec JSON file' },
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
  device: DEVICE_OPTION,
} as const;

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary:
    "Evaluate an ONNX model or a checkpoint on a dataset spec's test split(s): accuracy, sensitivity, specificity, balanced accuracy, AUROC.",
  options: OPTIONS,
  async run(o) {
    selectDevice(o.device);
    if ((o.model === undefined) === (o.checkpoint === undefined)) {
      throw new UsageError('give exactly one of --model <m.onnx> and --checkpoint <run folder|file.safetensors>');
    }
    if (!o.spec) throw new UsageError('--spec is required (a preset name or a spec file)');
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
          process.stdout.write(`${split.padEnd(14)} ${formatClassificationMetrics(r.metrics)}\n`);
        } else if (r.task === 'localization') {
          const x = r.metrics;
          report[split] = { ...x };
          process.stdout.write(
            `${split.padEnd(14)} n=${x.n} meanIoU=${x.meanIoU.toFixed(4)} hit@0.5=${x.hitRate50.toFixed(4)} hit@0.25=${x.hitRate25.toFixed(4)} centreError=${x.meanCentreErrorMm.toFixed(2)}mm\n`,
          );
        } else {
          report[split] = { ...r.metrics };
          const { n: count, meanDice, meanHd95, hd95Finite } = r.metrics;
          process.stdout.write(
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
    if (o.out) writeFileAtomic(o.out as string, Buffer.from(JSON.stringify(doc, null, 2) + '\n'));
    return 0;
  },
};
