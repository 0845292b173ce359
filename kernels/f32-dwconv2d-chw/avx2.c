/*
 * x86 AVX2 + FMA3 f32 direct depthwise convolution (src/sprig/dwconv2d-chw.h), over template.h:
 * 8 pixels per ymm register. A shift across the two 128-bit halves costs two shuffles here
 * (vperm2f128 + vpalignr), more than a load, so the middle of a row is MODE_LOADS: stride 1 takes
 * each tap vector as an unaligned load folded into its FMA; stride 2 unzips pairs of loads with
 * one vshufps per tap vector, leaving the lanes in the order 0 1 4 5 2 3 6 7 of the output, which
 * one vpermpd per output vector restores before the store. The row's first vector and its end
 * are MODE_SHIFT over vmaskmovps loads (masked-off lanes are neither read nor fault) and one
 * masked store. 2 output vectors per trip.
 *
 * Inner loop per trip, GCC 12 -O3 (objdump), per output vector: 3x3 stride 1: 9 vfmadd with the
 * load folded in, 1 vmovaps, 2 clamps, 1 store, 5 loop: 18. 3x3 stride 2: 9 vfmadd, 9 vshufps (a
 * load folded into some), 6.5 vmovups, 1 vpermpd, 3 vmovaps, 2 clamps, 1 store, 5 others: 36.5.
 * 5x5 stride 1: 25 vfmadd, 8.5 vmovaps (taps reloaded: 25 do not fit in 16 registers), 9.5
 * others: 43. 5x5 stride 2: 25 vfmadd, 25 vshufps, 22.5 loads, 16 others: 88.5.
 */
#include <immintrin.h>

#include <isa/avx2.h>
#include <sprig/dwconv2d-chw.h>

INLINE __m256 vzero(void) {
  return _mm256_setzero_ps();
}

INLINE __m256 vload_splat(const float* p) {
  return _mm256_broadcast_ss(p);
}

INLINE __m256 vload(const float* p) {
  return _mm256_loadu_ps(p);
}

INLINE __m256 vload_clip(const float* p, size_t n) {
  return _mm256_maskload_ps(p, TAIL_MASK(n));
}

INLINE void vstore(float* p, __m256 v) {
  _mm256_storeu_ps(p, v);
}

INLINE void vstore_part(float* p, __m256 v, size_t n) {
  _mm256_maskstore_ps(p, TAIL_MASK(n), v);
}

/* Lanes k .. k + 7 of lo:hi: the middle 8 lanes (4 .. 11) by vperm2f128, then vpalignr within
 * the 128-bit halves of (middle, lo) or (hi, middle). One case per shift the kernels use. */
INLINE __m256 valign(__m256 lo, __m256 hi, size_t k) {
  const __m256i l = _mm256_castps_si256(lo), h = _mm256_castps_si256(hi);
  const __m256i m = _mm256_permute2x128_si256(l, h, 0x21);
  switch (k) {
    case 1:
      return _mm256_castsi256_ps(_mm256_alignr_epi8(m, l, 4));
    case 2:
      return _mm256_castsi256_ps(_mm256_alignr_epi8(m, l, 8));
    case 6:
      return _mm256_castsi256_ps(_mm256_alignr_epi8(h, m, 8));
    default:
      return _mm256_castsi256_ps(_mm256_alignr_epi8(h, m, 12));
  }
}

/* The even / odd lanes of a:b in the permuted order 0 1 4 5 2 3 6 7 (one vshufps each). */
INLINE void vunzip_loads(__m256 a, __m256 b, __m256* even, __m256* odd) {
  *even = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
  *odd = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
}

INLINE __m256 vunpermute(__m256 v) {
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v), _MM_SHUFFLE(3, 1, 2, 0)));
}

INLINE void vunzip(__m256 a, __m256 b, __m256* even, __m256* odd) {
  vunzip_loads(a, b, even, odd);
  *even = vunpermute(*even);
  *odd = vunpermute(*odd);
}

INLINE void vload_pair(const float* p, __m256* even, __m256* odd) {
  vunzip(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8), even, odd);
}

INLINE void vload_pair_loads(const float* p, __m256* even, __m256* odd) {
  vunzip_loads(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8), even, odd);
}

INLINE __m256 vadd(__m256 a, __m256 b) {
  return _mm256_add_ps(a, b);
}

INLINE __m256 vclamp(__m256 v, __m256 vmin, __m256 vmax) {
  /* The bound first: vmaxps / vminps return the second operand when either is NaN. */
  return _mm256_min_ps(vmax, _mm256_max_ps(vmin, v));
}

struct taps {
  __m256 bias;
  __m256 w[25];
};

INLINE void taps_init(size_t k, const float* weights, struct taps* t) {
  t->bias = _mm256_broadcast_ss(weights);
  for (size_t i = 0; i < k * k; i++) {
    t->w[i] = _mm256_broadcast_ss(weights + 1 + i);
  }
}

INLINE __m256 taps_bias(const struct taps* t) {
  return t->bias;
}

INLINE __m256 vmadd_tap(__m256 acc, __m256 x, const struct taps* t, size_t i) {
  return _mm256_fmadd_ps(x, t->w[i], acc);
}

#include "template.h"

void sprig_f32_dwconv2d_chw_minmax_ukernel_3x3s1__avx2(size_t input_height, size_t input_width, size_t output_height,
                                                       size_t output_width, const float* input, const float* weights,
                                                       const float* zero, float* output, uint32_t padding_top,
                                                       const struct sprig_f32_minmax_params* params) {
  dwconv2d_chw(3, 1, 2, MODE_LOADS, input_height, input_width, output_height, output_width, input, weights, zero,
               output, padding_top, params);
}

void sprig_f32_dwconv2d_chw_minmax_ukernel_3x3s2__avx2(size_t input_height, size_t input_width, size_t output_height,
                                                       size_t output_width, const float* input, const float* weights,
                                                       const float* zero, float* output, uint32_t padding_top,
                                                       const struct sprig_f32_minmax_params* params) {
  dwconv2d_chw(3, 2, 2, MODE_LOADS, input_height, input_width, output_height, output_width, input, weights, zero,
               output, padding_top, params);
}

void sprig_f32_dwconv2d_chw_minmax_ukernel_5x5s1__avx2(size_t input_height, size_t input_width, size_t output_height,
                                                       size_t output_width, const float* input, const float* weights,
                                                       const float* zero, float* output, uint32_t padding_top,
                                                       const struct sprig_f32_minmax_params* params) {
  dwconv2d_chw(5, 1, 2, MODE_LOADS, input_height, input_width, output_height, output_width, input, weights, zero,
               output, padding_top, params);
}

void sprig_f32_dwconv2d_chw_minmax_ukernel_5x5s2__avx2(size_t input_height, size_t input_width, size_t output_height,
                                                       size_t output_width, const float* input, const float* weights,
                                                       const float* zero, float* output, uint32_t padding_top,
                                                       const struct sprig_f32_minmax_params* params) {
  dwconv2d_chw(5, 2, 2, MODE_LOADS, input_height, input_width, output_height, output_width, input, weights, zero,
               output, padding_top, params);
}
