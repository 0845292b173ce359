/* armv7 NEON 16-bit transpose (code: neon.h). */
#include "neon.h"

SPRIG_NEON_X16_TRANSPOSE_KERNEL(sprig_x16_transpose_ukernel__armv7_neon)
