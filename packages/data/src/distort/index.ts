// Robustness distortions, "category x severity 1-5" in 3D for CT: the registry and its categories.
export * from './types';
export * from './registry';
export { gaussianBlur, sliceThickness, downsample, downUpMatrix } from './resolution';
export { gaussianNoise, contrast, huShift, biasField, BIAS_FIELD_CELL_MM } from './intensity';
export { motionGhosting, streak, ring, GHOST_SHIFT_FRACTION, STREAK_COUNT, RING_COUNT } from './artifacts';
