// What a predictor tells its caller about the model behind it: task, class names, expected input
// (channels, volume size, spacing) and how raw HU volumes are normalized; one place for their defaults.
import type { Module } from '@nodulab/nn';
import { isModel } from '@nodulab/nn';

/**
 * What a model predicts: per-volume classes, an embedding vector, per-voxel classes, or one box per volume
 * (localization: the box head's (N, 6) centre and size, normalised by the volume's (D, H, W)).
 */
export type Task = 'classification' | 'embedding' | 'segmentation' | 'localization';

/**
 * How raw volumes are mapped to the network's input. 'window': HU in [center - width/2,
 * center + width/2] maps linearly onto [0, 1], values outside clamp (as @nodulab/data's applyWindow).
 * 'none': the input is used as given.
 */
export type Normalization = { type: 'window'; center: number; width: number } | { type: 'none' };

/** The model's task, classes and expected input, as a checkpoint or an exported ONNX model records them. */
export interface ModelInfo {
  /** 'nodulenet3d' | 'resnet3d' | 'unet3d'. */
  modelKind: string;
  task: Task;
  /** Class names, index = class (empty for embedding models). */
  classNames: string[];
  /** Expected input channels C and volume size (D, H, W) of x: (N,C,D,H,W). */
  inputChannels: number;
  inputSize: [number, number, number];
  /** Voxel spacing (z, y, x) in mm the model was trained at. */
  spacing: [number, number, number];
  normalization: Normalization;
}

/** What {@link describeModel} needs beyond the model itself; every field has a default. */
export interface DescribeOptions {
  /**
   * Which output the model gives: 'logits' (default), 'embedding', 'projection' or 'boxes' (the box head's
   * normalised boxes, task 'localization'); 'embedding' and 'projection' are raw vectors (task 'embedding').
   */
  output?: 'logits' | 'embedding' | 'projection' | 'boxes';
  /** Expected volume size (D, H, W) (default 32^3). */
  inputSize?: [number, number, number];
  /** Voxel spacing (z, y, x) in mm (default 1 mm). */
  spacing?: [number, number, number];
  /** Intensity window applied to raw HU input (default lung window center -600, width 1500); null: none. */
  window?: { center: number; width: number } | null;
  /** Class names (default: benign/malignant or background/nodule for 2 classes, else class_0...). */
  classNames?: string[];
}

/** The lung window nodulab's generator renders with: HU center -600, width 1500. */
export const DEFAULT_WINDOW = { center: -600, width: 1500 } as const;

/** benign/malignant (classification) or background/nodule (segmentation) for 2 classes, else class_0.... */
export function defaultClassNames(task: Task, k: number): string[] {
  if (task === 'embedding' || task === 'localization') return [];
  if (k === 2) return task === 'segmentation' ? ['background', 'nodule'] : ['benign', 'malignant'];
  return Array.from({ length: k }, (_, i) => `class_${i}`);
}

function checkTriple(what: string, name: string, v: unknown, integer: boolean): [number, number, number] {
  if (
    !Array.isArray(v) ||
    v.length !== 3 ||
    !v.every((x) => typeof x === 'number' && x > 0 && Number.isFinite(x) && (!integer || Number.isInteger(x)))
  ) {
    throw new Error(
      `${what}: ${name} must be 3 positive ${integer ? 'integers' : 'numbers'}, got ${JSON.stringify(v)}`,
    );
  }
  return [v[0], v[1], v[2]];
}

/**
 * The {@link ModelInfo} of a nodulab model (NoduleNet3D, ResNet3D, UNet3D) with `options` applied:
 * UNet3D segments, the others classify (or embed, for output 'embedding'/'projection', or localize, for 'boxes').
 * Throws, starting with `what`, on a module that is not a nodulab model or on a bad option.
 */
export function describeModel(model: Module, options: DescribeOptions = {}, what = 'describeModel'): ModelInfo {
  if (!isModel(model)) {
    throw new Error(
      `${what}: ${model?.constructor?.name ?? typeof model} is not a nodulab model (NoduleNet3D, ResNet3D, UNet3D)`,
    );
  }
  const net = model;
  const kind = net.kind;
  const output = options.output ?? 'logits';
  if (!['logits', 'embedding', 'projection', 'boxes'].includes(output))
    throw new Error(`${what}: output must be logits, embedding, projection or boxes, got "${output}"`);
  const task: Task = output === 'boxes' ? 'localization' : output !== 'logits' ? 'embedding' : net.task;
  const inputSize = checkTriple(what, 'inputSize', options.inputSize ?? [32, 32, 32], true);
  const spacing = checkTriple(what, 'spacing', options.spacing ?? [1, 1, 1], false);
  const w = options.window === undefined ? DEFAULT_WINDOW : options.window;
  if (w !== null && !(Number.isFinite(w.center) && w.width > 0 && Number.isFinite(w.width))) {
    throw new Error(`${what}: window must have a finite center and a positive width, got ${JSON.stringify(w)}`);
  }
  const normalization: Normalization =
    w === null ? { type: 'none' } : { type: 'window', center: w.center, width: w.width };
  const classNames = options.classNames ?? defaultClassNames(task, net.numClasses);
  if ((task === 'classification' || task === 'segmentation') && classNames.length !== net.numClasses) {
    throw new Error(`${what}: ${classNames.length} class names for a model with ${net.numClasses} classes`);
  }
  return { modelKind: kind, task, classNames, inputChannels: net.inChannels, inputSize, spacing, normalization };
}
