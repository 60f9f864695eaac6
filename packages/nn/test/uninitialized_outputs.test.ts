// Kernel outputs are not zero-filled (no page-zeroing cost per step), so every kernel must write all of
// its output: training steps with outputs pre-filled with NaN (NODULAB_POISON_OUTPUTS=1) give the same
// bits as with the allocator's memory. Runs the built packages in child processes.
import { spawnSync } from 'child_process';
import * as path from 'path';

jest.setTimeout(120_000);

// Two SGD steps of NoduleNet3D (fused BN-ReLU-pool kernels) and UNet3D (transposed conv, concat), then a
// digest of the losses, the weights and the running statistics.
const script = `
const crypto = require('crypto');
const T = require('@nodulab/tensor');
const NN = require('@nodulab/nn');
T.setNumThreads(2);
const h = crypto.createHash('sha256');
for (const model of [new NN.NoduleNet3D({ seed: 1, widthMultiplier: 0.5 }), new NN.UNet3D({ seed: 2, baseChannels: 4 })]) {
  const opt = new NN.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const x = T.randn([2, 1, 16, 16, 16], new T.Generator(3));
  for (let s = 0; s < 2; s++) {
    opt.zeroGrad();
    const y = model.forward(x);
    const loss = T.mean(T.mul(y, y));
    loss.backward();
    opt.step();
    h.update(String(loss.item()));
  }
  for (const [, t] of [...model.namedParameters(), ...model.namedBuffers()]) h.update(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}
console.log(h.digest('hex'));
`;

function digest(poison: boolean): string {
  const r = spawnSync(process.execPath, ['-e', script], {
    cwd: path.resolve(__dirname, '..'),
    encoding: 'utf8',
    env: { ...process.env, NODULAB_POISON_OUTPUTS: poison ? '1' : '0' },
  });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return r.stdout.trim();
}

it('gives the same losses and weights when every new kernel output starts as NaN', () => {
  const plain = digest(false);
  expect(plain).toMatch(/^[0-9a-f]{64}$/);
  expect(digest(true)).toBe(plain);
});
