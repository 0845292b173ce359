/* f32 SpMM, armv7 NEON without FMA (ISA tag neon): vmla.f32, multiply then add.
 * The code and its description: kernels/f32-spmm/armv7-template.h. */
#define ARMV7_FMA 0
#include "armv7-template.h"

DEFINE_ARMV7_SPMM(4, 1, armv7_neon)
DEFINE_ARMV7_SPMM(8, 1, armv7_neon)
DEFINE_ARMV7_SPMM(16, 1, armv7_neon)
DEFINE_ARMV7_SPMM(32, 1, armv7_neon)
DEFINE_ARMV7_SPMM(4, 2, armv7_neon)
DEFINE_ARMV7_SPMM(8, 2, armv7_neon)
DEFINE_ARMV7_SPMM(16, 2, armv7_neon)
DEFINE_ARMV7_SPMM(4, 4, armv7_neon)
DEFINE_ARMV7_SPMM(8, 4, armv7_neon)
