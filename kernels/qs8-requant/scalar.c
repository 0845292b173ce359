/*
 * Scalar int8 requantization (src/sprig/qs8-requant.h): one value at a time, clamped in f32 and
 * rounded to nearest even by sprig_round_small_to_even (the clamped values are below 2^22 in
 * magnitude).
 */
#include <isa/scalar.h>

#include "entry-points.h"

static inline __attribute__((always_inline)) void requant_row(size_t cols, const int32_t* sums,
                                                              const float* scales, bool per_column,
                                                              int8_t* output,
                                                              const struct sprig_qs8_requant_params* params) {
  const float lowest = params->lowest, highest = params->highest;
  const int32_t zero_point = params->zero_point;
  for (size_t c = 0; c < cols; c++) {
    const float v = sprig_clamp_f32((float) sums[c] * scales[per_column ? c : 0], lowest, highest);
    output[c] = (int8_t) (sprig_round_small_to_even(v) + zero_point);
  }
}

SPRIG_QS8_REQUANT_ENTRY_POINTS(scalar)
