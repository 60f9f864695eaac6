// Fixed Hounsfield-unit levels and lengths the generator uses (documented here, not factors).

/** Air (a cavity), HU. */
export const AIR_HU = -1000;
/** Soft tissue of the chest wall, HU. */
export const SOFT_TISSUE_HU = 40;
/** Blood in vessels, HU. */
export const BLOOD_HU = 40;
/** Calcium in a calcified nodule, HU. */
export const CALCIUM_HU = 600;
/** The ground-glass halo of a part-solid nodule, HU. */
export const GROUND_GLASS_HALO_HU = -600;
/** Lattice spacing of the parenchyma's smooth variation, mm. */
export const PARENCHYMA_CELL_MM = 6;
/** Lattice spacing of a nodule's internal texture, mm. */
export const NODULE_TEXTURE_CELL_MM = 2;
/** Width of partial-volume edges of vessels and the chest wall, mm. */
export const ANATOMY_EDGE_MM = 1;

/** The margin edge ramp width in mm for a marginSharpness in [0, 1]. */
export function marginWidthMm(sharpness: number): number {
  return 0.2 + 2.8 * (1 - sharpness);
}
