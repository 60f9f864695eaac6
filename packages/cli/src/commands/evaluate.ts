// `nodulab evaluate`: generates a dataset spec's test split(s), runs an exported ONNX model on them
// through onnxruntime-node and reports accuracy, sensitivity, specificity, balanced accuracy and AUROC
// per split (segmentation models: mean Dice of the nodule class), as text and optionally JSON.
import { writeFileAtomic } from '@nodulab/tensor';
import { DataLoader, DatasetSpec, loadSpec, SyntheticDataset } from '@nodulab/data';
import { binaryMetrics } from '@nodulab/eval';
import { OnnxModel } from '@nodulab/onnx';
import { parseArgs, UsageError } from '../args';
import type { Command } from '../command';
import { ProgressBar } from '../progress';

const OPTIONS = {
  model: { type: 'string', description: 'an ONNX model exported by `nodulab export`' },
  spec: { type: 'string', description: 'dataset preset name or spec JSON file' },
  n: { type: 'integer', description: 'samples per split', default: 200, min: 1 },
  seed: { type: 'integer', description: 'dataset seed', default: 0, min: 0 },
  split: { type: 'string', description: "comma-separated splits (default: 'test' and every split the spec defines)" },
  threshold: { type: 'number', description: 'P(positive class) at or above which a sample is called positive', default: 0.5 },
  batch: { type: 'integer', description: 'volumes per onnxruntime call', default: 32, min: 1 },
  out: { type: 'string', description: 'also write the metrics as JSON to this file' },
} as const;

/** Dice of class 1 between a predicted and a true mask (1 when both are empty). */
function dice(pred: Uint8Array, truth: ArrayLike<number>): number {
  let inter = 0;
  let a = 0;
  let b = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i] === 1 ? 1 : 0;
    const t = truth[i] ? 1 : 0;
    inter += p & t;
    a += p;
    b += t;
  }
  return a + b === 0 ? 1 : (2 * inter) / (a + b);
}

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: "Evaluate an ONNX model on a dataset spec's test split(s): accuracy, sensitivity, specificity, balanced accuracy, AUROC.",
  options: OPTIONS,
  async run(argv) {
    const { options: o, positionals } = parseArgs(argv, OPTIONS);
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (!o.model) throw new UsageError('--model is required');
    if (!o.spec) throw new UsageError('--spec is required (a preset name or a spec file)');
    const spec: DatasetSpec = loadSpec(o.spec as string);
    const splits = o.split !== undefined ? (o.split as string).split(',').map((s) => s.trim()).filter(Boolean) : ['test', ...Object.keys(spec.splits ?? {})];
    if (!splits.length) throw new UsageError('--split names no split');
    const model = await OnnxModel.load(o.model as string);
    const m = model.metadata;
    const n = o.n as number;
    const batch = o.batch as number;
    const useHU = m.normalization.type === 'window';
    const report: Record<string, Record<string, unknown>> = {};
    try {
      if (m.task === 'embedding') throw new Error(`${o.model} is an embedding model; evaluate needs a classification or segmentation model`);
      if (m.task === 'classification' && m.classNames.length !== 2) throw new Error(`${o.model} has ${m.classNames.length} classes; the metrics are for 2-class (benign/malignant) models`);
      for (const split of splits) {
        const data = new SyntheticDataset(spec, o.seed as number, split, n, { hu: useHU, cache: false });
        const shape = data.shape;
        if (shape.some((d, i) => d !== m.inputSize[i])) {
          throw new Error(`spec ${spec.name} split ${split} generates (${shape.join(', ')}) volumes; the model expects (${m.inputSize.join(', ')})`);
        }
        const labels: number[] = [];
        const scores: number[] = [];
        const dices: number[] = [];
        const bar = new ProgressBar(`evaluate ${split}`, n);
        const V = shape[0] * shape[1] * shape[2];
        for (const b of new DataLoader(data, { batchSize: batch, masks: m.task === 'segmentation' })) {
          const row = (t: { data: Float32Array }, k: number): Float32Array => t.data.subarray(k * V, (k + 1) * V);
          const inputs = b.indices.map((_, k) => ({ data: row(b.x, k), shape }));
          const p = await model.predict(inputs, { units: useHU ? 'HU' : 'normalized', batchSize: batch });
          b.indices.forEach((_, k) => {
            labels.push(b.labels[k]);
            if (p.task === 'classification') scores.push(p.probabilities[k][1]);
            else if (p.task === 'segmentation') dices.push(dice(p.masks[k], row(b.masks!, k)));
          });
          bar.update(labels.length);
        }
        bar.finish();
        if (m.task === 'classification') {
          const r = binaryMetrics(labels, scores, o.threshold as number);
          report[split] = { ...r };
          process.stdout.write(`${split.padEnd(14)} n=${r.n} accuracy=${r.accuracy.toFixed(4)} sensitivity=${r.sensitivity.toFixed(4)} specificity=${r.specificity.toFixed(4)} balancedAccuracy=${r.balancedAccuracy.toFixed(4)} auroc=${r.auroc.toFixed(4)}\n`);
        } else {
          const meanDice = dices.reduce((a, b) => a + b, 0) / dices.length;
          report[split] = { n: dices.length, meanDice };
          process.stdout.write(`${split.padEnd(14)} n=${dices.length} meanDice=${meanDice.toFixed(4)}\n`);
        }
      }
    } finally {
      await model.release();
    }
    const doc = { model: o.model, modelKind: m.modelKind, task: m.task, configHash: m.configHash, spec: spec.name, seed: o.seed, n, threshold: o.threshold, splits: report };
    if (o.out) writeFileAtomic(o.out as string, Buffer.from(JSON.stringify(doc, null, 2) + '\n'));
    return 0;
  },
};
