/* aarch64 NEON+FMA f32 direct depthwise convolution (ISA tag neonfma).
 * The code and its description: kernels/f32-dwconv2d-chw/neon.h. */
#include "neon.h"

DEFINE_NEON_DWCONV2D_CHW(3, 1, 8, neonfma)
DEFINE_NEON_DWCONV2D_CHW(3, 2, 2, neonfma)
DEFINE_NEON_DWCONV2D_CHW(5, 1, 8, neonfma)
DEFINE_NEON_DWCONV2D_CHW(5, 2, 4, neonfma)
