// The JSON nesting bound: deep text or values give "<source>: nested deeper than N", never a stack overflow;
// strings holding brackets do not count; ordinary documents pass.
import { MAX_JSON_DEPTH, checkJsonDepth, jsonValueDepth, parseJsonBounded } from '../../src';

const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);

describe('JSON nesting bound', () => {
  it.each([
    ['depth at the bound', deep(MAX_JSON_DEPTH), true],
    ['one deeper', deep(MAX_JSON_DEPTH + 1), false],
    ['a million deep', deep(1_000_000), false],
    ['objects', '{"a":'.repeat(80) + '1' + '}'.repeat(80), false],
    ['brackets inside strings', JSON.stringify({ s: '['.repeat(500), t: 'a\\"[[[' }), true],
  ])('%s', (_name, text, ok) => {
    if (ok) expect(() => checkJsonDepth(text, 'x.json')).not.toThrow();
    else expect(() => checkJsonDepth(text, 'x.json')).toThrow(`x.json: nested deeper than ${MAX_JSON_DEPTH}`);
  });

  it('parseJsonBounded names the source for bad and deep JSON', () => {
    expect(parseJsonBounded('{"a": [1, {"b": 2}]}', 'c.json')).toEqual({ a: [1, { b: 2 }] });
    expect(() => parseJsonBounded('{"a": ', 'c.json')).toThrow(/^c\.json: not valid JSON/);
    expect(() => parseJsonBounded(deep(100_000), 'c.json')).toThrow('c.json: nested deeper than 64');
  });

  it('measures parsed values without recursion', () => {
    expect(jsonValueDepth(3)).toBe(0);
    expect(jsonValueDepth({ a: [1, { b: [] }] })).toBe(4);
    expect(jsonValueDepth(JSON.parse(deep(1_000_000)))).toBe(MAX_JSON_DEPTH + 1);
  });
});
