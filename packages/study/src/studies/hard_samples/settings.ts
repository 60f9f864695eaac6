// The boxes each supervision setting trains its localizers on: the true boxes (supervised); the true boxes of a
// labelled fraction and a teacher localizer's pseudo-boxes elsewhere (semi); Grad-CAM boxes of the dense
// classifiers, from image-level labels only (weak). Training and validation sets alike: no true box leaks into
// model selection where the setting does not know it.
import * as path from 'path';
import { Generator } from '@nodulab/tensor';
import { Subset } from '@nodulab/data';
import { Box3d, boxIoU, datasetBox } from '@nodulab/eval';
import { loadRun } from '@nodulab/train';
import { HardSamplesData, ModelOutputs, OnModel, modelConfig, modelOutputs, trainModel } from './populations';
import { camBoxes } from './cam_boxes';
import type { HardSamplesSpec, Setting } from './spec';
import { WithBoxes } from './targets';

/** `count` distinct sample indices of [0, n) drawn with a seeded generator. */
export function randomSubset(n: number, count: number, seed: number): Set<number> {
  const g = new Generator(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(g.uniform() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return new Set(order.slice(0, count));
}

/** A setting's training data and how its training boxes compare with the truth. */
export interface SettingTargets {
  /** The seed's data with the setting's boxes on the training and validation sets. */
  data: HardSamplesData;
  /** Per training sample: 1 where the true box was given (all for supervised, none for weak). */
  labeled: number[];
  /** Per training sample: IoU of its training box with the true box. */
  targetIoUs: number[];
}

const trueBoxes = (d: HardSamplesData['train']): Box3d[] =>
  Array.from({ length: d.length }, (_, i) => datasetBox(d, i));

function withTargets(data: HardSamplesData, train: Box3d[], val: Box3d[], labeled: number[]): SettingTargets {
  return {
    data: { ...data, train: new WithBoxes(data.train, train), val: new WithBoxes(data.val, val) },
    labeled,
    targetIoUs: trueBoxes(data.train).map((b, i) => boxIoU(train[i], b)),
  };
}

/**
 * 'semi': a teacher localizer trained from scratch on the labelled fraction of the training and validation sets,
 * for localizerEpochs / labeledFraction epochs (as many steps as a localizer on all samples); its boxes replace
 * the true ones everywhere else.
 */
async function semiTargets(
  spec: HardSamplesSpec,
  data: HardSamplesData,
  root: string,
  onModel: OnModel,
  signal?: AbortSignal,
): Promise<SettingTargets> {
  const pick = (n: number, seed: number) => randomSubset(n, Math.max(1, Math.round(spec.labeledFraction * n)), seed);
  const known = pick(data.train.length, 8000 + data.seed);
  const knownVal = pick(data.val.length, 8100 + data.seed);
  const teacherData: HardSamplesData = {
    ...data,
    train: new Subset(
      data.train,
      [...known].sort((a, b) => a - b),
    ),
    val: new Subset(
      data.val,
      [...knownVal].sort((a, b) => a - b),
    ),
  };
  const name = 'semi-teacher';
  const dir = path.join(root, name);
  onModel(`${name} (seed ${data.seed})`);
  const epochs = Math.max(1, Math.round(spec.localizerEpochs / spec.labeledFraction));
  await trainModel(modelConfig(spec, teacherData, 'box', name, 0, { epochs }), dir, teacherData, signal);
  const mix = async (set: HardSamplesData['train'], given: Set<number>) => {
    const pseudo = (await modelOutputs(dir, set)).boxes!;
    const truth = trueBoxes(set);
    return truth.map((b, i) => (given.has(i) ? b : pseudo[i]));
  };
  const train = await mix(data.train, known);
  const val = await mix(data.val, knownVal);
  return withTargets(
    data,
    train,
    val,
    Array.from({ length: data.train.length }, (_, i) => (known.has(i) ? 1 : 0)),
  );
}

/** 'weak': boxes of the thresholded mean Grad-CAM of the dense classifiers for each volume's label. */
function weakTargets(spec: HardSamplesSpec, data: HardSamplesData, classifiers: ModelOutputs[]): SettingTargets {
  const nets = classifiers.map((m) => loadRun(m.dir, 'best').net.model);
  const train = camBoxes(nets, data.train, spec.camThreshold);
  const val = camBoxes(nets, data.val, spec.camThreshold);
  return withTargets(data, train, val, new Array<number>(data.train.length).fill(0));
}

/** The boxes `setting` trains on, for the seed's data; `classifiers` are the dense classifiers (for 'weak'). */
export async function settingTargets(
  setting: Setting,
  spec: HardSamplesSpec,
  data: HardSamplesData,
  classifiers: ModelOutputs[],
  root: string,
  onModel: OnModel,
  signal?: AbortSignal,
): Promise<SettingTargets> {
  if (setting === 'semi') return semiTargets(spec, data, root, onModel, signal);
  if (setting === 'weak') return weakTargets(spec, data, classifiers);
  const n = data.train.length;
  return { data, labeled: new Array<number>(n).fill(1), targetIoUs: new Array<number>(n).fill(1) };
}
