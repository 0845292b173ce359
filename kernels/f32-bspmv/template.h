/*
 * The f32 block-sparse matrix-vector kernel body (contract: src/sprig/bspmv.h), shared by the
 * SIMD files of kernels/f32-bspmv. Not compiled on its own: a kernel file defines the names
 * below and includes this header once per block width, each time defining BSPMV_ROWS (the name
 * of the row function this inclusion defines) and the width's macros; the header undefines
 * them all at its end.
 *
 *   INLINE                  static inline __attribute__((always_inline)), from the kernel file's
 *                           kernels/isa header
 *   C                       floats per block (4 or 8)
 *   STEP                    blocks one MADD_STEP takes (1, 2 or 4)
 *   ACC                     the accumulator type (one or two vectors)
 *   ACC_ZERO()              an all-zero accumulator
 *   MADD_STEP(acc, w, input, cols)
 *                           acc + the products of the STEP blocks whose C * STEP values start
 *                           at w and whose block columns are cols[0 .. STEP)
 *   MADD_ONE(acc, w, x)     acc + the C products of one block's values w and input x
 *   ACC_ADD(a, b)           a + b, lane-wise
 *   ACC_SUM(acc)            the sum of acc's lanes
 *
 * Per row: four accumulators take the blocks in turn, STEP blocks at a time (four independent
 * chains of FMAs), the last blocks go STEP at a time, then one by one, into the first; then the
 * accumulators and their lanes are summed, the bias added and the result clamped.
 */
#if !defined(C) || !defined(STEP) || !defined(INLINE) || !defined(BSPMV_ROWS)
#error "template.h is included by the f32-bspmv kernel files after they define C, STEP, ACC, ..."
#endif

#ifndef SPRIG_BSPMV_TEMPLATE_HELPERS
#define SPRIG_BSPMV_TEMPLATE_HELPERS
#include <stddef.h>
#include <stdint.h>

#include <isa/scalar.h>
#include <sprig/bspmv.h>

INLINE const float* block_input(const float* input, uint16_t col, size_t c) {
  return input + (size_t) col * c;
}

/* The exported kernel `fn` (signature: src/sprig/bspmv.h) running the row function `rows`. */
#define DEFINE_BSPMV_UKERNEL(fn, rows)                                                                     \
  void fn(size_t nc, const float* input, const float* bias, const float* values, const uint16_t* block_cols, \
          const uint32_t* nblocks, float* output, const struct sprig_f32_minmax_params* params) {          \
    rows(nc, input, bias, values, block_cols, nblocks, output, params);                                    \
  }
#endif

INLINE void BSPMV_ROWS(size_t nc, const float* input, const float* bias, const float* w,
                       const uint16_t* cols, const uint32_t* nblocks, float* output,
                       const struct sprig_f32_minmax_params* params) {
  const float lo = params->min;
  const float hi = params->max;
  for (size_t n = 0; n < nc; n++) {
    ACC acc0 = ACC_ZERO();
    ACC acc1 = ACC_ZERO();
    ACC acc2 = ACC_ZERO();
    ACC acc3 = ACC_ZERO();
    uint32_t left = nblocks[n];
    for (; left >= 4 * STEP; left -= 4 * STEP) {
      acc0 = MADD_STEP(acc0, w, input, cols);
      acc1 = MADD_STEP(acc1, w + STEP * C, input, cols + STEP);
      acc2 = MADD_STEP(acc2, w + 2 * STEP * C, input, cols + 2 * STEP);
      acc3 = MADD_STEP(acc3, w + 3 * STEP * C, input, cols + 3 * STEP);
      w += 4 * STEP * C;
      cols += 4 * STEP;
    }
    for (; left >= STEP; left -= STEP) {
      acc0 = MADD_STEP(acc0, w, input, cols);
      w += STEP * C;
      cols += STEP;
    }
    for (; left != 0; left--) {
      acc0 = MADD_ONE(acc0, w, block_input(input, *cols, C));
      w += C;
      cols++;
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
