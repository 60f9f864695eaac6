// The checks every run makes before it starts: a plan whose unit ids are safe, unique folder names with every
// unit after the units it needs, and an empty study folder.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkEmptyOut, checkPlan, unitDir } from '../../src/framework/plan';

describe('checkPlan', () => {
  it('accepts units in dependency order', () => {
    expect(() => checkPlan('s', [{ id: 'a' }, { id: 'b-s0.x', needs: ['a'] }])).not.toThrow();
    expect(unitDir('b-s0.x')).toBe('runs/b-s0.x');
  });

  it.each([
    [[], /the plan has no units/],
    [[{ id: '../x' }], /unit id '\.\.\/x' is not a safe folder name/],
    [[{ id: '.hidden' }], /not a safe folder name/],
    [[{ id: 'a' }, { id: 'a' }], /unit id 'a' appears twice/],
    [[{ id: 'b', needs: ['a'] }, { id: 'a' }], /unit 'b' needs 'a', which does not come before it/],
  ])('refuses %j', (plan, message) => {
    expect(() => checkPlan('s', plan)).toThrow(message);
  });
});

describe('checkEmptyOut', () => {
  it('accepts a missing or empty folder and refuses one with files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-out-'));
    try {
      expect(() => checkEmptyOut('s', path.join(dir, 'new'))).not.toThrow();
      expect(() => checkEmptyOut('s', dir)).not.toThrow();
      fs.writeFileSync(path.join(dir, 'keep.txt'), 'x');
      expect(() => checkEmptyOut('s', dir)).toThrow(/is not empty; choose another --out/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
