// A worker thread terminated while one of its kernel calls runs: the call's result can no longer reach
// JS, and the process must go on (node-addon-api would otherwise abort it with an unthrowable error).
// Runs in a child process, so an abort fails this test instead of the test runner.
import { spawnSync } from 'child_process';

const SCRIPT = `
const { Worker } = require('worker_threads');
const body = "const native = require(" + JSON.stringify(require.resolve('@nodulab/native')) + ");" +
  "const x = new Float32Array(4*16*24*24*24), w = new Float32Array(32*16*27);" +
  "parentPort.postMessage('ready');" +
  "for (;;) native.conv3d(x,[4,16,24,24,24],w,[32,16,3,3,3],null,[1,1,1],[1,1,1],[1,1,1]);";
(async () => {
  for (let i = 0; i < 12; i++) {
    const wk = new Worker("const { parentPort } = require('worker_threads');" + body, { eval: true });
    await new Promise((r) => wk.once('message', r));
    await new Promise((r) => setTimeout(r, 5 + ((i * 13) % 40)));
    await wk.terminate();
  }
  console.log('still running');
})();
`;

it('survives worker threads terminated in the middle of kernel calls', () => {
  const r = spawnSync(process.execPath, ['-e', SCRIPT], { encoding: 'utf8', timeout: 60_000 });
  expect(r.stderr).not.toMatch(/terminate called|Aborted/);
  expect(r.signal).toBeNull();
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('still running');
}, 70_000);
