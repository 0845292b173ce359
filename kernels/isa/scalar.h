/*
 * Scalar helpers for every kernel family: the clamp every scalar kernel, and every SIMD kernel
 * that clamps one sum at a time, applies to its results.
 */
#ifndef SPRIG_ISA_SCALAR_H
#define SPRIG_ISA_SCALAR_H

/* x clamped to [lo, hi]; a NaN x stays NaN. */
static inline float sprig_clamp_f32(float x, float lo, float hi) {
  x = x < lo ? lo : x;
  return x > hi ? hi : x;
}

#endif /* SPRIG_ISA_SCALAR_H */
