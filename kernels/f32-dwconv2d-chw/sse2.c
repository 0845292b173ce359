/*
 * x86 SSE2 f32 direct depthwise convolution (src/sprig/dwconv2d-chw.h), over template.h: 4 pixels
 * per xmm register, MODE_LOADS with 2 output vectors per trip; no FMA, so a multiply-add is
 * mulps + addps (the product rounded before the add, within the tests' bound). A shift across
 * two vectors is two shufps, more than a load, so the middle of a row takes each tap vector as a
 * movups (stride 2: one shufps of two movups at 2x - 2, 2x or 2x + 2). The row's first vector
 * and its end are MODE_SHIFT over partial loads (movss / movq) zero-filled past the row, with
 * partial stores, so nothing outside [0, input_width) of a row is read.
 *
 * Inner loop per trip of 2 output vectors, GCC 12 -O3 (objdump), per output vector: 3x3 stride
 * 1: 10 movups, 9 mulps + 9 addps, 2.5 movaps, 2 clamps, 5 others: 37.5; stride 2: 13 movups,
 * 9 shufps, 9 mulps + 9 addps, 6 movaps (16 registers), 2 clamps, 5 others: 53 (MODE_SHIFT: 60).
 */
#include <emmintrin.h>

#include <isa/sse2.h>
#include <sprig/dwconv2d-chw.h>

INLINE __m128 vzero(void) {
  return _mm_setzero_ps();
}

INLINE __m128 vload_splat(const float* p) {
  return _mm_load1_ps(p);
}

INLINE __m128 vload(const float* p) {
  return _mm_loadu_ps(p);
}

INLINE __m128 vload_clip(const float* p, size_t n) {
  switch (n) {
    case 0:
      return _mm_setzero_ps();
    case 1:
      return load_low(p, width_single);
    case 2:
      return load_low(p, width_pair);
    case 3:
      return load_low(p, width_triple);
    default:
      return _mm_loadu_ps(p);
  }
}

INLINE void vstore(float* p, __m128 v) {
  _mm_storeu_ps(p, v);
}

INLINE void vstore_part(float* p, __m128 v, size_t n) {
  store_low(p, v, n == 1 ? width_single : n == 2 ? width_pair : width_triple);
}

/* Lanes k .. k + 3 of lo:hi. */
INLINE __m128 valign(__m128 lo, __m128 hi, size_t k) {
  switch (k) {
    case 1: {
      const __m128 t = _mm_shuffle_ps(lo, hi, _MM_SHUFFLE(0, 0, 3, 3)); /* lo3 lo3 hi0 hi0 */
      return _mm_shuffle_ps(lo, t, _MM_SHUFFLE(2, 0, 2, 1));            /* lo1 lo2 lo3 hi0 */
    }
    case 2:
      return _mm_shuffle_ps(lo, hi, _MM_SHUFFLE(1, 0, 3, 2));
    default: {
      const __m128 t = _mm_shuffle_ps(lo, hi, _MM_SHUFFLE(0, 0, 3, 3)); /* lo3 lo3 hi0 hi0 */
      return _mm_shuffle_ps(t, hi, _MM_SHUFFLE(2, 1, 2, 0));            /* lo3 hi0 hi1 hi2 */
    }
  }
}

INLINE void vunzip(__m128 a, __m128 b, __m128* even, __m128* odd) {
  *even = _mm_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
  *odd = _mm_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
}

INLINE void vload_pair(const float* p, __m128* even, __m128* odd) {
  vunzip(_mm_loadu_ps(p), _mm_loadu_ps(p + 4), even, odd);
}

INLINE void vload_pair_loads(const float* p, __m128* even, __m128* odd) {
  vload_pair(p, even, odd);
}

INLINE __m128 vunpermute(__m128 v) {
  return v;
}

INLINE __m128 vadd(__m128 a, __m128 b) {
  return _mm_add_ps(a, b);
}

INLINE __m128 vclamp(__m128 v, __m128 vmin, __m128 vmax) {
  /* The bound first: maxps / minps return the second operand when either is NaN. */
  return _mm_min_ps(vmax, _mm_max_ps(vmin, v));
}

struct taps {
  __m128 bias;
  __m128 w[25];
};

INLINE void taps_init(size_t k, const float* weights, struct taps* t) {
  t->bias = _mm_load1_ps(weights);
  for (size_t i = 0; i < k * k; i++) {
    t->w[i] = _mm_load1_ps(weights + 1 + i);
  }
}

INLINE __m128 taps_bias(const struct taps* t) {
  return t->bias;
}

INLINE __m128 vmadd_tap(__m128 acc, __m128 x, const struct taps* t, size_t i) {
  return _mm_add_ps(acc, _mm_mul_ps(x, t->w[i]));
}

#include "template.h"

void sprig_f32_dwconv2d_chw_minmax_ukernel_3x3s1__sse2(size_t input_height, size_t input_width, size_t output_height,
                                                       size_t output_width, const float* input, const float* weights,
                                                       const float* zero, float* output, uint32_t padding_top,
                                                       const struct sprig_f32_minmax_params* params) {
  dwconv2d_chw(3, 1, 2, MODE_LOADS, input_height, input_width, output_height, output_width, input, weights, zero,
               output, padding_top, params);
}

void sprig_f32_dwconv2d_chw_minmax_ukernel_3x3s2__sse2(size_t input_height, size_t input_width, size_t output_height,
                                                       size_t output_width, const float* input, const float* weights,
                                                       const float* zero, float* output, uint32_t padding_top,
                                                       const struct sprig_f32_minmax_params* params) {
  dwconv2d_chw(3, 2, 2, MODE_LOADS, input_height, input_width, output_height, output_width, input, weights, zero,
               output, padding_top, params);
}

void sprig_f32_dwconv2d_chw_minmax_ukernel_5x5s1__sse2(size_t input_height, size_t input_width, size_t output_height,
                                                       size_t output_width, const float* input, const float* weights,
                                                       const float* zero, float* output, uint32_t padding_top,
                                                       const struct sprig_f32_minmax_params* params) {
  dwconv2d_chw(5, 1, 2, MODE_LOADS, input_height, input_width, output_height, output_width, input, weights, zero,
               output, padding_top, params);
}

void sprig_f32_dwconv2d_chw_minmax_ukernel_5x5s2__sse2(size_t input_height, size_t input_width, size_t output_height,
                                                       size_t output_width, const float* input, const float* weights,
                                                       const float* zero, float* output, uint32_t padding_top,
                                                       const struct sprig_f32_minmax_params* params) {
  dwconv2d_chw(5, 2, 2, MODE_LOADS, input_height, input_width, output_height, output_width, input, weights, zero,
               output, padding_top, params);
}
