/* f32 depthwise convolution, armv7 NEON (ISA tag neon, also taken on NEON + VFPv4 cores): vmla.f32
 * by lane, multiply then add. The code and its description: kernels/f32-dwconv/neon.h. */
#define ARMV7_FMA 0
#include "neon.h"

DEFINE_NEON_DWCONV(9, armv7_neon)
DEFINE_NEON_DWCONV(25, armv7_neon)
