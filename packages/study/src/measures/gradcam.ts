// 3D Grad-CAM: the gradient of a class logit w.r.t. a layer's feature map A: (N,C,d,h,w) (tapped with a
// forward hook; default the model's last conv block), averaged over space, weights A's channels; ReLU of
// the weighted sum is the saliency (N,d,h,w), upsampled trilinearly to the volume (N,D,H,W). Plus the
// share of saliency inside a nodule mask, and the one loop that maps Grad-CAM over a dataset.
import { Tensor } from '@nodulab/tensor';
import { isModel, Module } from '@nodulab/nn';
import type { Dataset } from '@nodulab/data';
import { datasetBatches } from '@nodulab/eval';
import { yieldToEventLoop } from '@nodulab/platform';

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
 * Runs `model.forward(x)` with the output A of layer `name` replaced by a leaf tensor holding the
 * same values, so a backward pass from the logits stops at A and leaves dlogit/dA in `leaf.grad`.
 */
function forwardWithLeafAt(model: Module, name: string, x: Tensor): { logits: Tensor; leaf: Tensor } {
  const leaves: Tensor[] = [];
  const handle = model.getSubmodule(name).registerForwardHook((_m, _inputs, output) => {
    leaves.push(new Tensor(output.data, output.shape, { requiresGrad: true }));
    return leaves[leaves.length - 1];
  });
  try {
    const logits = model.forward(x);
    if (leaves.length !== 1) {
      throw new Error(
        `gradCam3d: layer "${name}" ran ${leaves.length} times in the forward pass; pick a layer that runs once`,
      );
    }
    return { logits, leaf: leaves[0] };
  } finally {
    handle.remove();
  }
}

/**
 * Grad-CAM of `x`: (N,C,D,H,W) for `classes` (default: each sample's predicted class) at the layer of
 * `model` named `layer` (dotted, as in `namedModules()`; default: a nodulab model's `featureLayer`, its
 * last conv block). The model must output class logits (N, K); its parameters' gradients are cleared after.
 */
export function gradCam3d(model: Module, x: Tensor, classes?: ArrayLike<number>, layer?: string): GradCamResult {
  if (x.ndim !== 5) throw new Error(`gradCam3d: x must be (N, C, D, H, W), got [${x.shape.join(', ')}]`);
  const name = layer ?? (isModel(model) ? model.featureLayer : undefined);
  if (name === undefined)
    throw new Error(`gradCam3d: name the layer to explain (${model.constructor.name} is not a nodulab model)`);
  const [N, , D, H, W] = x.shape;
  const { logits, leaf: A } = forwardWithLeafAt(model, name, x);
  if (A.ndim !== 5 || A.shape[0] !== N)
    throw new Error(`gradCam3d: the feature map must be (N, C, d, h, w), got [${A.shape.join(', ')}]`);
  if (logits.ndim !== 2 || logits.shape[0] !== N) {
    throw new Error(`gradCam3d: the model must output class logits (N, K), got [${logits.shape.join(', ')}]`);
  }
  const [, C, d, h, w] = A.shape;
  const K = logits.shape[1];
  const chosen = new Int32Array(N);
  for (let n = 0; n < N; n++) {
    if (classes) chosen[n] = classes[n];
    else {
      let arg = 0;
      for (let k = 1; k < K; k++) if (logits.data[n * K + k] > logits.data[n * K + arg]) arg = k;
      chosen[n] = arg;
    }
    if (!(chosen[n] >= 0 && chosen[n] < K))
      throw new Error(`gradCam3d: class ${chosen[n]} of sample ${n} is outside [0, ${K})`);
  }
  const seed = new Float32Array(N * K);
  for (let n = 0; n < N; n++) seed[n * K + chosen[n]] = 1;
  logits.backward(new Tensor(seed, logits.shape));
  model.zeroGrad();
  const G = A.grad ? A.grad.data : new Float32Array(A.size); // no gradient: the chosen logits ignore A
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
  for (let n = 0; n < N; n++)
    cams.set(upsampleTrilinear(coarse.subarray(n * S, (n + 1) * S), [d, h, w], [D, H, W]), n * D * H * W);
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
  if (cam.length !== mask.length)
    throw new Error(`insideShare: ${cam.length} saliency values for a mask of ${mask.length}`);
  let inside = 0;
  let total = 0;
  for (let i = 0; i < cam.length; i++) {
    total += cam[i];
    if (mask[i]) inside += cam[i];
  }
  return total > 0 ? inside / total : NaN;
}

/**
 * Enrichment of the saliency `cam` inside `mask`: the share of the saliency inside over the share of the voxels
 * inside (1 = no preference, > 1 = looked at more than a random voxel). NaN for an empty mask or an all-zero map.
 */
export function enrichment(cam: ArrayLike<number>, mask: ArrayLike<number>): number {
  let inside = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) inside++;
  return inside > 0 ? insideShare(cam, mask) / (inside / mask.length) : NaN;
}

/**
 * Grad-CAM (of the predicted class) of `model` on every sample of `dataset`, batched by eval's datasetBatches
 * (`batchSize` volumes a batch) with each sample's true mask: `visit(cam, index, mask)` once per sample, in
 * index order, where cam is the sample's (D·H·W) map. Puts the model in eval mode; yields to the event loop
 * between batches. Every study that aggregates saliency over a set goes through here.
 */
export async function forEachCam(
  model: Module,
  dataset: Dataset,
  batchSize: number,
  visit: (cam: Float32Array, index: number, mask: ArrayLike<number>) => void,
): Promise<void> {
  model.eval();
  for (const b of datasetBatches(dataset, batchSize, { masks: true })) {
    const { cams } = gradCam3d(model, b.x as Tensor);
    const V = cams.length / b.labels.length;
    b.indices!.forEach((i, k) => visit(cams.subarray(k * V, (k + 1) * V), i, b.masks![k]));
    await yieldToEventLoop();
  }
}
