// 3D Grad-CAM: the gradient of a class logit w.r.t. the last conv feature map A: (N,C,d,h,w),
// averaged over space, weights A's channels; ReLU of the weighted sum is the saliency (N,d,h,w),
// upsampled trilinearly to the volume (N,D,H,W). Plus the share of saliency inside a nodule mask.
import { Tensor, flatten, noGrad } from '@nodulab/tensor';
import { NoduleNet3D, ResNet3D } from '@nodulab/nn';

/** A classifier split at its last conv feature map. */
export interface FeatureModel {
  /** x: (N,1,D,H,W) -> A: (N,C,d,h,w), the last conv layer's activation. */
  featureMap(x: Tensor): Tensor;
  /** A -> logits (N, K): everything after the feature map. */
  head(a: Tensor): Tensor;
  /** Clears the gradients the head's parameters collected. */
  zeroGrad(): void;
}

/** NoduleNet3D / ResNet3D seen as feature map + head (global average pool, linear classifier). */
export function featureModelOf(model: NoduleNet3D | ResNet3D): FeatureModel {
  if (model instanceof NoduleNet3D) {
    return {
      featureMap: (x) => model.features.forward(x),
      head: (a) => model.classifier.forward(flatten(model.pool.forward(a))),
      zeroGrad: () => model.zeroGrad(),
    };
  }
  return {
    featureMap: (x) => {
      let h = model.stem.forward(x);
      for (const layer of model.layers) h = layer.forward(h);
      return h;
    },
    head: (a) => model.fc.forward(flatten(model.pool.forward(a))),
    zeroGrad: () => model.zeroGrad(),
  };
}

/** Grad-CAM maps of a batch. */
export interface GradCamResult {
  /** cams: (N, D, H, W) at the input's resolution, >= 0. */
  cams: Float32Array;
  shape: [number, number, number];
  /** The class each map explains (the predicted class unless given). */
  classes: Int32Array;
  logits: Float32Array;
}

/**
 * Grad-CAM of `x`: (N,1,D,H,W) for `classes` (default: each sample's predicted class). The feature map
 * is computed without a graph and re-entered as a leaf, so only the head is differentiated.
 */
export function gradCam3d(fm: FeatureModel, x: Tensor, classes?: ArrayLike<number>): GradCamResult {
  if (x.ndim !== 5) throw new Error(`gradCam3d: x must be (N, C, D, H, W), got [${x.shape.join(', ')}]`);
  const [N, , D, H, W] = x.shape;
  const A = noGrad(() => fm.featureMap(x));
  if (A.ndim !== 5 || A.shape[0] !== N) throw new Error(`gradCam3d: the feature map must be (N, C, d, h, w), got [${A.shape.join(', ')}]`);
  const [, C, d, h, w] = A.shape;
  const leaf = new Tensor(A.data, A.shape, { requiresGrad: true });
  const logits = fm.head(leaf);
  const K = logits.shape[1];
  const chosen = new Int32Array(N);
  for (let n = 0; n < N; n++) {
    if (classes) chosen[n] = classes[n];
    else {
      let arg = 0;
      for (let k = 1; k < K; k++) if (logits.data[n * K + k] > logits.data[n * K + arg]) arg = k;
      chosen[n] = arg;
    }
    if (!(chosen[n] >= 0 && chosen[n] < K)) throw new Error(`gradCam3d: class ${chosen[n]} of sample ${n} is outside [0, ${K})`);
  }
  const seed = new Float32Array(N * K);
  for (let n = 0; n < N; n++) seed[n * K + chosen[n]] = 1;
  logits.backward(new Tensor(seed, logits.shape));
  fm.zeroGrad();
  const G = leaf.grad!.data;
  const S = d * h * w;
  const coarse = new Float32Array(N * S);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const base = (n * C + c) * S;
      let alpha = 0;
      for (let s = 0; s < S; s++) alpha += G[base + s];
      alpha /= S;
      if (alpha === 0) continue;
      for (let s = 0; s < S; s++) coarse[n * S + s] += alpha * A.data[base + s];
    }
    for (let s = 0; s < S; s++) if (coarse[n * S + s] < 0) coarse[n * S + s] = 0;
  }
  const cams = new Float32Array(N * D * H * W);
  for (let n = 0; n < N; n++) cams.set(upsampleTrilinear(coarse.subarray(n * S, (n + 1) * S), [d, h, w], [D, H, W]), n * D * H * W);
  return { cams, shape: [D, H, W], classes: chosen, logits: Float32Array.from(logits.data) };
}

/** Source coordinate and weights of output index i along one axis (PyTorch's align_corners=false). */
function axisWeights(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; t: Float32Array } {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const t = new Float32Array(outSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const src = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), inSize - 1);
    i0[o] = Math.floor(src);
    i1[o] = Math.min(i0[o] + 1, inSize - 1);
    t[o] = src - i0[o];
  }
  return { i0, i1, t };
}

/** Trilinear resize of v: (d, h, w) to (D, H, W), like torch's interpolate(mode='trilinear', align_corners=False). */
export function upsampleTrilinear(v: ArrayLike<number>, from: readonly number[], to: readonly number[]): Float32Array {
  const [d, h, w] = from;
  const [D, H, W] = to;
  if (v.length !== d * h * w) throw new Error(`upsampleTrilinear: ${v.length} values for shape (${from.join(', ')})`);
  const z = axisWeights(d, D);
  const y = axisWeights(h, H);
  const x = axisWeights(w, W);
  const out = new Float32Array(D * H * W);
  const at = (a: number, b: number, c: number): number => v[(a * h + b) * w + c];
  for (let oz = 0; oz < D; oz++) {
    for (let oy = 0; oy < H; oy++) {
      for (let ox = 0; ox < W; ox++) {
        const [z0, z1, tz] = [z.i0[oz], z.i1[oz], z.t[oz]];
        const [y0, y1, ty] = [y.i0[oy], y.i1[oy], y.t[oy]];
        const [x0, x1, tx] = [x.i0[ox], x.i1[ox], x.t[ox]];
        const c00 = at(z0, y0, x0) * (1 - tx) + at(z0, y0, x1) * tx;
        const c01 = at(z0, y1, x0) * (1 - tx) + at(z0, y1, x1) * tx;
        const c10 = at(z1, y0, x0) * (1 - tx) + at(z1, y0, x1) * tx;
        const c11 = at(z1, y1, x0) * (1 - tx) + at(z1, y1, x1) * tx;
        out[(oz * H + oy) * W + ox] = (c00 * (1 - ty) + c01 * ty) * (1 - tz) + (c10 * (1 - ty) + c11 * ty) * tz;
      }
    }
  }
  return out;
}

/** Share of the saliency `cam` that lies inside `mask` (same length); NaN when the map is all zero. */
export function insideShare(cam: ArrayLike<number>, mask: ArrayLike<number>): number {
  if (cam.length !== mask.length) throw new Error(`insideShare: ${cam.length} saliency values for a mask of ${mask.length}`);
  let inside = 0;
  let total = 0;
  for (let i = 0; i < cam.length; i++) {
    total += cam[i];
    if (mask[i]) inside += cam[i];
  }
  return total > 0 ? inside / total : NaN;
}
