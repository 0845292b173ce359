/* f32 direct depthwise convolution, armv7 NEON without FMA (ISA tag neon): vmla.f32 by lane, multiply then add.
 * The code and its description: kernels/f32-dwconv2d-chw/neon.h. */
#define ARMV7_FMA 0
#include "neon.h"

DEFINE_NEON_DWCONV2D_CHW(3, 1, 2, armv7_neon)
DEFINE_NEON_DWCONV2D_CHW(3, 2, 2, armv7_neon)
DEFINE_NEON_DWCONV2D_CHW(5, 1, 2, armv7_neon)
DEFINE_NEON_DWCONV2D_CHW(5, 2, 2, armv7_neon)
