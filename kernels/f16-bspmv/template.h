/*
 * The f16 block-sparse matrix-vector kernel body (contract: src/sprig/bspmv.h, f16 family),
 * shared by the SIMD files of kernels/f16-bspmv. Not compiled on its own: a kernel file defines
 * the names below and includes this header once per block width, each time defining BSPMV_ROWS
 * (the name of the row function this inclusion defines) and the width's macros; the header
 * undefines them all at its end.
 *
 *   INLINE                  static inline __attribute__((always_inline)), from the kernel file's
 *                           kernels/isa header
 *   C                       values per block (4 or 8)
 *   STEP                    blocks one MADD_STEP takes (1, 2 or 4)
 *   ACC                     the accumulator type (one or two f32 vectors)
 *   ACC_ZERO()              an all-zero accumulator
 *   MADD_STEP(acc, w, x)    acc + the products of the STEP blocks whose C * STEP halves start
 *                           at w and whose inputs start at x[0 .. STEP) (an array of pointers)
 *   MADD_ONE(acc, w, x)     acc + the C products of one block's halves w and inputs x
 *   ACC_ADD(a, b)           a + b, lane-wise
 *   ACC_SUM(acc)            the sum of acc's lanes
 *   GAP_SUMS                1: sum a trip's gaps before adding them to the column (next_blocks)
 *
 * Per row: the block columns are the running sums of the row's gaps; four accumulators take the blocks in turn, STEP blocks at a
 * time (four independent chains of FMAs), the last blocks go STEP at a time, then one by one,
 * into the first; then the accumulators and their lanes are summed, the bias added and the
 * result clamped. The loops are the f32 family's (kernels/f32-bspmv/template.h); only the
 * columns (gaps, not 16-bit columns) and the weights (halves, widened per step) differ.
 */
#if !defined(C) || !defined(STEP) || !defined(INLINE) || !defined(BSPMV_ROWS) || !defined(GAP_SUMS)
#error "template.h is included by the f16-bspmv kernel files after they define C, STEP, ACC, ..."
#endif

#ifndef SPRIG_F16_BSPMV_TEMPLATE_HELPERS
#define SPRIG_F16_BSPMV_TEMPLATE_HELPERS
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <isa/scalar.h>
#include <sprig/bspmv.h>

/* The inputs of the next `count` blocks: `at` (the previous block's first input, in bytes from
 * `input`, or -c floats before the row's first block, in unsigned arithmetic) moves on by each
 * gap times c floats (bytes, so that the gap's scaling is the only shift). `sums`: the gaps are
 * summed first and each block's input is `at` plus its partial sum, so that the loop-carried
 * chain is one add per call instead of one per block (aarch64, whose add with a shifted operand
 * takes 2 cycles); else each block adds its gap to the previous one's (x86: one lea each). */
INLINE void next_blocks(const float* input, size_t c, size_t count, bool sums, const uint8_t** gaps, size_t* at,
                        const float** x) {
  if (sums) {
    size_t sum = 0;
    for (size_t i = 0; i < count; i++) {
      sum += (*gaps)[i];
      x[i] = (const float*) ((uintptr_t) input + *at + sum * (c * sizeof(float)));
    }
    *at += sum * (c * sizeof(float));
  } else {
    for (size_t i = 0; i < count; i++) {
      *at += (size_t) (*gaps)[i] * (c * sizeof(float));
      x[i] = (const float*) ((uintptr_t) input + *at);
    }
  }
  *gaps += count;
}

/* The exported kernel `fn` (signature: src/sprig/bspmv.h) running the row function `rows`. */
#define DEFINE_F16_BSPMV_UKERNEL(fn, rows)                                                                   \
  void fn(size_t nc, const float* input, const float* bias, const uint16_t* values, const uint8_t* col_gaps, \
          const uint32_t* nblocks, float* output, const struct sprig_f32_minmax_params* params) {            \
    rows(nc, input, bias, values, col_gaps, nblocks, output, params);                                        \
  }
#endif

INLINE void BSPMV_ROWS(size_t nc, const float* input, const float* bias, const uint16_t* w,
                       const uint8_t* gaps, const uint32_t* nblocks, float* output,
                       const struct sprig_f32_minmax_params* params) {
  const float lo = params->min;
  const float hi = params->max;
  for (size_t n = 0; n < nc; n++) {
    ACC acc0 = ACC_ZERO();
    ACC acc1 = ACC_ZERO();
    ACC acc2 = ACC_ZERO();
    ACC acc3 = ACC_ZERO();
    size_t at = (size_t) 0 - C * sizeof(float);
    const float* x[4 * STEP];
    uint32_t left = nblocks[n];
    for (; left >= 4 * STEP; left -= 4 * STEP) {
      next_blocks(input, C, 4 * STEP, GAP_SUMS, &gaps, &at, x);
      acc0 = MADD_STEP(acc0, w, x);
      acc1 = MADD_STEP(acc1, w + STEP * C, x + STEP);
      acc2 = MADD_STEP(acc2, w + 2 * STEP * C, x + 2 * STEP);
      acc3 = MADD_STEP(acc3, w + 3 * STEP * C, x + 3 * STEP);
      w += 4 * STEP * C;
    }
    for (; left >= STEP; left -= STEP) {
      next_blocks(input, C, STEP, GAP_SUMS, &gaps, &at, x);
      acc0 = MADD_STEP(acc0, w, x);
      w += STEP * C;
    }
    for (; left != 0; left--) {
      next_blocks(input, C, 1, GAP_SUMS, &gaps, &at, x);
      acc0 = MADD_ONE(acc0, w, x[0]);
      w += C;
    }
    const ACC total = ACC_ADD(ACC_ADD(acc0, acc1), ACC_ADD(acc2, acc3));
    output[n] = sprig_clamp_f32(bias[n] + ACC_SUM(total), lo, hi);
  }
}

#undef C
#undef STEP
#undef ACC
#undef ACC_ZERO
#undef MADD_STEP
#undef MADD_ONE
#undef ACC_ADD
#undef ACC_SUM
#undef BSPMV_ROWS
#undef GAP_SUMS
