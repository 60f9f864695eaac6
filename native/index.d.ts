// Types of @nodulab/native, nodulab's C++ Node-API addon (loaded by index.js: a prebuilt binary or a
// cmake-js build). Every method is synchronous, validates its arguments and throws an Error naming
// the kernel and the offending shapes (never aborting the process: README.md); NaN inputs propagate.
// Outputs are new Float32Arrays, not zero-filled (kernels write every element; NODULAB_POISON_OUTPUTS=1
// fills them with NaN first, to check that). `backend` defaults to 'cpu'; 'ref' runs the slow reference
// kernel (for tests).

declare namespace nodulab {
  /** Which kernel implementation runs: the slow reference, the fast CPU kernel, or CUDA. */
  export type Backend = 'ref' | 'cpu' | 'cuda';
  /** A triple (depth, height, width) of strides, paddings, dilations or kernel sizes. */
  export type Triple = [number, number, number];
  /** A 5-D shape (N, C, D, H, W). */
  export type Shape5 = [number, number, number, number, number];

  /** The input of a batch norm: x (N,C,D,H,W) and its per-channel scale gamma and shift beta (null: 1 and 0). */
  export type BatchNormInput = [x: Float32Array, xShape: Shape5, gamma: Float32Array | null, beta: Float32Array | null];
  /** Per-channel running statistics (C) and eps, for a batch norm in evaluation. */
  export type RunningStats = [runningMean: Float32Array, runningVar: Float32Array, eps: number];
  /** What a batch-norm gradient reads besides x and dy: gamma and the batch statistics of the forward pass. */
  export type BatchNormSaved = [gamma: Float32Array | null, mean: Float32Array, invstd: Float32Array];
  /** A pooling window: kernel size, stride and padding. */
  export type PoolWindow = [kernel: Triple, stride: Triple, padding: Triple];
  /** A training batch norm's output and the per-channel batch statistics its gradient needs. */
  export type BatchNormTrainOutput = { y: Float32Array; mean: Float32Array; invstd: Float32Array };
  /** Gradients of a batch norm with respect to x, gamma and beta. */
  export type BatchNormGrads = { dx: Float32Array; dgamma: Float32Array; dbeta: Float32Array };

  export interface NativeBinding {
    /** Threads the kernels use. */
    getNumThreads(): number;
    /** Sets the kernel thread count (1..256). Throws on anything else. */
    setNumThreads(n: number): void;
    /** The vector ISA in use and the best one this CPU supports. */
    getIsa(): { active: 'scalar' | 'avx2' | 'avx512'; detected: 'scalar' | 'avx2' | 'avx512' };
    /** Chooses the ISA (clamped to what the CPU supports); returns the one now active. */
    setIsa(isa: 'scalar' | 'avx2' | 'avx512'): string;
    /** Every registered "Kernel/backend" pair. */
    kernels(): string[];

    // ---- devices (binding/device.cc): handles to float32 elements in CUDA device memory -----------------
    /** "NVIDIA H200 (sm_90, ...)" or "no CUDA device: <reason>" (e.g. built without CUDA, no driver). */
    cudaStatus(): string;
    /** Usable CUDA devices (0 when none). */
    cudaDeviceCount(): number;
    /** A device copy of x on cuda:`device` (only 0 today). Throws naming the device and the reason. */
    toDevice(x: Float32Array, device: number): object;
    /** A host copy of a device tensor's elements (waits for queued kernels). */
    toHost(handle: object): Float32Array;
    /** A device-to-device copy. */
    copyDevice(handle: object): object;
    /** Frees the device memory now (back to the caching allocator); later use of the handle throws. */
    freeDevice(handle: object): void;
    /** The caching allocator's counters. */
    deviceAllocatorStats(): {
      bytesInUse: number;
      bytesCached: number;
      peakBytesInUse: number;
      deviceMallocs: number;
      allocations: number;
    };

    // ---- activation -------------------------------------------------------------------------------
    relu(x: Float32Array, backend?: Backend): Float32Array;
    /** dx = dy where x > 0, else 0. */
    reluGrad(x: Float32Array, dy: Float32Array, backend?: Backend): Float32Array;
    leakyRelu(x: Float32Array, negativeSlope: number, backend?: Backend): Float32Array;
    leakyReluGrad(x: Float32Array, dy: Float32Array, negativeSlope: number, backend?: Backend): Float32Array;
    sigmoid(x: Float32Array, backend?: Backend): Float32Array;
    /** dx = dy * y * (1 - y), from the sigmoid's output y. */
    sigmoidGrad(y: Float32Array, dy: Float32Array, backend?: Backend): Float32Array;

    // ---- conv3d: x (N,Ci,D,H,W), w (Co,Ci,kD,kH,kW), y (N,Co,oD,oH,oW) --------------------------------
    conv3d(
      x: Float32Array,
      xShape: Shape5,
      w: Float32Array,
      wShape: Shape5,
      b: Float32Array | null,
      stride: Triple,
      padding: Triple,
      dilation: Triple,
      backend?: Backend,
    ): Float32Array;
    /** dx (xShape) from dy and w. Also the forward pass of a transposed convolution. */
    conv3dBackpropInput(
      dy: Float32Array,
      dyShape: Shape5,
      w: Float32Array,
      wShape: Shape5,
      xShape: Shape5,
      stride: Triple,
      padding: Triple,
      dilation: Triple,
      backend?: Backend,
    ): Float32Array;
    /** dw (wShape) and, when withBias, db (Co) from x and dy. */
    conv3dBackpropFilter(
      x: Float32Array,
      xShape: Shape5,
      dy: Float32Array,
      dyShape: Shape5,
      wShape: Shape5,
      stride: Triple,
      padding: Triple,
      dilation: Triple,
      withBias: boolean,
      backend?: Backend,
    ): { dw: Float32Array; db: Float32Array | null };
    /**
     * Inference only (synchronous): maxpool(relu(batchNorm(conv(x, w) + b))) with the BatchNorm's running
     * statistics folded into the conv; no pool when poolKernel is null. Returns y (N,Co,pooled D,H,W).
     * @throws on bad shapes, per-channel lengths other than Co, eps < 0 or a bad pooling window
     */
    conv3dBnReluMaxPoolInfer(
      x: Float32Array,
      xShape: Shape5,
      w: Float32Array,
      wShape: Shape5,
      b: Float32Array | null,
      mean: Float32Array,
      variance: Float32Array,
      gamma: Float32Array | null,
      beta: Float32Array | null,
      eps: number,
      stride: Triple,
      padding: Triple,
      dilation: Triple,
      poolKernel: Triple | null,
      poolStride: Triple,
      poolPadding: Triple,
      backend?: Backend,
    ): Float32Array;

    // ---- matmul: row-major C (M,N) = op(A) op(B); op transposes when the flag is set ----------------
    matmul(
      a: Float32Array,
      aShape: [number, number],
      b: Float32Array,
      bShape: [number, number],
      transA: boolean,
      transB: boolean,
      backend?: Backend,
    ): Float32Array;

    // ---- pooling ------------------------------------------------------------------------------------
    /** y and, per output, the flat index of the chosen input element within its (n, c) volume. */
    maxPool3d(...args: [x: Float32Array, xShape: Shape5, ...PoolWindow, backend?: Backend]): {
      y: Float32Array;
      indices: Int32Array;
    };
    maxPool3dGrad(
      dy: Float32Array,
      indices: Int32Array,
      dyShape: Shape5,
      xShape: Shape5,
      backend?: Backend,
    ): Float32Array;
    avgPool3d(
      ...args: [x: Float32Array, xShape: Shape5, ...PoolWindow, countIncludePad: boolean, backend?: Backend]
    ): Float32Array;
    avgPool3dGrad(
      ...args: [
        dy: Float32Array,
        dyShape: Shape5,
        xShape: Shape5,
        ...PoolWindow,
        countIncludePad: boolean,
        backend?: Backend,
      ]
    ): Float32Array;
    /** (N,C,D,H,W) -> (N,C) mean over D,H,W. */
    globalAvgPool3d(x: Float32Array, xShape: Shape5, backend?: Backend): Float32Array;
    globalAvgPool3dGrad(dy: Float32Array, xShape: Shape5, backend?: Backend): Float32Array;

    // ---- batch norm: statistics per channel over (N, D, H, W); var is biased ----------------------------
    // The fused variants take the same arguments as the plain ones, plus the pool window for the max-pool
    // ones; the gradients take what the training forward returned (y, indices, mean, invstd) and dy.
    batchNormTrain(...args: [...BatchNormInput, eps: number, backend?: Backend]): BatchNormTrainOutput;
    batchNormInfer(...args: [...BatchNormInput, ...RunningStats, backend?: Backend]): Float32Array;
    batchNormGrad(
      ...args: [x: Float32Array, xShape: Shape5, dy: Float32Array, ...BatchNormSaved, backend?: Backend]
    ): BatchNormGrads;
    /** Fused batch norm + ReLU (training): y = relu(batchNormTrain(...).y) in one pass; NaN propagates. */
    batchNormReluTrain(...args: [...BatchNormInput, eps: number, backend?: Backend]): BatchNormTrainOutput;
    /** Fused batch norm + ReLU (running statistics): y = relu(batchNormInfer(...)) in one pass. */
    batchNormReluInfer(...args: [...BatchNormInput, ...RunningStats, backend?: Backend]): Float32Array;
    /** Gradient of batchNormReluTrain from its output y: batchNormGrad of dz = (y > 0 ? dy : 0). */
    batchNormReluGrad(
      ...args: [
        x: Float32Array,
        xShape: Shape5,
        y: Float32Array,
        dy: Float32Array,
        ...BatchNormSaved,
        backend?: Backend,
      ]
    ): BatchNormGrads;
    /**
     * Fused batch norm + ReLU + max pool (training): y, indices = maxPool3d(relu(batchNormTrain(x).y)) without
     * storing relu(bn(x)); mean and invstd as batchNormTrain. Pool window validated as maxPool3d's.
     */
    batchNormReluMaxPool3dTrain(
      ...args: [...BatchNormInput, eps: number, ...PoolWindow, backend?: Backend]
    ): BatchNormTrainOutput & { indices: Int32Array };
    /** Fused batch norm (running statistics) + ReLU + max pool: y, indices = maxPool3d(batchNormReluInfer(x)). */
    batchNormReluMaxPool3dInfer(...args: [...BatchNormInput, ...RunningStats, ...PoolWindow, backend?: Backend]): {
      y: Float32Array;
      indices: Int32Array;
    };
    /**
     * Gradient of batchNormReluMaxPool3dTrain from its pooled y, indices and dy (y's shape): batchNormGrad of
     * dz = maxPool3dGrad(y > 0 ? dy : 0). Throws on an index outside the input volume.
     */
    batchNormReluMaxPool3dGrad(
      ...args: [
        x: Float32Array,
        xShape: Shape5,
        y: Float32Array,
        indices: Int32Array,
        dy: Float32Array,
        ...BatchNormSaved,
        ...PoolWindow,
        backend?: Backend,
      ]
    ): BatchNormGrads;

    // ---- elementwise ------------------------------------------------------------------------------------
    /** alpha * x + beta * y as a new array (x, y of equal length). */
    axpby(alpha: number, x: Float32Array, beta: number, y: Float32Array, backend?: Backend): Float32Array;
    /** a * b elementwise as a new array. */
    mul(a: Float32Array, b: Float32Array, backend?: Backend): Float32Array;

    // ---- softmax over the last axis of a (rows, cols) matrix ------------------------------------------
    softmax(x: Float32Array, rows: number, cols: number, backend?: Backend): Float32Array;
    logSoftmax(x: Float32Array, rows: number, cols: number, backend?: Backend): Float32Array;
    /** dx = y * (dy - sum_j dy_j y_j), per row, from the softmax output y. */
    softmaxGrad(y: Float32Array, dy: Float32Array, rows: number, cols: number, backend?: Backend): Float32Array;
    /** dx = dy - exp(y) * sum_j dy_j, per row, from the log-softmax output y. */
    logSoftmaxGrad(y: Float32Array, dy: Float32Array, rows: number, cols: number, backend?: Backend): Float32Array;

    // ---- contrastive: z (n, dim) already L2-normalized; one fused forward + gradient --------------------
    /** SupCon L_out over anchors with >= 1 positive; NT-Xent is the case labels = [0..N-1, 0..N-1]. */
    supConLoss(
      z: Float32Array,
      n: number,
      dim: number,
      labels: Int32Array,
      temperature: number,
      backend?: Backend,
    ): { loss: number; grad: Float32Array; anchors: number };

    // ---- svd: singular values of small matrices ---------------------------------------------------------
    /**
     * Singular values of `batch` row-major (rows, cols) matrices held back to back in `a`:
     * batch * min(rows, cols) values, each matrix's in descending order (NaN for a matrix holding NaN
     * or an infinity). Throws when min(rows, cols) > 512 or the shape does not match a's length.
     */
    svdvals(a: Float32Array, batch: number, rows: number, cols: number, backend?: Backend): Float32Array;

    // ---- noise (the synthetic-data generator): these write into caller-owned arrays, return undefined --
    /**
     * Fills `out` with scale * table[k], k the 16-bit halves (low first) of successive xoshiro128** draws
     * from state `seed` (4 uint32; all zero acts as [1, 0, 0, 0]); table holds 65536 values.
     */
    fillNormal(out: Float32Array, seed: number[], table: Float32Array, scale: number, backend?: Backend): void;
    /**
     * hu: (D, H, W) += scale * (white filtered by ky along y and kx along x, "valid"), white:
     * (D, H + ky.length - 1, W + kx.length - 1). Bit-identical on every CPU ISA.
     */
    addCorrelatedNoise(
      hu: Float32Array,
      shape: [number, number, number],
      white: Float32Array,
      ky: Float32Array,
      kx: Float32Array,
      scale: number,
      backend?: Backend,
    ): void;
    /**
     * out: (D, H, W) += trilinear interpolation of lattice (latticeShape) at lattice coordinates
     * (z * step[0], y * step[1], x * step[2]); each axis needs floor((n - 1) * step) + 2 lattice points.
     */
    addValueNoise(
      out: Float32Array,
      shape: [number, number, number],
      lattice: Float32Array,
      latticeShape: [number, number, number],
      step: [number, number, number],
      backend?: Backend,
    ): void;
  }
}

/** The addon's functions (CommonJS: `require('@nodulab/native')`; ESM: its default export). */
declare const nodulab: nodulab.NativeBinding;
export = nodulab;
