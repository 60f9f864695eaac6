// The queue's secrets, read from the environment or from files, never from the command line (where any
// user of the machine could read them in the process list): the Redis password and the key that signs
// unit manifests.
import * as fs from 'fs';

/** The environment variable holding the Redis password. */
export const REDIS_PASSWORD_ENV = 'NODULAB_REDIS_PASSWORD';

/** The environment variable holding the manifest key itself. */
export const QUEUE_KEY_ENV = 'NODULAB_QUEUE_KEY';

/** The environment variable naming a file that holds the manifest key. */
export const QUEUE_KEY_FILE_ENV = 'NODULAB_QUEUE_KEY_FILE';

/** The shortest manifest key accepted, in bytes. */
export const MIN_QUEUE_KEY_BYTES = 16;

/** A secret that cannot be read, or is too weak to use. */
export class SecretError extends Error {}

/** The first line of `file` (a trailing newline is not part of the secret); throws naming `what` and the file. */
export function readSecretFile(file: string, what: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new SecretError(`${what} ${file}: cannot be read: ${(e as Error).message}`);
  }
  const secret = text.split(/\r?\n/)[0];
  if (secret === '') throw new SecretError(`${what} ${file}: the first line is empty`);
  return secret;
}

/** The Redis password: the first line of `file` when given, else NODULAB_REDIS_PASSWORD, else undefined. */
export function redisPassword(file: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (file !== undefined) return readSecretFile(file, 'Redis password file');
  const fromEnv = env[REDIS_PASSWORD_ENV];
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

/**
 * The key that signs and checks unit manifests (HMAC-SHA256): the first line of `file` when given, else of
 * the file NODULAB_QUEUE_KEY_FILE names, else NODULAB_QUEUE_KEY; null when none is set. Throws when the key
 * is shorter than MIN_QUEUE_KEY_BYTES.
 */
export function queueKey(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Buffer | null {
  const keyFile = file ?? (env[QUEUE_KEY_FILE_ENV] || undefined);
  const text = keyFile !== undefined ? readSecretFile(keyFile, 'queue key file') : env[QUEUE_KEY_ENV] || undefined;
  if (text === undefined) return null;
  const key = Buffer.from(text, 'utf8');
  const source = keyFile ?? QUEUE_KEY_ENV;
  if (key.length < MIN_QUEUE_KEY_BYTES)
    throw new SecretError(
      `queue key (${source}): ${key.length} bytes; use at least ${MIN_QUEUE_KEY_BYTES} (e.g. openssl rand -hex 32)`,
    );
  return key;
}
