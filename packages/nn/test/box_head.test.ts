// The box-regression head of NoduleNet3D and ResNet3D through the one Model interface: (N, 6) boxes in
// (0, 1), its own state-dict keys (none without it), the spec and the worker replica carry it, a model
// without it says so, and training on boxRegressionLoss moves its boxes towards the targets; BoxHead3d's
// soft-argmax centre lands on the cell its heat map peaks on.
import { Generator, Tensor, boxRegressionLoss, noGrad, randn } from '@nodulab/tensor';
import { Adam, BoxHead3d, ForwardWorker, Model, NoduleNet3D, ResNet3D, cellCentres, createModel } from '../src';

jest.setTimeout(60_000);

const x = () => randn([3, 1, 16, 16, 16], new Generator(9));

describe.each([
  ['NoduleNet3D', (boxHead: boolean) => new NoduleNet3D({ seed: 1, widthMultiplier: 0.5, boxHead })],
  ['ResNet3D', (boxHead: boolean) => new ResNet3D({ seed: 2, widths: [4, 8, 8, 16], boxHead })],
])('%s', (name, make) => {
  it('boxes(x) is (N, 6) in (0, 1), from "boxHead" keys that a model without the head lacks', () => {
    const model = make(true).eval();
    const b = noGrad(() => model.boxes(x()));
    expect(b.shape).toEqual([3, 6]);
    expect(b.data.every((v) => v > 0 && v < 1)).toBe(true);
    const keys = Object.keys(model.stateDict()).filter((k) => k.startsWith('boxHead'));
    expect(keys).toEqual(['boxHead.heat.weight', 'boxHead.heat.bias', 'boxHead.size.weight', 'boxHead.size.bias']);
    expect(Object.keys(make(false).stateDict()).some((k) => k.startsWith('boxHead'))).toBe(false);
    expect(noGrad(() => model.forward(x())).shape).toEqual([3, 2]);
  });

  it('a model without the head names the option', () => {
    expect(() => make(false).boxes(x())).toThrow(
      `${name}: has no box-regression head; boxes() needs a model built with { boxHead: true }`,
    );
  });

  it('the spec rebuilds the head, and a ForwardWorker\'s forward(x, "boxes") gives the synchronous bits', async () => {
    const model = make(true).eval();
    const again = createModel(model.spec) as Model;
    expect(again.boxHead).not.toBeNull();
    const worker = new ForwardWorker(model);
    try {
      const sync = noGrad(() => model.boxes(x()));
      const got = await worker.forward(x(), 'boxes');
      expect(Array.from(got.data)).toEqual(Array.from(sync.data));
    } finally {
      await worker.close();
    }
  });

  it('trains: Adam on boxRegressionLoss brings the boxes closer to fixed targets', () => {
    const model = make(true).train();
    const input = x();
    const target = Tensor.from(
      [0.5, 0.4, 0.6, 0.2, 0.3, 0.25, 0.3, 0.5, 0.5, 0.1, 0.1, 0.1, 0.7, 0.6, 0.4, 0.3, 0.2, 0.2],
      [3, 6],
    );
    const opt = new Adam(model.parameters(), { lr: 0.01 });
    const losses: number[] = [];
    for (let i = 0; i < 12; i++) {
      opt.zeroGrad();
      const loss = boxRegressionLoss(model.boxes(input), target);
      losses.push(loss.item());
      loss.backward();
      opt.step();
    }
    expect(losses[losses.length - 1]).toBeLessThan(0.8 * losses[0]);
    const backbone = model.namedParameters().find(([k]) => !k.startsWith('boxHead'))![1];
    expect(backbone.grad).not.toBeNull();
  });
});

describe('BoxHead3d', () => {
  it('cellCentres lists normalised cell centres in (d, h, w) row-major order', () => {
    expect(Array.from(cellCentres(2, 1, 2))).toEqual([
      0.25, 0.5, 0.25, 0.25, 0.5, 0.75, 0.75, 0.5, 0.25, 0.75, 0.5, 0.75,
    ]);
  });

  it('puts the centre at the cell the heat map peaks on, starts flat, and reads any feature-map size', () => {
    const head = new BoxHead3d(2, new Generator(0));
    const a = Tensor.zeros([1, 2, 4, 4, 4]);
    // A fresh head's heat map is flat: the centre of the volume.
    expect(Array.from(noGrad(() => head.forward(a)).data.slice(0, 3))).toEqual([0.5, 0.5, 0.5]);
    // heat = 50 * channel 0, which is 1 on cell (3, 0, 2) only: p is nearly one-hot there.
    head.heat.weight.data.set([50, 0]);
    a.data[(3 * 4 + 0) * 4 + 2] = 1;
    const centre = Array.from(noGrad(() => head.forward(a)).data.slice(0, 3));
    [0.875, 0.125, 0.625].forEach((c, k) => expect(centre[k]).toBeCloseTo(c, 4));
    expect(noGrad(() => head.forward(Tensor.zeros([3, 2, 2, 3, 5]))).shape).toEqual([3, 6]);
    expect(() => head.forward(Tensor.zeros([1, 3, 2, 2, 2]))).toThrow(
      'BoxHead3d: expected a feature map (N, 2, d, h, w), got [1, 3, 2, 2, 2]',
    );
  });
});
