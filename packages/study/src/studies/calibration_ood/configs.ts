// The calibration-ood study's run configs (joint, dedicated, transfer) and the transfer regime's step budget:
// fine-tuning on a fraction of the labels takes as many optimizer steps as the dedicated model it is compared with
// (more epochs over fewer volumes), as a practitioner fine-tuning with few labels would, not that fraction of them.
import { RunConfig, resolveRunConfig, stepsPerEpoch } from '@nodulab/train';
import { deepMerge } from '../loss_generalization/spec';
import { dataSeed, datasetSpec } from './data';
import type { CalibrationOodSpec } from './results';

/**
 * The run config of one model of seed `seed`: trained on `datasets` (the first is preset index `first` in
 * spec.presets, the rest joint), `n` training volumes of each, from the checkpoint `init` (fine-tuning) or from
 * scratch; `epochs` overrides the spec's.
 */
export function studyRunConfig(
  spec: CalibrationOodSpec,
  name: string,
  seed: number,
  datasets: readonly string[],
  n: number,
  init: string | null,
  epochs?: number,
): RunConfig {
  const specs = datasets.map((d) => datasetSpec(spec, d));
  return resolveRunConfig(
    deepMerge(spec.config as Record<string, unknown>, {
      name: `calibration-ood/${name}`,
      loss: 'dice-ce',
      batchSize: Math.min(spec.config.batchSize ?? 8, n),
      seed,
      threads: spec.threads,
      ...(epochs === undefined ? {} : { epochs }),
      data: {
        spec: specs[0],
        joint: specs.length > 1 ? specs.slice(1) : null,
        seed: dataSeed(seed, spec.presets.indexOf(datasets[0])),
        train: { split: 'train', n },
        val: { split: 'val', n: spec.valN },
      },
      init: init ? { checkpoint: init, part: 'all', mode: 'finetune' } : null,
    }),
  );
}

/** Optimizer steps of a run: epochs × batches per epoch (@nodulab/train's rule: the last partial batch dropped). */
export function optimizerSteps(config: RunConfig): number {
  return config.epochs * stepsPerEpoch(config);
}

/** Labelled volumes of each fine-tuning target: `transfer.fraction` of `trainN`, rounded. */
export function transferVolumes(spec: CalibrationOodSpec): number {
  return Math.round(spec.transfer.fraction * spec.trainN);
}

/**
 * Epochs of the transfer fine-tuning: the fewest whose optimizer steps reach those of a dedicated model (trainN
 * volumes, the spec's epochs). With trainN 64, batch 8 and 12 epochs, a dedicated model takes 96 steps, and
 * fine-tuning on 16 volumes (2 batches an epoch) takes 48 epochs.
 */
export function transferEpochs(spec: CalibrationOodSpec): number {
  const source = spec.transfer.source;
  const dedicated = studyRunConfig(spec, 'step-budget', 0, [source], spec.trainN, null);
  const fewShot = studyRunConfig(spec, 'step-budget', 0, [source], transferVolumes(spec), null);
  return Math.ceil(optimizerSteps(dedicated) / stepsPerEpoch(fewShot));
}
