// evaluate() of a localizer: the box head's normalised (N, 6) output scaled to voxels, IoU and centre error
// against the batches' true boxes as computed by hand; a box model trained with the 'box' loss loads from its
// checkpoint as a localizer; missing true boxes are an error.
import { Tensor } from '@nodulab/tensor';
import { NoduleNet3D } from '@nodulab/nn';
import { box3d, describeModel, evaluate, LocalizationEvaluation, Predictor, trainedAsLocalizer } from '../src';

/** A predictor that returns fixed normalised boxes, whatever the volume. */
function fixedBoxes(rows: number[][]): Predictor {
  const net = new NoduleNet3D({ widthMultiplier: 0.25, boxHead: true, seed: 0 });
  const info = describeModel(net, { inputSize: [10, 20, 20], spacing: [2, 1, 1], window: null, output: 'boxes' });
  let at = 0;
  return {
    info,
    async predict(x: Tensor) {
      const n = x.shape[0];
      const out = new Tensor(Float32Array.from(rows.slice(at, at + n).flat()), [n, 6]);
      at += n;
      return out;
    },
    async release() {},
  };
}

describe('evaluate (localization)', () => {
  it('describes a box head as a localization model', () => {
    const p = fixedBoxes([]);
    expect(p.info.task).toBe('localization');
    expect(p.info.classNames).toEqual([]);
  });

  it('scales boxes to voxels and scores them against the true boxes', async () => {
    // Volume (10, 20, 20). Box 0: centre (5, 10, 10) size (4, 4, 4) voxels: the truth exactly -> IoU 1.
    // Box 1: centre (5, 10, 12) size (4, 4, 4) vs truth centre (5, 10, 10): overlap 4 x 4 x 2 = 32 of union
    // 64 + 64 - 32 = 96 -> IoU 1/3; centre error 2 voxels along x at 1 mm = 2 mm.
    const p = fixedBoxes([
      [0.5, 0.5, 0.5, 0.4, 0.2, 0.2],
      [0.5, 0.5, 0.6, 0.4, 0.2, 0.2],
    ]);
    const truth = box3d([5, 10, 10], [4, 4, 4]);
    const x = Tensor.zeros([2, 1, 10, 20, 20]);
    const r = (await evaluate(p, [
      { x, labels: [0, 1], indices: [7, 9], boxes: [truth, truth] },
    ])) as LocalizationEvaluation;
    expect(r.task).toBe('localization');
    expect(r.predictions.map((q) => q.index)).toEqual([7, 9]);
    expect(r.predictions[0].iou).toBeCloseTo(1, 5);
    expect(r.predictions[1].iou).toBeCloseTo(1 / 3, 5);
    expect(r.predictions[1].centreErrorMm).toBeCloseTo(2, 4);
    expect(r.metrics.meanIoU).toBeCloseTo((1 + 1 / 3) / 2, 5);
    expect(r.metrics.hitRate50).toBe(0.5);
    expect(r.metrics.hitRate25).toBe(1);
  });

  it('rejects batches without true boxes', async () => {
    const p = fixedBoxes([[0.5, 0.5, 0.5, 0.4, 0.2, 0.2]]);
    await expect(evaluate(p, [{ x: Tensor.zeros([1, 1, 10, 20, 20]), labels: [0] }])).rejects.toThrow(
      /localization model needs batches with true boxes/,
    );
  });

  it('knows a box-loss training config', () => {
    expect(trainedAsLocalizer({ loss: 'box' })).toBe(true);
    expect(trainedAsLocalizer({ loss: 'ce' })).toBe(false);
    expect(trainedAsLocalizer(undefined)).toBe(false);
  });
});
