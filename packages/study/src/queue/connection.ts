// Where the study queue lives and how to reach it: a redis:// or rediss:// (TLS) URL, the TLS files (the
// CA that signed the server's certificate, a client certificate and its key) and a password read from a
// file or NODULAB_REDIS_PASSWORD, assembled into ioredis options; and a reachability check that fails
// fast with an error naming the URL.
import * as fs from 'fs';
import IORedis from 'ioredis';
import type { ConnectionOptions as TlsOptions } from 'tls';
import { redisPassword } from './secrets';

/** The Redis connection options BullMQ's Queue, Worker and QueueEvents take. */
export interface RedisOptions {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  /** Set for rediss:// URLs: the server's certificate is checked against `ca` (default: the system's CAs). */
  tls?: TlsOptions;
}

/** How to reach the queue. The password never needs to be on the command line. */
export interface QueueConnection {
  /** redis://[user[:password]@]host[:port][/db], or rediss://... for TLS. No query parameters. */
  url: string;
  /** rediss:// only: PEM file of the CA that signed the server's certificate (default: the system's CAs). */
  tlsCa?: string;
  /** rediss:// only: PEM file of a client certificate, for a server that asks for one (needs tlsKey). */
  tlsCert?: string;
  /** rediss:// only: PEM file of the client certificate's private key (needs tlsCert). */
  tlsKey?: string;
  /** A file whose first line is the Redis password; else NODULAB_REDIS_PASSWORD; else the URL's password. */
  passwordFile?: string;
}

/** A queue URL or TLS option the user gave that cannot be used. */
export class QueueUrlError extends Error {}

/** What a queue URL says: where Redis is, and whether it speaks TLS. */
export interface ParsedRedisUrl extends Omit<RedisOptions, 'tls'> {
  tls: boolean;
}

/**
 * Parses `redis://host:port[/db]` or `rediss://host:port[/db]` (user and password optional); throws a
 * QueueUrlError naming the URL (its password masked). Query parameters are refused, not ignored: TLS is
 * asked for with rediss://, and its files are options of their own.
 */
export function parseRedisUrl(url: string): ParsedRedisUrl {
  const shown = displayUrl(url);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new QueueUrlError(`--queue ${shown}: not a URL; expected redis://host:port or rediss://host:port`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new QueueUrlError(`--queue ${shown}: expected a redis:// or rediss:// (TLS) URL`);
  if (u.search || u.hash)
    throw new QueueUrlError(
      `--queue ${shown}: query parameters (${u.search || u.hash}) are not read; use rediss:// for TLS, ` +
        '--tls-ca, --tls-cert and --tls-key for its files, NODULAB_REDIS_PASSWORD or --redis-password-file for the password',
    );
  if (!u.hostname) throw new QueueUrlError(`--queue ${shown}: no host`);
  const port = u.port === '' ? 6379 : Number(u.port);
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? undefined : Number(dbText);
  if (db !== undefined && !(Number.isInteger(db) && db >= 0))
    throw new QueueUrlError(`--queue ${shown}: database '${dbText}' is not a number`);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port,
    tls: u.protocol === 'rediss:',
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db !== undefined ? { db } : {}),
  };
}

/** The bytes of a TLS file option; throws naming the option and the file. */
function readTlsFile(file: string, option: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new QueueUrlError(`${option} ${file}: cannot be read: ${(e as Error).message}`);
  }
}

/**
 * The ioredis options of `conn`: its URL, TLS files (only with rediss://) and password (file, then
 * NODULAB_REDIS_PASSWORD from `env`, then the URL's). Throws a QueueUrlError naming what cannot be used.
 */
export function redisOptions(conn: QueueConnection, env: NodeJS.ProcessEnv = process.env): RedisOptions {
  const { tls, ...where } = parseRedisUrl(conn.url);
  const files = { '--tls-ca': conn.tlsCa, '--tls-cert': conn.tlsCert, '--tls-key': conn.tlsKey };
  const given = Object.entries(files).filter(([, f]) => f !== undefined);
  if (!tls && given.length)
    throw new QueueUrlError(
      `${given.map(([o]) => o).join(', ')} given for ${displayUrl(conn.url)}: TLS files need a rediss:// URL`,
    );
  if ((conn.tlsCert === undefined) !== (conn.tlsKey === undefined))
    throw new QueueUrlError('--tls-cert and --tls-key go together: a client certificate needs its key');
  let password: string | undefined;
  try {
    password = redisPassword(conn.passwordFile, env);
  } catch (e) {
    throw new QueueUrlError((e as Error).message);
  }
  return {
    ...where,
    ...(password !== undefined ? { password } : {}),
    ...(tls
      ? {
          tls: {
            ...(conn.tlsCa !== undefined ? { ca: readTlsFile(conn.tlsCa, '--tls-ca') } : {}),
            ...(conn.tlsCert !== undefined ? { cert: readTlsFile(conn.tlsCert, '--tls-cert') } : {}),
            ...(conn.tlsKey !== undefined ? { key: readTlsFile(conn.tlsKey, '--tls-key') } : {}),
          },
        }
      : {}),
  };
}

/** The URL without its password, for messages. */
export function displayUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/** Whether the URL itself carries a password (visible to every user of the machine in the process list). */
export function urlHasPassword(url: string): boolean {
  return displayUrl(url) !== url;
}

/**
 * Connects once to Redis with `options` (from redisOptions) and pings it; rejects with "cannot reach Redis
 * at <url>: <reason>" within timeoutMs (a refused TLS handshake or password included).
 */
export async function checkRedis(options: RedisOptions, url: string, timeoutMs = 5000): Promise<void> {
  const client = new IORedis({
    ...options,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // The socket's own error (e.g. ECONNREFUSED) says more than the "Connection is closed" connect() rejects with.
  let cause: Error | null = null;
  client.on('error', (e: Error) => (cause ??= e));
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    const why = (cause ?? (e as Error)).message || String(e);
    throw new Error(`cannot reach Redis at ${displayUrl(url)}: ${why}`);
  } finally {
    client.disconnect();
  }
}

/** Rejects with `message` when `p` has not settled within ms. */
export function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
