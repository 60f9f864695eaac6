#!/usr/bin/env bash
# Every GPU check of the CUDA backend in one run (target: under 10 minutes on an H100/H200 machine):
#   1. build the kernel library, the C++ test driver and nodulab_bench_cuda with CUDA for this GPU;
#   2. run the kernel tables on every CPU ISA and on CUDA against the references;
#   3. the addon's device handles (tools/gpu/device_smoke.js, Node + the built addon only), and the
#      TypeScript device tests (jest) when node_modules are here too;
#   4. the GPU benchmark beside PyTorch + cuDNN (ratios nodulab_ms / torch_ms), when PyTorch sees a GPU.
# Needs CMake >= 3.18, nvcc and a driver; PyTorch with CUDA for step 4. Node is optional: `$NODE` names a
# node binary or an xz-compressed one (node.xz), else `node` on PATH; without one, step 3 is skipped.
# Writes one log per step and summary.txt to $OUT (default tools/gpu/out). Exit status: 0 only when
# every step that ran passed; a skipped step is printed as SKIPPED with its reason, never as passed.
#
#   tools/gpu/verify.sh            # from the repository root
#   REPS=10 BATCHES="32 256" tools/gpu/verify.sh
#   SKIP_BUILD=1 BUILD=native/build KERNEL_FILTER=conv3d tools/gpu/verify.sh   # reuse a build, a subset of tables
set -u
cd "$(dirname "$0")/../.."
OUT="${OUT:-tools/gpu/out}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
BUILD="${BUILD:-build-gpu}"
REPS="${REPS:-20}"
BATCHES="${BATCHES:-32 256}"
JOBS="${JOBS:-$(nproc)}"
KERNEL_FILTER="${KERNEL_FILTER:-}"
SUMMARY="$OUT/summary.txt"
: >"$SUMMARY"
status=0
started=$(date +%s)

say() { echo "$*" | tee -a "$SUMMARY"; }
# step NAME LIMIT_S CMD...: runs CMD with a time limit, output to $OUT/NAME.log and the console.
step() {
  local name=$1 limit=$2
  shift 2
  local t0=$(date +%s)
  echo "== $name: $*" | tee "$OUT/$name.log"
  timeout "$limit" "$@" 2>&1 | tee -a "$OUT/$name.log"
  local rc=${PIPESTATUS[0]}
  local dt=$(($(date +%s) - t0))
  if [ "$rc" -eq 0 ]; then say "PASSED  $name (${dt}s)"; else
    say "FAILED  $name (exit $rc$([ "$rc" -eq 124 ] && echo ', time limit'), ${dt}s; see $OUT/$name.log)"
    status=1
  fi
  return "$rc"
}

say "nodulab GPU verification, $(date -u +%FT%TZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | sed 's/^/GPU: /' | tee -a "$SUMMARY"
command -v nvcc >/dev/null && nvcc --version | tail -1 | sed 's/^/nvcc: /' | tee -a "$SUMMARY"

# 1. build (one architecture: this GPU's)
if [ "${SKIP_BUILD:-0}" = 1 ] && [ -x "$BUILD/nodulab_kernel_tests" ]; then
  say "SKIPPED build: SKIP_BUILD=1, reusing $BUILD"
fi
if { [ "${SKIP_BUILD:-0}" = 1 ] && [ -x "$BUILD/nodulab_kernel_tests" ]; } || step build 200 bash -c "cmake -S native -B '$BUILD' -DNODULAB_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=native -DCMAKE_BUILD_TYPE=Release \
    && cmake --build '$BUILD' -j '$JOBS' --target nodulab_kernel_tests nodulab_bench_cuda"; then
  # 2. kernel tables: the driver prints "cuda target: <GPU>" first and "N tests, 0 failures (..., cuda ran)" last
  step kernel_tests 110 "$BUILD/nodulab_kernel_tests" $KERNEL_FILTER
  if ! grep -q "cuda ran" "$OUT/kernel_tests.log"; then
    say "FAILED  kernel_tests did not run the cuda target (see the 'cuda target' line in kernel_tests.log)"
    status=1
  fi
else
  say "SKIPPED kernel_tests, benchmark: the build failed"
fi

# 3. Node: the addon in native/build/Release (or NODULAB_NATIVE_DIR) must be a CUDA build (npm's default with nvcc)
NODE_BIN="${NODE:-}"
if [ -n "$NODE_BIN" ] && [ "${NODE_BIN%.xz}" != "$NODE_BIN" ]; then
  xz -dc "$NODE_BIN" >"$OUT/node" && chmod +x "$OUT/node" && NODE_BIN="$OUT/node"
fi
[ -z "$NODE_BIN" ] && NODE_BIN="$(command -v node || true)"
if [ -z "$NODE_BIN" ] || ! "$NODE_BIN" --version >/dev/null 2>&1; then
  say "SKIPPED addon_device_smoke, ts_device_tests: no Node (set NODE to a node binary or node.xz)"
else
  # 3a. the addon's device handles on this GPU: needs only Node and native/build/Release/nodulab.node
  if [ -f native/build/Release/nodulab.node ] || [ -n "${NODULAB_NATIVE_DIR:-}" ]; then
    step addon_device_smoke 30 "$NODE_BIN" tools/gpu/device_smoke.js
  else
    say "SKIPPED addon_device_smoke: no native/build/Release/nodulab.node (build it with npm, CUDA on)"
  fi
fi
if [ -z "$NODE_BIN" ] || ! "$NODE_BIN" --version >/dev/null 2>&1; then
  :
elif [ ! -f node_modules/jest/bin/jest.js ] || [ ! -f native/build/Release/nodulab.node ]; then
  say "SKIPPED ts_device_tests: node_modules/jest or native/build/Release/nodulab.node is missing (npm install first)"
else
  export PATH="$(dirname "$NODE_BIN"):$PATH"
  step ts_device_tests 80 "$NODE_BIN" node_modules/jest/bin/jest.js --runInBand \
    packages/tensor/test/device.test.ts packages/nn/test/device.test.ts packages/nn/test/device_gpu.test.ts \
    packages/cli/test/device.test.ts
  grep -q "GPU suite on" "$OUT/ts_device_tests.log" || say "NOTE    the jest GPU suite did not see a GPU (see ts_device_tests.log)"
fi

# 4. benchmark beside PyTorch + cuDNN
if [ ! -x "$BUILD/nodulab_bench_cuda" ]; then
  say "SKIPPED benchmark: $BUILD/nodulab_bench_cuda was not built"
elif ! python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  say "SKIPPED benchmark: python3 has no PyTorch with CUDA"
else
  batch_args=()
  for b in $BATCHES; do batch_args+=(--batch "$b"); done
  step benchmark 150 python3 tools/bench/torch_cuda_bench.py --nodulab "$BUILD/nodulab_bench_cuda" --reps "$REPS" "${batch_args[@]}"
  grep '"impl": "ratio"' "$OUT/benchmark.log" | tee -a "$SUMMARY"
  grep 'train_step.allocator' "$OUT/benchmark.log" | tee -a "$SUMMARY"
fi

say "total $(($(date +%s) - started))s; $([ $status -eq 0 ] && echo 'every step that ran passed' || echo 'FAILURES above')"
exit $status
