/* f32 sparse direct convolution, armv7 NEON without FMA (ISA tag neon): vmla.f32, multiply then add.
 * The code and its description: kernels/f32-spconv/armv7-template.h. */
#define ARMV7_FMA 0
#include "armv7-template.h"

DEFINE_ARMV7_SPCONV(4, 1, armv7_neon)
DEFINE_ARMV7_SPCONV(8, 1, armv7_neon)
DEFINE_ARMV7_SPCONV(16, 1, armv7_neon)
DEFINE_ARMV7_SPCONV(8, 4, armv7_neon)
