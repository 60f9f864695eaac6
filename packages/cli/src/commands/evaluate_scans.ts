// `nodulab evaluate --scans <folder>`: a classifier on a folder of labelled scans (DICOM series folders and/or
// NIfTI files listed in labels.csv), each brought to the model's spacing and input size as `nodulab infer` does
// (ScanFolderDataset pads with the scan's minimum, as predictVolume), scored by the one evaluate() path.
import { InputLimits, ScanFolderDataset } from '@nodulab/data';
import { datasetBatches, evaluate, formatClassificationMetrics, Predictor } from '@nodulab/eval';
import { ProgressBar } from '../progress';

/** One scan's row in the JSON: its path as labels.csv gives it, its class, P(positive class) and the call. */
export interface ScanRow {
  scan: string;
  label: number;
  p: number;
  predicted: number;
}

/** What {@link evaluateScans} reports: the metrics (as evaluate reports a split), the per-scan rows, text lines. */
export interface ScansReport {
  metrics: Record<string, unknown>;
  scans: ScanRow[];
  lines: string[];
}

/**
 * Evaluates `predictor` (a classification model) on the scans folder `dir` at `threshold`, `batch` scans per
 * forward pass. Throws for another task, naming it, and for a bad folder (ScanFolderDataset's errors).
 */
export async function evaluateScans(
  predictor: Predictor,
  dir: string,
  options: { threshold: number; batch: number; limits: Partial<InputLimits>; quiet: boolean },
): Promise<ScansReport> {
  const m = predictor.info;
  if (m.task !== 'classification')
    throw new Error(
      `evaluate --scans: the model is a ${m.task} model; --scans evaluates classifiers (labels.csv gives one class per scan)`,
    );
  const data = new ScanFolderDataset(dir, {
    spacing: m.spacing,
    shape: m.inputSize,
    padValue: 'min',
    limits: options.limits,
  });
  const bar = options.quiet ? null : new ProgressBar('evaluate scans', data.length);
  const r = await evaluate(predictor, datasetBatches(data, options.batch), {
    units: 'HU',
    threshold: options.threshold,
    onProgress: (done) => bar?.update(done),
  });
  bar?.finish();
  if (r.task !== 'classification') throw new Error(`evaluate --scans: expected a classification result`);
  const scans = r.predictions.map((p) => ({
    scan: data.rows[p.index].scan,
    label: p.label,
    p: p.pMalignant,
    predicted: p.predicted,
  }));
  const lines = [
    ...scans.map((s) => `${s.scan}\tlabel=${s.label}\tp=${s.p.toFixed(4)}\tpredicted=${s.predicted}`),
    `${'scans'.padEnd(14)} ${formatClassificationMetrics(r.metrics)}`,
  ];
  return { metrics: { ...r.metrics, confusion: r.confusion, threshold: r.threshold }, scans, lines };
}
