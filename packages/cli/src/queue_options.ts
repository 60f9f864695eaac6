// The options `nodulab study --queue` and `nodulab worker` share to reach the queue: the URL, TLS files,
// a password file and a manifest key file (secrets come from files or the environment, never from argv),
// read into the study package's QueueConnection. A URL or file that cannot be used is a usage error.
import * as fs from 'fs';
import {
  QueueConnection,
  QueueUrlError,
  SecretError,
  parseRedisUrl,
  redisOptions,
  queueKey,
  urlHasPassword,
} from '@nodulab/study';
import { OptionSpecs, ParsedOptions, UsageError } from './args';

/** The connection options of both commands (--queue itself is described by each). */
export const QUEUE_CONNECTION_OPTIONS = {
  'tls-ca': {
    type: 'string',
    description: 'with rediss://: PEM file of the CA that signed the Redis server certificate',
  },
  'tls-cert': { type: 'string', description: 'with rediss://: PEM file of a client certificate (with --tls-key)' },
  'tls-key': { type: 'string', description: "with rediss://: PEM file of the client certificate's key" },
  'redis-password-file': {
    type: 'string',
    description: 'file whose first line is the Redis password (default: NODULAB_REDIS_PASSWORD)',
  },
  'queue-key-file': {
    type: 'string',
    description:
      'file whose first line is the key that signs and checks unit manifests (default: NODULAB_QUEUE_KEY_FILE, NODULAB_QUEUE_KEY)',
  },
} as const satisfies OptionSpecs;

/** The queue connection and manifest key file of parsed options, checked now (files read, URL parsed). */
export function queueConnection(url: string, o: ParsedOptions): QueueConnection & { keyFile?: string } {
  const conn = {
    url,
    tlsCa: o['tls-ca'] as string | undefined,
    tlsCert: o['tls-cert'] as string | undefined,
    tlsKey: o['tls-key'] as string | undefined,
    passwordFile: o['redis-password-file'] as string | undefined,
    keyFile: o['queue-key-file'] as string | undefined,
  };
  try {
    parseRedisUrl(url);
    redisOptions(conn);
    queueKey(conn.keyFile);
  } catch (e) {
    if (e instanceof QueueUrlError || e instanceof SecretError) throw new UsageError(e.message);
    throw e;
  }
  if (urlHasPassword(url))
    process.stderr.write(
      'warning: the password in --queue can be read by any user of this machine in the process list; ' +
        'use NODULAB_REDIS_PASSWORD or --redis-password-file\n',
    );
  return conn;
}

/** The option names above, for a command's check that they come with --queue. */
export const QUEUE_CONNECTION_NAMES = Object.keys(QUEUE_CONNECTION_OPTIONS);

/** Throws a UsageError when `file` (a folder option) exists and is not a folder. */
export function checkFolderOption(name: string, dir: string): void {
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new UsageError(`--${name} ${dir}: not a folder`);
}
