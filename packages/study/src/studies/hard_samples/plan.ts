// The hard-samples study's grid, per seed: its data record; one unit per dense classifier (with its pruned
// copies); per setting its training boxes (targets), one unit per dense localizer (with its pruned copies) and one
// per retrained arm, which needs every localizer of its setting (their divergence picks the HTL samples).
import { HardSamplesUnit, RETRAINED_ARMS } from './results';
import type { HardSamplesSpec } from './spec';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** The units of `spec`, every unit after the units it needs. */
export function hardSamplesPlan(spec: Pick<HardSamplesSpec, 'seeds' | 'models' | 'settings'>): HardSamplesUnit[] {
  const units: HardSamplesUnit[] = [];
  for (const seed of spec.seeds) {
    const s = `s${seed}`;
    units.push({ id: `${s}-data`, kind: 'data', seed });
    const classifiers = range(spec.models).map((model) => `${s}-cls${model}`);
    classifiers.forEach((id, model) => units.push({ id, kind: 'classifier', seed, model }));
    for (const setting of spec.settings) {
      const targets = `${s}-${setting}-targets`;
      units.push({
        id: targets,
        kind: 'targets',
        seed,
        setting,
        ...(setting === 'weak' ? { needs: classifiers } : {}),
      });
      // Supervised localizers train on the true boxes: they read nothing of the targets unit.
      const boxes = setting === 'supervised' ? [] : [targets];
      const localizers = range(spec.models).map((model) => `${s}-${setting}-loc${model}`);
      localizers.forEach((id, model) =>
        units.push({ id, kind: 'localizer', seed, setting, model, ...(boxes.length ? { needs: boxes } : {}) }),
      );
      for (const arm of RETRAINED_ARMS)
        units.push({ id: `${s}-${setting}-${arm}`, kind: 'arm', seed, setting, arm, needs: [...boxes, ...localizers] });
    }
  }
  return units;
}

/**
 * What determines a unit's bytes (its queue job's identity): the data unit reads the volume and the pool and test
 * sizes; a classifier unit reads neither the settings nor anything of the localizers, HTL selection or arms, so it
 * is trained once across specs that differ only there; every other unit reads the whole spec but the description
 * and the other seeds.
 */
export function hardSamplesUnitKey(spec: HardSamplesSpec, unit: HardSamplesUnit): unknown {
  const { description: _d, seeds: _s, ...rest } = spec;
  if (unit.kind === 'data') return { volume: spec.volume, n: spec.n, testN: spec.testN, unit };
  if (unit.kind === 'classifier') {
    const {
      models,
      settings: _st,
      localizerEpochs: _l,
      labeledFraction: _f,
      camThreshold: _c,
      htlFraction: _h,
      upweight: _u,
      miningFraction: _mf,
      ...read
    } = rest;
    // Independent pruned models take model seed models + k, so then the population size shapes the unit too.
    return { ...read, ...(spec.pruneFrom === 'scratch' ? { models } : {}), unit };
  }
  return { ...rest, unit };
}
