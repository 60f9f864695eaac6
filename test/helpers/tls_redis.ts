// Test helper: Debian's redis-server speaking TLS only, on a free loopback port, with a password and client
// certificates required. A CA, a server certificate for 127.0.0.1 and a client certificate are made with
// `openssl` in a temp folder. TLS_REDIS_AVAILABLE says whether redis-server and openssl are installed.
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort, stopServer, waitForPort, which } from './redis';

/** Whether a TLS Redis can be started here. */
export const TLS_REDIS_AVAILABLE = Boolean(which('redis-server') && which('openssl'));

/** A running TLS Redis and the files a client needs. */
export interface TlsRedis {
  /** rediss://127.0.0.1:<port>, no password in it. */
  url: string;
  /** PEM files: the CA that signed both certificates, and the client's certificate and key. */
  ca: string;
  cert: string;
  key: string;
  /** The password the server requires, and a file holding it. */
  password: string;
  passwordFile: string;
  /** The folder of these files (for the test's own files). */
  dir: string;
  stop(): Promise<void>;
}

/** `openssl ...args` in `dir`; throws with its output when it fails. */
function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A key and a certificate `name`.crt for `subject`, signed by the CA in `dir` (extensions from `ext`). */
function signed(dir: string, name: string, subject: string, ext: string): void {
  openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    subject,
  ]);
  fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
  openssl(dir, [
    ...['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial'],
    ...['-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`],
  ]);
}

/** Makes the certificates and starts redis-server with --port 0 (no plain TCP) and --tls-port. */
export async function startTlsRedis(): Promise<TlsRedis> {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-tls-redis-')));
  openssl(dir, [
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt'],
    ...['-days', '2', '-subj', '/CN=nodulab test CA'],
  ]);
  signed(dir, 'server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  signed(dir, 'client', '/CN=nodulab test client', 'extendedKeyUsage=clientAuth\n');
  const password = 'a-test-password-1234';
  const passwordFile = path.join(dir, 'redis-password');
  fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  const port = await freePort();
  const child: ChildProcess = spawn(
    which('redis-server')!,
    [
      ...['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1'],
      ...['--tls-cert-file', 'server.crt', '--tls-key-file', 'server.key', '--tls-ca-cert-file', 'ca.crt'],
      ...['--tls-auth-clients', 'yes', '--requirepass', password],
      ...['--save', '', '--appendonly', 'no', '--dir', dir],
    ],
    { cwd: dir, stdio: 'ignore' },
  );
  await waitForPort(port, 10_000);
  return {
    url: `rediss://127.0.0.1:${port}`,
    ca: path.join(dir, 'ca.crt'),
    cert: path.join(dir, 'client.crt'),
    key: path.join(dir, 'client.key'),
    password,
    passwordFile,
    dir,
    stop: () => stopServer(child, dir),
  };
}
