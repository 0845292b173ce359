/*
 * Scalar helpers shared by the kernel families: the clamp every scalar kernel, and every SIMD
 * kernel that clamps one sum at a time, applies to its results.
 */
#ifndef SPRIG_ISA_SCALAR_H
#define SPRIG_ISA_SCALAR_H

#include <stddef.h>
#include <stdint.h>

/* x clamped to [lo, hi]; a NaN x stays NaN. */
static inline float sprig_clamp_f32(float x, float lo, float hi) {
  x = x < lo ? lo : x;
  return x > hi ? hi : x;
}

/* The end of one channel of an N:M matrix-vector (one-pixel) kernel: the sum its vector steps
 * left for slots [0, first_slot), plus slots [first_slot, slots) in four sums (w and idx point at
 * the channel's first value and index; input holds one float per row), plus the bias w[-1],
 * clamped. */
static inline float sprig_nm_finish_channel(float vector_sum, const float* w, const uint8_t* idx, const float* input,
                                            size_t first_slot, size_t slots, size_t n, size_t m, float lo, float hi) {
  float sums[4] = {vector_sum, 0.0f, 0.0f, 0.0f};
  for (size_t s = first_slot; s < slots; s++) {
    sums[s % 4] += w[s] * input[(s / n) * m + idx[s]];
  }
  return sprig_clamp_f32(w[-1] + ((sums[0] + sums[1]) + (sums[2] + sums[3])), lo, hi);
}

#endif /* SPRIG_ISA_SCALAR_H */
