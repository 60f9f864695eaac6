// The registry of studies: the CLI, the queue worker, the JSON Schema emitter and the docs iterate it.
// Adding a study is its folder under studies/ and one line here.
import type { AnyStudy } from './framework';
import { calibrationOod } from './studies/calibration_ood/study';
import { hardSamples } from './studies/hard_samples/study';
import { learnability } from './studies/learnability/study';
import { lossGeneralization } from './studies/loss_generalization/study';
import { pretrainingRobustness } from './studies/pretraining/study';

/** Every study, in the order `nodulab study --help` lists them; the first is the default. */
export const STUDIES: readonly AnyStudy[] = [
  lossGeneralization,
  learnability,
  hardSamples,
  pretrainingRobustness,
  calibrationOod,
];

/** The names of the registered studies. */
export const studyNames = (): string[] => STUDIES.map((s) => s.name);

/** The study called `name`; throws naming the registered ones otherwise. */
export function studyNamed(name: string): AnyStudy {
  const s = STUDIES.find((x) => x.name === name);
  if (!s) throw new Error(`unknown study '${name}' (studies: ${studyNames().join(', ')})`);
  return s;
}
