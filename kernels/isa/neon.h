/*
 * aarch64 NEON helpers for the neonfma kernels of every family (kernels/<family>/aarch64-neonfma.c,
 * and the armv7 files that share their code): INLINE, UNROLL, the output clamp of 4, 2 and 1
 * floats, the multiply-add by lane, int32 pair sums, and the step from one output row to the next. Helpers only
 * one family uses live in that family's folder.
 */
#ifndef SPRIG_ISA_NEON_H
#define SPRIG_ISA_NEON_H

#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>

#define INLINE static inline __attribute__((always_inline))

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

INLINE float32x4_t clampq(float32x4_t x, struct clamp c) {
  return vminq_f32(vmaxq_f32(x, c.min), c.max);
}

INLINE float32x2_t clampd(float32x2_t x, struct clamp c) {
  return vmin_f32(vmax_f32(x, vget_low_f32(c.min)), vget_low_f32(c.max));
}

INLINE float clamps(float x, struct clamp c) {
  const float lo = vgetq_lane_f32(c.min, 0);
  const float hi = vgetq_lane_f32(c.max, 0);
  x = x < lo ? lo : x;
  return x > hi ? hi : x;
}

/* [a0 + a1, a2 + a3, b0 + b1, b2 + b3]: one addp on aarch64, two vpadd on armv7. */
INLINE int32x4_t pair_sums_s32(int32x4_t a, int32x4_t b) {
#if defined(__aarch64__)
  return vpaddq_s32(a, b);
#else
  return vcombine_s32(vpadd_s32(vget_low_s32(a), vget_high_s32(a)), vpadd_s32(vget_low_s32(b), vget_high_s32(b)));
#endif
}

/* acc + x * lane `lane` (a constant once inlined: the switch folds) of w: fmla by element on
 * aarch64; on armv7 (files that define ARMV7_FMA, isa/armv7.h) vmla / vfma by a d register's
 * lane. Per 4 lanes (q) or 2 (d). */
#if defined(__aarch64__) || defined(ARMV7_FMA)
#if !defined(__aarch64__)
#include <isa/armv7.h>
#define SPRIG_LANE_MLAQ(acc, x, w, l) MLAQ_LANE((acc), (x), (l) < 2 ? vget_low_f32(w) : vget_high_f32(w), (l) % 2)
#define SPRIG_LANE_MLAD(acc, x, w, l) MLAD_LANE((acc), (x), (l) < 2 ? vget_low_f32(w) : vget_high_f32(w), (l) % 2)
#else
#define SPRIG_LANE_MLAQ(acc, x, w, l) vfmaq_laneq_f32((acc), (x), (w), (l))
#define SPRIG_LANE_MLAD(acc, x, w, l) vfma_laneq_f32((acc), (x), (w), (l))
#endif
INLINE float32x4_t mlaq_by_lane(float32x4_t acc, float32x4_t x, float32x4_t w, size_t lane) {
  switch (lane) {
    case 0:
      return SPRIG_LANE_MLAQ(acc, x, w, 0);
    case 1:
      return SPRIG_LANE_MLAQ(acc, x, w, 1);
    case 2:
      return SPRIG_LANE_MLAQ(acc, x, w, 2);
    default:
      return SPRIG_LANE_MLAQ(acc, x, w, 3);
  }
}

INLINE float32x2_t mlad_by_lane(float32x2_t acc, float32x2_t x, float32x4_t w, size_t lane) {
  switch (lane) {
    case 0:
      return SPRIG_LANE_MLAD(acc, x, w, 0);
    case 1:
      return SPRIG_LANE_MLAD(acc, x, w, 1);
    case 2:
      return SPRIG_LANE_MLAD(acc, x, w, 2);
    default:
      return SPRIG_LANE_MLAD(acc, x, w, 3);
  }
}
#endif

INLINE float* next_channel(float* out, size_t stride) {
  return (float*) ((uintptr_t) out + stride);
}

#endif /* SPRIG_ISA_NEON_H */
