/* f32 block-sparse matrix-vector, armv7 NEON with VFPv4 (ISA tag neonvfpv4): vfma.f32, fused multiply-add.
 * The code and its description: kernels/f32-bspmv/armv7-template.h. */
#define ARMV7_FMA 1
#include "armv7-template.h"

DEFINE_BSPMV_UKERNEL(sprig_f32_bspmv_minmax_ukernel_1x4__armv7_neonvfpv4, bspmv_rows_1x4)
DEFINE_BSPMV_UKERNEL(sprig_f32_bspmv_minmax_ukernel_1x8__armv7_neonvfpv4, bspmv_rows_1x8)
