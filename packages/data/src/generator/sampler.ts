// Draws one sample's factor record from a resolved spec: target class, every factor from its own
// random stream (so changing one factor's distribution leaves the others' draws alone), the label
// from the rule, then the shortcut factors on the side that agrees with the label with probability rho.
import { sampleDistribution } from '../spec/distribution';
import { FACTOR_NAMES, FactorRecord } from '../spec/factors';
import { evaluateRule } from '../spec/rule';
import { stream } from './seed';
import { ResolvedSpec } from '../spec/spec';

/** The factor-level outcome of one sample. */
export interface SampledFactors {
  factors: FactorRecord;
  /** The label the rule gives these factors (0 or 1). */
  label: 0 | 1;
  /** The class the factors were drawn for (equals label when the spec's class distributions fit its rule). */
  targetClass: 0 | 1;
  /** Per shortcut factor: whether its side agrees with the label. */
  shortcutAgrees: Record<string, boolean>;
}

/** Samples the factors of the sample whose seed is `seed` (see sampleSeed). */
export function sampleFactors(spec: ResolvedSpec, seed: number): SampledFactors {
  const targetClass: 0 | 1 = stream(seed, 'class').uniform() < spec.classBalance ? 1 : 0;
  const dists = spec.classes[targetClass];
  const record: Record<string, unknown> = {};
  for (const name of FACTOR_NAMES) record[name] = sampleDistribution(dists[name], name, stream(seed, `factor:${name}`));
  const factors = record as unknown as FactorRecord;
  const label: 0 | 1 = evaluateRule(spec.labelRule, factors) ? 1 : 0;
  const shortcutAgrees: Record<string, boolean> = {};
  for (const s of spec.shortcuts) {
    const gen = stream(seed, `shortcut:${s.factor}`);
    const agrees = gen.uniform() < s.rho;
    const side = agrees ? label : 1 - label;
    record[s.factor] = sampleDistribution(s.distributions[side], s.factor, gen);
    shortcutAgrees[s.factor] = agrees;
  }
  return { factors, label, targetClass, shortcutAgrees };
}
