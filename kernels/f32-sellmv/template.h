/*
 * The f32 sliced-ELL matrix-vector kernel body (contract: src/sprig/sellmv.h), shared by the
 * files of kernels/f32-sellmv. Not compiled on its own: a kernel file defines the names below
 * and includes this header once, then names its exported function with DEFINE_SELLMV_UKERNEL.
 *
 *   INLINE                static inline __attribute__((always_inline))
 *   C                     rows per slice
 *   ACC                   the accumulator type (C lanes: one or several vectors)
 *   ACC_ZERO()            an all-zero accumulator
 *   MADD(acc, w, x, off)  acc + w[j] * x[off[j]] in lane j, j < C
 *   ACC_ADD(a, b)         a + b, lane-wise
 *   ACC_STORE(p, acc)     the C lanes to floats p[0 .. C)
 *
 * Per slice: four accumulators take the slots in turn (four independent multiply-add chains),
 * the last width % 4 go into the first; the four are added ((a0 + a1) + (a2 + a3)), then each row
 * gets its bias and the clamp.
 */
#if !defined(C) || !defined(INLINE) || !defined(ACC) || !defined(MADD)
#error "template.h is included by the f32-sellmv kernel files after they define C, ACC, MADD, ..."
#endif

#include <stddef.h>
#include <stdint.h>

#include <isa/scalar.h>
#include <sprig/sellmv.h>

INLINE void sellmv_slices(size_t nc, const float* input, const float* bias, const float* w, const uint16_t* off,
                          const uint32_t* widths, const uint32_t* col_base, float* output,
                          const struct sprig_f32_minmax_params* params) {
  const float lo = params->min;
  const float hi = params->max;
  for (size_t r = 0; r < nc; r += C) {
    const float* x = input + *col_base++;
    ACC acc0 = ACC_ZERO();
    ACC acc1 = ACC_ZERO();
    ACC acc2 = ACC_ZERO();
    ACC acc3 = ACC_ZERO();
    uint32_t left = *widths++;
    for (; left >= 4; left -= 4) {
      acc0 = MADD(acc0, w, x, off);
      acc1 = MADD(acc1, w + C, x, off + C);
      acc2 = MADD(acc2, w + 2 * C, x, off + 2 * C);
      acc3 = MADD(acc3, w + 3 * C, x, off + 3 * C);
      w += 4 * C;
      off += 4 * C;
    }
    for (; left != 0; left--) {
      acc0 = MADD(acc0, w, x, off);
      w += C;
      off += C;
    }
    float sums[C];
    ACC_STORE(sums, ACC_ADD(ACC_ADD(acc0, acc1), ACC_ADD(acc2, acc3)));
    const size_t rows = nc - r < C ? nc - r : C;
    for (size_t j = 0; j < rows; j++) {
      output[r + j] = sprig_clamp_f32(bias[r + j] + sums[j], lo, hi);
    }
  }
}

#define DEFINE_SELLMV_UKERNEL(fn)                                                                          \
  void fn(size_t nc, const float* input, const float* bias, const float* values, const uint16_t* offsets,  \
          const uint32_t* widths, const uint32_t* col_base, float* output,                                \
          const struct sprig_f32_minmax_params* params) {                                                 \
    sellmv_slices(nc, input, bias, values, offsets, widths, col_base, output, params);                    \
  }
