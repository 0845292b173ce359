/* aarch64 NEON 32-bit transpose (code: neon.h). */
#include "neon.h"

SPRIG_NEON_TRANSPOSE_KERNEL(sprig_x32_transpose_ukernel__aarch64_neon)
