// Training targets of a dataset spec: which class an item carries. 'label' is the spec's label rule (0/1),
// 'grade' the ordinal nodule grade 1–5 as classes 0–4, 'composition' the source task of supervised
// pretraining: density type (solid / part-solid) × calcified × cavitated as 8 classes.
import type { FactorRecord } from './factors';
import { noduleGrade } from './grade';

/** The targets a dataset spec may train on. */
export const TARGETS = ['label', 'grade', 'composition'] as const;
export type Target = (typeof TARGETS)[number];

/** Cavitation above this (cavity radius / nodule radius) counts as cavitated in the 'composition' target. */
export const CAVITATED_ABOVE = 0.15;

/** Number of classes of each target. */
const CLASSES: Record<Target, number> = { label: 2, grade: 5, composition: 8 };

/** The number of classes of `target` (default 'label': 2), like the out_features of a PyTorch classifier head. */
export function targetClasses(target: Target = 'label'): number {
  const k = CLASSES[target];
  if (k === undefined) throw new Error(`unknown target "${String(target)}" (known: ${TARGETS.join(', ')})`);
  return k;
}

/**
 * The class index of a sample under `target`:
 * - 'label': the label rule's 0/1;
 * - 'grade': {@link noduleGrade} − 1 (grades 1–5 as classes 0–4);
 * - 'composition': 4·partSolid + 2·calcified + cavitated, where partSolid is densityType 'part-solid', calcified any
 *   calcification pattern and cavitated a cavitation above {@link CAVITATED_ABOVE} (ground-glass counts as not
 *   part-solid).
 */
export function targetClass(target: Target, label: number, factors: FactorRecord): number {
  switch (target) {
    case 'label':
      return label;
    case 'grade':
      return noduleGrade(factors) - 1;
    case 'composition':
      return (
        (factors.densityType === 'part-solid' ? 4 : 0) +
        (factors.calcification !== 'none' ? 2 : 0) +
        (factors.cavitation > CAVITATED_ABOVE ? 1 : 0)
      );
    default:
      throw new Error(`unknown target "${String(target)}" (known: ${TARGETS.join(', ')})`);
  }
}
