// Boxes from thresholded 3D Grad-CAM, the weakly-supervised setting's training boxes: classifiers trained on
// image-level labels only explain each volume's label; the box is that of the largest connected region of the
// mean map above a fraction of its peak.
import type { Model } from '@nodulab/nn';
import { Dataset, DataLoader } from '@nodulab/data';
import { Box3d, box3d } from '@nodulab/eval';
import { gradCam3d } from '../../measures/gradcam';

/**
 * The box (voxels: centre (z, y, x), size (d, h, w)) of the largest 6-connected region where cam: (D, H, W) is at
 * least `threshold` times its maximum (ties: the region met first in z, y, x order). A map that is zero everywhere
 * has no evidence: the box is then the whole volume. Throws on a threshold outside (0, 1], a wrong length or a
 * non-finite value.
 */
export function camBox(cam: ArrayLike<number>, shape: readonly [number, number, number], threshold = 0.5): Box3d {
  const [D, H, W] = shape;
  if (cam.length !== D * H * W) throw new Error(`camBox: ${cam.length} values for a (${shape.join(', ')}) map`);
  if (!(threshold > 0 && threshold <= 1)) throw new Error(`camBox: threshold must be in (0, 1], got ${threshold}`);
  let max = 0;
  for (let i = 0; i < cam.length; i++) {
    if (!Number.isFinite(cam[i])) throw new Error(`camBox: cam[${i}] = ${cam[i]} is not finite`);
    max = Math.max(max, cam[i]);
  }
  if (max <= 0) return box3d([(D - 1) / 2, (H - 1) / 2, (W - 1) / 2], [D, H, W]);
  const on = (i: number) => cam[i] >= threshold * max;
  const seen = new Uint8Array(cam.length);
  let best: { n: number; min: number[]; max: number[] } | null = null;
  const stack: number[] = [];
  for (let start = 0; start < cam.length; start++) {
    if (seen[start] || !on(start)) continue;
    const lo = [Infinity, Infinity, Infinity];
    const hi = [-Infinity, -Infinity, -Infinity];
    let n = 0;
    seen[start] = 1;
    stack.push(start);
    while (stack.length) {
      const v = stack.pop()!;
      const z = Math.floor(v / (H * W));
      const y = Math.floor(v / W) % H;
      const x = v % W;
      n++;
      [z, y, x].forEach((c, k) => ((lo[k] = Math.min(lo[k], c)), (hi[k] = Math.max(hi[k], c))));
      const next: [boolean, number][] = [
        [z > 0, v - H * W],
        [z < D - 1, v + H * W],
        [y > 0, v - W],
        [y < H - 1, v + W],
        [x > 0, v - 1],
        [x < W - 1, v + 1],
      ];
      for (const [inside, u] of next)
        if (inside && !seen[u] && on(u)) {
          seen[u] = 1;
          stack.push(u);
        }
    }
    if (!best || n > best.n) best = { n, min: lo, max: hi };
  }
  const b = best!;
  return box3d(
    [0, 1, 2].map((k) => (b.min[k] + b.max[k]) / 2),
    [0, 1, 2].map((k) => b.max[k] - b.min[k] + 1),
  );
}

/**
 * One box per item of `dataset` from the Grad-CAM of its image-level label (the class the label names), averaged
 * over `models` (each map scaled to peak 1 first), then {@link camBox} at `threshold`. The models must be
 * classifiers of that label, in eval mode.
 */
export function camBoxes(models: readonly Model[], dataset: Dataset, threshold: number, batchSize = 16): Box3d[] {
  if (!models.length) throw new Error('camBoxes: no models');
  const [D, H, W] = dataset.shape;
  const V = D * H * W;
  const boxes: Box3d[] = [];
  for (const b of new DataLoader(dataset, { batchSize })) {
    const x = b.x;
    const N = x.shape[0];
    const mean = new Float32Array(N * V);
    for (const model of models) {
      const { cams } = gradCam3d(model, x, b.labels);
      for (let n = 0; n < N; n++) {
        let peak = 0;
        for (let v = 0; v < V; v++) peak = Math.max(peak, cams[n * V + v]);
        if (peak > 0) for (let v = 0; v < V; v++) mean[n * V + v] += cams[n * V + v] / peak / models.length;
      }
    }
    for (let n = 0; n < N; n++) boxes.push(camBox(mean.subarray(n * V, (n + 1) * V), [D, H, W], threshold));
  }
  return boxes;
}
