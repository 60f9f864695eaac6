// The manifest key: from a file (option, then NODULAB_QUEUE_KEY_FILE) or NODULAB_QUEUE_KEY, at least 16 bytes.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { queueKey } from '../../src/queue/secrets';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-key-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('queueKey', () => {
  const keyFile = path.join(dir, 'key');
  fs.writeFileSync(keyFile, 'k'.repeat(32) + '\n');

  it('reads the option file, then NODULAB_QUEUE_KEY_FILE, then NODULAB_QUEUE_KEY; null without any', () => {
    expect(queueKey(keyFile, { NODULAB_QUEUE_KEY: 'e'.repeat(20) })).toEqual(Buffer.from('k'.repeat(32)));
    expect(queueKey(undefined, { NODULAB_QUEUE_KEY_FILE: keyFile })).toEqual(Buffer.from('k'.repeat(32)));
    expect(queueKey(undefined, { NODULAB_QUEUE_KEY: 'e'.repeat(20) })).toEqual(Buffer.from('e'.repeat(20)));
    expect(queueKey(undefined, {})).toBeNull();
  });

  it('refuses a short key and an unreadable file', () => {
    expect(() => queueKey(undefined, { NODULAB_QUEUE_KEY: 'short' })).toThrow(
      /queue key \(NODULAB_QUEUE_KEY\): 5 bytes; use at least 16/,
    );
    expect(() => queueKey(path.join(dir, 'missing'), {})).toThrow(/queue key file .*missing: cannot be read/);
  });
});
