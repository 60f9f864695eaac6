// Implementation of the batch-norm argument readers declared in batchnorm_args.h.
#include "binding/batchnorm_args.h"

namespace nodulab::binding {
namespace {

double get_eps(const Napi::CallbackInfo& info, size_t i, const char* op) {
  Napi::Env env = info.Env();
  double eps = get_number(info, i, op, "eps");
  THROW_IF(!(eps > 0), "eps must be > 0, got " << eps);
  return eps;
}

}  // namespace

BnTrainArgs get_bn_train_args(const Napi::CallbackInfo& info, size_t i, const char* op, const Shape& xs) {
  Napi::Env env = info.Env();
  BnTrainArgs a;
  a.gamma = get_optional_f32(info, i, op, "gamma");
  a.beta = get_optional_f32(info, i + 1, op, "beta");
  check_channels(env, op, "gamma", a.gamma, xs);
  check_channels(env, op, "beta", a.beta, xs);
  a.eps = get_eps(info, i + 2, op);
  return a;
}

BnInferArgs get_bn_infer_args(const Napi::CallbackInfo& info, size_t i, const char* op, const Shape& xs) {
  Napi::Env env = info.Env();
  BnInferArgs a;
  a.gamma = get_optional_f32(info, i, op, "gamma");
  a.beta = get_optional_f32(info, i + 1, op, "beta");
  a.running_mean = get_f32(info, i + 2, op, "runningMean");
  a.running_var = get_f32(info, i + 3, op, "runningVar");
  check_channels(env, op, "gamma", a.gamma, xs);
  check_channels(env, op, "beta", a.beta, xs);
  check_channels(env, op, "runningMean", a.running_mean, xs);
  check_channels(env, op, "runningVar", a.running_var, xs);
  a.eps = get_eps(info, i + 4, op);
  return a;
}

BnGradArgs get_bn_grad_args(const Napi::CallbackInfo& info, size_t i, const char* op, const Shape& xs) {
  Napi::Env env = info.Env();
  BnGradArgs a;
  a.gamma = get_optional_f32(info, i, op, "gamma");
  a.mean = get_f32(info, i + 1, op, "mean");
  a.invstd = get_f32(info, i + 2, op, "invstd");
  check_channels(env, op, "gamma", a.gamma, xs);
  check_channels(env, op, "mean", a.mean, xs);
  check_channels(env, op, "invstd", a.invstd, xs);
  return a;
}

BnGradOutputs new_bn_grad_outputs(Napi::Env env, const Shape& xs) {
  BnGradOutputs o;
  auto dx = new_f32(env, numel(xs), &o.dx);
  auto dgamma = new_f32(env, xs[1], &o.dgamma);
  auto dbeta = new_f32(env, xs[1], &o.dbeta);
  o.result = new_object(env, {{"dx", dx}, {"dgamma", dgamma}, {"dbeta", dbeta}});
  return o;
}

}  // namespace nodulab::binding
