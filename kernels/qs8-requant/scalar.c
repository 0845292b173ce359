/*
 * Scalar int8 requantization (src/sprig/qs8-requant.h): one value at a time. Rounding to
 * nearest even adds 1.5 x 2^23 (the clamped values are below 2^22 in magnitude, so the sum's
 * low mantissa bits hold the rounded integer); the add is its own statement so that no compiler
 * fuses it with the multiply.
 */
#include <string.h>

#include "entry-points.h"

static inline int32_t round_to_even(float v) {
  const float shifted = v + 12582912.0f;
  uint32_t bits;
  memcpy(&bits, &shifted, sizeof(bits));
  return (int32_t) bits - 0x4B400000;
}

static inline __attribute__((always_inline)) void requant_row(size_t cols, const int32_t* sums,
                                                              const float* scales, bool per_column,
                                                              int8_t* output,
                                                              const struct sprig_qs8_requant_params* params) {
  const float lowest = params->lowest, highest = params->highest;
  const int32_t zero_point = params->zero_point;
  for (size_t c = 0; c < cols; c++) {
    float v = (float) sums[c] * scales[per_column ? c : 0];
    v = v < lowest ? lowest : v;
    v = v > highest ? highest : v;
    output[c] = (int8_t) (round_to_even(v) + zero_point);
  }
}

SPRIG_QS8_REQUANT_ENTRY_POINTS(scalar)
