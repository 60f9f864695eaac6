// The calibration-ood study's spec: the zod schema of its input (the segmentation datasets one UNet3D learns jointly
// and dedicated models learn one each, the transfer regime, seeds, sample counts, the OOD sets and the spectral
// score's candidate layers and k), the default and --quick inputs, and resolve, which names every problem by path.
import { z } from 'zod';
import { SEGMENTATION_PRESETS, distortionNames, preset, schema } from '@nodulab/data';
import { layerNames } from '@nodulab/eval';
import { RunConfigInput, buildNet } from '@nodulab/train';
import { StudySpecError } from '../../framework/study';
import { deepMerge } from '../../kit/merge';
import { studyRunConfig } from './configs';
import { CalibrationOodSpec, STUDY_NAME } from './results';
import { seedsField } from '../../kit/seeds_field';

const { mustBe, nonEmptyString, number, parseOrThrow, refineWith, strict } = schema;
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const upTo = (min: number, max = 1_000_000) => number({ int: true, in: [min, max] });

const DESCRIPTION =
  'One UNet3D trained jointly on four segmentation datasets (nodule, vessels, cavity, calcium; each its own ' +
  'acquisition) vs a dedicated UNet3D per dataset vs transfer (pretrained on seg-nodule, fine-tuned on the ' +
  'others with few labels): Dice and HD95, calibration before and after temperature scaling, and OOD ' +
  'detection by the spectral signature of a layer chosen on validation against max softmax, entropy, MC dropout and ' +
  'a deep ensemble.';

const DEFAULT_CONFIG: RunConfigInput = {
  model: { kind: 'unet3d', options: { baseChannels: 4, levels: 2, dropout: 0.2 } },
  batchSize: 8,
  epochs: 12,
  optimizer: { name: 'adam', lr: 1e-2 },
};

/**
 * The spectral detector's candidate layers, in order of preference: the bottleneck (the paper's choice), then the
 * deeper encoder and decoder levels, then the full-resolution ones (whose signatures have as many values as channels).
 */
const DEFAULT_LAYERS = ['bottleneck', 'encoders.1', 'decoders.1', 'encoders.0', 'decoders.0'];

/** The candidate k of its k-NN: the nearest training signature (the paper's), and the fifth. */
const DEFAULT_KS = [1, 5];

/** The default study: the four seg-* presets at 16^3, three seeds, every distortion at severities 3 and 5. */
export function defaultCalibrationOodInput(): Record<string, unknown> {
  return {
    description: DESCRIPTION,
    presets: ['seg-nodule', 'seg-vessels', 'seg-cavity', 'seg-calcium'],
    transfer: { source: 'seg-nodule', fraction: 0.25 },
    unseen: 'task-subsolid',
    seeds: 3,
    shape: [16, 16, 16],
    trainN: 64,
    valN: 16,
    testN: 16,
    oodN: 16,
    distortions: distortionNames(),
    severities: [3, 5],
    layers: [...DEFAULT_LAYERS],
    ks: [...DEFAULT_KS],
    mcSamples: 10,
    bandRadius: 2,
    config: clone(DEFAULT_CONFIG),
    threads: 2,
  };
}

/** --quick: two seeds, fewer samples and epochs, three distortions. */
export function quickCalibrationOodInput(input: Record<string, unknown>): Record<string, unknown> {
  const config = schema.isPlainObject(input.config) ? input.config : clone(DEFAULT_CONFIG);
  return {
    ...input,
    seeds: 2,
    trainN: 16,
    valN: 8,
    testN: 8,
    oodN: 8,
    distortions: ['gaussian-noise', 'gaussian-blur', 'motion-ghosting'],
    config: deepMerge(config as Record<string, unknown>, { epochs: 5 }),
  };
}

const seedsSchema = seedsField();

const fields = strict(
  {
    $schema: z.string().optional().describe('the JSON Schema of this file, for editors'),
    name: z.literal(STUDY_NAME, { error: mustBe(`"${STUDY_NAME}"`) }).default(STUDY_NAME),
    description: z.string({ error: mustBe('a string') }).default(DESCRIPTION),
    presets: z
      .array(nonEmptyString(), { error: mustBe('an array of segmentation preset names') })
      .default(['seg-nodule', 'seg-vessels', 'seg-cavity', 'seg-calcium'])
      .describe('the in-distribution segmentation datasets (at least two)'),
    transfer: strict({
      source: nonEmptyString().default('seg-nodule').describe('the preset whose dedicated model is fine-tuned'),
      fraction: number({ gt: 0, max: 1 }, 'a number in (0, 1]')
        .default(0.25)
        .describe('labelled share of trainN each fine-tuning target gets'),
    }).prefault({}),
    unseen: nonEmptyString().default('task-subsolid').describe('a preset no model trains on (an OOD set)'),
    seeds: seedsSchema.prefault(3),
    shape: schema.triple({ int: true, in: [8, 256] }).default([16, 16, 16]),
    trainN: upTo(2).default(64),
    valN: upTo(2).default(16),
    testN: upTo(2).default(16),
    oodN: upTo(2).default(16),
    distortions: z
      .array(nonEmptyString(), { error: mustBe('an array of distortion names') })
      .optional()
      .describe('default: every distortion of @nodulab/data'),
    severities: z
      .array(upTo(1, 5), { error: mustBe('an array of severities 1..5') })
      .min(1, { error: 'must not be empty' })
      .default([3, 5]),
    layers: z
      .array(nonEmptyString(), { error: mustBe('an array of layer names') })
      .min(1, { error: 'must not be empty' })
      .default(DEFAULT_LAYERS)
      .describe(
        "candidate layers whose feature map's spectrum scores OOD, in order of preference (chosen on validation)",
      ),
    ks: z
      .array(upTo(1), { error: mustBe('an array of integers >= 1') })
      .min(1, { error: 'must not be empty' })
      .default(DEFAULT_KS)
      .describe('candidate k of the k-NN distance to the training signatures (chosen on validation)'),
    mcSamples: upTo(10).default(10).describe('MC-dropout forward passes'),
    bandRadius: upTo(1).default(2).describe('voxels around the structure where calibration is also measured'),
    config: z
      .record(z.string(), z.unknown(), { error: mustBe('an object') })
      .default(DEFAULT_CONFIG as Record<string, unknown>)
      .describe('run-config overrides shared by every model (model, optimizer, batch size, epochs)'),
    threads: upTo(1, 256).default(2),
  },
  { type: 'a JSON object' },
);

/** The cross-field checks: presets, transfer, unseen, distortions, shape, k, dropout, the layer, the run configs. */
function check(s: z.output<typeof fields>, problem: schema.Problem): void {
  const known = (name: string): boolean => {
    try {
      preset(name);
      return true;
    } catch {
      return false;
    }
  };
  if (s.presets.length < 2) problem(['presets'], 'joint training needs at least two datasets');
  s.presets.forEach((p, i) => {
    if (!SEGMENTATION_PRESETS.includes(p))
      problem(['presets', i], `"${p}" is not a segmentation preset (known: ${SEGMENTATION_PRESETS.join(', ')})`);
  });
  if (new Set(s.presets).size !== s.presets.length) problem(['presets'], 'each dataset once');
  if (!s.presets.includes(s.transfer.source))
    problem(['transfer', 'source'], `"${s.transfer.source}" must be one of presets (${s.presets.join(', ')})`);
  const few = Math.round(s.transfer.fraction * s.trainN);
  if (few < 2) problem(['transfer', 'fraction'], `${s.transfer.fraction} of trainN ${s.trainN} is ${few}; need 2`);
  if (!known(s.unseen)) problem(['unseen'], `unknown preset "${s.unseen}"`);
  else if (s.presets.includes(s.unseen)) problem(['unseen'], `"${s.unseen}" is a training preset`);
  const names = distortionNames();
  (s.distortions ?? []).forEach((d, i) => {
    if (!names.includes(d)) problem(['distortions', i], `unknown distortion "${d}" (known: ${names.join(', ')})`);
  });
  if (!s.shape.every((d) => d % 4 === 0))
    problem(['shape'], `each side must be a multiple of 4 and at least 8, got (${s.shape.join(', ')})`);
  // The spectral score's k-NN reads each model's own training signatures: the joint model's trainN per dataset,
  // a dedicated model's trainN of its preset (the smaller set, so the bound).
  s.ks.forEach((k, i) => {
    if (k > s.trainN)
      problem(['ks', i], `${k} is larger than the training set (${s.trainN} signatures of a dedicated model's preset)`);
  });
  if (new Set(s.ks).size !== s.ks.length) problem(['ks'], 'each k once');
  if (new Set(s.layers).size !== s.layers.length) problem(['layers'], 'each layer once');
  const dropout = (s.config.model as { options?: { dropout?: number } } | undefined)?.options?.dropout ?? 0;
  if (!(dropout > 0)) problem(['config', 'model', 'options', 'dropout'], 'MC dropout needs a UNet3D with dropout > 0');
}

/** The checks that need a run config and an untrained model (after every field is right). */
function checkModel(spec: CalibrationOodSpec): string[] {
  let layers: string[];
  try {
    layers = layerNames(buildNet(studyRunConfig(spec, 'layer-check', 0, spec.presets, spec.trainN, null)).model);
  } catch (e) {
    return [`config: ${(e as Error).message.replace(/\n\s*/g, ' ')}`];
  }
  return spec.layers.flatMap((layer, i) =>
    layers.includes(layer) ? [] : [`layers[${i}]: the model has no layer "${layer}"; its layers: ${layers.join(', ')}`],
  );
}

/** The schema of the input (every field optional). */
export const CalibrationOodSpecSchema = refineWith(fields, check);

/**
 * The resolved spec of `input`; throws StudySpecError naming every problem by path (a preset that does not
 * segment, k beyond the training set, a layer the model lacks, ...). Idempotent.
 */
export function resolveCalibrationOod(input: unknown): CalibrationOodSpec {
  const s = parseOrThrow(CalibrationOodSpecSchema, input, (problems) => new StudySpecError(problems));
  const spec: CalibrationOodSpec = {
    name: STUDY_NAME,
    description: s.description,
    presets: [...s.presets],
    transfer: { ...s.transfer },
    unseen: s.unseen,
    seeds: [...s.seeds],
    shape: [...s.shape],
    trainN: s.trainN,
    valN: s.valN,
    testN: s.testN,
    oodN: s.oodN,
    distortions: s.distortions ?? distortionNames(),
    severities: [...s.severities],
    layers: [...s.layers],
    ks: [...s.ks],
    mcSamples: s.mcSamples,
    bandRadius: s.bandRadius,
    config: clone(s.config) as RunConfigInput,
    threads: s.threads,
  };
  const problems = checkModel(spec);
  if (problems.length > 0) throw new StudySpecError(problems);
  return spec;
}
