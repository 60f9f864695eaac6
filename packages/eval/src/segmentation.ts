// Segmentation metrics: the Dice overlap of a predicted and a true mask for one class.

/**
 * Dice of class `cls` (default 1, the nodule) between a predicted and a true mask: 2|P∩T| / (|P| + |T|),
 * 1 when both are empty. `pred` holds class indices; `truth` counts as class `cls` where it equals
 * `cls` (or, for cls = 1, where it is non-zero, so a 0/255 mask works).
 */
export function dice(pred: ArrayLike<number>, truth: ArrayLike<number>, cls = 1): number {
  if (pred.length !== truth.length)
    throw new Error(`dice: the predicted mask has ${pred.length} voxels but the true mask has ${truth.length}`);
  let inter = 0;
  let a = 0;
  let b = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i] === cls ? 1 : 0;
    const t = (cls === 1 ? truth[i] !== 0 : truth[i] === cls) ? 1 : 0;
    inter += p & t;
    a += p;
    b += t;
  }
  return a + b === 0 ? 1 : (2 * inter) / (a + b);
}
