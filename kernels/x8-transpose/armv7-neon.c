/* armv7 NEON 8-bit transpose (code: neon.h). */
#include "neon.h"

SPRIG_NEON_X8_TRANSPOSE_KERNEL(sprig_x8_transpose_ukernel__armv7_neon)
