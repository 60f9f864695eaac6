// Every kernel nodulab registers, by name. Each op folder's header declares the kernel's signature
// (plain pointers, shapes, scalars; no N-API). Backward passes are kernels too.
#pragma once

namespace nodulab::kernels {

// ops/conv3d: x (N,Ci,D,H,W), w (Co,Ci,kD,kH,kW) -> y (N,Co,oD,oH,oW)
inline constexpr const char* kConv3D = "Conv3D";
inline constexpr const char* kConv3DBackpropInput = "Conv3DBackpropInput";    // dy, w -> dx
inline constexpr const char* kConv3DBackpropFilter = "Conv3DBackpropFilter";  // x, dy -> dw (+ db)
// Inference: y = maxpool(relu(conv(x, w) + b)), pool optional; an eval-mode BatchNorm folded into w, b
inline constexpr const char* kConv3DReluMaxPool = "Conv3DReluMaxPool";

// ops/matmul: row-major C (M,N) = alpha * op(A) op(B) + beta * C  (Linear layers)
inline constexpr const char* kMatMul = "MatMul";

// ops/pool3d
inline constexpr const char* kMaxPool3D = "MaxPool3D";
inline constexpr const char* kMaxPool3DGrad = "MaxPool3DGrad";
inline constexpr const char* kAvgPool3D = "AvgPool3D";
inline constexpr const char* kAvgPool3DGrad = "AvgPool3DGrad";
inline constexpr const char* kGlobalAvgPool3D = "GlobalAvgPool3D";
inline constexpr const char* kGlobalAvgPool3DGrad = "GlobalAvgPool3DGrad";

// ops/batchnorm: per-channel statistics over (N, D, H, W)
inline constexpr const char* kBatchNormTrain = "BatchNormTrain";  // y, batch mean, batch invstd
inline constexpr const char* kBatchNormInfer = "BatchNormInfer";  // y from running statistics
inline constexpr const char* kBatchNormGrad = "BatchNormGrad";    // dx, dgamma, dbeta
// Fused BatchNorm + ReLU (Conv-BN-ReLU blocks): y = relu(bn(x)); the grad masks dy by y > 0
inline constexpr const char* kBatchNormReluTrain = "BatchNormReluTrain";
inline constexpr const char* kBatchNormReluInfer = "BatchNormReluInfer";
inline constexpr const char* kBatchNormReluGrad = "BatchNormReluGrad";
// Fused BatchNorm + ReLU + MaxPool3D (Conv-BN-ReLU-MaxPool blocks): relu(bn(x)) is never stored
inline constexpr const char* kBatchNormReluMaxPoolTrain = "BatchNormReluMaxPoolTrain";
inline constexpr const char* kBatchNormReluMaxPoolInfer = "BatchNormReluMaxPoolInfer";
inline constexpr const char* kBatchNormReluMaxPoolGrad = "BatchNormReluMaxPoolGrad";

// ops/activation: elementwise
inline constexpr const char* kRelu = "Relu";
inline constexpr const char* kReluGrad = "ReluGrad";
inline constexpr const char* kLeakyRelu = "LeakyRelu";
inline constexpr const char* kLeakyReluGrad = "LeakyReluGrad";
inline constexpr const char* kSigmoid = "Sigmoid";
inline constexpr const char* kSigmoidGrad = "SigmoidGrad";

// ops/elementwise: y = a + alpha*b, y = a*b, sums
inline constexpr const char* kAxpby = "Axpby";  // y = alpha*x + beta*y (in place)
inline constexpr const char* kMul = "Mul";

// ops/softmax: rows of a (N, C) matrix
inline constexpr const char* kSoftmax = "Softmax";
inline constexpr const char* kLogSoftmax = "LogSoftmax";
inline constexpr const char* kSoftmaxGrad = "SoftmaxGrad";        // y, dy -> dx
inline constexpr const char* kLogSoftmaxGrad = "LogSoftmaxGrad";  // log-probs y, dy -> dx

// ops/contrastive: SupCon / NT-Xent, ONE fused kernel: loss, anchor count and (when asked) the
// gradient w.r.t. the normalized embeddings z (n, dim). Its gradient output is compared in tests
// under the tolerance name "SupConGrad".
inline constexpr const char* kSupConLoss = "SupConLoss";

// ops/noise: the synthetic-data generator's noise (packages/data), in place on its volume
inline constexpr const char* kFillNormal = "FillNormal";                  // seeded table normals
inline constexpr const char* kAddCorrelatedNoise = "AddCorrelatedNoise";  // hu += in-plane filtered white
inline constexpr const char* kAddValueNoise = "AddValueNoise";            // out += trilinear lattice noise

// ops/svd: singular values of a batch of small (rows, cols) matrices (spectral signatures of feature maps)
inline constexpr const char* kSvdVals = "SvdVals";

}  // namespace nodulab::kernels
