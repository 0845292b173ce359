/*
 * The scalar end of one channel of the x86 N:M matrix-vector (one-pixel) kernels, 1x1__avx2 and
 * 1x1__avx512f: the slots their vector steps leave, in the scalar 1x1 kernel's four sums.
 */
#ifndef SPRIG_F32_NMSPMM_MATVEC_COMMON_H
#define SPRIG_F32_NMSPMM_MATVEC_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <isa/scalar.h>

/* bias + the sum the vector steps left for slots [0, first_slot) + slots [first_slot, slots)
 * in four sums (w and idx point at the channel's first value and index; input holds one float
 * per row), clamped. */
static inline float sprig_nm_finish_channel(float vector_sum, float bias, const float* w, const uint8_t* idx,
                                            const float* input, size_t first_slot, size_t slots, size_t n, size_t m,
                                            float lo, float hi) {
  float sums[4] = {vector_sum, 0.0f, 0.0f, 0.0f};
  for (size_t s = first_slot; s < slots; s++) {
    sums[s % 4] += w[s] * input[(s / n) * m + idx[s]];
  }
  return sprig_clamp_f32(bias + ((sums[0] + sums[1]) + (sums[2] + sums[3])), lo, hi);
}

#endif /* SPRIG_F32_NMSPMM_MATVEC_COMMON_H */
