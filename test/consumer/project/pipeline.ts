// A user's TypeScript (ESM) program against the installed nodulab tarballs: generate volumes, train NoduleNet3D a
// few steps, save and reload the checkpoint, export ONNX and predict with onnxruntime-node inside an HTTP handler.
// Prints one JSON line of results, which test/consumer/consumer.test.ts checks.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import native from '@nodulab/native';
import { Tensor, crossEntropy, noGrad, setNumThreads, softmax } from '@nodulab/tensor';
import { NoduleNet3D, SGD, loadCheckpoint, saveCheckpoint } from '@nodulab/nn';
import { NoduleGenerator, preset } from '@nodulab/data';
import { accuracy } from '@nodulab/eval';
import { OnnxModel, saveOnnx, type Prediction } from '@nodulab/onnx';
import { RunConfigSchema } from '@nodulab/train';
import { StudySpecSchema } from '@nodulab/study';
import { main } from '@nodulab/cli';

const out = process.argv[2];
setNumThreads(1);
const gen = new NoduleGenerator(preset('iid'), 7);
const samples = gen.batch('train', [0, 1, 2, 3]);
const [d, h, w] = samples[0].shape;
const x = new Tensor(Float32Array.from(samples.flatMap((s) => [...s.volume])), [samples.length, 1, d, h, w]);
const labels = Int32Array.from(samples.map((s) => s.label));

const model = new NoduleNet3D({ seed: 0, widthMultiplier: 0.5 });
const opt = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
const losses: number[] = [];
for (let step = 0; step < 4; step++) {
  opt.zeroGrad();
  const loss = crossEntropy(model.forward(x), labels);
  loss.backward();
  opt.step();
  losses.push(loss.data[0]);
}
model.eval();
const probs = noGrad(() => softmax(model.forward(x))).data;
saveCheckpoint(model, join(out, 'model.safetensors'));
const reloaded = new NoduleNet3D({ seed: 1, widthMultiplier: 0.5 });
loadCheckpoint(reloaded, join(out, 'model.safetensors'));
reloaded.eval();
const reloadedProbs = noGrad(() => softmax(reloaded.forward(x))).data;

saveOnnx(model, join(out, 'model.onnx'), { inputSize: [d, h, w] });
const onnx = await OnnxModel.load(join(out, 'model.onnx'));
const server = createServer(async (_req, res) => {
  const p: Prediction = await onnx.predict(x, { units: 'normalized' });
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(p.task === 'classification' ? p.probabilities.map((a) => [...a]) : null));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;
const served = (await (await fetch(`http://127.0.0.1:${port}/predict`)).json()) as number[][];
server.close();

console.log(
  JSON.stringify({
    module: 'esm',
    isa: native.getIsa().detected,
    labels: [...labels],
    losses,
    probs: [...probs],
    reloadedProbs: [...reloadedProbs],
    onnxProbs: served.flat(),
    accuracy: accuracy(
      labels,
      served.map((p) => (p[1] > p[0] ? 1 : 0)),
    ),
    exports: [typeof RunConfigSchema.parse, typeof StudySpecSchema.parse, typeof main],
  }),
);
