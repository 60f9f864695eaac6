// Which vector ISA the fast CPU kernels use, detected once by cpuid and overridable for tests.
#pragma once

namespace nodulab {

enum class Isa { Scalar = 0, Avx2 = 1, Avx512 = 2 };

// The best ISA this CPU supports (AVX-512F+BW+DQ+VL, else AVX2+FMA, else scalar).
Isa detect_isa();
// The ISA kernels dispatch on: detect_isa() unless NODULAB_ISA=scalar|avx2|avx512 or set_isa() chose
// a lower one (a request above what the CPU supports is clamped to detect_isa()).
Isa active_isa();
void set_isa(Isa isa);
const char* isa_name(Isa isa);
// Parses "scalar" | "avx2" | "avx512"; returns false for anything else.
bool parse_isa(const char* name, Isa* out);

}  // namespace nodulab
