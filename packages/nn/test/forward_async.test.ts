// ForwardWorker and TaskWorker: the forward pass on a worker thread sharing the model's memory gives the
// synchronous forward's bits, lets the event loop run meanwhile, and reports errors.
import { Generator, Tensor, noGrad, randn } from '@nodulab/tensor';
import { ForwardWorker, NoduleNet3D, ResNet3D, startForwardThread } from '../src';

jest.setTimeout(60_000);

const bits = (t: Tensor) => Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length));
const x = () => randn([2, 1, 16, 16, 16], new Generator(5));

describe.each([
  ['NoduleNet3D', () => new NoduleNet3D({ seed: 1, widthMultiplier: 0.5 })],
  ['ResNet3D', () => new ResNet3D({ seed: 2, widthMultiplier: 0.25 })],
])('%s', (_name, make) => {
  it.each(['logits', 'embedding'] as const)(
    'forward(x, %s) on the worker is bit-identical to the synchronous pass',
    async (out) => {
      const model = make().eval();
      const worker = new ForwardWorker(model);
      try {
        const sync = noGrad(() => model.forwardTo(x(), out));
        const async = await worker.forward(x(), out);
        expect(async.shape).toEqual(sync.shape);
        expect(bits(async)).toEqual(bits(sync));
      } finally {
        await worker.close();
      }
    },
  );
});

it('updates running statistics in training mode as the synchronous pass does, in shared memory', async () => {
  const a = new NoduleNet3D({ seed: 3, widthMultiplier: 0.5 }).train();
  const b = new NoduleNet3D({ seed: 3, widthMultiplier: 0.5 }).train();
  const worker = new ForwardWorker(b);
  try {
    noGrad(() => a.forward(x()));
    await worker.forward(x());
    const stats = (m: NoduleNet3D) => m.namedBuffers().map(([n, t]) => [n, Array.from(t.data)]);
    expect(stats(b)).toEqual(stats(a));
    expect(b.namedBuffers()[0][1].data.buffer).toBeInstanceOf(SharedArrayBuffer);
  } finally {
    await worker.close();
  }
});

it('sees a weight changed on the main thread at the next call', async () => {
  const model = new NoduleNet3D({ seed: 4, widthMultiplier: 0.5 }).eval();
  const worker = new ForwardWorker(model);
  try {
    const before = await worker.forward(x());
    const w = model.parameters()[0].data;
    for (let i = 0; i < w.length; i++) w[i] *= 2;
    const after = await worker.forward(x());
    expect(bits(after)).not.toEqual(bits(before));
    expect(bits(after)).toEqual(bits(noGrad(() => model.forward(x()))));
  } finally {
    await worker.close();
  }
});

it('lets a setImmediate callback run while the pass is in flight', async () => {
  const model = new NoduleNet3D({ seed: 0 }).eval();
  const worker = new ForwardWorker(model);
  try {
    await worker.forward(x()); // the worker has started
    const order: string[] = [];
    // A pass long enough (8 volumes of 32^3) that the order cannot flip unless the event loop is blocked: with a
    // short one, a busy machine could deliver the worker's reply before the loop reached its check phase.
    const pass = worker.forward(randn([8, 1, 32, 32, 32], new Generator(1))).then(() => order.push('forward'));
    setImmediate(() => order.push('immediate'));
    await pass;
    expect(order).toEqual(['immediate', 'forward']);
  } finally {
    await worker.close();
  }
});

it('rejects with errors naming the input or the task', async () => {
  const model = new NoduleNet3D({ seed: 0 });
  await expect(new ForwardWorker(model).forward(randn([1, 2, 16, 16, 16], new Generator(0)))).rejects.toThrow(
    /NoduleNet3D: expected input \(N, 1, D, H, W\), got shape \[1, 2, 16, 16, 16\]/,
  );
  const worker = await startForwardThread(model);
  try {
    await expect(worker.run('nope', {})).rejects.toThrow(/unknown task "nope"/);
    await worker.close();
    await expect(worker.run('forward', {})).rejects.toThrow(/closed/);
  } finally {
    await worker.close();
  }
});
