// The Winograd tile transforms (conv3d_winograd_loops.h) compiled for AVX2.
#define NODULAB_WINO_GROUP 16
#include "ops/conv3d/conv3d_winograd_loops.h"

namespace nodulab {
const WinogradLoops& winograd_loops_avx2() { return kWinogradLoops; }
}  // namespace nodulab
