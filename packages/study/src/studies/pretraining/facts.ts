// A seed's facts unit: the grade's learnability ceiling (a softmax probe on the true factors the grade rule
// reads, fitted on the seed's target training draw and scored on its test set) and what each test sample is
// (index, grade, diameter, satellite count) for the per-sample CSV; grades.npy in the unit folder. The factors
// are sampled without rendering.
import * as path from 'path';
import { NoduleGenerator, noduleGrade, writeNpy } from '@nodulab/data';
import type { UnitContext } from '../../framework/study';
import { gradeSpec, targetDataSeed, testDataSeed } from './data';
import { factorProbeScores } from './measure';
import type { FactsResult, FactsUnit, PretrainingUnitResult, SampleFacts } from './results';
import type { PretrainingSpec } from './spec';

/** The grades of the in-distribution test set, in the unit folder. */
export const GRADES_FILE = 'grades.npy';

/** Samples 0..n-1 of `split` of `gen`, as the CSV's descriptive columns. */
function sampleFacts(gen: NoduleGenerator, split: string, n: number): SampleFacts {
  const out: SampleFacts = { index: [], grade: [], diameter: [], satelliteCount: [] };
  for (let i = 0; i < n; i++) {
    const f = gen.factors(split, i).factors;
    out.index.push(i);
    out.grade.push(noduleGrade(f));
    out.diameter.push(f.diameter);
    out.satelliteCount.push(f.satelliteCount);
  }
  return out;
}

export async function runFactsUnit(
  spec: PretrainingSpec,
  unit: FactsUnit,
  ctx: UnitContext<PretrainingUnitResult>,
): Promise<FactsResult> {
  ctx.phase(`seed ${unit.seed}: the grade's learnability from its factors`);
  const trainGen = new NoduleGenerator(gradeSpec(spec), targetDataSeed(unit.seed));
  const testGen = new NoduleGenerator(gradeSpec(spec), testDataSeed(unit.seed));
  const factorProbe = await factorProbeScores(trainGen, testGen, spec.targetN, spec.valN, spec.testN);
  const samples = {
    test: sampleFacts(testGen, 'test', spec.testN),
    shift: sampleFacts(testGen, 'test-shift', spec.testN),
  };
  writeNpy(path.join(ctx.dir, GRADES_FILE), {
    dtype: 'int32',
    shape: [samples.test.grade.length],
    data: samples.test.grade,
  });
  return { kind: 'facts', seed: unit.seed, factorProbe, samples };
}
