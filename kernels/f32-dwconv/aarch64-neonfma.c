/* aarch64 NEON+FMA f32 depthwise convolution (ISA tag neonfma).
 * The code and its description: kernels/f32-dwconv/neon.h. */
#include "neon.h"

DEFINE_NEON_DWCONV(9, neonfma)
DEFINE_NEON_DWCONV(25, neonfma)
