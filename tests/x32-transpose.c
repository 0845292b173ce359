/* Every 32-bit transpose kernel (kernels/x32-transpose/list.inc): the family test of transpose-test.h. */
#define N 32
#define T uint32_t
#include "transpose-test.h"
