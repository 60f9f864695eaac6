// @nodulab/tensor's linear algebra, the one module every nodulab package uses: the row-major float64 Matrix
// and its products, Cholesky solves, the symmetric eigen-decomposition, column centring, and singular values
// of float32 Tensors on the native kernel.
export * from './matrix';
export * from './centering';
export * from './cholesky';
export * from './eigen';
export * from './svd';
