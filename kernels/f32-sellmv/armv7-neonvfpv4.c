/* f32 sliced-ELL matrix-vector, armv7 NEON with VFPv4 (ISA tag neonvfpv4): vfma.f32, fused
 * multiply-add. The code and its description: kernels/f32-sellmv/armv7-template.h. */
#define ARMV7_FMA 1
#include "armv7-template.h"

DEFINE_SELLMV_UKERNEL(sprig_f32_sellmv_minmax_ukernel_8__armv7_neonvfpv4)
