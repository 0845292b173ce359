/* armv7 NEON byte-quad interleave (code: neon.h). */
#include "neon.h"

SPRIG_NEON_ZIP4_KERNEL(sprig_x8_zip4_ukernel__armv7_neon)
