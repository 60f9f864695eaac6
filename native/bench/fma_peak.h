// The machine's FP32 FMA peak, measured: a register-only FMA loop per ISA run on every thread.
#pragma once
#include <cstdint>

namespace nodulab::bench {

// Runs `iters` iterations of independent vector FMAs on one thread; returns the FLOPs done
// (2 per lane per FMA). Defined per ISA in fma_peak_{scalar,avx2,avx512}.cc.
double fma_loop_scalar(int64_t iters);
double fma_loop_avx2(int64_t iters);
double fma_loop_avx512(int64_t iters);

}  // namespace nodulab::bench
