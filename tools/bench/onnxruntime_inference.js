#!/usr/bin/env node
// Times onnxruntime-node inference of one ONNX model in its own process (so its threads never share
// the CPU with nodulab's pool): node onnxruntime_inference.js <model.onnx> <threads> <runs> <N,C,D,H,W>.
// Prints {"ms": median ms per run, "version": onnxruntime version} on stdout.
'use strict';
const ort = require('onnxruntime-node');

async function main() {
  const [file, threads, runs, dimsText] = process.argv.slice(2);
  const dims = dimsText.split(',').map(Number);
  const session = await ort.InferenceSession.create(file, {
    intraOpNumThreads: Number(threads),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const size = dims.reduce((a, b) => a * b, 1);
  let seed = 1;
  const data = Float32Array.from(
    { length: size },
    () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1,
  );
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, dims) };
  for (let i = 0; i < 2; i++) await session.run(feeds);
  const times = [];
  for (let i = 0; i < Number(runs); i++) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  process.stdout.write(
    JSON.stringify({
      ms: times[Math.floor(times.length / 2)],
      version: require('onnxruntime-node/package.json').version,
    }) + '\n',
  );
}

main().catch((e) => {
  process.stderr.write(`onnxruntime_inference: ${e.message}\n`);
  process.exit(1);
});
