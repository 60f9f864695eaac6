// The calibration-ood study's step budget: the transfer regime fine-tunes on a fraction of the labels for as many
// optimizer steps as a dedicated model takes (more epochs over fewer volumes), read from the resolved run configs.
import { stepsPerEpoch } from '@nodulab/train';
import {
  CalibrationOodSpec,
  calibrationOod,
  optimizerSteps,
  studyRunConfig,
  transferEpochs,
  transferVolumes,
} from '../../../src/studies/calibration_ood';

const defaultSpec = (): CalibrationOodSpec => calibrationOod.resolve(calibrationOod.defaultInput());
const quickSpec = (): CalibrationOodSpec => calibrationOod.resolve(calibrationOod.quick(calibrationOod.defaultInput()));

/** The resolved configs of seed 0's dedicated seg-nodule model and its fine-tune on seg-vessels. */
function configs(spec: CalibrationOodSpec) {
  const dedicated = studyRunConfig(spec, 'dedicated', 0, ['seg-nodule'], spec.trainN, null);
  const transfer = studyRunConfig(
    spec,
    'transfer',
    0,
    ['seg-vessels'],
    transferVolumes(spec),
    null,
    transferEpochs(spec),
  );
  return { dedicated, transfer };
}

const withBudget = (trainN: number, fraction: number, batchSize: number, epochs: number): CalibrationOodSpec => {
  const d = defaultSpec();
  return { ...d, trainN, transfer: { ...d.transfer, fraction }, config: { ...d.config, batchSize, epochs } };
};

describe('the transfer step budget', () => {
  // (trainN, fraction, batch, epochs) -> dedicated steps, fine-tune epochs and steps, by hand: steps per epoch are
  // floor(n / min(batch, n)) (the last partial batch dropped), epochs the fewest reaching the dedicated steps.
  it.each([
    ['the default study', 64, 0.25, 8, 12, { dedicated: 96, epochs: 48, steps: 96 }],
    ['--quick sizes', 16, 0.25, 8, 5, { dedicated: 10, epochs: 10, steps: 10 }],
    ['half the labels', 64, 0.5, 8, 12, { dedicated: 96, epochs: 24, steps: 96 }],
    ['a partial last batch', 60, 0.3, 8, 12, { dedicated: 84, epochs: 42, steps: 84 }],
    ['steps that do not divide evenly', 64, 0.4, 8, 5, { dedicated: 40, epochs: 14, steps: 42 }],
  ] as const)('%s: trainN %d, fraction %d, batch %d, %d epochs', (_what, trainN, fraction, batch, epochs, want) => {
    const { dedicated, transfer } = configs(withBudget(trainN, fraction, batch, epochs));
    expect(optimizerSteps(dedicated)).toBe(want.dedicated);
    expect(transfer.epochs).toBe(want.epochs);
    expect(optimizerSteps(transfer)).toBe(want.steps);
    // Never fewer steps than the dedicated model, and less than one more epoch's worth.
    expect(optimizerSteps(transfer)).toBeGreaterThanOrEqual(optimizerSteps(dedicated));
    expect(optimizerSteps(transfer) - optimizerSteps(dedicated)).toBeLessThan(stepsPerEpoch(transfer));
  });

  it('is not the fraction of the steps that the spec epochs over fewer volumes would give', () => {
    const spec = defaultSpec();
    const sameEpochs = studyRunConfig(spec, 'transfer', 0, ['seg-vessels'], transferVolumes(spec), null);
    const { dedicated, transfer } = configs(spec);
    expect(optimizerSteps(sameEpochs)).toBe(optimizerSteps(dedicated) / 4);
    expect(optimizerSteps(transfer)).toBe(optimizerSteps(dedicated));
    const quick = configs(quickSpec());
    expect(optimizerSteps(quick.transfer)).toBe(optimizerSteps(quick.dedicated));
  });
});
