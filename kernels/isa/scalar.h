/*
 * Scalar helpers for every kernel family: the clamp every scalar kernel, and every SIMD kernel
 * that clamps one sum at a time, applies to its results; the int8 kernels' rounding.
 */
#ifndef SPRIG_ISA_SCALAR_H
#define SPRIG_ISA_SCALAR_H

#include <stdint.h>
#include <string.h>

/* x clamped to [lo, hi]; a NaN x stays NaN. */
static inline float sprig_clamp_f32(float x, float lo, float hi) {
  x = x < lo ? lo : x;
  return x > hi ? hi : x;
}

/* v rounded to the nearest integer, ties to even, for |v| < 2^22: adding 1.5 x 2^23 puts v into
 * [2^23, 2^24), where floats are spaced by 1, so the add itself rounds (in the default rounding
 * mode, which sprig never changes) and the sum's pattern is 0x4B400000 + rne(v). For larger or
 * non-finite v the result is some int32 (callers clamp v first, or the result). */
#define SPRIG_ROUND_MAGIC 12582912.0f /* 1.5 x 2^23 */
#define SPRIG_ROUND_MAGIC_BITS 0x4B400000u

static inline int32_t sprig_round_small_to_even(float v) {
  const float shifted = v + SPRIG_ROUND_MAGIC;
  uint32_t bits;
  memcpy(&bits, &shifted, sizeof(bits));
  return (int32_t) (bits - SPRIG_ROUND_MAGIC_BITS);
}

/* What the SIMD int8 kernels subtract from the pattern of SPRIG_ROUND_MAGIC + v, per int32 lane,
 * to get rne(v) + zero_point in one step (wrapping). */
static inline int32_t sprig_round_magic_less(int32_t zero_point) {
  return (int32_t) (SPRIG_ROUND_MAGIC_BITS - (uint32_t) zero_point);
}

#endif /* SPRIG_ISA_SCALAR_H */
