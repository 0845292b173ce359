/*
 * aarch64 NEON+FMA f32 block-sparse matrix-vector kernels (ISA tag neonfma). Blocks go to four
 * accumulators in turn (four independent FMA chains); the last nblocks % 4 go one by one into
 * the first. Inner-loop mix per block (GCC 12 -O3, from objdump; 4 blocks per trip):
 *   1x4  one ldrh of the block column + lsl, one ldr q of the 4 inputs, half an ldp q of the
 *        weights, one fmla. [22 instructions per trip: 4 ldrh, 4 lsl, 4 ldr q, 2 ldp q,
 *        4 fmla, 2 pointer adds, cmp + branch.]
 *   1x8  two q per block, four accumulator pairs: one ldrh + lsl + add, two ldr q of the
 *        8 inputs, one ldp q of the weights, two fmla. [34 per trip: 4 ldrh, 4 lsl, 4 add,
 *        8 ldr q, 4 ldp q, 8 fmla, 2 pointer adds, cmp + branch.] 8 accumulators and
 *        16 operands take v8/v9 too, saved (with x29/x30) once in the prologue.
 * The row loops touch no stack. Rows end with the adds of the accumulators, two faddp
 * (vaddvq_f32), the bias add and the clamp.
 * Limit: the weight stream (4 + 2 / C bytes per weight) from memory for large layers. In cache,
 * the loads: every 4 FMA lanes need 32 bytes (weights + inputs, no input reuse in a
 * matrix-vector product) plus an ldrh per block, whose value addresses that block's input load;
 * and for rows of few blocks the per-row reduction.
 */
#include <arm_neon.h>

#include <isa/neon.h>
#include <sprig/bspmv.h>

struct acc8 {
  float32x4_t lo;
  float32x4_t hi;
};

INLINE struct acc8 madd8(struct acc8 acc, const float* w, const float* x) {
  acc.lo = vfmaq_f32(acc.lo, vld1q_f32(w), vld1q_f32(x));
  acc.hi = vfmaq_f32(acc.hi, vld1q_f32(w + 4), vld1q_f32(x + 4));
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
#define MADD_ONE(acc, w, x) vfmaq_f32(acc, vld1q_f32(w), vld1q_f32(x))
#define MADD_STEP(acc, w, input, cols) MADD_ONE(acc, w, block_input(input, (cols)[0], C))
#define ACC_ADD(a, b) vaddq_f32(a, b)
#define ACC_SUM(acc) vaddvq_f32(acc)
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
#define ACC_SUM(acc) vaddvq_f32(vaddq_f32((acc).lo, (acc).hi))
#define BSPMV_ROWS bspmv_rows_1x8
#include "template.h"

DEFINE_BSPMV_UKERNEL(sprig_f32_bspmv_minmax_ukernel_1x4__aarch64_neonfma, bspmv_rows_1x4)
DEFINE_BSPMV_UKERNEL(sprig_f32_bspmv_minmax_ukernel_1x8__aarch64_neonfma, bspmv_rows_1x8)
