/* Every 8-bit transpose kernel (kernels/x8-transpose/list.inc): the family test of transpose-test.h. */
#define N 8
#define T uint8_t
#include "transpose-test.h"
