// Where the study queue lives: a redis://[user:password@]host:port[/db] URL parsed into BullMQ
// connection options, and a reachability check that fails fast with an error naming the URL.
import IORedis from 'ioredis';

/** The Redis connection options BullMQ's Queue, Worker and QueueEvents take. */
export interface RedisOptions {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
}

/** A queue URL the user gave that is not a redis:// URL. */
export class QueueUrlError extends Error {}

/** Parses `redis://host:port[/db]` (user and password optional); throws a QueueUrlError naming the URL. */
export function parseRedisUrl(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new QueueUrlError(`--queue ${url}: not a URL; expected redis://host:port`);
  }
  if (u.protocol !== 'redis:') throw new QueueUrlError(`--queue ${url}: expected a redis:// URL`);
  if (!u.hostname) throw new QueueUrlError(`--queue ${url}: no host`);
  const port = u.port === '' ? 6379 : Number(u.port);
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? undefined : Number(dbText);
  if (db !== undefined && !(Number.isInteger(db) && db >= 0))
    throw new QueueUrlError(`--queue ${url}: database '${dbText}' is not a number`);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db !== undefined ? { db } : {}),
  };
}

/** The URL without its password, for messages. */
export function displayUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/** Connects once to Redis and pings it; rejects with "cannot reach Redis at <url>: <reason>" within timeoutMs. */
export async function checkRedis(url: string, timeoutMs = 5000): Promise<void> {
  const client = new IORedis({
    ...parseRedisUrl(url),
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
