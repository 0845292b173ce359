/* armv7 NEON int8 sliced matrix-vector kernel (ISA tag neon; armv7 has no dot product).
 * The code and its description: kernels/qs8-sellmv/neon-smull.h. */
#include "neon-smull.h"

DEFINE_NEON_SMULL_SELLMV(armv7_neon)
