// The (N, C, ...spatial) layout of per-sample or per-voxel class scores (probabilities or logits), as
// torch's cross_entropy takes them, and its (N, ...spatial) labels: shared checks for calibration metrics
// and temperature scaling.

/** Sizes of a class-score array (N, C, ...spatial): N samples, C classes, S voxels per sample (1 when none). */
export interface ClassLayout {
  n: number;
  classes: number;
  spatial: number;
}

/**
 * Reads `shape` (N, C, ...spatial) of the array `name` (`length` values) and checks that `labels`
 * (N, ...spatial) holds class indices in [0, C) and `mask` (optional, same length as labels) is 0/non-zero.
 */
export function classLayout(
  what: string,
  name: string,
  shape: readonly number[],
  length: number,
  labels: ArrayLike<number>,
  mask?: ArrayLike<number>,
): ClassLayout {
  if (shape.length < 2)
    throw new Error(`${what}: ${name} must have shape (N, C, ...spatial), got [${shape.join(', ')}]`);
  for (const d of shape)
    if (!Number.isInteger(d) || d < 1)
      throw new Error(`${what}: ${name} shape [${shape.join(', ')}] must hold positive integers`);
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== length)
    throw new Error(`${what}: ${name} has ${length} values but shape [${shape.join(', ')}] needs ${size}`);
  const [n, classes] = shape;
  if (classes < 2) throw new Error(`${what}: ${name} needs at least 2 classes (shape[1]), got ${classes}`);
  const spatial = size / (n * classes);
  if (labels.length !== n * spatial)
    throw new Error(
      `${what}: labels has ${labels.length} values but ${name} of shape [${shape.join(', ')}] needs ${n * spatial} (N, ...spatial)`,
    );
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (!Number.isInteger(v) || v < 0 || v >= classes)
      throw new Error(`${what}: labels[${i}] = ${v} is not a class index in [0, ${classes - 1}]`);
  }
  if (mask && mask.length !== labels.length)
    throw new Error(`${what}: mask has ${mask.length} values but labels has ${labels.length}`);
  return { n, classes, spatial };
}
