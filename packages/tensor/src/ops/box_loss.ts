// Box-regression losses on (N, 6) boxes (centre z, y, x, size d, h, w): 1 - GIoU per box, and the
// detector loss smooth-L1 + GIoU composed from it and smoothL1Loss, with optional per-sample weights.
import { dispatchDevice } from '../device';
import { record } from '../autograd';
import { Tensor } from '../tensor';
import { add, mul, sum } from './arithmetic';
import { BOX3D_VALUES, boxOverlap3d, checkBox3d } from './box3d';
import { checkReduction, reduceLosses, Reduction, toVector } from './loss_utils';
import { smoothL1Loss } from './losses';
import { expectSameShape, fmt } from './shape_utils';

function checkBoxes(op: string, pred: Tensor, target: Tensor): number {
  if (pred.ndim !== 2 || pred.shape[1] !== BOX3D_VALUES || pred.shape[0] === 0)
    throw new Error(`${op}: input must be (N, 6) boxes (centre z, y, x, size d, h, w), got shape ${fmt(pred.shape)}`);
  expectSameShape(op, pred, target, 'input', 'target');
  const n = pred.shape[0];
  for (let i = 0; i < n; i++) {
    checkBox3d(op, `input[${i}]`, pred.data, i * BOX3D_VALUES);
    checkBox3d(op, `target[${i}]`, target.data, i * BOX3D_VALUES);
  }
  return n;
}

/**
 * 1 - GIoU of each predicted box against its target, like torchvision's `generalized_box_iou_loss` in 3D:
 * input and target are (N, 6) boxes (centre z, y, x, size d, h, w). 'none' gives (N); 'mean' (default) and
 * 'sum' reduce. Gradients reach both. Throws naming the box on a negative size or a non-finite value.
 */
export function giouLoss3d(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  const op = 'giouLoss3d';
  dispatchDevice(op, [input, target], ['input', 'target']);
  const n = checkBoxes(op, input, target);
  const r = checkReduction(op, options.reduction);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++)
    values[i] = 1 - boxOverlap3d(input.data, i * BOX3D_VALUES, target.data, i * BOX3D_VALUES).giou;
  const { out, itemGrad } = reduceLosses(values, r === 'none' ? [n] : [], r);
  return record(out, op, [input, target], (g, needs) => {
    const up = itemGrad(g);
    const dx = needs[0] ? new Float32Array(input.size) : null;
    const dt = needs[1] ? new Float32Array(target.size) : null;
    const da = new Float64Array(BOX3D_VALUES);
    const db = new Float64Array(BOX3D_VALUES);
    for (let i = 0; i < n; i++) {
      da.fill(0);
      db.fill(0);
      const at = i * BOX3D_VALUES;
      boxOverlap3d(input.data, at, target.data, at, { da: dx && da, db: dt && db, scale: -up(i) });
      for (let k = 0; k < BOX3D_VALUES; k++) {
        if (dx) dx[at + k] = da[k];
        if (dt) dt[at + k] = db[k];
      }
    }
    return [dx && new Tensor(dx, input.shape), dt && new Tensor(dt, target.shape)];
  });
}

/** Options of {@link boxRegressionLoss}. */
export interface BoxRegressionLossOptions {
  /** Smooth-L1's switch from quadratic to linear (default 1/9, as in Faster R-CNN's box loss). */
  beta?: number;
  /** Weight of the smooth-L1 term (default 1). */
  l1Weight?: number;
  /** Weight of the 1 - GIoU term (default 1). */
  giouWeight?: number;
  /** Per-sample weights s (N), e.g. to up-weight hard samples. */
  sampleWeights?: Tensor | ArrayLike<number>;
  /** 'mean' (default): sum_i s_i l_i / sum_i s_i; 'sum': sum_i s_i l_i. */
  reduction?: 'mean' | 'sum';
}

/**
 * The box-regression loss of a localizer: per box,
 *   l_i = l1Weight * mean_k smoothL1(input_ik - target_ik; beta) + giouWeight * (1 - GIoU(input_i, target_i)),
 * on (N, 6) boxes (centre z, y, x, size d, h, w; usually normalised to the volume, so in [0, 1]), reduced
 * with per-sample weights like `crossEntropy`'s. Composed of {@link smoothL1Loss} and {@link giouLoss3d}, so
 * gradients reach input and target. Throws naming the box on a negative size or a non-finite value.
 */
export function boxRegressionLoss(input: Tensor, target: Tensor, options: BoxRegressionLossOptions = {}): Tensor {
  const op = 'boxRegressionLoss';
  const n = checkBoxes(op, input, target);
  const reduction = options.reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum')
    throw new Error(`${op}: reduction must be 'mean' or 'sum', got ${JSON.stringify(reduction)}`);
  const l1Weight = options.l1Weight ?? 1;
  const giouWeight = options.giouWeight ?? 1;
  for (const [name, v] of [
    ['l1Weight', l1Weight],
    ['giouWeight', giouWeight],
  ] as const)
    if (!Number.isFinite(v) || v < 0) throw new Error(`${op}: ${name} must be a finite number >= 0, got ${v}`);
  const s = options.sampleWeights === undefined ? null : toVector(op, 'sampleWeights', options.sampleWeights, n);
  if (s?.some((v) => v < 0)) throw new Error(`${op}: sampleWeights must be >= 0`);
  const total = s ? s.reduce((a, b) => a + b, 0) : n;
  const scale = reduction === 'mean' ? 1 / total : 1;
  // Weights of each box's six coordinates (the mean over k) and of each box.
  const coordW = new Float32Array(n * BOX3D_VALUES);
  const boxW = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const w = (s ? s[i] : 1) * scale;
    boxW[i] = w * giouWeight;
    coordW.fill((w * l1Weight) / BOX3D_VALUES, i * BOX3D_VALUES, (i + 1) * BOX3D_VALUES);
  }
  const l1 = smoothL1Loss(input, target, { beta: options.beta ?? 1 / 9, reduction: 'none' });
  const giou = giouLoss3d(input, target, { reduction: 'none' });
  return add(sum(mul(l1, new Tensor(coordW, l1.shape))), sum(mul(giou, new Tensor(boxW, [n]))));
}
