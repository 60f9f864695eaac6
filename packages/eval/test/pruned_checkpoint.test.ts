// A pruned model's checkpoint read back by the checkpoint predictor: the model it builds from the recorded
// spec is pruned alike (same masks, same zeros) and predicts what the pruned model predicted.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Generator, noGrad, randn } from '@nodulab/tensor';
import { NoduleNet3D, modelSpecMetadata, prune, saveCheckpoint, sparsityReport } from '@nodulab/nn';
import { loadCheckpointPredictor, loadModelCheckpoint } from '../src';

jest.setTimeout(60_000);

it("loads a pruned checkpoint pruned, and the predictor gives the pruned model's logits", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodulab-pruned-'));
  try {
    const model = new NoduleNet3D({ seed: 8, widthMultiplier: 0.5 });
    prune(model, { sparsity: 0.8, scope: 'global' });
    model.eval();
    const file = path.join(dir, 'pruned.safetensors');
    saveCheckpoint(model, file, { metadata: modelSpecMetadata(model.spec) });
    const loaded = loadModelCheckpoint(file);
    expect(sparsityReport(loaded.model)).toEqual(sparsityReport(model));
    expect(sparsityReport(loaded.model).total.pruned).toBe(Math.round(0.8 * sparsityReport(model).total.size));
    const x = randn([2, 1, 16, 16, 16], new Generator(3));
    const want = noGrad(() => model.forward(x));
    const predictor = loadCheckpointPredictor(file);
    try {
      expect(Array.from((await predictor.predict(x)).data)).toEqual(Array.from(want.data));
    } finally {
      await predictor.release();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
