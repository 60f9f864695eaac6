// Batch-norm argument readers shared by the batch-norm bindings (batchnorm.cc) and the fused
// BN+ReLU+MaxPool bindings (pool3d.cc): per-channel vectors checked against x's C, eps > 0.
#pragma once
#include "binding/common.h"

namespace nodulab::binding {

// Training: gamma | null, beta | null, eps at info[i..i+2].
struct BnTrainArgs {
  Napi::Float32Array gamma, beta;
  double eps;
};
BnTrainArgs get_bn_train_args(const Napi::CallbackInfo& info, size_t i, const char* op, const Shape& xs);

// Inference: gamma | null, beta | null, runningMean, runningVar, eps at info[i..i+4].
struct BnInferArgs {
  Napi::Float32Array gamma, beta, running_mean, running_var;
  double eps;
};
BnInferArgs get_bn_infer_args(const Napi::CallbackInfo& info, size_t i, const char* op, const Shape& xs);

// Backward: gamma | null and the training pass's mean, invstd at info[i..i+2].
struct BnGradArgs {
  Napi::Float32Array gamma, mean, invstd;
};
BnGradArgs get_bn_grad_args(const Napi::CallbackInfo& info, size_t i, const char* op, const Shape& xs);

// The { dx, dgamma, dbeta } result for x: (N, C, ...) of shape xs, and pointers to its arrays.
struct BnGradOutputs {
  Napi::Object result;
  float *dx, *dgamma, *dbeta;
};
BnGradOutputs new_bn_grad_outputs(Napi::Env env, const Shape& xs);

}  // namespace nodulab::binding
