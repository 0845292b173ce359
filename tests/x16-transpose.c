/* Every 16-bit transpose kernel (kernels/x16-transpose/list.inc): the family test of transpose-test.h. */
#define N 16
#define T uint16_t
#include "transpose-test.h"
