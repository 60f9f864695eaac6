// Elementwise activations and their gradients: x, y, dy, dx all flat arrays of n floats.
#pragma once
#include <cstdint>

namespace nodulab {

// y = f(x)                  (Relu, Sigmoid)
using UnaryFn = void (*)(int64_t n, const float* x, float* y);
// y = f(x; alpha)           (LeakyRelu: x > 0 ? x : alpha * x)
using UnaryAlphaFn = void (*)(int64_t n, float alpha, const float* x, float* y);
// dx = dy * f'(saved)       (ReluGrad and LeakyReluGrad save x; SigmoidGrad saves y)
using UnaryGradFn = void (*)(int64_t n, const float* saved, const float* dy, float* dx);
using UnaryAlphaGradFn = void (*)(int64_t n, float alpha, const float* saved, const float* dy, float* dx);

// Reference kernels, templated so the finite-difference tests can run them in double.
template <class T> void relu_ref(int64_t n, const T* x, T* y);
template <class T> void relu_grad_ref(int64_t n, const T* x, const T* dy, T* dx);
template <class T> void leaky_relu_ref(int64_t n, T alpha, const T* x, T* y);
template <class T> void leaky_relu_grad_ref(int64_t n, T alpha, const T* x, const T* dy, T* dx);
template <class T> void sigmoid_ref(int64_t n, const T* x, T* y);
template <class T> void sigmoid_grad_ref(int64_t n, const T* y, const T* dy, T* dx);

void relu_cpu(int64_t n, const float* x, float* y);
void relu_grad_cpu(int64_t n, const float* x, const float* dy, float* dx);
void leaky_relu_cpu(int64_t n, float alpha, const float* x, float* y);
void leaky_relu_grad_cpu(int64_t n, float alpha, const float* x, const float* dy, float* dx);
void sigmoid_cpu(int64_t n, const float* x, float* y);
void sigmoid_grad_cpu(int64_t n, const float* y, const float* dy, float* dx);

}  // namespace nodulab
