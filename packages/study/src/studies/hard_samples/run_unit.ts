// Runs one unit of the hard-samples study into its folder, given only the spec, the unit and the finished units
// it needs (their folders and results): a queue worker on another machine runs it the same way.
import * as path from 'path';
import type { UnitContext } from '../../framework/study';
import { modelOutputs, seedData, trainModel, trainPopulation } from './populations';
import type {
  ArmResult,
  DataResult,
  HardSamplesUnit,
  HardSamplesUnitResult,
  PopulationResult,
  TargetsResult,
} from './results';
import { localizationHtl } from './seed_view';
import { randomSubset, settingSets, settingTargets } from './settings';
import { HardSamplesSpec, runConfigOf } from './spec';

type Ctx = UnitContext<HardSamplesUnitResult>;

/** The finished units of `kind` among ctx.needs, with their folders. */
function needed<T extends HardSamplesUnitResult>(ctx: Ctx, kind: T['kind']): { dir: string; result: T }[] {
  return [...ctx.needs.values()]
    .filter((n) => n.result.kind === kind)
    .map((n) => ({ dir: n.dir, result: n.result as T }));
}

/** The targets unit a localizer or arm of a non-supervised setting reads; the true boxes otherwise. */
function targetsOf(ctx: Ctx, unit: { setting: string }): Pick<TargetsResult, 'setting' | 'train' | 'val'> {
  if (unit.setting === 'supervised') return { setting: 'supervised', train: [], val: [] };
  const t = needed<TargetsResult>(ctx, 'targets')[0];
  if (!t) throw new Error(`hard-samples: the ${unit.setting} units need the setting's targets unit`);
  return t.result;
}

/** Runs `unit` of `spec` into ctx.dir and returns its result (JSON). */
export async function runHardSamplesUnit(
  spec: HardSamplesSpec,
  unit: HardSamplesUnit,
  ctx: Ctx,
): Promise<HardSamplesUnitResult> {
  const data = seedData(spec, unit.seed, ctx.cache);
  const evalOn = { pool: data.train, test: data.test };
  switch (unit.kind) {
    case 'data': {
      const factors = (set: typeof data.train) => Array.from({ length: set.length }, (_, i) => set.get(i).factors!);
      const r: DataResult = {
        kind: 'data',
        seed: unit.seed,
        factors: { train: factors(data.train), test: factors(data.test) },
      };
      return r;
    }
    case 'classifier': {
      const sets = { train: data.classTrain, val: data.val };
      const models = await trainPopulation(spec, unit.seed, 'ce', unit.model, sets, evalOn, ctx.dir, ctx);
      const r: PopulationResult = { kind: 'classifier', seed: unit.seed, setting: null, model: unit.model, models };
      return r;
    }
    case 'targets': {
      const dense = needed<PopulationResult>(ctx, 'classifier')
        .sort((a, b) => a.result.model - b.result.model)
        .map((c) => path.join(c.dir, c.result.models.find((m) => m.sparsity === 0)!.dir));
      const t = await settingTargets(unit.setting, spec, data, dense, ctx.dir, ctx);
      const r: TargetsResult = { kind: 'targets', seed: unit.seed, ...t };
      return r;
    }
    case 'localizer': {
      const sets = settingSets(data, targetsOf(ctx, unit));
      const models = await trainPopulation(spec, unit.seed, 'box', unit.model, sets, evalOn, ctx.dir, ctx);
      const r: PopulationResult = {
        kind: 'localizer',
        seed: unit.seed,
        setting: unit.setting,
        model: unit.model,
        models,
      };
      return r;
    }
    case 'arm': {
      const locs = needed<PopulationResult>(ctx, 'localizer').map((l) => l.result);
      if (locs.length !== spec.models)
        throw new Error(`hard-samples: arm ${unit.id} needs ${spec.models} localizer units, got ${locs.length}`);
      const htl = localizationHtl(spec, locs).htl;
      const random = randomSubset(
        spec.n,
        htl.reduce((a, b) => a + b, 0),
        7000 + unit.seed,
      );
      const upweighted =
        unit.arm === 'htl'
          ? htl
          : unit.arm === 'random'
            ? Array.from({ length: spec.n }, (_, i) => (random.has(i) ? 1 : 0))
            : new Array<number>(spec.n).fill(0);
      const extra = {
        sampleWeights: unit.arm === 'mining' ? null : upweighted.map((u) => (u ? spec.upweight : 1)),
        hardMining: unit.arm === 'mining' ? spec.miningFraction : null,
      };
      const sets = settingSets(data, targetsOf(ctx, unit));
      const name = `attend-${unit.arm}`;
      const dir = path.join(ctx.dir, name);
      ctx.phase(`${unit.setting} ${name} (seed ${unit.seed})`);
      const sizes = { train: sets.train.length, val: sets.val.length };
      // The baseline arm is dense localizer 0: the same config, init (model seed 0) and data order.
      await trainModel(runConfigOf(spec, unit.seed, 'box', name, 0, sizes, extra), dir, sets, ctx);
      const r: ArmResult = {
        kind: 'arm',
        seed: unit.seed,
        setting: unit.setting,
        arm: unit.arm,
        upweighted,
        ious: (await modelOutputs(dir, data.test)).ious!,
      };
      return r;
    }
  }
}
