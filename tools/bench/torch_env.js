// The environment every PyTorch process of the bench runs in, in one place: held to the ISA nodulab runs (under
// NODULAB_ISA=avx2, ATen and oneDNN stop at AVX2 too) and, by default, with jemalloc preloaded and its decay off, as
// PyTorch's CPU performance tuning guide advises. With glibc malloc, PyTorch gets fresh pages from the kernel for
// every large tensor on every call, and on a VM a fresh page costs microseconds: the untuned column measures page
// faults more than convolutions. nodulab reuses its own heap, so a fair comparison removes that cost from both
// sides. `--torch-malloc glibc` prints the untuned column beside the fair one.
'use strict';
const fs = require('fs');

/** Debian's libjemalloc2. */
const JEMALLOC = '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2';
/** Keep freed pages (no decay), as the tuning guide sets it. */
const JEMALLOC_CONF = 'dirty_decay_ms:-1,muzzy_decay_ms:-1';
/** The allocators the PyTorch side can run with. */
const MALLOCS = ['jemalloc', 'glibc'];

/** ATen's and oneDNN's ISA caps for nodulab's active ISA (none for avx512: both use their best). */
function isaCaps(isa) {
  const caps = { avx2: ['avx2', 'AVX2'], scalar: ['default', 'SSE41'] }[isa];
  return caps ? { ATEN_CPU_CAPABILITY: caps[0], ONEDNN_MAX_CPU_ISA: caps[1], DNNL_MAX_CPU_ISA: caps[1] } : {};
}

/**
 * The environment of a PyTorch child at ISA `isa` with allocator `malloc` ('jemalloc' or 'glibc'). Throws when
 * jemalloc is asked for and Debian's libjemalloc2 is not installed, naming the package.
 */
function torchEnv(isa, malloc = 'jemalloc') {
  if (!MALLOCS.includes(malloc)) throw new Error(`torch malloc must be one of ${MALLOCS.join(', ')}, got ${malloc}`);
  const env = { ...process.env, ...isaCaps(isa) };
  delete env.LD_PRELOAD;
  delete env.MALLOC_CONF;
  if (malloc === 'glibc') return env;
  if (!fs.existsSync(JEMALLOC))
    throw new Error(`${JEMALLOC} is missing: apt-get install -y libjemalloc2 (or --torch-malloc glibc, untuned)`);
  return { ...env, LD_PRELOAD: JEMALLOC, MALLOC_CONF: JEMALLOC_CONF };
}

/** One line saying how the PyTorch side runs. */
function torchEnvText(isa, malloc) {
  const caps = isaCaps(isa);
  const held = Object.keys(caps).length ? `, held to ${isa} (ATEN_CPU_CAPABILITY, ONEDNN_MAX_CPU_ISA)` : '';
  const alloc =
    malloc === 'jemalloc'
      ? `jemalloc preloaded (LD_PRELOAD=${JEMALLOC} MALLOC_CONF=${JEMALLOC_CONF}), as PyTorch's CPU tuning guide advises`
      : 'glibc malloc (untuned: mostly page faults on fresh tensors)';
  return `${alloc}${held}`;
}

module.exports = { torchEnv, torchEnvText, JEMALLOC, JEMALLOC_CONF, MALLOCS };
