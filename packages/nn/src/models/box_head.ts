// BoxHead3d: the box-regression head of NoduleNet3D and ResNet3D. It reads the last feature map a: (N,C,d,h,w),
// not the pooled embedding (global pooling forgets where the nodule is): the centre is the soft-argmax of a 1x1x1
// conv heat map ("integral regression"), the size a sigmoid of a linear map of the pooled features.
import { Generator, Tensor, cat, flatten, globalAvgPool3d, matmul, sigmoid, softmax } from '@nodulab/tensor';
import { Module } from '../module';
import { constant_ } from '../init';
import { Conv3d } from '../layers/conv';
import { Linear } from '../layers/linear';

/**
 * The (d*h*w, 3) grid of normalised cell centres ((i + 0.5) / d, (j + 0.5) / h, (k + 0.5) / w) of a feature map,
 * row-major like a flattened (d, h, w) volume.
 */
export function cellCentres(d: number, h: number, w: number): Float32Array {
  const out = new Float32Array(d * h * w * 3);
  let o = 0;
  for (let i = 0; i < d; i++)
    for (let j = 0; j < h; j++)
      for (let k = 0; k < w; k++) {
        out[o++] = (i + 0.5) / d;
        out[o++] = (j + 0.5) / h;
        out[o++] = (k + 0.5) / w;
      }
  return out;
}

/**
 * Box regression from a feature map a: (N,C,d,h,w) to (N, 6) boxes, centre (z, y, x) / (D, H, W) then size
 * (d, h, w) / (D, H, W), all in (0, 1):
 *   p = softmax(flatten(heat(a)))           heat = Conv3d(C -> 1, 1x1x1): where the nodule is, (N, d*h*w)
 *   centre = p · cellCentres                 the expected cell centre under p (differentiable arg-max)
 *   size = sigmoid(size(globalAvgPool(a)))  size = Linear(C -> 3)
 * A feature cell of a stride-s backbone covers s input voxels, so its normalised centre is the same on the input.
 * State-dict keys: "heat.weight", "heat.bias", "size.weight", "size.bias".
 */
export class BoxHead3d extends Module {
  readonly heat: Conv3d;
  readonly size: Linear;
  private grid: { key: string; t: Tensor } | null = null;

  constructor(
    readonly inChannels: number,
    g: Generator,
  ) {
    super();
    this.heat = this.registerModule('heat', new Conv3d(inChannels, 1, 1, { bias: true, generator: g }));
    this.size = this.registerModule('size', new Linear(inChannels, 3, { generator: g }));
  }

  /**
   * A flat heat map (heat weights and bias 0: p uniform, every centre at the volume's centre at first) and sizes
   * from the Linear's default init around sigmoid(0) = 0.5 (kaimingNormal on a 1-channel conv would start p near
   * one-hot, where the softmax saturates and the centre barely learns).
   */
  resetParameters(): void {
    constant_(this.heat.weight, 0);
    if (this.heat.bias) constant_(this.heat.bias, 0);
  }

  /** The cell-centre grid (d*h*w, 3) of a (d, h, w) feature map, cached for the last size seen. */
  centres(d: number, h: number, w: number): Tensor {
    const key = `${d}x${h}x${w}`;
    if (this.grid?.key !== key) this.grid = { key, t: new Tensor(cellCentres(d, h, w), [d * h * w, 3]) };
    return this.grid.t;
  }

  /** a: (N,C,d,h,w) -> (N, 6). */
  override forward(a: Tensor): Tensor {
    if (a.ndim !== 5 || a.shape[1] !== this.inChannels)
      throw new Error(
        `BoxHead3d: expected a feature map (N, ${this.inChannels}, d, h, w), got [${a.shape.join(', ')}]`,
      );
    const [, , d, h, w] = a.shape;
    const p = softmax(flatten(this.heat.forward(a)), 1);
    const centre = matmul(p, this.centres(d, h, w));
    const size = sigmoid(this.size.forward(flatten(globalAvgPool3d(a))));
    return cat([centre, size], 1);
  }
}
