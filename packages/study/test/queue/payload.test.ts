// What a worker accepts from Redis: job ids of one shape, and payloads of exactly {study, spec, unit} —
// a results path, a payload that is not JSON, or one too large is refused with the reason.
import { JOB_ID, PayloadError, UnparsablePayload, checkJobId, parsePayload } from '../../src/queue/payload';

const id = `unit-${'a'.repeat(64)}`;
const good = { study: 'learnability', spec: { seeds: [0] }, unit: 'ce-seed0' };

describe('checkJobId', () => {
  it('accepts the ids the coordinator makes', () => {
    expect(checkJobId(id)).toBe(id);
    expect(JOB_ID.test(id)).toBe(true);
  });

  it.each([['important'], ['unit-../x'], [`../${id}`], [`${id}/x`], [`unit-${'A'.repeat(64)}`], [''], [7]])(
    'refuses %p',
    (bad) => {
      expect(() => checkJobId(bad)).toThrow(PayloadError);
      expect(() => checkJobId(bad)).toThrow(/refused: a study job id is unit-<64 hex digits>/);
    },
  );
});

describe('parsePayload', () => {
  it('returns a payload of the schema', () => {
    expect(parsePayload(good, id, 1 << 20)).toEqual(good);
  });

  it.each([
    ['a results folder', { ...good, results: '/some/dir' }, /payload refused:\n {2}- results: unknown key/],
    ['a unit id with a path', { ...good, unit: '../x' }, /unit: must be a unit id/],
    ['a spec that is not an object', { ...good, spec: 'x' }, /spec: must be the study's resolved spec/],
    ['a study name with a path', { ...good, study: '../x' }, /study: must be a study name/],
    ['no payload at all', null, /payload: must be an object/],
    ['a payload that was not JSON', new UnparsablePayload('not JSON (Unexpected token)'), /payload refused: not JSON/],
  ])('refuses %s', (_what, data, message) => {
    expect(() => parsePayload(data, id, 1 << 20)).toThrow(message);
  });

  it('refuses a payload over the byte limit', () => {
    expect(() => parsePayload({ ...good, spec: { pad: 'x'.repeat(2000) } }, id, 1000)).toThrow(
      /payload refused: \d+ bytes \(at most 1000\)/,
    );
  });
});
