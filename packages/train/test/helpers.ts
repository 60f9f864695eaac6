// Shared fixtures of the train tests: an easy spec (large lobulated, spiculated nodules vs small smooth
// ones, 16^3 voxels at 2 mm) and a tiny, fast run config over it.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { RunConfigInput } from '../src';

/**
 * The label is plainly visible: malignant nodules are large, lobulated and spiculated; benign ones small and smooth.
 */
export const EASY_SPEC = {
  name: 'easy',
  volume: { shape: [16, 16, 16], spacing: [2, 2, 2] },
  classes: {
    '0': { lobulation: { uniform: [0, 0.02] }, spiculationCount: { const: 0 }, diameter: { uniform: [6, 8] } },
    '1': { lobulation: { uniform: [0.3, 0.4] }, spiculationCount: { int: [6, 8] }, diameter: { uniform: [14, 18] } },
  },
};

/** A run small enough for a unit test (a quarter-width NoduleNet3D, 96 training volumes of 16^3). */
export function tinyConfig(overrides: RunConfigInput = {}): RunConfigInput {
  return {
    name: 'tiny',
    model: { kind: 'nodulenet3d', options: { widthMultiplier: 0.25 } },
    batchSize: 8,
    epochs: 3,
    pretrainEpochs: 2,
    probe: { mode: 'linear', epochs: 3, optimizer: { name: 'adam', lr: 5e-2 } },
    optimizer: { name: 'adam', lr: 1e-2 },
    data: { spec: EASY_SPEC as never, seed: 1, train: { split: 'train', n: 96 }, val: { split: 'val', n: 64 } },
    seed: 0,
    threads: 1,
    ...overrides,
  };
}

const made: string[] = [];
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary folder for a test's runs, removed after the test file. */
export function tempDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `nodulab-train-${prefix}-`));
  made.push(d);
  return d;
}
