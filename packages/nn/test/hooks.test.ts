// Forward hooks: register/remove, replacing an output, hooks inside Sequential's fused BatchNorm-ReLU(-MaxPool)
// path, every named layer of NoduleNet3D, ResNet3D and UNet3D tapped during a forward pass and checked
// against running the layers by hand, hook outputs on the autograd graph, getSubmodule and captureOutputs.
import { Generator, Tensor, cat, flatten, globalAvgPool3d, mul, randn, sum } from '@nodulab/tensor';
import {
  BatchNorm3d,
  captureOutputs,
  Conv3d,
  MaxPool3d,
  Model,
  Module,
  ModuleList,
  NoduleNet3D,
  ReLU,
  ResNet3D,
  Sequential,
  UNet3D,
} from '../src';

/** Expects equal shapes and values within atol (`what` names the tensor in a failure). */
function expectClose(a: Tensor, b: Tensor, what = '', atol = 1e-5): void {
  expect([what, a.shape]).toEqual([what, b.shape]);
  let diff = 0;
  a.data.forEach((v, i) => (diff = Math.max(diff, Math.abs(v - b.data[i]))));
  expect(diff < atol ? '' : `${what}: max |a - b| = ${diff}`).toBe('');
}

/** A BatchNorm3d with non-trivial statistics and affine parameters. */
function bn(c: number): BatchNorm3d {
  const m = new BatchNorm3d(c);
  const g = new Generator(c);
  for (let i = 0; i < c; i++) {
    m.weight!.data[i] = g.uniformRange(0.5, 1.5);
    m.bias!.data[i] = g.uniformRange(-0.3, 0.3);
    m.runningMean!.data[i] = g.uniformRange(-0.2, 0.2);
    m.runningVar!.data[i] = g.uniformRange(0.5, 2);
  }
  return m;
}

describe('registerForwardHook', () => {
  it('sees (module, inputs, output), may replace the output, and stops after remove()', () => {
    const relu = new ReLU();
    const x = randn([2, 3], new Generator(1));
    const seen: [Module, Tensor[], Tensor][] = [];
    const h1 = relu.registerForwardHook((m, inputs, output) => {
      seen.push([m, inputs, output]);
    });
    const h2 = relu.registerForwardHook((_m, _inputs, output) => mul(output, Tensor.full(output.shape, 2)));
    const y = relu.forward(x);
    expect(seen).toHaveLength(1);
    expect(seen[0][0]).toBe(relu);
    expect(seen[0][1][0]).toBe(x);
    expect(Array.from(y.data)).toEqual(Array.from(seen[0][2].data).map((v) => 2 * v));
    h2.remove();
    expect(Array.from(relu.forward(x).data)).toEqual(Array.from(seen[1][2].data));
    h1.remove();
    h1.remove(); // removing twice is harmless
    relu.forward(x);
    expect(seen).toHaveLength(2);
    expect(relu.hasForwardHooks()).toBe(false);
    expect(Object.prototype.hasOwnProperty.call(relu, 'forward')).toBe(false); // the class's forward again
  });

  it('runs a hooked module of a fused BatchNorm-ReLU-MaxPool run on its own, with the same results, and fuses again after remove()', () => {
    const x = randn([2, 3, 4, 4, 4], new Generator(2));
    for (const hooked of [0, 1, 2]) {
      for (const training of [true, false]) {
        const make = () => new Sequential(bn(3), new ReLU(), new MaxPool3d(2)).train(training);
        const plain = make();
        const seq = make();
        const layers = [0, 1, 2].map((i) => seq.at(i));
        let seen: Tensor | null = null;
        const handle = layers[hooked].registerForwardHook((_m, _inputs, output) => {
          seen = output;
        });
        const xi = new Tensor(x.data, x.shape, { requiresGrad: true });
        const y = seq.forward(xi);
        const want = plain.forward(x);
        expectClose(y, want);
        // What the hooked layer output, computed by hand (a fresh module in the mode the hooked one was in).
        const ref = make();
        let manual = x;
        for (let i = 0; i <= hooked; i++) manual = ref.at(i).forward(manual);
        expectClose(seen!, manual);
        expect(seen!.gradFn).not.toBeNull();
        expectClose((seq.at(0) as BatchNorm3d).runningMean!, (plain.at(0) as BatchNorm3d).runningMean!);
        expect(y.gradFn!.name).not.toBe('batchNormReluMaxPool3d'); // the hooked layer ran on its own
        handle.remove();
        expect(seq.forward(xi).gradFn!.name).toBe('batchNormReluMaxPool3d');
      }
    }
  });
});

describe('getSubmodule', () => {
  it('finds a layer by its dotted name and names what is missing', () => {
    const model = new NoduleNet3D({ widthMultiplier: 0.25 });
    expect(model.getSubmodule('')).toBe(model);
    expect(model.getSubmodule('features.4')).toBeInstanceOf(Conv3d);
    expect(model.getSubmodule('classifier')).toBe(model.head);
    expect(() => model.getSubmodule('features.40')).toThrow(
      /NoduleNet3D has no submodule "features.40" \("features" has no child "40"; its children: 0, 1, 2/,
    );
    expect(() => model.getSubmodule('body')).toThrow(
      /the model has no child "body"; its children: features, pool, classifier/,
    );
  });
});

// Every named layer of each model: the hook fires during forward (ModuleLists are never run themselves),
// and its output equals running that layer again on the inputs it was given; key layers are also
// checked against running the model's layers by hand from the input.
type Manual = (m: Model, x: Tensor) => Record<string, Tensor>;
const tinyNodule = () => new NoduleNet3D({ widthMultiplier: 0.25, projectionHead: true, projectionDim: 8, seed: 1 });
const MODELS: [string, () => Model, number[], Manual][] = [
  [
    'NoduleNet3D',
    tinyNodule,
    [2, 1, 8, 8, 8],
    (model, x) => {
      const m = model as NoduleNet3D;
      const out: Record<string, Tensor> = {};
      let h = x;
      for (let i = 0; i < m.backbone.length; i++) out[`features.${i}`] = h = m.backbone.at(i).forward(h);
      out.classifier = m.head.forward(flatten(globalAvgPool3d(h)));
      return out;
    },
  ],
  [
    'ResNet3D',
    () => new ResNet3D({ widths: [2, 4, 4, 8], blocks: [1, 2, 1, 1], seed: 1 }),
    [2, 1, 8, 8, 8],
    (model, x) => {
      const m = model as ResNet3D;
      const out: Record<string, Tensor> = {};
      let h = m.stem.at(2).forward(m.stem.at(1).forward(m.stem.at(0).forward(x)));
      out['stem.2'] = h;
      m.layers.forEach((layer, i) => (out[`layer${i + 1}`] = h = layer.forward(h)));
      const block = m.layers[1].at(1) as Module & { bn1: BatchNorm3d; conv1: Conv3d };
      out['layer2.1.bn1'] = block.bn1.forward(block.conv1.forward(m.layers[1].at(0).forward(out.layer1)));
      out.fc = m.head.forward(flatten(globalAvgPool3d(h)));
      return out;
    },
  ],
  [
    'UNet3D',
    () => new UNet3D({ baseChannels: 2, levels: 2, seed: 1 }),
    [2, 1, 8, 8, 8],
    (model, x) => {
      const m = model as UNet3D;
      const e0 = m.encoders.at(0).forward(x);
      const e1 = m.encoders.at(1).forward(m.pool.forward(e0));
      const b = m.bottleneck.forward(m.pool.forward(e1));
      const d1 = m.decoders.at(1).forward(cat([e1, m.upsamplers.at(1).forward(b)], 1));
      const d0 = m.decoders.at(0).forward(cat([e0, m.upsamplers.at(0).forward(d1)], 1));
      return {
        'encoders.0': e0,
        'encoders.1': e1,
        bottleneck: b,
        'decoders.1': d1,
        'decoders.0': d0,
        head: m.head.forward(d0),
      };
    },
  ],
];

describe.each(MODELS)('hooks on every layer of %s', (_name, build, shape, manual) => {
  const x = randn(shape, new Generator(3));

  it('fire during forward with outputs equal to running the layers by hand', () => {
    const model = build().eval();
    // Every layer but the model itself, its ModuleLists and the projector (not part of forward).
    const runnable = model
      .namedModules()
      .filter(([name, m]) => name !== '' && !(m instanceof ModuleList) && !name.startsWith('projector'));
    const names = runnable.map(([name]) => name);
    expect(names.length).toBeGreaterThan(10);
    const inputs: Record<string, Tensor[]> = {};
    const handles = runnable.map(([name, m]) =>
      m.registerForwardHook((_m, args) => {
        inputs[name] = args;
      }),
    );
    const { result: logits, outputs } = captureOutputs(model, names, () => model.forward(x));
    handles.forEach((h) => h.remove());
    for (const name of names) {
      expectClose(outputs[name], model.getSubmodule(name).forward(...inputs[name]), name);
    }
    for (const [name, want] of Object.entries(manual(model, x))) expectClose(outputs[name], want, name, 1e-4);
    expectClose(logits, model.forward(x));
  });

  it('keep the autograd graph: gradients flow from the logits through a hooked feature map', () => {
    const model = build().eval();
    const { result: logits, outputs } = captureOutputs(model, [model.featureLayer], () => model.forward(x));
    const A = outputs[model.featureLayer];
    expect(A.requiresGrad).toBe(true);
    expect(A.gradFn).not.toBeNull();
    sum(logits).backward();
    expect(model.parameters()[0].grad).not.toBeNull(); // the first conv, before the hooked layer
  });

  it('let features(x) be the output of featureLayer, and the head map it (or the embedding) to the logits', () => {
    const model = build().eval();
    const { result: logits, outputs } = captureOutputs(model, [model.featureLayer], () => model.forward(x));
    expectClose(model.features(x), outputs[model.featureLayer]);
    const fromHead =
      model.task === 'segmentation' ? model.head.forward(model.features(x)) : model.head.forward(model.embed(x));
    expectClose(fromHead, logits);
    expect(model.embed(x).shape).toEqual([shape[0], model.embedDim]);
  });
});

describe('gradient w.r.t. a hooked feature map', () => {
  it('is the classifier weight over the map size on NoduleNet3D (a hook replacing the map by a leaf)', () => {
    const model = new NoduleNet3D({ widthMultiplier: 0.25, seed: 2 }).eval();
    const x = randn([2, 1, 8, 8, 8], new Generator(4));
    const leaves: Tensor[] = [];
    const handle = model.getSubmodule(model.featureLayer).registerForwardHook((_m, _inputs, output) => {
      leaves.push(new Tensor(output.data, output.shape, { requiresGrad: true }));
      return leaves[0];
    });
    const logits = model.forward(x);
    handle.remove();
    logits.backward(new Tensor(Float32Array.from([0, 1, 0, 1]), logits.shape)); // d(logit 1)/dA
    const A = leaves[0];
    const [N, C, d, h, w] = A.shape;
    const S = d * h * w;
    const want = Float32Array.from(
      { length: N * C * S },
      (_, i) => model.head.weight.data[C + (Math.floor(i / S) % C)] / S,
    ); // W[1, c] / S
    expectClose(A.grad!, new Tensor(want, A.shape), 'dlogit1/dA', 1e-7);
  });
});

describe('captureOutputs', () => {
  it('removes its hooks, also after an error, and names unknown layers and layers that did not run', () => {
    const model = new NoduleNet3D({ widthMultiplier: 0.25 }).eval();
    expect(() => captureOutputs(model, ['features.99'], () => 0)).toThrow(/no submodule "features.99"/);
    expect(() => captureOutputs(model, ['projector'], () => 0)).toThrow(/no submodule "projector"/);
    const featuresOnly = () => model.features(Tensor.zeros([1, 1, 4, 4, 4]));
    expect(() => captureOutputs(model, ['features.2', 'classifier'], featuresOnly)).toThrow(
      /layer\(s\) "classifier" did not run/,
    );
    expect(() =>
      captureOutputs(model, ['features.2'], () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(model.namedModules().some(([, m]) => m.hasForwardHooks())).toBe(false);
  });
});
