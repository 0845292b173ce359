/* f32 N:M SpMM, armv7 NEON without FMA (ISA tag neon): vmla.f32, multiply then add.
 * The code and its description: kernels/f32-nmspmm/armv7-template.h. */
#define ARMV7_FMA 0
#include "armv7-template.h"

DEFINE_ARMV7_NMSPMM(4, armv7_neon)
DEFINE_ARMV7_NMSPMM(8, armv7_neon)
DEFINE_ARMV7_NMSPMM(16, armv7_neon)
DEFINE_ARMV7_NMSPMM(32, armv7_neon)
DEFINE_ARMV7_NMSPMV(armv7_neon)
