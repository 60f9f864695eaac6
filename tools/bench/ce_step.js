// The training step the event-loop and memory benches time: NoduleNet3D with cross-entropy and SGD
// momentum at the given batch and threads; returns the packages, the resolved config and its objective.
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
  return { T, TR, config, objective: TR.planStages(config)[0].objective };
}

module.exports = { nodulenetCeStep };
