// Model kinds by name: build a model from { kind, options } and record that spec in (and read it back
// from) checkpoint metadata under "nodulab.model", so a checkpoint says which model it holds.
import { Module } from '../module';
import type { ModelInitOptions } from './common';
import { isModel, Model } from './model';
import { NoduleNet3D } from './nodule_net3d';
import { ResNet3D } from './resnet3d';
import { UNet3D } from './unet3d';
import {
  type ModelKind,
  type ModelSpec,
  type NoduleNet3DOptions,
  type ResNet3DOptions,
  type UNet3DOptions,
  checkModelKind,
} from './spec';

/** The checkpoint metadata key holding the JSON {@link ModelSpec}. */
export const MODEL_SPEC_METADATA_KEY = 'nodulab.model';

/** Builds the model a spec describes, initialized from `init` (a generator or seed) when given. */
export function createModel(spec: ModelSpec, init: ModelInitOptions = {}): Model {
  const given = spec.options ?? {};
  if (given === null || typeof given !== 'object' || Array.isArray(given))
    throw new Error('createModel: options must be an object');
  const options = { ...given, ...init };
  switch (checkModelKind(spec.kind)) {
    case 'nodulenet3d':
      return new NoduleNet3D(options as NoduleNet3DOptions);
    case 'resnet3d':
      return new ResNet3D(options as ResNet3DOptions);
    default:
      return new UNet3D(options as UNet3DOptions);
  }
}

/** The kind of a built model, or null for a module that is not one of nodulab's models. */
export function modelKindOf(model: Module): ModelKind | null {
  return isModel(model) ? model.kind : null;
}

/** Checkpoint metadata recording `spec`: pass it as `saveCheckpoint(model, file, { metadata })`. */
export function modelSpecMetadata(spec: ModelSpec): Record<string, string> {
  return {
    [MODEL_SPEC_METADATA_KEY]: JSON.stringify({ kind: checkModelKind(spec.kind), options: spec.options ?? {} }),
  };
}

/** The spec recorded in checkpoint metadata, or null when none was; throws if it is malformed. */
export function readModelSpec(metadata: Record<string, string>): ModelSpec | null {
  const raw = metadata[MODEL_SPEC_METADATA_KEY];
  if (raw === undefined) return null;
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch (e) {
    throw new Error(`checkpoint metadata "${MODEL_SPEC_METADATA_KEY}" is not JSON: ${(e as Error).message}`);
  }
  const d = doc as { kind?: unknown; options?: unknown };
  if (!d || typeof d !== 'object' || typeof d.kind !== 'string')
    throw new Error(`checkpoint metadata "${MODEL_SPEC_METADATA_KEY}" has no model kind`);
  if (d.options !== undefined && (d.options === null || typeof d.options !== 'object' || Array.isArray(d.options))) {
    throw new Error(`checkpoint metadata "${MODEL_SPEC_METADATA_KEY}": options must be an object`);
  }
  return { kind: checkModelKind(d.kind), options: (d.options ?? {}) as object } as ModelSpec;
}
