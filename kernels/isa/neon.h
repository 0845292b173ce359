/*
 * aarch64 NEON helpers shared by the neonfma kernels of kernels/f32-spmm and kernels/f32-nmspmm:
 * SPRIG_INLINE, UNROLL, the output clamp for 4, 2 and 1 pixels, and the step to the next output
 * channel.
 */
#ifndef SPRIG_ISA_NEON_H
#define SPRIG_ISA_NEON_H

#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>

#define SPRIG_INLINE static inline __attribute__((always_inline))

/* Loops over the vectors / channels of a tile have constant trip counts; unrolling them fully
 * (GCC at -O2 and clang would otherwise keep some accumulator arrays in memory) is what lets the
 * accumulators live in registers. */
#if defined(__clang__)
#define UNROLL _Pragma("clang loop unroll(full)")
#else
#define UNROLL _Pragma("GCC unroll 8")
#endif

struct clamp {
  float32x4_t min;
  float32x4_t max;
};

SPRIG_INLINE float32x4_t clampq(float32x4_t x, struct clamp c) {
  return vminq_f32(vmaxq_f32(x, c.min), c.max);
}

SPRIG_INLINE float32x2_t clampd(float32x2_t x, struct clamp c) {
  return vmin_f32(vmax_f32(x, vget_low_f32(c.min)), vget_low_f32(c.max));
}

SPRIG_INLINE float clamps(float x, struct clamp c) {
  const float lo = vgetq_lane_f32(c.min, 0);
  const float hi = vgetq_lane_f32(c.max, 0);
  x = x < lo ? lo : x;
  return x > hi ? hi : x;
}

SPRIG_INLINE float* next_channel(float* out, size_t stride) {
  return (float*) ((uintptr_t) out + stride);
}

#endif /* SPRIG_ISA_NEON_H */
