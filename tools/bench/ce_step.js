// The training step the event-loop and memory benches time: NoduleNet3D with cross-entropy and SGD
// momentum at the given batch and threads; returns the packages, the resolved config, its stages and objective.
'use strict';

/** @param {{ batch: number, threads: number }} a */
function nodulenetCeStep(a) {
  const T = require('@nodulab/tensor');
  const TR = require('@nodulab/train');
  const config = TR.resolveRunConfig({
    loss: 'ce',
    model: { kind: 'nodulenet3d' },
    batchSize: a.batch,
    threads: a.threads,
    optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9 },
  });
  T.setNumThreads(a.threads);
  const stages = TR.planStages(config);
  return { T, TR, config, stages, objective: stages[0].objective };
}

module.exports = { nodulenetCeStep };
