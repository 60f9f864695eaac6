// Grad-CAM: a model whose logit depends only on a region puts all its saliency there; on NoduleNet3D
// (global pool + linear head) Grad-CAM equals CAM; at any named layer it equals Grad-CAM computed by
// splitting the model by hand; trilinear upsampling; the inside-mask share and its enrichment.
import { Generator, Tensor, cat, flatten, narrow, noGrad, reshape, sum, mul, randn } from '@nodulab/tensor';
import { Module, NoduleNet3D, ResNet3D, Sequential } from '@nodulab/nn';
import { enrichment, gradCam3d, insideShare, upsampleTrilinear } from '../../src/measures/gradcam';

/** A module computing fn (no parameters). */
class Fn extends Module {
  constructor(private readonly fn: (x: Tensor) => Tensor) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return this.fn(x);
  }
}

const [D, H, W] = [6, 8, 8];
const V = D * H * W;
/** mask: 1 in the box z 1..3, y 2..5, x 2..5. */
const region = Float32Array.from({ length: V }, (_, i) => {
  const z = Math.floor(i / (H * W));
  const y = Math.floor(i / W) % H;
  const x = i % W;
  return z >= 1 && z <= 3 && y >= 2 && y <= 5 && x >= 2 && x <= 5 ? 1 : 0;
});

/**
 * Layer "0" features: channel 0 = x inside the region, channel 1 = x outside; layer "1": logit 1 = sum of channel
 * `used`.
 */
function regionModel(used: 0 | 1): Module {
  const inside = new Tensor(region, [1, 1, D, H, W]);
  const outside = new Tensor(
    region.map((v) => 1 - v),
    [1, 1, D, H, W],
  );
  return new Sequential(
    new Fn((x) => cat([mul(x, inside), mul(x, outside)], 1)),
    new Fn((a) => cat([Tensor.zeros([1, 1]), reshape(sum(narrow(a, 1, used, 1)), [1, 1])], 1)),
  );
}

describe('gradCam3d', () => {
  const g = new Generator(3);
  const x = new Tensor(
    Float32Array.from({ length: V }, () => 0.2 + g.uniform()),
    [1, 1, D, H, W],
  );

  it.each([
    { used: 0 as const, share: 1 },
    { used: 1 as const, share: 0 },
  ])('puts the saliency where the logit looks (channel $used -> share inside $share)', ({ used, share }) => {
    const r = gradCam3d(regionModel(used), x, [1], '0');
    expect(r.shape).toEqual([D, H, W]);
    expect(r.classes[0]).toBe(1);
    expect(insideShare(r.cams, region)).toBeCloseTo(share, 6);
    expect(Math.max(...r.cams)).toBeGreaterThan(0);
  });

  it('equals CAM (classifier weights times the last feature map) on NoduleNet3D', () => {
    const model = new NoduleNet3D({ widthMultiplier: 0.25, generator: new Generator(1) }).eval();
    const xs = randn([2, 1, 8, 8, 8], new Generator(2));
    const r = gradCam3d(model, xs);
    const A = noGrad(() => model.features(xs));
    const logits = noGrad(() => model.head.forward(flatten(model.pool.forward(A))));
    const [, C, d, h, w] = A.shape;
    const S = d * h * w;
    const Wc = model.head.weight.data;
    for (let n = 0; n < 2; n++) {
      const cls = logits.data[2 * n + 1] > logits.data[2 * n] ? 1 : 0;
      expect(r.classes[n]).toBe(cls);
      const coarse = new Float32Array(S);
      for (let c = 0; c < C; c++)
        for (let s = 0; s < S; s++) coarse[s] += (Wc[cls * C + c] / S) * A.data[(n * C + c) * S + s];
      expectCam(r.cams, n, coarse, [d, h, w]);
    }
    expect(model.parameters().every((p) => p.grad === null)).toBe(true);
  });

  /** A model in eval mode and the same model split by hand at a layer: x -> A, A -> logits. */
  type Split = { model: Module; features: (x: Tensor) => Tensor; rest: (a: Tensor) => Tensor };
  const nodule = (): Split => {
    const m = new NoduleNet3D({ widthMultiplier: 0.25, generator: new Generator(1) }).eval();
    return {
      model: m,
      features: (x) => run(m.backbone, 0, 7, x),
      rest: (a) => m.head.forward(flatten(m.pool.forward(run(m.backbone, 7, 11, a)))),
    };
  };
  const resnet = (): Split => {
    const m = new ResNet3D({ widths: [2, 4, 4, 8], generator: new Generator(1) }).eval();
    return {
      model: m,
      features: (x) => m.layers[2].forward(m.layers[1].forward(m.layers[0].forward(m.stem.forward(x)))),
      rest: (a) => m.head.forward(flatten(m.pool.forward(m.layers[3].forward(a)))),
    };
  };

  it.each([
    ['NoduleNet3D', 'features.6', nodule], // a ReLU inside a fused BatchNorm-ReLU-MaxPool
    ['ResNet3D', 'layer3', resnet],
  ] as const)('%s at layer %s equals Grad-CAM of the model split by hand there', (_name, layer, split) => {
    const { model, features, rest } = split();
    const xs = randn([2, 1, 8, 8, 8], new Generator(2));
    const r = gradCam3d(model, xs, [1, 0], layer);
    const A = features(xs); // with gradients on, as Grad-CAM runs it (no fused inference blocks)
    const leaf = new Tensor(A.data, A.shape, { requiresGrad: true });
    const logits = rest(leaf);
    logits.backward(new Tensor(Float32Array.from([0, 1, 1, 0]), logits.shape));
    const [, C, d, h, w] = A.shape;
    const S = d * h * w;
    for (let n = 0; n < 2; n++) {
      const coarse = new Float32Array(S);
      for (let c = 0; c < C; c++) {
        let alpha = 0;
        for (let s = 0; s < S; s++) alpha += leaf.grad!.data[(n * C + c) * S + s] / S;
        for (let s = 0; s < S; s++) coarse[s] += alpha * A.data[(n * C + c) * S + s];
      }
      expectCam(r.cams, n, coarse, [d, h, w]);
    }
    expect(Array.from(r.logits)).toEqual(Array.from(logits.data));
  });

  it('rejects a class outside the logits', () => {
    expect(() => gradCam3d(regionModel(0), x, [2], '0')).toThrow(/class 2 of sample 0 is outside \[0, 2\)/);
  });
});

/** Runs the children [from, to) of a Sequential one by one (no fused kernels). */
/** Expects sample n's map in cams (8^3 per sample) to be relu(coarse), of shape dhw, upsampled to 8^3. */
function expectCam(cams: Float32Array, n: number, coarse: Float32Array, dhw: [number, number, number]): void {
  const expected = upsampleTrilinear(
    coarse.map((v) => Math.max(0, v)),
    dhw,
    [8, 8, 8],
  );
  const got = cams.subarray(n * 512, (n + 1) * 512);
  for (let i = 0; i < 512; i++) expect(got[i]).toBeCloseTo(expected[i], 5);
}

function run(seq: Sequential, from: number, to: number, x: Tensor): Tensor {
  for (let i = from; i < to; i++) x = seq.at(i).forward(x);
  return x;
}

describe('upsampleTrilinear', () => {
  it('keeps a constant map constant and matches align_corners=false interpolation', () => {
    expect(
      Array.from(upsampleTrilinear(new Float32Array(8).fill(3), [2, 2, 2], [4, 5, 6])).every(
        (v) => Math.abs(v - 3) < 1e-6,
      ),
    ).toBe(true);
    // Along x only: [0, 1] -> 4 samples at source coordinates -0.25 (clamped 0), 0.25, 0.75, 1.25 (clamped 1).
    expect(Array.from(upsampleTrilinear([0, 1], [1, 1, 2], [1, 1, 4]))).toEqual([0, 0.25, 0.75, 1]);
  });
});

describe('insideShare', () => {
  it.each([
    { cam: [1, 1, 2, 0], mask: [1, 0, 1, 0], share: 0.75 },
    { cam: [0, 0], mask: [1, 0], share: NaN },
  ])('$cam in $mask -> $share', ({ cam, mask, share }) => {
    if (Number.isNaN(share)) expect(insideShare(cam, mask)).toBeNaN();
    else expect(insideShare(cam, mask)).toBeCloseTo(share, 12);
  });
});

describe('enrichment', () => {
  it.each([
    // 0.75 of the saliency on half the voxels
    { cam: [1, 1, 2, 0], mask: [1, 0, 1, 0], value: 1.5 },
    // uniform saliency: no preference, whatever the mask's size
    { cam: [1, 1, 1, 1, 1, 1, 1, 1], mask: [1, 0, 0, 0, 0, 0, 0, 0], value: 1 },
    // all the saliency on a one-voxel mask of eight
    { cam: [0, 0, 5, 0, 0, 0, 0, 0], mask: [0, 0, 1, 0, 0, 0, 0, 0], value: 8 },
    { cam: [1, 2], mask: [0, 0], value: NaN },
  ])('$cam in $mask -> $value', ({ cam, mask, value }) => {
    if (Number.isNaN(value)) expect(enrichment(cam, mask)).toBeNaN();
    else expect(enrichment(cam, mask)).toBeCloseTo(value, 12);
  });
});
