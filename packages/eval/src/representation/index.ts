// Representation analysis: linear CKA between layers and models, and the PCA spectrum of an embedding.
import type { MatrixLike } from '@nodulab/tensor';

/** A representation: N samples × features; trailing dimensions are flattened, e.g. (N,C,D,H,W) -> (N, C·D·H·W). */
export type RepresentationLike = MatrixLike;
export * from './cka';
export * from './pca';
