// Representation analysis: linear CKA between layers and models, and the PCA spectrum of an embedding.
export type { RepresentationLike } from './matrix';
export * from './cka';
export * from './pca';
