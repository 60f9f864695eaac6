// Queue URLs and connection options: redis:// and rediss:// parse, query parameters are refused rather than
// ignored, TLS files need rediss://, and the password comes from a file or NODULAB_REDIS_PASSWORD.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { displayUrl, parseRedisUrl, redisOptions, urlHasPassword } from '../../src/queue/connection';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-conn-'));
const file = (name: string, text: string): string => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('parseRedisUrl', () => {
  it.each([
    ['redis://127.0.0.1:7000', { host: '127.0.0.1', port: 7000, tls: false }],
    ['rediss://redis.lab:6380/2', { host: 'redis.lab', port: 6380, db: 2, tls: true }],
    ['redis://u:p%40ss@h', { host: 'h', port: 6379, tls: false, username: 'u', password: 'p@ss' }],
  ])('reads %s', (url, expected) => {
    expect(parseRedisUrl(url)).toEqual(expected);
  });

  it.each([
    ['http://h:1', /expected a redis:\/\/ or rediss:\/\/ \(TLS\) URL/],
    ['redis://h:1/?tls=true', /query parameters \(\?tls=true\) are not read; use rediss:\/\/ for TLS/],
    ['rediss://u:secret@h:1?tls=false', /^--queue rediss:\/\/u:\*\*\*@h:1\?tls=false: query parameters/],
    ['redis://h:1/x', /database 'x' is not a number/],
    ['not a url', /not a URL/],
  ])('refuses %s', (url, message) => {
    expect(() => parseRedisUrl(url)).toThrow(message);
  });
});

describe('redisOptions', () => {
  const pem = file('ca.pem', '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');

  it('reads the TLS files of a rediss:// URL', () => {
    const o = redisOptions({ url: 'rediss://h:1', tlsCa: pem, tlsCert: pem, tlsKey: pem }, {});
    expect(o.tls?.ca).toEqual(fs.readFileSync(pem));
    expect(o.tls?.cert).toEqual(fs.readFileSync(pem));
    expect(o.tls?.key).toEqual(fs.readFileSync(pem));
    expect(redisOptions({ url: 'rediss://h:1' }, {}).tls).toEqual({});
    expect(redisOptions({ url: 'redis://h:1' }, {}).tls).toBeUndefined();
  });

  it.each([
    [
      'TLS files with redis://',
      { url: 'redis://h:1', tlsCa: pem },
      /--tls-ca given for redis:\/\/h:1: TLS files need a rediss:\/\/ URL/,
    ],
    ['a certificate without its key', { url: 'rediss://h:1', tlsCert: pem }, /--tls-cert and --tls-key go together/],
    ['a missing CA file', { url: 'rediss://h:1', tlsCa: path.join(dir, 'nope') }, /--tls-ca .*nope: cannot be read/],
    ['an empty password file', { url: 'redis://h:1', passwordFile: file('empty', '\n') }, /the first line is empty/],
  ])('refuses %s', (_what, conn, message) => {
    expect(() => redisOptions(conn, {})).toThrow(message);
  });

  it('takes the password from its file, else NODULAB_REDIS_PASSWORD, else the URL', () => {
    const pw = file('pw', 'from-file\nignored\n');
    const env = { NODULAB_REDIS_PASSWORD: 'from-env' };
    expect(redisOptions({ url: 'redis://:from-url@h:1', passwordFile: pw }, env).password).toBe('from-file');
    expect(redisOptions({ url: 'redis://:from-url@h:1' }, env).password).toBe('from-env');
    expect(redisOptions({ url: 'redis://:from-url@h:1' }, {}).password).toBe('from-url');
    expect(redisOptions({ url: 'redis://h:1' }, {}).password).toBeUndefined();
  });

  it('masks the password in messages and says when the URL carries one', () => {
    expect(displayUrl('rediss://user:s3cret@h:1/0')).toBe('rediss://user:***@h:1/0');
    expect(urlHasPassword('redis://user:s3cret@h:1')).toBe(true);
    expect(urlHasPassword('redis://user@h:1')).toBe(false);
  });
});
