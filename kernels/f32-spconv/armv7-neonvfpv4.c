/* f32 sparse direct convolution, armv7 NEON with VFPv4 (ISA tag neonvfpv4): vfma.f32, fused multiply-add.
 * The code and its description: kernels/f32-spconv/armv7-template.h. */
#define ARMV7_FMA 1
#include "armv7-template.h"

DEFINE_ARMV7_SPCONV(4, 1, armv7_neonvfpv4)
DEFINE_ARMV7_SPCONV(8, 1, armv7_neonvfpv4)
DEFINE_ARMV7_SPCONV(16, 1, armv7_neonvfpv4)
DEFINE_ARMV7_SPCONV(8, 4, armv7_neonvfpv4)
