// The planted hard subgroup with trained models: a training set in which a known fifth of the nodules is made tiny and
// faint must show that fifth over-represented among the hard-to-learn (HTL) samples that pruning exposes, found with
// the study's own code (trainPopulation, classificationPie, selectHtl, subgroupHtlRates); the same set without the
// planted nodules must not.
//
// Design, fixed before the first run:
// - Data: the `iid` preset (malignant <=> lobulated or spiculated margin, separation 1.5) at 16^3 and 2 mm, dataset
//   seed 1000, 320 training samples. In the planted set every fifth sample (index % 5 === 0, 64 of 320, interleaved so
//   that no ordering can favour them) comes from the split "hard-planted", whose only change is two factor ranges:
//   diameter 2-3 mm (1-1.5 voxels, against 6-14 mm otherwise) and attenuation -780 to -720 HU (70-130 HU above the
//   -850 HU parenchyma, against ~880 HU for a default solid nodule). The label rule and its margin distributions are
//   untouched, but at that size and contrast the lobulation is sub-voxel and the spicules are about one voxel wide at
//   roughly the noise level (10-25 HU plus parenchyma texture), so the label's evidence is near invisible: hard, not
//   impossible. The control set is the same 320 indices all from the "train" split (same seeds, same size), so its
//   slots 0, 5, 10, ... hold ordinary nodules.
// - Models, as the study trains them (its default spec: NoduleNet3D width 0.5, Adam 3e-3, batch 32, its exact
//   augmentation): 3 dense classifiers (model seeds 0-2) for 10 epochs (100 steps; `nodulab study learnability` put CE
//   at 0.90 balanced accuracy after ~80 such steps), each pruned one-shot to sparsity 0.9 (global magnitude; 0.7 after
//   the correction below) and fine-tuned the study's default 1 epoch: 6 models per set, 12 in all, 1 thread.
// - HTL: with one sparsity a sample's PIE score is 0 or 1, so HTL = every PIE (score > 0); the study's top-10% rule
//   would break the ties among equal scores by index.
// - Assertions: planted — the subgroup's HTL rate is > 2x the population's and its Wilson 95% lower bound lies above
//   the population rate, and the dense models are worse on it than on the rest (the subgroup really is hard);
//   control — the HTL set is not empty (subgroupHtlRates throws on an empty one) and the same slots' Wilson lower bound
//   does not exceed the population rate. The slots are checked against the factor record: in the planted set they are
//   exactly the samples under 4 mm and below -600 HU, in the control no sample is.
// First run (sparsity 0.9): the subgroup was hard (dense training accuracy 0.583 on it, 0.857 on the rest; dense test
// balanced accuracy 0.873), but the pruned models disagreed with the dense ones on a third of everything: planted PIE
// 105/320 (population rate 0.328, slots 24/64 = 0.375 [0.267, 0.497], ratio 1.14, failed); control PIE 33/320 (rate
// 0.103, slots 5/64, ratio 0.76). PIE presumes pruned models that keep the dense top-line accuracy (Hooker et al.
// fine-tune to recovery), so that they differ only where the dense models are unsure; one-shot 0.9 with the study's
// one fine-tuning epoch did not recover on this set (81 of the 256 ordinary samples flipped).
// One correction, decided from that and run once: sparsity 0.9 -> 0.7 (the next sparsity); all else unchanged.
// The pruned models' training accuracy is now printed beside the dense models'.
// Second run (sparsity 0.7; identical on a rerun): planted PIE 64/320 (rate 0.200), slots 19/64 = 0.297 [0.199, 0.418],
// ratio 1.48: short of the bar (> 2x, lower bound above 0.200). Control PIE 25/320 (0.078), slots 3/64, ratio 0.60.
// The pruned models still had not recovered: training accuracy 0.638 on the ordinary samples against the dense 0.857,
// test balanced accuracy 0.642 against 0.873.
// That pointed at the study, not the test: its pruned models were fine-tuned at the dense learning rate (Adam 3e-3,
// restarted), which on the default study's cosine-converged classifiers also took them to chance. The study now
// fine-tunes at a tenth of the dense rate (spec.fineTuneLrScale; see populations.ts). Third run, this file unchanged,
// the study fixed: the pruned models keep the dense accuracy (training 0.868 on the ordinary samples against 0.857,
// test balanced accuracy 0.875 against 0.873); planted PIE 48/320 (rate 0.150), slots 18/64 = 0.281 [0.186, 0.401],
// ratio 1.875; control PIE 25/320 (0.078), slots 4/64, ratio 0.80. The subgroup is over-represented (its Wilson lower
// bound lies above the population rate) but short of the > 2x bar set before the first run.
// The bar is not lowered; the method changes. PIE compares the modal classes of two populations, and 3 models per
// population make a modal class that one model's noise can flip, so ordinary samples become PIE by chance and dilute
// the subgroup. Hooker et al. used populations of 30. Fourth run: 15 models per population (odd, so a binary modal
// class has no ties; half the paper's 30 to keep the check to minutes), decided before running it; data, training,
// sparsity 0.7 and every bar unchanged: 30 models per set, 60 in all, 1 thread. Fourth run: planted PIE 49/320
// (rate 0.153), slots 19/64 = 0.297 [0.199, 0.418], ratio 1.939; control ratio 0.588. The pruned models had not kept
// the dense accuracy across 15 model seeds (test balanced accuracy 0.807 against 0.881, failing the premise check by
// 0.074), and their errors on ordinary samples are PIE noise. Fifth run: the pruned models are fine-tuned 3 epochs
// instead of 1 (fineTuneEpochs), so that they recover as PIE presumes; all else unchanged. Fifth run: the premise
// holds (pruned test balanced accuracy 0.860 against the dense 0.881), but planted PIE falls to 27/320 (rate 0.084),
// slots 8/64 = 0.125 [0.065, 0.228], ratio 1.481, Wilson lower bound below the population rate; control ratio 0.694.
// Recovered pruned models stay close to the dense models they were fine-tuned from, on the planted nodules too
// (training accuracy there 0.578 against 0.574): both populations get the near-invisible subgroup wrong the same
// way, and PIE only flags disagreement between them. A finding, not a bar to move: one-shot pruning with fine-tuning
// does not expose this subgroup at 2x. The test keeps the 3-epoch fine-tuning (the premise is a control and must
// hold) and records the shortfall with `it.failing`, which fails the day the method meets the bar. What might: pruned
// populations trained independently (gradual pruning from scratch, as Hooker et al. do).
// Sixth run: the study gains pruneFrom 'scratch' (each pruned model trained from its own initialisation, model seed
// 15 + k, with gradual magnitude pruning to 0.7 from epoch 2 to 8 of the dense 10 epochs, at the dense learning
// rate), and this test uses it; 15 models per population and every bar unchanged. Sixth run: the premise holds
// (pruned test balanced accuracy 0.858 against 0.881), planted PIE 24/320 (rate 0.075), slots 5/64 = 0.078
// [0.034, 0.170], ratio 1.042; control ratio 1.190. Independent populations agree on the planted nodules as well:
// both get them wrong the same way (training accuracy there 0.547 pruned, 0.574 dense). PIE flags samples whose
// prediction depends on capacity; a subgroup every model misreads alike is hard, but not pruning-identified. Three
// population designs, the same shortfall: the finding stands, the assertion stays `it.failing`.
// Seventh design, decided before running it: the dense models of every run so far had not fitted the planted nodules
// (training accuracy 0.57 there): nothing was memorised, so there was nothing for pruning to forget, and Hooker et al.
// trained their populations to fit the training set. Every model now trains 30 epochs (3x) without augmentation, so
// the dense models can fit their 320 samples, with the populations, the gradual pruning (now epochs 6 to 24), the
// data and every bar unchanged. Seventh run (11 min, 1 thread): PIE was empty in the planted set (0 of 320 samples,
// so subgroupHtlRates refused it): both populations fitted every training sample, the planted ones included, and
// their modal classes agreed everywhere. A model at 0.7 sparsity still has the capacity to memorise 320 volumes, so
// fitting the training set removes the capacity gap PIE reads. The test keeps the sixth design (10 epochs with the
// study's augmentation), whose numbers it records; the finding stands.
// Since the study runs through runStudy, this check of the science runs only with NODULAB_SCIENCE_TESTS=1 (the
// study's one end-to-end test is run_study.test.ts).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConcatDataset, DatasetSpec, SyntheticDataset, Subset, preset } from '@nodulab/data';
import { setNumThreads } from '@nodulab/tensor';
import {
  HardSamplesSpec,
  ModelOutputs,
  SubgroupHtlRates,
  classificationPie,
  resolveHardSamplesSpec,
  selectHtl,
  subgroupHtlRates,
  trainPopulation,
} from '../../../src';

jest.setTimeout(1_800_000);

const N = 320;
const DATA_SEED = 1000;
const SPARSITY = 0.7;
/** Models per population (dense, and pruned at SPARSITY). */
const MODELS = 15;
const inSlot = (i: number) => i % 5 === 0;
const SLOT = 'planted slot';

/** The iid preset at 16^3, 2 mm, with the planted subgroup's split: tiny, faint nodules. */
const SPEC: DatasetSpec = {
  ...preset('iid'),
  name: 'iid-planted-hard',
  volume: { shape: [16, 16, 16], spacing: [2, 2, 2] },
  splits: { 'hard-planted': { factors: { diameter: { uniform: [2, 3] }, attenuation: { uniform: [-780, -720] } } } },
};

/** The study's default spec with 15 models per population pruned independently, one sparsity, 10 classifier epochs. */
const STUDY: HardSamplesSpec = resolveHardSamplesSpec({
  models: MODELS,
  sparsities: [SPARSITY],
  pruneFrom: 'scratch',
  volume: SPEC.volume,
  classifier: { n: N, config: { epochs: 10 } },
  threads: 1,
});

/**
 * Trained models run only with NODULAB_SCIENCE_TESTS=1 (60 models, minutes): the study's
 * one end-to-end test is run_study.test.ts; this one checks the science, not the code.
 */
const science = process.env.NODULAB_SCIENCE_TESTS === '1' ? describe : describe.skip;

/** The training set: every fifth sample from the planted split when `planted`, the rest (or all) from "train". */
function trainingSet(planted: boolean): Subset {
  const base = new SyntheticDataset(SPEC, DATA_SEED, 'train', N, { cache: true });
  const hard = new SyntheticDataset(SPEC, DATA_SEED, 'hard-planted', N, { cache: true });
  const indices = Array.from({ length: N }, (_, i) => (planted && inSlot(i) ? N + i : i));
  return new Subset(new ConcatDataset([base, hard]), indices);
}

interface Outcome {
  rates: SubgroupHtlRates;
  pieCount: number;
  /** Dense models' mean accuracy on their training samples, in the slots and elsewhere; mean test balanced accuracy. */
  denseAccuracy: { slot: number; rest: number; test: number };
  /** The same for the pruned models. */
  prunedAccuracy: { slot: number; rest: number; test: number };
  /** Samples in the factor bin "diameter < 4 mm and attenuation < -600 HU": all in slots, and how many. */
  bin: { count: number; allInSlots: boolean };
}

/** Trains the populations on one training set as the study does and rates the slots among its PIE samples. */
async function runSet(planted: boolean, root: string): Promise<Outcome> {
  const train = trainingSet(planted);
  const sets = { train, val: new SyntheticDataset(SPEC, DATA_SEED, 'val', 64, { cache: true }) };
  const test = new SyntheticDataset(SPEC, DATA_SEED, 'test', 64, { cache: true });
  const ctx = { phase: () => undefined, progress: () => undefined };
  const models: ModelOutputs[] = [];
  for (let k = 0; k < STUDY.models; k++)
    models.push(...(await trainPopulation(STUDY, 0, 'ce', k, sets, { pool: train, test }, root, ctx)));
  const dense = models.filter((m) => m.sparsity === 0);
  const pruned = models.filter((m) => m.sparsity > 0);
  const pie = classificationPie({
    dense: dense.map((m) => m.train.classes!),
    pruned: [{ sparsity: SPARSITY, models: pruned.map((m) => m.train.classes!) }],
  });
  const htl = selectHtl(pie.score, { threshold: 0 }, { allowEmpty: true });
  const groups = Array.from({ length: N }, (_, i) => (inSlot(i) ? SLOT : 'other'));
  const items = Array.from({ length: N }, (_, i) => train.get(i));
  const accuracy = (models: ModelOutputs[]) => {
    const on = (keep: (i: number) => boolean) => {
      let right = 0;
      let n = 0;
      for (const m of models)
        m.train.classes!.forEach((c, i) => {
          if (!keep(i)) return;
          n++;
          if (c === items[i].label) right++;
        });
      return right / n;
    };
    const test = models.reduce((s, m) => s + m.test.metrics!.balancedAccuracy, 0) / models.length;
    return { slot: on(inSlot), rest: on((i) => !inSlot(i)), test };
  };
  const inBin = items.map((it) => it.factors!.diameter < 4 && it.factors!.attenuation < -600);
  return {
    rates: subgroupHtlRates(htl, groups),
    pieCount: pie.perSparsity[0].count,
    denseAccuracy: accuracy(dense),
    prunedAccuracy: accuracy(pruned),
    bin: { count: inBin.filter(Boolean).length, allInSlots: inBin.every((b, i) => b === inSlot(i)) },
  };
}

function describeOutcome(name: string, o: Outcome): string {
  const g = o.rates.groups.find((x) => x.group === SLOT)!;
  const f = (v: number) => v.toFixed(3);
  const acc = (a: Outcome['denseAccuracy']) =>
    `training accuracy slots ${f(a.slot)}, rest ${f(a.rest)}, test balanced accuracy ${f(a.test)}`;
  return (
    `${name}: PIE ${o.pieCount}/${N}, population HTL rate ${f(o.rates.populationRate)}; slots ${g.htl}/${g.n} = ` +
    `${f(g.rate.rate)} [${f(g.rate.lower)}, ${f(g.rate.upper)}], ratio ${f(g.ratio)}; dense ${acc(o.denseAccuracy)}; ` +
    `pruned ${acc(o.prunedAccuracy)}`
  );
}

science(
  'planted with trained models: tiny, faint nodules are over-represented among pruning-identified HTL samples',
  () => {
    let root: string;
    let planted: Outcome;
    let control: Outcome;

    beforeAll(async () => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-planted-htl-'));
      setNumThreads(1);
      const t0 = Date.now();
      planted = await runSet(true, path.join(root, 'planted'));
      control = await runSet(false, path.join(root, 'control'));
      console.log(
        `${describeOutcome('planted', planted)}\n${describeOutcome('control', control)}\n` +
          `${4 * MODELS} models in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      );
    });
    afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

    it('plants exactly the slots: they are the tiny, faint factor bin, which the control set does not hold', () => {
      expect(planted.bin).toEqual({ count: N / 5, allInSlots: true });
      expect(control.bin.count).toBe(0);
    });

    it('makes the planted subgroup hard for the dense models', () => {
      expect(planted.denseAccuracy.slot).toBeLessThan(planted.denseAccuracy.rest - 0.1);
    });

    it('keeps the pruned models about as accurate as the dense ones (the premise of PIE)', () => {
      expect(Math.abs(planted.prunedAccuracy.test - planted.denseAccuracy.test)).toBeLessThan(0.05);
      expect(Math.abs(control.prunedAccuracy.test - control.denseAccuracy.test)).toBeLessThan(0.05);
    });

    // The bar set before the first run, unmet by the method (see the header): `failing` until the method meets it.
    it.failing(
      'over-represents the planted subgroup among HTL samples: ratio > 2, Wilson bound above the population',
      () => {
        const g = planted.rates.groups.find((x) => x.group === SLOT)!;
        expect(g.rate.lower).toBeGreaterThan(planted.rates.populationRate);
        expect(g.ratio).toBeGreaterThan(2);
      },
    );

    it('control: HTL samples exist, and the same slots holding ordinary nodules are not over-represented', () => {
      expect(control.rates.htl).toBeGreaterThan(0);
      const g = control.rates.groups.find((x) => x.group === SLOT)!;
      expect(g.rate.lower).toBeLessThanOrEqual(control.rates.populationRate);
    });
  },
);
