/*
 * The step loop every SIMD kernel of the family shares: whole steps of STEP values straight from
 * a and b into y, then the last n % STEP values through STEP-byte buffers (so that nothing
 * outside a[0 .. n), b[0 .. n) and y[0 .. n) is touched). step(a, b, y, consts) loads all of its
 * inputs before it stores, so y may be a or b.
 */
#ifndef SPRIG_QS8_VADD_STEPS_H
#define SPRIG_QS8_VADD_STEPS_H

#include <string.h>

#define SPRIG_QS8_VADD_STEPS(STEP, step, n, a, b, y, consts) \
  do {                                                        \
    for (; (n) >= (STEP); (n) -= (STEP)) {                    \
      step(a, b, y, consts);                                  \
      (a) += (STEP);                                          \
      (b) += (STEP);                                          \
      (y) += (STEP);                                          \
    }                                                         \
    if ((n) != 0) {                                           \
      int8_t a_rest[STEP] = {0}, b_rest[STEP] = {0};          \
      int8_t y_rest[STEP];                                    \
      memcpy(a_rest, a, n);                                   \
      memcpy(b_rest, b, n);                                   \
      step(a_rest, b_rest, y_rest, consts);                   \
      memcpy(y, y_rest, n);                                   \
    }                                                         \
  } while (0)

#endif /* SPRIG_QS8_VADD_STEPS_H */
