/* armv7 NEON int8 direct depthwise convolution (ISA tag neon; vmlal by lane, no float FMA needed).
 * The code and its description: kernels/qs8-dwconv2d-chw/neon.h. */
#include "neon.h"

DEFINE_KERNEL(3, 1, armv7_neon)
DEFINE_KERNEL(3, 2, armv7_neon)
DEFINE_KERNEL(5, 1, armv7_neon)
DEFINE_KERNEL(5, 2, armv7_neon)
