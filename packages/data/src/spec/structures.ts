// The structures the generator draws and their ids in a sample's label map labels: (D, H, W) — the one
// place the ids are defined — and the binary map of a set of structures (a segmentation target).

/**
 * The label id of every structure, in painting order: a later structure overwrites an earlier one where
 * they meet (vessels over the chest wall, the nodule over both; calcium and cavity lie inside the nodule).
 * Parenchyma is background (0).
 */
export const LABEL_IDS = {
  background: 0,
  /** The nodule's tissue: body and spicules (its mask), less its calcium and cavity. */
  nodule: 1,
  vessel: 2,
  'pleural-wall': 3,
  /** Calcified voxels inside the nodule. */
  calcium: 4,
  /** The air cavity inside a cavitated nodule. */
  cavity: 5,
} as const;

/** A structure a label map records. */
export type StructureName = keyof typeof LABEL_IDS;

/** The structure names, ordered by label id. */
export const STRUCTURE_NAMES = Object.keys(LABEL_IDS) as StructureName[];

/** The structures a segmentation target may name (every one but background). */
export const TARGET_STRUCTURES = STRUCTURE_NAMES.filter((s) => s !== 'background') as Exclude<
  StructureName,
  'background'
>[];
export type TargetStructure = (typeof TARGET_STRUCTURES)[number];

/** Preview colours (RGB) of each label id. */
export const LABEL_COLOURS: Readonly<Record<number, readonly [number, number, number]>> = {
  [LABEL_IDS.nodule]: [255, 64, 64],
  [LABEL_IDS.vessel]: [64, 128, 255],
  [LABEL_IDS['pleural-wall']]: [64, 200, 96],
  [LABEL_IDS.calcium]: [255, 220, 64],
  [LABEL_IDS.cavity]: [200, 96, 255],
};

/**
 * The binary map (1 where the label is one of `structures`) of a label map labels: (D, H, W). Throws
 * naming an unknown structure.
 */
export function structureMask(labels: Uint8Array, structures: readonly string[]): Uint8Array {
  const wanted = new Uint8Array(256);
  for (const s of structures) {
    const id = (LABEL_IDS as Record<string, number>)[s];
    if (id === undefined)
      throw new Error(`structureMask: unknown structure "${s}" (known: ${STRUCTURE_NAMES.join(', ')})`);
    wanted[id] = 1;
  }
  const out = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = wanted[labels[i]];
  return out;
}
