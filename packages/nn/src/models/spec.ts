// What builds a model, apart from the classes that build it: the model kinds, each kind's constructor options
// and the spec ({ kind, options }) that checkpoints record. Types and checks only, so Model, the model classes
// and the factory all import it and none of them imports another to learn a type.
import type { ModelInitOptions } from './common';

/** The model kinds nodulab builds, as written on the command line (`--model nodulenet3d`). */
export const MODEL_KINDS = ['nodulenet3d', 'resnet3d', 'unet3d'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** Which model and with which constructor options (JSON-serializable: no generator). */
export type ModelSpec =
  | { kind: 'nodulenet3d'; options?: Omit<NoduleNet3DOptions, 'generator'> }
  | { kind: 'resnet3d'; options?: Omit<ResNet3DOptions, 'generator'> }
  | { kind: 'unet3d'; options?: Omit<UNet3DOptions, 'generator'> };

/** Throws unless `kind` is a known model kind. */
export function checkModelKind(kind: string): ModelKind {
  const k = kind.toLowerCase();
  if (!(MODEL_KINDS as readonly string[]).includes(k))
    throw new Error(`unknown model kind "${kind}" (known: ${MODEL_KINDS.join(', ')})`);
  return k as ModelKind;
}

/** Options every model takes. */
export interface ModelOptions extends ModelInitOptions {
  /** Input channels (default 1). */
  inChannels?: number;
  /** Classes of the head (default 2). */
  numClasses?: number;
}

/** Options of the classifiers with an optional box-regression head for localization. */
export interface BoxHeadOptions {
  /**
   * Add the box-regression head ({@link BoxHead3d}: soft-argmax centre of a heat map on the last feature map, size
   * from the pooled features): one box per volume as centre
   * (z, y, x) / (D, H, W) and size (d, h, w) / (D, H, W), each in (0, 1). Read with `boxes(x)`.
   */
  boxHead?: boolean;
}

/** Options of the models with an optional projection head for contrastive losses. */
export interface ProjectionOptions {
  /** Add the projection head (embedding -> embedding -> projectionDim) for contrastive losses. */
  projectionHead?: boolean;
  /** Output size of the projection head (default 128). */
  projectionDim?: number;
}

/** Options of {@link NoduleNet3D}. */
export interface NoduleNet3DOptions extends ModelOptions, ProjectionOptions, BoxHeadOptions {
  /** Multiplies the widths 16/32/64 (default 1; e.g. 0.5 for a tiny test model). */
  widthMultiplier?: number;
}

/** Options of {@link ResNet3D}. */
export interface ResNet3DOptions extends ModelOptions, ProjectionOptions, BoxHeadOptions {
  /** Stage widths (default [16, 32, 64, 128]). */
  widths?: [number, number, number, number];
  /** BasicBlocks per stage (default [1, 1, 1, 1]: ResNet-10). */
  blocks?: [number, number, number, number];
}

/** Options of {@link UNet3D}. */
export interface UNet3DOptions extends ModelOptions {
  /** Channels of the first level, doubled at each level down (default 8). */
  baseChannels?: number;
  /** Number of 2x downsamplings (default 2); D, H, W must be divisible by 2^levels. */
  levels?: number;
  /**
   * Dropout probability after the bottleneck (default 0; > 0 enables MC-dropout). Its masks derive from
   * (a seed drawn at initialization, stream, step, layer): see `setDropoutStep`.
   */
  dropout?: number;
}
