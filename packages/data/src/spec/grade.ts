// The ordinal nodule grade 1–5, derived from the factors by a fixed, documented rule in the spirit of
// Lung-RADS categories and LIDC malignancy ratings: larger, irregular and part-solid nodules grade higher.
import type { FactorRecord } from './factors';
import { IRREGULAR_LOBULATION } from './spec';

/** A nodule grade: 1 (benign / none) .. 5 (most suspicious). */
export type NoduleGrade = 1 | 2 | 3 | 4 | 5;

/** The grades, in order. */
export const NODULE_GRADES: readonly NoduleGrade[] = [1, 2, 3, 4, 5];

/** Diameter thresholds (mm) of the size points 1, 2 and 3: Lung-RADS's solid-nodule cut-offs 6, 8 and 15 mm. */
export const GRADE_SIZE_THRESHOLDS_MM: readonly [number, number, number] = [6, 8, 15];

/** The grading rule in words (also the TSDoc of {@link noduleGrade}). */
export const GRADE_RULE =
  'grade 1 without a nodule or with a benign calcification pattern (central, laminated, popcorn); otherwise ' +
  'grade = clamp(2 + size + margin + density, 2, 5) with size = 0 / 1 / 2 / 3 points for a diameter < 6, < 8, ' +
  '< 15, >= 15 mm; margin = 1 point when irregular (lobulation > 0.1 or any spicule); density = +1 part-solid, ' +
  '0 solid, -1 ground-glass';

/**
 * The nodule grade of a factor record (an ordinal target like LIDC's malignancy rating; not a clinical rule):
 * - 1: no nodule, or a benign calcification pattern (central, laminated or popcorn), as Lung-RADS 1;
 * - otherwise clamp(2 + size + margin + density, 2, 5), where size is 0, 1, 2 or 3 points for a diameter below
 *   6, below 8, below 15 or at least 15 mm (Lung-RADS's solid-nodule cut-offs), margin 1 point when irregular
 *   (lobulation > {@link IRREGULAR_LOBULATION} or at least one spicule: the default label rule's malignant
 *   margin), and density +1 for part-solid, 0 for solid, −1 for ground-glass.
 * So a smooth solid nodule grades 2 / 3 / 4 / 5 across the size cut-offs, as Lung-RADS 2 / 3 / 4A / 4B.
 */
export function noduleGrade(
  f: Pick<FactorRecord, 'hasNodule' | 'calcification' | 'diameter' | 'lobulation' | 'spiculationCount' | 'densityType'>,
): NoduleGrade {
  if (!f.hasNodule || f.calcification !== 'none') return 1;
  const size = GRADE_SIZE_THRESHOLDS_MM.filter((t) => f.diameter >= t).length;
  const margin = f.lobulation > IRREGULAR_LOBULATION || f.spiculationCount > 0 ? 1 : 0;
  const density = f.densityType === 'part-solid' ? 1 : f.densityType === 'ground-glass' ? -1 : 0;
  return Math.min(5, Math.max(2, 2 + size + margin + density)) as NoduleGrade;
}
