/* f32 sliced-ELL matrix-vector, armv7 NEON without FMA (ISA tag neon): vmla.f32, multiply then
 * add. The code and its description: kernels/f32-sellmv/armv7-template.h. */
#define ARMV7_FMA 0
#include "armv7-template.h"

DEFINE_SELLMV_UKERNEL(sprig_f32_sellmv_minmax_ukernel_8__armv7_neon)
