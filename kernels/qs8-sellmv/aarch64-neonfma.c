/* aarch64 NEON int8 sliced matrix-vector kernel without the dot product (ISA tag neonfma).
 * The code and its description: kernels/qs8-sellmv/neon-smull.h. */
#include "neon-smull.h"

DEFINE_NEON_SMULL_SELLMV(neonfma)
