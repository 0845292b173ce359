/* aarch64 NEON int8 c4 SpMM without the dot product (ISA tag neonfma: plain ARMv8).
 * The code and its description: kernels/qs8-spmm/neon-c4.h. */
#include "neon-c4.h"

/* MR = 1 (batch-1 linear layers): the 1-pixel tile, vectorized over the entries, per pixel. */
DEFINE_NEON_C4_SPMM(1, neonfma)
DEFINE_NEON_C4_SPMM(4, neonfma)
DEFINE_NEON_C4_SPMM(8, neonfma)
DEFINE_NEON_C4_SPMM(16, neonfma)
