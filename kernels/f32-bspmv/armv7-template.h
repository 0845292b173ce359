/*
 * armv7 NEON f32 block-sparse matrix-vector kernels (1 x 4 and 1 x 8 blocks), written once for
 * both armv7 ISAs: armv7-neon.c includes this with ARMV7_FMA 0 (ISA tag neon: vmla.f32) and
 * armv7-neonvfpv4.c with ARMV7_FMA 1 (ISA tag neonvfpv4: vfma.f32). The row loop is template.h's
 * (contract: src/sprig/bspmv.h): four accumulators take the blocks in turn. Per 1x4 block: one
 * ldrh of the block column and its address arithmetic, one vld1 q of the 4 inputs, one of the 4
 * weights, one multiply-add; 1x8 blocks are two such halves (8 accumulators + 4 operands of the
 * 16 q registers). Rows end with the accumulators added, a vpadd pair for the lanes, the bias and
 * the clamp. Limit: the weight stream (4 + 2 / C bytes per weight) for large layers.
 */
#ifndef ARMV7_FMA
#error "armv7-template.h is included by armv7-neon.c / armv7-neonvfpv4.c after they define ARMV7_FMA"
#endif

#include <arm_neon.h>

#include <isa/armv7.h>
#include <isa/neon.h>
#include <sprig/bspmv.h>

/* The sum of the 4 lanes (armv7 has no vaddvq_f32). */
INLINE float hsum_q(float32x4_t v) {
  const float32x2_t pair = vadd_f32(vget_low_f32(v), vget_high_f32(v));
  return vget_lane_f32(vpadd_f32(pair, pair), 0);
}

struct acc8 {
  float32x4_t lo;
  float32x4_t hi;
};

INLINE struct acc8 madd8(struct acc8 acc, const float* w, const float* x) {
  acc.lo = MLAQ(acc.lo, vld1q_f32(w), vld1q_f32(x));
  acc.hi = MLAQ(acc.hi, vld1q_f32(w + 4), vld1q_f32(x + 4));
  return acc;
}

INLINE struct acc8 add8(struct acc8 a, struct acc8 b) {
  return (struct acc8){vaddq_f32(a.lo, b.lo), vaddq_f32(a.hi, b.hi)};
}

/* 1 x 4 blocks: one q register per block. */
#define C 4
#define STEP 1
#define ACC float32x4_t
#define ACC_ZERO() vdupq_n_f32(0.0f)
#define MADD_ONE(acc, w, x) MLAQ(acc, vld1q_f32(w), vld1q_f32(x))
#define MADD_STEP(acc, w, input, cols) MADD_ONE(acc, w, block_input(input, (cols)[0], C))
#define ACC_ADD(a, b) vaddq_f32(a, b)
#define ACC_SUM(acc) hsum_q(acc)
#define BSPMV_ROWS bspmv_rows_1x4
#include "template.h"

/* 1 x 8 blocks: two q registers per block. */
#define C 8
#define STEP 1
#define ACC struct acc8
#define ACC_ZERO() ((struct acc8){vdupq_n_f32(0.0f), vdupq_n_f32(0.0f)})
#define MADD_ONE(acc, w, x) madd8(acc, w, x)
#define MADD_STEP(acc, w, input, cols) madd8(acc, w, block_input(input, (cols)[0], C))
#define ACC_ADD(a, b) add8(a, b)
#define ACC_SUM(acc) hsum_q(vaddq_f32((acc).lo, (acc).hi))
#define BSPMV_ROWS bspmv_rows_1x8
#include "template.h"
