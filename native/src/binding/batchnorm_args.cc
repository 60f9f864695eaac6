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

// One per-channel vector argument: its JS name, whether it may be null, and where it goes.
struct ChannelArg {
  const char* name;
  bool optional;
  Napi::Float32Array* out;
};

// Reads the vectors at info[i], info[i+1], ... in order, then checks that each holds C = xs[1] values.
void get_channel_vectors(const Napi::CallbackInfo& info, size_t i, const char* op, const Shape& xs,
                         std::initializer_list<ChannelArg> args) {
  for (const ChannelArg& a : args)
    *a.out = a.optional ? get_optional_f32(info, i++, op, a.name) : get_f32(info, i++, op, a.name);
  for (const ChannelArg& a : args) check_channels(info.Env(), op, a.name, *a.out, xs);
}

}  // namespace

BnTrainArgs get_bn_train_args(const Napi::CallbackInfo& info, size_t i, const char* op, const Shape& xs) {
  BnTrainArgs a;
  get_channel_vectors(info, i, op, xs, {{"gamma", true, &a.gamma}, {"beta", true, &a.beta}});
  a.eps = get_eps(info, i + 2, op);
  return a;
}

BnInferArgs get_bn_infer_args(const Napi::CallbackInfo& info, size_t i, const char* op, const Shape& xs) {
  BnInferArgs a;
  get_channel_vectors(info, i, op, xs,
                      {{"gamma", true, &a.gamma},
                       {"beta", true, &a.beta},
                       {"runningMean", false, &a.running_mean},
                       {"runningVar", false, &a.running_var}});
  a.eps = get_eps(info, i + 4, op);
  return a;
}

BnGradArgs get_bn_grad_args(const Napi::CallbackInfo& info, size_t i, const char* op, const Shape& xs) {
  BnGradArgs a;
  get_channel_vectors(info, i, op, xs,
                      {{"gamma", true, &a.gamma}, {"mean", false, &a.mean}, {"invstd", false, &a.invstd}});
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
