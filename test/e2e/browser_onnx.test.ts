/**
 * @jest-environment <rootDir>/helpers/node_realm_environment.js
 */
// An exported NoduleNet3D in the browser: onnxruntime-web (its wasm build from node_modules) and the model
// served from 127.0.0.1, run in headless Chromium on generated volumes, matches onnxruntime-node within 1e-4.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { AddressInfo } from 'net';
import { NoduleNet3D } from '@nodulab/nn';
import { NoduleGenerator, preset } from '@nodulab/data';
import { OnnxModel, saveOnnx } from '@nodulab/onnx';
import { CHROMIUM, headlessArgs, removeProfile } from '../helpers/chromium';

const ORT_DIST = path.join(__dirname, '../../node_modules/onnxruntime-web/dist');
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.bin': 'application/octet-stream',
};

/** The page: loads ort.wasm.min.js, runs model.onnx on input.bin (N, 1, 32, 32, 32), logs the logits. */
const PAGE = `<!doctype html><html><body><pre id="out">pending</pre>
<script src="/ort/ort.wasm.min.js"></script>
<script>
(async () => {
  try {
    ort.env.wasm.wasmPaths = '/ort/';
    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create('/model.onnx', { executionProviders: ['wasm'] });
    const x = new Float32Array(await (await fetch('/input.bin')).arrayBuffer());
    const n = x.length / 32768;
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, [n, 1, 32, 32, 32]) });
    const logits = Array.from(out.logits.data);
    document.getElementById('out').textContent = JSON.stringify(logits);
    console.log('NODULAB_RESULT ' + JSON.stringify({ logits, dims: out.logits.dims }));
  } catch (e) {
    console.log('NODULAB_ERROR ' + (e && e.message ? e.message : String(e)));
  }
})();
</script></body></html>`;

/** Serves `routes` (url → file) on 127.0.0.1 at a random port. */
async function serve(routes: (url: string) => string | null): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const file = routes(decodeURIComponent((req.url ?? '/').split('?')[0]));
    if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/**
 * Opens `url` in headless Chromium until the page logs NODULAB_RESULT or NODULAB_ERROR; returns that line once
 * Chromium and its helper processes (one process group) have exited, so nothing writes into the profile after.
 */
function runPage(url: string, profile: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(CHROMIUM!, [...headlessArgs(profile), '--remote-debugging-port=0', url], { detached: true });
    let err = '';
    let outcome: { line: string } | { error: Error } | null = null;
    const stop = (o: { line: string } | { error: Error }): void => {
      if (outcome) return;
      outcome = o;
      try {
        process.kill(-child.pid!, 'SIGKILL'); // the whole group: browser, renderer, GPU and utility processes
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(
      () => stop({ error: new Error(`chromium gave no result within 90 s: ${err.slice(-2000)}`) }),
      90_000,
    );
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /NODULAB_(RESULT|ERROR) [^\n]*\n/.exec(err); // a whole console line
      if (m) stop({ line: m[0].trim().replace(/", source:.*$/, '') });
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      const o = outcome ?? { error: new Error(`chromium exited (${code}) without a result: ${err.slice(-2000)}`) };
      if ('line' in o) resolve(o.line);
      else reject(o.error);
    });
  });
}

const maybe = CHROMIUM ? it : it.skip;

maybe(
  'runs an exported NoduleNet3D in onnxruntime-web (wasm) in Chromium as onnxruntime-node does',
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-browser-'));
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-chromium-'));
    let server: http.Server | null = null;
    try {
      const net = new NoduleNet3D({ widthMultiplier: 0.5, seed: 7 });
      saveOnnx(net, path.join(dir, 'model.onnx'));
      const samples = new NoduleGenerator(preset('iid'), 5).batch('test', [0, 1]);
      const x = new Float32Array(2 * 32768);
      samples.forEach((s, k) => x.set(s.volume, k * 32768));
      fs.writeFileSync(path.join(dir, 'input.bin'), Buffer.from(x.buffer));
      fs.writeFileSync(path.join(dir, 'index.html'), PAGE);
      server = await serve((url) => {
        if (url.startsWith('/ort/')) return path.join(ORT_DIST, path.basename(url));
        if (['/index.html', '/model.onnx', '/input.bin'].includes(url)) return path.join(dir, url.slice(1));
        return null;
      });
      const port = (server.address() as AddressInfo).port;
      const line = await runPage(`http://127.0.0.1:${port}/index.html`, profile);
      expect(line).toMatch(/^NODULAB_RESULT /);
      const json = line.slice('NODULAB_RESULT '.length).replace(/", source:.*$/, '');
      const web = JSON.parse(json) as { logits: number[]; dims: number[] };
      expect(web.dims).toEqual([2, 2]);

      const model = await OnnxModel.load(path.join(dir, 'model.onnx'));
      try {
        const node = (await model.run(x, 2)).logits.data;
        expect(web.logits).toHaveLength(4);
        const diff = Math.max(...web.logits.map((v, i) => Math.abs(v - node[i])));
        expect(diff).toBeLessThan(1e-4);
      } finally {
        await model.release();
      }
    } finally {
      await new Promise((r) => (server ? server.close(r) : r(null)));
      fs.rmSync(dir, { recursive: true, force: true });
      removeProfile(profile);
    }
  },
  120_000,
);
