// The built-in studies (`nodulab study <name>`) and the --quick and --seeds overrides, applied to a
// user's spec before it is resolved.
import { deepMerge } from '../../kit/merge';

/** Built-in study specs by name, as a user would write them in JSON. */
export const BUILTIN_STUDIES: Readonly<Record<string, Record<string, unknown>>> = {
  'loss-generalization': {
    name: 'loss-generalization',
    description:
      'NoduleNet3D trained with cross-entropy, SupCon (two-stage) and SimCLR + linear probe on shortcut-size data where ' +
      'nodule size agrees with the label with rho = 0.9; tested in distribution, at rho 0.5 and 0.0, and under a scanner shift.',
    losses: ['ce', 'supcon', 'simclr'],
    seeds: 3,
    train: { spec: 'shortcut-size', rho: 0.9, n: 1024, valN: 256 },
    // The budget `nodulab study learnability` showed to teach the core feature on iid data (see README).
    volume: { shape: [20, 20, 20], spacing: [1.2, 1.2, 1.2] },
    config: {
      optimizer: { name: 'adam', lr: 0.003 },
      epochs: 10,
      pretrainEpochs: 10,
    },
    testN: 256,
    analysis: { testSet: 'rho0.5', n: 256, gradcamN: 64 },
    threads: 2,
  },
};

export const BUILTIN_STUDY_NAMES: readonly string[] = Object.keys(BUILTIN_STUDIES);

/** A copy of built-in study `name`; throws naming the known ones otherwise. */
export function builtinStudy(name: string): Record<string, unknown> {
  const s = BUILTIN_STUDIES[name];
  if (!s)
    throw new Error(`unknown study "${name}" (built-in: ${BUILTIN_STUDY_NAMES.join(', ')}; or pass --spec file.json)`);
  return JSON.parse(JSON.stringify(s)) as Record<string, unknown>;
}

/**
 * --quick: every stage of the study at toy size (16^3 volumes at 2 mm, a half-width model, 512
 * training samples, one seed, two epochs per stage), for tests and a first look in under a minute.
 */
export function quickStudy(input: Record<string, unknown>): Record<string, unknown> {
  const tests = Array.isArray(input.testSets)
    ? (input.testSets as unknown[]).map((t) => (typeof t === 'object' && t !== null ? { ...(t as object), n: 128 } : t))
    : undefined;
  const analysis =
    typeof input.analysis === 'object' && input.analysis !== null ? (input.analysis as Record<string, unknown>) : {};
  return deepMerge(input, {
    seeds: [0],
    volume: { shape: [16, 16, 16], spacing: [2, 2, 2] },
    train: { ...(typeof input.train === 'object' && input.train !== null ? input.train : {}), n: 512, valN: 128 },
    testN: 128,
    ...(tests ? { testSets: tests } : {}),
    config: {
      model: { options: { widthMultiplier: 0.5 } },
      batchSize: 32,
      epochs: 2,
      pretrainEpochs: 2,
      probe: { epochs: 2 },
    },
    analysis: { ...analysis, n: 128, gradcamN: 32 },
  });
}

/** --seeds N: seeds 0..N-1. */
export function withSeeds(input: Record<string, unknown>, count: number): Record<string, unknown> {
  return { ...input, seeds: count };
}
