// A user's CommonJS program against the installed nodulab tarballs: the same pipeline as pipeline.ts (generate,
// train NoduleNet3D a few steps, save and reload, export ONNX, predict with onnxruntime-node) through require().
// Prints one JSON line of results, which test/consumer/consumer.test.ts checks.
'use strict';
const path = require('node:path');
const native = require('@nodulab/native');
const { Tensor, crossEntropy, noGrad, setNumThreads, softmax } = require('@nodulab/tensor');
const { NoduleNet3D, SGD, loadCheckpoint, saveCheckpoint } = require('@nodulab/nn');
const { NoduleGenerator, preset } = require('@nodulab/data');
const { accuracy } = require('@nodulab/eval');
const { OnnxModel, saveOnnx } = require('@nodulab/onnx');
const { RunConfigSchema } = require('@nodulab/train');
const { StudySpecSchema } = require('@nodulab/study');
const { main } = require('@nodulab/cli');

async function run(out) {
  setNumThreads(1);
  const gen = new NoduleGenerator(preset('iid'), 7);
  const samples = gen.batch('train', [0, 1, 2, 3]);
  const [d, h, w] = samples[0].shape;
  const x = new Tensor(Float32Array.from(samples.flatMap((s) => [...s.volume])), [samples.length, 1, d, h, w]);
  const labels = Int32Array.from(samples.map((s) => s.label));

  const model = new NoduleNet3D({ seed: 0, widthMultiplier: 0.5 });
  const opt = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const losses = [];
  for (let step = 0; step < 4; step++) {
    opt.zeroGrad();
    const loss = crossEntropy(model.forward(x), labels);
    loss.backward();
    opt.step();
    losses.push(loss.data[0]);
  }
  model.eval();
  const probs = noGrad(() => softmax(model.forward(x))).data;
  saveCheckpoint(model, path.join(out, 'model.safetensors'));
  const reloaded = new NoduleNet3D({ seed: 1, widthMultiplier: 0.5 });
  loadCheckpoint(reloaded, path.join(out, 'model.safetensors'));
  reloaded.eval();
  const reloadedProbs = noGrad(() => softmax(reloaded.forward(x))).data;

  saveOnnx(model, path.join(out, 'model.onnx'), { inputSize: [d, h, w] });
  const onnx = await OnnxModel.load(path.join(out, 'model.onnx'));
  const p = await onnx.predict(x, { units: 'normalized' });
  const onnxProbs = p.probabilities.flatMap((a) => [...a]);
  console.log(
    JSON.stringify({
      module: 'cjs',
      isa: native.getIsa().detected,
      labels: [...labels],
      losses,
      probs: [...probs],
      reloadedProbs: [...reloadedProbs],
      onnxProbs,
      accuracy: accuracy(labels, p.predicted),
      exports: [typeof RunConfigSchema.parse, typeof StudySpecSchema.parse, typeof main],
    }),
  );
}

run(process.argv[2]).catch((e) => {
  console.error(e);
  process.exit(1);
});
