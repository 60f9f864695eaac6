// Test helper: the run config of a tiny, easy `nodulab train` run (large spiculated vs small smooth
// nodules at 16^3 voxels, a quarter-width NoduleNet3D, one thread), for the CLI tests.

/** The tiny run's config with `trainSamples` training samples (32 validation samples). */
export function tinyRunConfig(trainSamples: number) {
  return {
    model: { kind: 'nodulenet3d', options: { widthMultiplier: 0.25 } },
    batchSize: 8,
    optimizer: { name: 'adam', lr: 0.01 },
    data: {
      spec: {
        name: 'easy',
        volume: { shape: [16, 16, 16], spacing: [2, 2, 2] },
        classes: {
          '0': { lobulation: { uniform: [0, 0.02] }, spiculationCount: { const: 0 }, diameter: { uniform: [6, 8] } },
          '1': {
            lobulation: { uniform: [0.3, 0.4] },
            spiculationCount: { int: [6, 8] },
            diameter: { uniform: [14, 18] },
          },
        },
      },
      train: { split: 'train', n: trainSamples },
      val: { split: 'val', n: 32 },
    },
    threads: 1,
  };
}
