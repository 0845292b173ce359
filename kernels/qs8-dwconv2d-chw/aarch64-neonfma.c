/* aarch64 NEON int8 direct depthwise convolution (ISA tag neonfma).
 * The code and its description: kernels/qs8-dwconv2d-chw/neon.h. */
#include "neon.h"

DEFINE_KERNEL(3, 1, neonfma)
DEFINE_KERNEL(3, 2, neonfma)
DEFINE_KERNEL(5, 1, neonfma)
DEFINE_KERNEL(5, 2, neonfma)
