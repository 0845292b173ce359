/* f32 N:M SpMM, armv7 NEON with VFPv4 (ISA tag neonvfpv4): vfma.f32, fused multiply-add.
 * The code and its description: kernels/f32-nmspmm/armv7-template.h. */
#define ARMV7_FMA 1
#include "armv7-template.h"

DEFINE_ARMV7_NMSPMM(4, armv7_neonvfpv4)
DEFINE_ARMV7_NMSPMM(8, armv7_neonvfpv4)
DEFINE_ARMV7_NMSPMM(16, armv7_neonvfpv4)
DEFINE_ARMV7_NMSPMM(32, armv7_neonvfpv4)
DEFINE_ARMV7_NMSPMV(armv7_neonvfpv4)
