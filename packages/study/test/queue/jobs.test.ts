// A queue job's payload is data, checked before a worker runs anything: a registered study, a spec that
// resolves, a unit of its plan, and a job id equal to the hash of that content (so a job cannot name the
// folder a worker writes into). Learnability's quick spec, resolved without training.
import { learnability } from '../../src/studies/learnability/study';
import { jobUnit, studyJobId } from '../../src/queue/jobs';

const spec = learnability.resolve(learnability.quick(learnability.defaultInput()));
const unit = learnability.plan(spec)[0];
const data = { study: 'learnability', spec, unit: unit.id };
const id = studyJobId(learnability, spec, unit);

describe('jobUnit', () => {
  it('returns the study, resolved spec, plan and unit of a well-formed job', () => {
    const j = jobUnit(data, id);
    expect(j.study).toBe(learnability);
    expect(j.unit).toEqual(unit);
    expect(j.plan.map((u) => u.id)).toEqual(learnability.plan(spec).map((u) => u.id));
  });

  it.each([
    ['an unregistered study', { ...data, study: 'nope' }, id, /unknown study 'nope'/],
    ['a spec that does not resolve', { ...data, spec: { seeds: 0 } }, id, /invalid study spec:[\s\S]*seeds/],
    ['a unit not in the plan', { ...data, unit: '../../etc' }, id, /has no unit '\.\.\/\.\.\/etc'/],
    ['a job id with a path in it', data, '../../important', /job id "\.\.\/\.\.\/important" refused/],
    ['a job id that is not its content hash', data, `unit-${'0'.repeat(64)}`, /job id 'unit-0{64}' is not the id/],
  ])('refuses %s', (_what, payload, jobId, message) => {
    expect(() => jobUnit(payload, jobId)).toThrow(message);
  });

  it('gives another id to another unit of the same spec', () => {
    const other = learnability.plan(spec)[1];
    expect(studyJobId(learnability, spec, other)).not.toBe(id);
    expect(() => jobUnit({ ...data, unit: other.id }, id)).toThrow(/is not the id/);
  });
});
