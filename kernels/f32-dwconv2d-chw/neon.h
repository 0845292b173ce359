/*
 * NEON f32 direct depthwise convolution (src/sprig/dwconv2d-chw.h), written once for aarch64
 * (aarch64-neonfma.c, ISA tag neonfma: fmla by lane) and armv7 (armv7-neon.c, ISA tag neon, also
 * taken on NEON + VFPv4 cores: vmla by lane, multiply then add), over template.h: 4 pixels per
 * q register, MODE_LOADS. Trips of output vectors on aarch64: 8 for stride 1, 4 for 5x5 stride
 * 2, 2 for 3x3 stride 2 (whose 4 would spill); armv7: 2 (16 q registers). Each FMA waits for the
 * previous one of its output vector, so a trip's vectors are the independent chains that keep an
 * out-of-order core's FMA pipes fed. The bias and taps are loaded once per call, 4 per q register
 * (7 registers for 5x5), for FMAs by lane; for 3x3, and 5x5 stride 2, GCC hoists a dup of each tap
 * out of the loops instead; 5x5 stride 1 trips read an opaque copy of the tap registers
 * (trip_taps) so that they keep the FMAs by lane rather than spill 25 hoisted dups, and load
 * their accumulators' bias from memory (a load-pipe instruction where a register copy takes a
 * vector pipe, which bounds Neoverse N1 and Cortex-X2 there).
 *
 * The middle of a row takes each tap vector as a load (stride 1: an unaligned ldr q; stride 2:
 * the even or odd half of an ld2 at 2x - 2, 2x or 2x + 2; aarch64: of uzp1 / uzp2 of ldr q
 * pairs, 3x3 at 2x - 1 and 2x + 1, 5x5 at 2x - 2, 2x and 2x + 2, one vector-pipe instruction per
 * tap where an ld2 takes 2 micro-ops there for 2 halves, one of them unused by 3x3 and by 5x5's
 * third pair): loads issue beside the FMAs, where the
 * ext of MODE_SHIFT and the register moves GCC adds around ld2 and the row state would take FMA
 * slots (counted below). The row's first vector and its end are MODE_SHIFT over lane loads
 * (ld1 of 1 or 2 lanes) zero-filled past the row, with lane stores, so nothing outside
 * [0, input_width) of a row is read.
 *
 * armv7 has 16 q registers, so its taps and accumulators share fewer (more reloads; taps by
 * d-register lane, the lane moves of vuzp and the bias dup as armv7 spells them).
 *
 * aarch64 inner loop, GCC 12 -O3, per output vector:
 *   3x3 stride 1 (8 per trip): 9 fmla, 8.25 loads, 2 clamps, 1/2 stp, 1.1 mov, 1.1 loop/address: 22.
 *   3x3 stride 2 (2 vectors per trip): 9 fmla, 11 ldr q, 6 uzp1, 3 uzp2, 2 clamps, 1/2 stp,
 *                 1.5 mov, 6 loop/address: 39.5 (ld2 pairs: 28 in all, but 12 vector-pipe
 *                 micro-ops of ld2 against 9 uzp; MODE_SHIFT: 30).
 *   5x5 stride 1 (8 per trip): 25 fmla by lane, 20 loads (bias included), 0.9 mov, 2 clamps,
 *                 1/2 stp, 0.6 loop: 49.
 *   5x5 stride 2: 25 fmla, 24.25 ldr q, 15 uzp1, 10 uzp2, 2 clamps, 1.25 mov, 3.5 others: 81
 *                 (ld2 pairs: 66.5, but 30 vector-pipe micro-ops of ld2 against 25 uzp;
 *                 2 vectors per trip: 78.5; MODE_SHIFT: 92.5).
 */
#ifndef SPRIG_F32_DWCONV2D_CHW_NEON_H
#define SPRIG_F32_DWCONV2D_CHW_NEON_H

#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>

#include <isa/neon.h>
#include <sprig/dwconv2d-chw.h>


#define VEC float32x4_t
#define LANES 4
/* aarch64, stride 2: tap vectors from uzp1 / uzp2 of plain loads (template.h,
 * block_s2_loads). armv7's vuzp writes both halves in place (GCC then adds moves: llvm-mca
 * cortex-a57 35% -> 23% of the bound for 3x3), so it keeps the vld2 pairs. */
#if defined(__aarch64__)
#define S2_UNZIP_TAPS
#endif

INLINE float32x4_t vzero(void) {
  return vdupq_n_f32(0.0f);
}

INLINE float32x4_t vload_splat(const float* p) {
  return vld1q_dup_f32(p);
}

INLINE float32x4_t vload(const float* p) {
  return vld1q_f32(p);
}

INLINE float32x4_t vload_clip(const float* p, size_t n) {
  const float32x2_t z = vdup_n_f32(0.0f);
  switch (n) {
    case 0:
      return vdupq_n_f32(0.0f);
    case 1:
      return vcombine_f32(vld1_lane_f32(p, z, 0), z);
    case 2:
      return vcombine_f32(vld1_f32(p), z);
    case 3:
      return vcombine_f32(vld1_f32(p), vld1_lane_f32(p + 2, z, 0));
    default:
      return vld1q_f32(p);
  }
}

INLINE void vstore(float* p, float32x4_t v) {
  vst1q_f32(p, v);
}

INLINE void vstore_part(float* p, float32x4_t v, size_t n) {
  if (n & 2) {
    vst1_f32(p, vget_low_f32(v));
    p += 2;
    v = vcombine_f32(vget_high_f32(v), vget_high_f32(v));
  }
  if (n & 1) {
    vst1q_lane_f32(p, v, 0);
  }
}

INLINE float32x4_t valign(float32x4_t lo, float32x4_t hi, size_t k) {
  switch (k) {
    case 1:
      return vextq_f32(lo, hi, 1);
    case 2:
      return vextq_f32(lo, hi, 2);
    default:
      return vextq_f32(lo, hi, 3);
  }
}

INLINE void vunzip(float32x4_t a, float32x4_t b, float32x4_t* even, float32x4_t* odd) {
#if defined(__aarch64__)
  *even = vuzp1q_f32(a, b);
  *odd = vuzp2q_f32(a, b);
#else
  const float32x4x2_t v = vuzpq_f32(a, b);
  *even = v.val[0];
  *odd = v.val[1];
#endif
}

INLINE void vload_pair(const float* p, float32x4_t* even, float32x4_t* odd) {
  const float32x4x2_t v = vld2q_f32(p);
  *even = v.val[0];
  *odd = v.val[1];
}

INLINE void vload_pair_loads(const float* p, float32x4_t* even, float32x4_t* odd) {
  vload_pair(p, even, odd);
}

INLINE float32x4_t vunpermute(float32x4_t v) {
  return v;
}

INLINE float32x4_t vadd(float32x4_t a, float32x4_t b) {
  return vaddq_f32(a, b);
}

INLINE float32x4_t vclamp(float32x4_t v, float32x4_t vmin, float32x4_t vmax) {
  /* fmax / fmin return NaN when either operand is NaN. */
  return vminq_f32(vmaxq_f32(v, vmin), vmax);
}

/* weights[0 .. k * k] (the bias, then the taps): weight i is lane i % 4 of w[i / 4]. */
struct taps {
  float32x4_t w[7];
  float32x4_t bias;               /* the bias in 4 lanes */
  const float32x4_t* bias_splat; /* NULL, or where the bias is loaded from per trip */
};

INLINE void taps_init(size_t k, const float* weights, struct taps* t) {
  const size_t n = k * k + 1; /* 10 or 26: full vectors, then 2 */
  for (size_t i = 0; i < n / 4; i++) {
    t->w[i] = vld1q_f32(weights + 4 * i);
  }
  t->w[n / 4] = vcombine_f32(vld1_f32(weights + n / 4 * 4), vdup_n_f32(0.0f));
  t->bias = vdupq_n_f32(weights[0]);
  t->bias_splat = NULL;
}

#if defined(__aarch64__)
/* Stride-1 trips of 8 output vectors (aarch64-neonfma.c). */
#define MAX_NV 8

/* 5x5 stride 1 trips read a copy of the taps that an empty asm makes opaque (GCC otherwise hoists
 * a dup of each of the 25 taps out of the loop, which spills; see the counts above) and take the
 * bias from held->bias in memory (taps_bias). */
#define TRIP_TAPS
INLINE const struct taps* trip_taps(size_t k, const struct taps* held, struct taps* copy) {
  if (k != 5) {
    return held;
  }
  *copy = *held;
  for (size_t i = 0; i < (k * k + 4) / 4; i++) {
    __asm__ volatile("" : "+w"(copy->w[i]));
  }
  copy->bias_splat = &held->bias;
  return copy;
}
#endif

/* The bias in 4 lanes: a load from bias_splat when it is set (volatile: one per trip), else a
 * copy of the held register. */
INLINE float32x4_t taps_bias(const struct taps* t) {
#if defined(__aarch64__)
  if (t->bias_splat != NULL) {
    float32x4_t v;
    __asm__ volatile("ldr %q0, %1" : "=w"(v) : "m"(*t->bias_splat));
    return v;
  }
#endif
  return vdupq_lane_f32(vget_low_f32(t->w[0]), 0);
}

/* acc + x * tap i (weight i + 1). */
INLINE float32x4_t vmadd_tap(float32x4_t acc, float32x4_t x, const struct taps* t, size_t i) {
  return mlaq_by_lane(acc, x, t->w[(i + 1) / 4], (i + 1) % 4);
}

#include "template.h"

/* The four kernels sprig_f32_dwconv2d_chw_minmax_ukernel_{3x3,5x5}s{1,2}__<suffix>. */
#define DEFINE_NEON_DWCONV2D_CHW(K, S, NV, suffix)                                                               \
  void sprig_f32_dwconv2d_chw_minmax_ukernel_##K##x##K##s##S##__##suffix(                                     \
      size_t input_height, size_t input_width, size_t output_height, size_t output_width, const float* input, \
      const float* weights, const float* zero, float* output, uint32_t padding_top,                         \
      const struct sprig_f32_minmax_params* params) {                                                        \
    dwconv2d_chw(K, S, NV, MODE_LOADS, input_height, input_width, output_height, output_width, input, weights, \
                 zero, output, padding_top, params);                                                         \
  }

#endif /* SPRIG_F32_DWCONV2D_CHW_NEON_H */
