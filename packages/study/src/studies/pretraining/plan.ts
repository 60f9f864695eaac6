// The pretraining-robustness grid: the pretrained encoders (per pretraining run seed; supervised+X needs
// supervised), then per seed its facts (factor probe, test samples), every target model (initialisation ×
// mode × label fraction; each needs its encoder) and the full-label models' analyses (each needs its target
// and, for CKA, the fine-tuned scratch target of the seed).
import type { AnalysisUnit, FactsUnit, PretrainUnit, PretrainingUnit, TargetUnit } from './results';
import { fullFraction, pretrainSeed } from './spec';
import type { InitKind, PretrainedInit, PretrainingSpec, TrainMode } from './spec';

/** Pretrained initialisations in training order (a parent before the inits started from it). */
const PRETRAIN_ORDER: readonly PretrainedInit[] = [
  'supervised',
  'simclr',
  'moco',
  'supervised+simclr',
  'supervised+moco',
];

/** The initialisation a two-stage init starts from ('supervised' for 'supervised+simclr'), or null. */
export const parentOf = (init: PretrainedInit): PretrainedInit | null =>
  init.includes('+') ? (init.split('+')[0] as PretrainedInit) : null;

const slug = (init: string): string => init.replace('+', '-');

export const pretrainUnitId = (init: PretrainedInit, runSeed: number): string => `pretrain-${slug(init)}-s${runSeed}`;
export const factsUnitId = (seed: number): string => `facts-s${seed}`;
export const targetUnitId = (init: InitKind, mode: TrainMode, fraction: number, seed: number): string =>
  `target-${slug(init)}-${mode}-f${fraction}-s${seed}`;
export const analysisUnitId = (init: InitKind, mode: TrainMode, seed: number): string =>
  `analysis-${slug(init)}-${mode}-s${seed}`;

/** The (init, mode) pairs trained on the target; scratch is fine-tuned only (a probe needs an encoder to probe). */
export function combos(spec: Pick<PretrainingSpec, 'inits' | 'modes'>): { init: InitKind; mode: TrainMode }[] {
  return spec.inits.flatMap((init) =>
    spec.modes.filter((mode) => init !== 'scratch' || mode === 'finetune').map((mode) => ({ init, mode })),
  );
}

/** The encoders the spec's inits need (parents included), in training order. */
export function neededEncoders(spec: Pick<PretrainingSpec, 'inits'>): PretrainedInit[] {
  const needed = new Set<string>(
    spec.inits.flatMap((i) => (i === 'scratch' ? [] : [i, ...(parentOf(i) ? [parentOf(i)!] : [])])),
  );
  return PRETRAIN_ORDER.filter((i) => needed.has(i));
}

/** The encoder units of one pretraining run seed. */
function encoderUnits(spec: PretrainingSpec, runSeed: number): PretrainUnit[] {
  return neededEncoders(spec).map((init) => {
    const parent = parentOf(init);
    return {
      id: pretrainUnitId(init, runSeed),
      kind: 'pretrain',
      init,
      runSeed,
      ...(parent ? { needs: [pretrainUnitId(parent, runSeed)] } : {}),
    };
  });
}

/** The grid, every unit after the units it needs. */
export function planPretraining(spec: PretrainingSpec): PretrainingUnit[] {
  const out: PretrainingUnit[] = [];
  const full = fullFraction(spec);
  const pretrained = new Set<number>();
  for (const seed of spec.seeds) {
    const runSeed = pretrainSeed(spec, seed);
    if (!pretrained.has(runSeed)) {
      out.push(...encoderUnits(spec, runSeed));
      pretrained.add(runSeed);
    }
    const facts: FactsUnit = { id: factsUnitId(seed), kind: 'facts', seed };
    out.push(facts);
    for (const fraction of spec.labelFractions)
      for (const { init, mode } of combos(spec)) {
        const t: TargetUnit = {
          id: targetUnitId(init, mode, fraction, seed),
          kind: 'target',
          init,
          mode,
          fraction,
          seed,
        };
        if (init !== 'scratch') t.needs = [pretrainUnitId(init, runSeed)];
        out.push(t);
      }
    const scratch = targetUnitId('scratch', 'finetune', full, seed);
    for (const { init, mode } of combos(spec)) {
      const own = targetUnitId(init, mode, full, seed);
      const a: AnalysisUnit = {
        id: analysisUnitId(init, mode, seed),
        kind: 'analysis',
        init,
        mode,
        seed,
        needs: own === scratch ? [own] : [own, scratch],
      };
      out.push(a);
    }
  }
  return out;
}
