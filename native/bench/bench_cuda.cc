// nodulab_bench_cuda: times the CUDA kernels on the GPU (built only with CUDA): each NoduleNet3D
// conv layer forward / backward-input / backward-filter, the full NoduleNet3D SGD training step
// (all on the device, no host copies), and SupCon forward+backward at 4096 x 128. JSON lines; the
// names match tools/bench/torch_cuda_bench.py, which runs this binary and prints the ratios.
//   nodulab_bench_cuda [--reps R] [--batch B ...]   (default batches: 32 and 256)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "core/cuda_runtime.h"
#include "core/registry.h"
#include "ops/activation/activation.h"
#include "ops/batchnorm/batchnorm.h"
#include "ops/contrastive/contrastive.h"
#include "ops/conv3d/conv3d.h"
#include "ops/elementwise/elementwise.h"
#include "ops/kernel_names.h"
#include "ops/matmul/matmul.h"
#include "ops/pool3d/pool3d.h"
#include "ops/softmax/softmax.h"

namespace nodulab::bench {
namespace {
using cuda::DeviceBuffer;
namespace k = kernels;

// A kernel for Backend::Cuda, or exit with a message naming it.
template <class Fn>
Fn cuda_kernel(const char* name) {
  Fn fn = find_kernel<Fn>(name, Backend::Cuda);
  if (!fn) {
    std::fprintf(stderr, "nodulab_bench_cuda: %s has no CUDA kernel\n", name);
    std::exit(1);
  }
  return fn;
}

// Median wall time (ms) of `reps` synchronized runs after two warm-up runs.
double median_ms(int reps, const std::function<void()>& fn) {
  fn();
  fn();
  cuda::synchronize("bench warm-up");
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    cuda::synchronize("bench");
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// A device buffer of n seeded uniform values in [lo, hi).
DeviceBuffer<float> device_random(int64_t n, uint32_t seed, float lo = -1.f, float hi = 1.f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  DeviceBuffer<float> d(n, "bench");
  cuda::copy_to_device(d.get(), v.data(), d.bytes(), "bench");
  return d;
}
DeviceBuffer<float> device_fill(int64_t n, float value) {
  std::vector<float> v(n, value);
  DeviceBuffer<float> d(n, "bench");
  cuda::copy_to_device(d.get(), v.data(), d.bytes(), "bench");
  return d;
}

Conv3DParams conv_params(int64_t batch, int64_t ci, int64_t co, int64_t size) {
  Conv3DParams p;
  p.N = batch, p.Ci = ci, p.D = p.H = p.W = size, p.Co = co, p.kD = p.kH = p.kW = 3;
  for (int a = 0; a < 3; ++a) p.padding[a] = 1;
  set_conv3d_output(p);
  return p;
}

void emit(const std::string& name, int64_t batch, double ms, double flop) {
  std::printf("{\"impl\":\"nodulab\",\"name\":\"%s\",\"batch\":%lld,\"ms\":%.4f,\"tflops\":%.3f}\n", name.c_str(),
              static_cast<long long>(batch), ms, flop > 0 ? flop / ms / 1e9 : 0.0);
  std::fflush(stdout);
}

struct Layer {
  const char* name;
  int64_t ci, co, size;
};
const Layer kLayers[] = {{"conv1", 1, 16, 32}, {"conv2", 16, 32, 16}, {"conv3", 32, 64, 8}};

// The CUDA convolution kernels: forward, input gradient, filter gradient.
struct ConvKernels {
  Conv3DFn forward = cuda_kernel<Conv3DFn>(k::kConv3D);
  Conv3DBackpropInputFn input_grad = cuda_kernel<Conv3DBackpropInputFn>(k::kConv3DBackpropInput);
  Conv3DBackpropFilterFn filter_grad = cuda_kernel<Conv3DBackpropFilterFn>(k::kConv3DBackpropFilter);
};

void bench_conv_layers(int64_t batch, int reps) {
  const ConvKernels conv;
  for (const Layer& L : kLayers) {
    const Conv3DParams p = conv_params(batch, L.ci, L.co, L.size);
    auto x = device_random(p.N * p.Ci * p.in_spatial(), 1), w = device_random(p.Co * p.K(), 2),
         dy = device_random(p.N * p.Co * p.P(), 3);
    DeviceBuffer<float> y(p.N * p.Co * p.P(), "bench"), dx(x.size(), "bench"), dw(w.size(), "bench");
    const double flop = 2.0 * p.N * p.Co * p.P() * p.K();
    const std::string n = L.name;
    emit(n + ".forward", batch, median_ms(reps, [&] { conv.forward(p, x.get(), w.get(), nullptr, y.get()); }), flop);
    emit(n + ".backward_input", batch, median_ms(reps, [&] { conv.input_grad(p, dy.get(), w.get(), dx.get()); }), flop);
    emit(n + ".backward_filter", batch, median_ms(reps, [&] { conv.filter_grad(p, x.get(), dy.get(), dw.get(), nullptr); }), flop);
  }
}

// One NoduleNet3D training step on the device: forward, BN running statistics, the loss value (copied
// to the host, as a training loop logs it; torch_cuda_bench.py calls loss.item()), cross-entropy
// gradient, backward, SGD with momentum 0.9 (the Linear layer without bias). Every buffer is allocated
// once, outside the timing. The kernels are called in a hand-written order: no autograd graph is
// built (PyTorch's side builds one), so this is a lower bound for nodulab's eager step; the line says
// "autograd":false. Gradients are written, never accumulated, so there is nothing to zero
// (PyTorch's zero_grad(set_to_none=True) is likewise free).
void bench_train_step(int64_t batch, int reps) {
  const char* op = "train_step";
  const ConvKernels conv;
  auto bnrp = cuda_kernel<BatchNormReluMaxPoolTrainFn>(k::kBatchNormReluMaxPoolTrain);
  auto bnrp_grad = cuda_kernel<BatchNormReluMaxPoolGradFn>(k::kBatchNormReluMaxPoolGrad);
  auto bnr = cuda_kernel<BatchNormTrainFn>(k::kBatchNormReluTrain);
  auto bnr_grad = cuda_kernel<BatchNormReluGradFn>(k::kBatchNormReluGrad);
  auto gap = cuda_kernel<GlobalAvgPool3dFn>(k::kGlobalAvgPool3D);
  auto gap_grad = cuda_kernel<GlobalAvgPool3dGradFn>(k::kGlobalAvgPool3DGrad);
  auto matmul = cuda_kernel<MatMulFn>(k::kMatMul);
  auto log_softmax = cuda_kernel<SoftmaxFn>(k::kLogSoftmax);
  auto log_softmax_grad = cuda_kernel<SoftmaxGradFn>(k::kLogSoftmaxGrad);
  auto axpby = cuda_kernel<AxpbyFn>(k::kAxpby);

  const int64_t N = batch;
  const Conv3DParams p1 = conv_params(N, 1, 16, 32), p2 = conv_params(N, 16, 32, 16), p3 = conv_params(N, 32, 64, 8);
  const Pool3dGeom g1{N, 16, 32, 32, 32, 16, 16, 16, 2, 2, 2, 2, 2, 2, 0, 0, 0};
  const Pool3dGeom g2{N, 32, 16, 16, 16, 8, 8, 8, 2, 2, 2, 2, 2, 2, 0, 0, 0};
  // parameters (and momentum buffers, and gradients)
  auto w1 = device_random(p1.Co * p1.K(), 11, -0.2f, 0.2f), w2 = device_random(p2.Co * p2.K(), 12, -0.1f, 0.1f),
       w3 = device_random(p3.Co * p3.K(), 13, -0.1f, 0.1f), wfc = device_random(2 * 64, 14, -0.1f, 0.1f);
  auto gm1 = device_fill(16, 1.f), bt1 = device_fill(16, 0.f), gm2 = device_fill(32, 1.f), bt2 = device_fill(32, 0.f),
       gm3 = device_fill(64, 1.f), bt3 = device_fill(64, 0.f);
  struct Param {
    float* w;
    int64_t n;
    DeviceBuffer<float> grad, momentum;
  };
  std::vector<Param> params;
  for (auto* b : {&w1, &w2, &w3, &wfc, &gm1, &bt1, &gm2, &bt2, &gm3, &bt3})
    params.push_back({b->get(), b->size(), DeviceBuffer<float>(b->size(), op), device_fill(b->size(), 0.f)});
  // activations
  auto x = device_random(N * 32 * 32 * 32, 15);
  // d loss / d log-probs for labels alternating 0, 1: -1/N at the label, 0 elsewhere.
  std::vector<float> dlp_host(N * 2, 0.f);
  for (int64_t i = 0; i < N; ++i) dlp_host[i * 2 + i % 2] = -1.f / static_cast<float>(N);
  DeviceBuffer<float> dlp(N * 2, op);
  cuda::copy_to_device(dlp.get(), dlp_host.data(), dlp.bytes(), op);
  DeviceBuffer<float> c1(N * 16 * 32768, op), a1(N * 16 * 4096, op), c2(N * 32 * 4096, op), a2(N * 32 * 512, op),
      c3(N * 64 * 512, op), a3(N * 64 * 512, op), pooled(N * 64, op), logits(N * 2, op), lp(N * 2, op);
  DeviceBuffer<int32_t> i1(N * 16 * 4096, op), i2(N * 32 * 512, op);
  DeviceBuffer<float> m1(16, op), s1(16, op), m2(32, op), s2(32, op), m3(64, op), s3(64, op);
  // BN running statistics (momentum 0.1, as PyTorch's BatchNorm3d in training mode).
  auto rm1 = device_fill(16, 0.f), rv1 = device_fill(16, 1.f), rm2 = device_fill(32, 0.f), rv2 = device_fill(32, 1.f),
       rm3 = device_fill(64, 0.f), rv3 = device_fill(64, 1.f);
  DeviceBuffer<float> loss(1, op);
  float loss_host = 0.f;
  // running = 0.9 running + 0.1 batch. The variance update runs on invstd: the same launch and bytes as
  // PyTorch's update of running_var (no kernel turns invstd into the unbiased variance yet).
  auto running = [&](int64_t c, DeviceBuffer<float>& rm, DeviceBuffer<float>& rv, DeviceBuffer<float>& m,
                     DeviceBuffer<float>& s) {
    axpby(c, 0.9f, rm.get(), 0.1f, m.get(), rm.get());
    axpby(c, 0.9f, rv.get(), 0.1f, s.get(), rv.get());
  };
  DeviceBuffer<float> dlogits(N * 2, op), dpooled(N * 64, op), da3(N * 64 * 512, op), dc3(N * 64 * 512, op),
      da2(N * 32 * 512, op), dc2(N * 32 * 4096, op), da1(N * 16 * 4096, op), dc1(N * 16 * 32768, op);
  Param &P_w1 = params[0], &P_w2 = params[1], &P_w3 = params[2], &P_fc = params[3];
  auto step = [&] {
    conv.forward(p1, x.get(), w1.get(), nullptr, c1.get());
    bnrp(g1, c1.get(), gm1.get(), bt1.get(), 1e-5, a1.get(), i1.get(), m1.get(), s1.get());
    running(16, rm1, rv1, m1, s1);
    conv.forward(p2, a1.get(), w2.get(), nullptr, c2.get());
    bnrp(g2, c2.get(), gm2.get(), bt2.get(), 1e-5, a2.get(), i2.get(), m2.get(), s2.get());
    running(32, rm2, rv2, m2, s2);
    conv.forward(p3, a2.get(), w3.get(), nullptr, c3.get());
    bnr(N, 64, 512, c3.get(), gm3.get(), bt3.get(), 1e-5, a3.get(), m3.get(), s3.get());
    running(64, rm3, rv3, m3, s3);
    gap(N * 64, 512, a3.get(), pooled.get());
    matmul(N, 2, 64, pooled.get(), false, wfc.get(), true, logits.get());  // (N,64) x (2,64)^T
    log_softmax(N, 2, logits.get(), lp.get());
    // loss = mean_i -lp[i, label_i] = <lp, dlp> (dlp is -1/N at each label): a (1, 2N) x (2N, 1) product
    matmul(1, 1, 2 * N, lp.get(), false, dlp.get(), true, loss.get());
    cuda::copy_to_host(&loss_host, loss.get(), sizeof(float), op);
    log_softmax_grad(N, 2, lp.get(), dlp.get(), dlogits.get());
    matmul(2, 64, N, dlogits.get(), true, pooled.get(), false, P_fc.grad.get());  // dlogits^T x pooled
    matmul(N, 64, 2, dlogits.get(), false, wfc.get(), false, dpooled.get());
    gap_grad(N * 64, 512, dpooled.get(), da3.get());
    bnr_grad(N, 64, 512, c3.get(), a3.get(), da3.get(), gm3.get(), m3.get(), s3.get(), dc3.get(), params[8].grad.get(),
             params[9].grad.get());
    conv.filter_grad(p3, a2.get(), dc3.get(), P_w3.grad.get(), nullptr);
    conv.input_grad(p3, dc3.get(), w3.get(), da2.get());
    bnrp_grad(g2, c2.get(), a2.get(), i2.get(), da2.get(), gm2.get(), m2.get(), s2.get(), dc2.get(),
              params[6].grad.get(), params[7].grad.get());
    conv.filter_grad(p2, a1.get(), dc2.get(), P_w2.grad.get(), nullptr);
    conv.input_grad(p2, dc2.get(), w2.get(), da1.get());
    bnrp_grad(g1, c1.get(), a1.get(), i1.get(), da1.get(), gm1.get(), m1.get(), s1.get(), dc1.get(),
              params[4].grad.get(), params[5].grad.get());
    conv.filter_grad(p1, x.get(), dc1.get(), P_w1.grad.get(), nullptr);
    for (Param& q : params) {  // v = 0.9 v + g; w = w - 0.01 v
      axpby(q.n, 0.9f, q.momentum.get(), 1.f, q.grad.get(), q.momentum.get());
      axpby(q.n, 1.f, q.w, -0.01f, q.momentum.get(), q.w);
    }
  };
  const auto before = cuda::allocator_stats();
  emit("train_step", N, median_ms(reps, step), 0);
  const auto after = cuda::allocator_stats();
  std::printf("{\"impl\":\"nodulab\",\"name\":\"train_step.allocator\",\"batch\":%lld,\"device_mallocs_during_steps\":%lld,"
              "\"bytes_in_use\":%zu,\"bytes_cached\":%zu,\"peak_bytes\":%zu,\"autograd\":false,\"last_loss\":%.6g}\n",
              static_cast<long long>(N), static_cast<long long>(after.device_mallocs - before.device_mallocs),
              after.bytes_in_use, after.bytes_cached, after.peak_bytes_in_use, static_cast<double>(loss_host));
}

void bench_supcon(int reps) {
  const int64_t n = 4096, dim = 128;
  auto supcon = cuda_kernel<SupConFn>(k::kSupConLoss);
  std::mt19937 rng(21);
  std::normal_distribution<float> dist;
  std::vector<float> z(n * dim);
  for (int64_t i = 0; i < n; ++i) {
    double ss = 0;
    for (int64_t d = 0; d < dim; ++d) z[i * dim + d] = dist(rng), ss += double(z[i * dim + d]) * z[i * dim + d];
    for (int64_t d = 0; d < dim; ++d) z[i * dim + d] = static_cast<float>(z[i * dim + d] / std::sqrt(ss));
  }
  std::vector<int32_t> labels(n);
  for (int64_t i = 0; i < n; ++i) labels[i] = static_cast<int32_t>(i % (n / 2));  // two views per sample
  DeviceBuffer<float> dz(n * dim, "supcon"), grad(n * dim, "supcon"), loss(1, "supcon");
  DeviceBuffer<int32_t> dl(n, "supcon");
  DeviceBuffer<int64_t> anchors(1, "supcon");
  cuda::copy_to_device(dz.get(), z.data(), dz.bytes(), "supcon");
  cuda::copy_to_device(dl.get(), labels.data(), dl.bytes(), "supcon");
  const double flop = 3 * 2.0 * n * n * dim;  // S twice (forward, backward) and the gradient product
  emit("supcon.forward_backward", n,
       median_ms(reps, [&] { supcon(n, dim, dz.get(), dl.get(), 0.1f, loss.get(), grad.get(), anchors.get()); }), flop);
}

}  // namespace
}  // namespace nodulab::bench

int main(int argc, char** argv) {
  using namespace nodulab;
  int reps = 20;
  std::vector<int64_t> batches;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--reps" && i + 1 < argc) reps = std::max(1, std::atoi(argv[++i]));
    else if (a == "--batch" && i + 1 < argc) batches.push_back(std::max(1, std::atoi(argv[++i])));
    else {
      std::fprintf(stderr, "usage: %s [--reps R] [--batch B ...]\n", argv[0]);
      return 2;
    }
  }
  if (batches.empty()) batches = {32, 256};
  register_all_kernels();
  if (!cuda::available()) {
    std::printf("{\"impl\":\"nodulab\",\"name\":\"device\",\"error\":\"%s\"}\n", cuda::status().c_str());
    return 1;
  }
  std::printf("{\"impl\":\"nodulab\",\"name\":\"device\",\"device\":\"%s\"}\n", cuda::status().c_str());
  try {
    for (int64_t b : batches) {
      bench::bench_conv_layers(b, reps);
      bench::bench_train_step(b, reps);
    }
    bench::bench_supcon(reps);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nodulab_bench_cuda: %s\n", e.what());
    return 1;
  }
  return 0;
}
