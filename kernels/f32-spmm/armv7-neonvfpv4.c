/* f32 SpMM, armv7 NEON with VFPv4 (ISA tag neonvfpv4): vfma.f32, fused multiply-add.
 * The code and its description: kernels/f32-spmm/armv7-template.h. */
#define ARMV7_FMA 1
#include "armv7-template.h"

DEFINE_ARMV7_SPMM(4, 1, armv7_neonvfpv4)
DEFINE_ARMV7_SPMM(8, 1, armv7_neonvfpv4)
DEFINE_ARMV7_SPMM(16, 1, armv7_neonvfpv4)
DEFINE_ARMV7_SPMM(32, 1, armv7_neonvfpv4)
DEFINE_ARMV7_SPMM(4, 2, armv7_neonvfpv4)
DEFINE_ARMV7_SPMM(8, 2, armv7_neonvfpv4)
DEFINE_ARMV7_SPMM(16, 2, armv7_neonvfpv4)
DEFINE_ARMV7_SPMM(4, 4, armv7_neonvfpv4)
DEFINE_ARMV7_SPMM(8, 4, armv7_neonvfpv4)
