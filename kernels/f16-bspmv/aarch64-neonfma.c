/*
 * aarch64 NEON+FMA f16 block-sparse matrix-vector kernels (ISA tag neonfma; ARMv8.0: fcvtl
 * widens, the sums are f32): the f32 family's loops (kernels/f32-bspmv/aarch64-neonfma.c) with
 * the weights read as halves. Blocks go to four accumulators in turn (four independent FMA
 * chains); the last nblocks % 4 go one by one into the first. Per block:
 *   1x4  one ldrb of the gap added into the running column, one ldr q of the 4 inputs, one
 *        ldr d of the 4 weights + fcvtl, one fmla.
 *   1x8  the same with two ldr q of inputs, one ldr q of weights + fcvtl / fcvtl2, two fmla.
 * Limit: the weight stream (2 + 1 / C bytes per weight) from memory for large layers; in cache,
 * the loads (each 4 FMA lanes need 16 bytes of inputs, no reuse in a matrix-vector product) and
 * for rows of few blocks the per-row reduction.
 */
#include <arm_neon.h>

#include <isa/neon.h>
#include <sprig/bspmv.h>

struct acc8 {
  float32x4_t lo;
  float32x4_t hi;
};

INLINE float32x4_t widen4(const uint16_t* w) {
  return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(w)));
}

INLINE struct acc8 madd8(struct acc8 acc, const uint16_t* w, const float* x) {
  const float16x8_t h = vreinterpretq_f16_u16(vld1q_u16(w));
  acc.lo = vfmaq_f32(acc.lo, vcvt_f32_f16(vget_low_f16(h)), vld1q_f32(x));
  acc.hi = vfmaq_f32(acc.hi, vcvt_high_f32_f16(h), vld1q_f32(x + 4));
  return acc;
}

INLINE struct acc8 add8(struct acc8 a, struct acc8 b) {
  return (struct acc8){vaddq_f32(a.lo, b.lo), vaddq_f32(a.hi, b.hi)};
}

/* 1 x 4 blocks: one q register per block. */
#define C 4
#define GAP_SUMS 1
#define STEP 1
#define ACC float32x4_t
#define ACC_ZERO() vdupq_n_f32(0.0f)
#define MADD_ONE(acc, w, x) vfmaq_f32(acc, widen4(w), vld1q_f32(x))
#define MADD_STEP(acc, w, x) MADD_ONE(acc, w, (x)[0])
#define ACC_ADD(a, b) vaddq_f32(a, b)
#define ACC_SUM(acc) vaddvq_f32(acc)
#define BSPMV_ROWS bspmv_rows_1x4
#include "template.h"

/* 1 x 8 blocks: two q registers per block. */
#define C 8
#define GAP_SUMS 1
#define STEP 1
#define ACC struct acc8
#define ACC_ZERO() ((struct acc8){vdupq_n_f32(0.0f), vdupq_n_f32(0.0f)})
#define MADD_ONE(acc, w, x) madd8(acc, w, x)
#define MADD_STEP(acc, w, x) madd8(acc, w, (x)[0])
#define ACC_ADD(a, b) add8(a, b)
#define ACC_SUM(acc) vaddvq_f32(vaddq_f32((acc).lo, (acc).hi))
#define BSPMV_ROWS bspmv_rows_1x8
#include "template.h"

DEFINE_F16_BSPMV_UKERNEL(sprig_f16_bspmv_minmax_ukernel_1x4__aarch64_neonfma, bspmv_rows_1x4)
DEFINE_F16_BSPMV_UKERNEL(sprig_f16_bspmv_minmax_ukernel_1x8__aarch64_neonfma, bspmv_rows_1x8)
