// The boxes each supervision setting trains its localizers on: the true boxes (supervised); the true boxes of a
// labelled fraction and a teacher localizer's pseudo-boxes elsewhere (semi); Grad-CAM boxes of the dense
// classifiers, from image-level labels only (weak). Training and validation sets alike: no true box leaks into
// model selection where the setting does not know it. Plus the trivial localizer (the mean training box).
import * as path from 'path';
import { Generator } from '@nodulab/tensor';
import { Dataset, Subset, randperm } from '@nodulab/data';
import { Box3d, boxIoU, datasetBox, meanBox } from '@nodulab/eval';
import { loadRun } from '@nodulab/train';
import type { UnitContext } from '../../framework/study';
import { SeedData, TrainSets, modelOutputs, trainModel } from './populations';
import { camBoxes } from './cam_boxes';
import type { TargetsResult } from './results';
import { HardSamplesSpec, Setting, runConfigOf, semiSizes } from './spec';
import { WithBoxes } from './targets';

/** `count` distinct sample indices of [0, n): the first of @nodulab/data's seeded shuffle (`randperm`). */
export function randomSubset(n: number, count: number, seed: number): Set<number> {
  return new Set(randperm(n, new Generator(seed)).slice(0, count));
}

const trueBoxes = (d: Dataset): Box3d[] => Array.from({ length: d.length }, (_, i) => datasetBox(d, i));

/** A setting's targets from its training and validation boxes: their quality and the trivial localizer's IoUs. */
function targetsOf(
  setting: Setting,
  data: SeedData,
  train: Box3d[],
  val: Box3d[],
  labeled: number[],
): Omit<TargetsResult, 'kind' | 'seed'> {
  const trivial = meanBox(train);
  return {
    setting,
    labeled,
    targetIoUs: trueBoxes(data.train).map((b, i) => boxIoU(train[i], b)),
    train,
    val,
    meanBoxIoUs: trueBoxes(data.test).map((b) => boxIoU(trivial, b)),
  };
}

/**
 * 'semi': a teacher localizer trained from scratch into `dir` on the labelled fraction of the training and
 * validation sets, for localizerEpochs / labeledFraction epochs (as many steps as a localizer on all samples); its
 * boxes replace the true ones everywhere else.
 */
async function semiTargets(
  spec: HardSamplesSpec,
  data: SeedData,
  dir: string,
  ctx: Pick<UnitContext<unknown>, 'signal' | 'progress' | 'phase'>,
): Promise<Omit<TargetsResult, 'kind' | 'seed'>> {
  const [nTrain, nVal] = semiSizes(spec);
  const known = randomSubset(data.train.length, nTrain, 8000 + data.seed);
  const knownVal = randomSubset(data.val.length, nVal, 8100 + data.seed);
  const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
  const sets: TrainSets = { train: new Subset(data.train, sorted(known)), val: new Subset(data.val, sorted(knownVal)) };
  const name = 'semi-teacher';
  const teacher = path.join(dir, name);
  ctx.phase(`${name} (seed ${data.seed})`);
  const epochs = Math.max(1, Math.round(spec.localizerEpochs / spec.labeledFraction));
  const sizes = { train: sets.train.length, val: sets.val.length };
  await trainModel(runConfigOf(spec, data.seed, 'box', name, 0, sizes, { epochs }), teacher, sets, ctx);
  const mix = async (set: Dataset, given: Set<number>) => {
    const pseudo = (await modelOutputs(teacher, set)).boxes!;
    return trueBoxes(set).map((b, i) => (given.has(i) ? b : pseudo[i]));
  };
  const labeled = Array.from({ length: data.train.length }, (_, i) => (known.has(i) ? 1 : 0));
  return targetsOf('semi', data, await mix(data.train, known), await mix(data.val, knownVal), labeled);
}

/** 'weak': boxes of the thresholded mean Grad-CAM of the dense classifiers (their run folders) for each label. */
function weakTargets(spec: HardSamplesSpec, data: SeedData, classifiers: readonly string[]) {
  const nets = classifiers.map((dir) => loadRun(dir, 'best').net.model);
  const train = camBoxes(nets, data.train, spec.camThreshold);
  const val = camBoxes(nets, data.val, spec.camThreshold);
  return targetsOf('weak', data, train, val, new Array<number>(data.train.length).fill(0));
}

/**
 * The boxes `setting` trains on, for the seed's data; `dir` holds what it trains (the semi teacher);
 * `classifiers` are the dense classifiers' run folders (for 'weak').
 */
export async function settingTargets(
  setting: Setting,
  spec: HardSamplesSpec,
  data: SeedData,
  classifiers: readonly string[],
  dir: string,
  ctx: Pick<UnitContext<unknown>, 'signal' | 'progress' | 'phase'>,
): Promise<Omit<TargetsResult, 'kind' | 'seed'>> {
  if (setting === 'semi') return semiTargets(spec, data, dir, ctx);
  if (setting === 'weak') return weakTargets(spec, data, classifiers);
  const n = data.train.length;
  return targetsOf('supervised', data, trueBoxes(data.train), trueBoxes(data.val), new Array<number>(n).fill(1));
}

/** The sets a setting's localizers train on: the seed's own (supervised) or with the setting's boxes. */
export function settingSets(data: SeedData, targets: Pick<TargetsResult, 'setting' | 'train' | 'val'>): TrainSets {
  if (targets.setting === 'supervised') return { train: data.train, val: data.val };
  return { train: new WithBoxes(data.train, targets.train), val: new WithBoxes(data.val, targets.val) };
}
