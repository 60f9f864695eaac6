// Who is hard to learn: the HTL rate of each subgroup (a factor bin: diameter, density type, ...) with its
// Wilson 95% interval against the population's HTL rate, and its over-representation ratio.
import { proportionCI, ProportionCI } from '@nodulab/eval';

/** One subgroup's HTL rate. */
export interface SubgroupHtlRate {
  group: string;
  /** Samples in the subgroup and how many of them are HTL. */
  n: number;
  htl: number;
  /** htl / n with its Wilson interval. */
  rate: ProportionCI;
  /** rate / the population's HTL rate: > 1 means over-represented among HTL samples. */
  ratio: number;
  /** The subgroup's share of all HTL samples. */
  share: number;
}

/** What {@link subgroupHtlRates} returns. */
export interface SubgroupHtlRates {
  n: number;
  htl: number;
  populationRate: number;
  groups: SubgroupHtlRate[];
}

/**
 * The HTL rate per subgroup: `htl` flags (1 = HTL) and `groups` (each sample's subgroup, e.g. its diameter
 * bin) of the same N samples. Groups are listed in order of first appearance. Throws when no sample is HTL
 * (there is nothing to compare subgroups by), on unpaired inputs or a flag that is not 0 or 1.
 */
export function subgroupHtlRates(
  htl: ArrayLike<number>,
  groups: ArrayLike<string | number>,
  level = 0.95,
): SubgroupHtlRates {
  const op = 'subgroupHtlRates';
  if (!htl || !groups || htl.length !== groups.length)
    throw new Error(`${op}: htl has ${htl?.length} flags but groups has ${groups?.length} entries`);
  const n = htl.length;
  if (n === 0) throw new Error(`${op}: no samples`);
  const tally = new Map<string, { n: number; htl: number }>();
  let total = 0;
  for (let i = 0; i < n; i++) {
    const f = htl[i];
    if (f !== 0 && f !== 1) throw new Error(`${op}: htl[${i}] = ${f} is not 0 or 1`);
    const key = String(groups[i]);
    const t = tally.get(key) ?? { n: 0, htl: 0 };
    t.n++;
    t.htl += f;
    tally.set(key, t);
    total += f;
  }
  if (total === 0) throw new Error(`${op}: the HTL set is empty (0 of ${n} samples), so no subgroup can be compared`);
  const populationRate = total / n;
  return {
    n,
    htl: total,
    populationRate,
    groups: [...tally].map(([group, t]) => ({
      group,
      n: t.n,
      htl: t.htl,
      rate: proportionCI(t.htl, t.n, level),
      ratio: t.htl / t.n / populationRate,
      share: t.htl / total,
    })),
  };
}
