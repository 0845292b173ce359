/*
 * x86 AVX-512F f32 block-sparse matrix-vector kernels.
 * 1x4 blocks, four per zmm: per four blocks one movups and three vinsertf32x4 of their inputs,
 * one vmovups of their 16 weights, one vfmadd231ps into one of four zmm accumulators (taken in
 * turn: four FMA chains), plus four movzwl block columns and their address arithmetic.
 * 1x8 blocks, two per zmm: one vmovups + one vinsertf64x4 of the inputs, one weight load, one
 * vfmadd231ps per two blocks.
 * Rows end with the horizontal sum of the accumulators. Limit: the weight stream (4 + 2 / C
 * bytes per weight) from memory for large layers; the inserts (one shuffle per block) when the
 * weights are in cache.
 */
#include <immintrin.h>

#include <isa/avx512f.h>
#include <sprig/bspmv.h>

/* The inputs of four 1x4 blocks in one zmm. */
INLINE __m512 load_four_blocks(const float* x0, const float* x1, const float* x2, const float* x3) {
  __m512 v = _mm512_castps128_ps512(_mm_loadu_ps(x0));
  v = _mm512_insertf32x4(v, _mm_loadu_ps(x1), 1);
  v = _mm512_insertf32x4(v, _mm_loadu_ps(x2), 2);
  return _mm512_insertf32x4(v, _mm_loadu_ps(x3), 3);
}

/* The inputs of two 1x8 blocks in one zmm (vinsertf64x4: AVX-512F has no 32x8 insert). */
INLINE __m512 load_two_blocks(const float* x0, const float* x1) {
  const __m512d low = _mm512_castpd256_pd512(_mm256_castps_pd(_mm256_loadu_ps(x0)));
  return _mm512_castpd_ps(_mm512_insertf64x4(low, _mm256_castps_pd(_mm256_loadu_ps(x1)), 1));
}

/* One 1x4 block into lanes 0-3 of a zmm accumulator. */
INLINE __m512 madd_one_1x4(__m512 acc, const float* w, const float* x) {
  const __m128 product = _mm_mul_ps(_mm_loadu_ps(w), _mm_loadu_ps(x));
  return _mm512_add_ps(acc, _mm512_insertf32x4(_mm512_setzero_ps(), product, 0));
}

/* One 1x8 block into lanes 0-7 of a zmm accumulator. */
INLINE __m512 madd_one_1x8(__m512 acc, const float* w, const float* x) {
  const __m256 product = _mm256_mul_ps(_mm256_loadu_ps(w), _mm256_loadu_ps(x));
  const __m512d wide = _mm512_insertf64x4(_mm512_setzero_pd(), _mm256_castps_pd(product), 0);
  return _mm512_add_ps(acc, _mm512_castpd_ps(wide));
}

/* 1 x 4 blocks, four per zmm. */
#define C 4
#define ACC __m512
#define ACC_ZERO() _mm512_setzero_ps()
#define ACC_ADD(a, b) _mm512_add_ps(a, b)
#define ACC_SUM(acc) _mm512_reduce_add_ps(acc)
#define STEP 4
#define MADD_STEP(acc, w, input, cols)                                                                \
  _mm512_fmadd_ps(_mm512_loadu_ps(w),                                                                 \
                  load_four_blocks(block_input(input, (cols)[0], C), block_input(input, (cols)[1], C), \
                                   block_input(input, (cols)[2], C), block_input(input, (cols)[3], C)), \
                  acc)
#define MADD_ONE(acc, w, x) madd_one_1x4(acc, w, x)
#define BSPMV_ROWS bspmv_rows_1x4
#include "template.h"

/* 1 x 8 blocks, two per zmm. */
#define C 8
#define ACC __m512
#define ACC_ZERO() _mm512_setzero_ps()
#define ACC_ADD(a, b) _mm512_add_ps(a, b)
#define ACC_SUM(acc) _mm512_reduce_add_ps(acc)
#define STEP 2
#define MADD_STEP(acc, w, input, cols)                                                                \
  _mm512_fmadd_ps(_mm512_loadu_ps(w),                                                                 \
                  load_two_blocks(block_input(input, (cols)[0], C), block_input(input, (cols)[1], C)), acc)
#define MADD_ONE(acc, w, x) madd_one_1x8(acc, w, x)
#define BSPMV_ROWS bspmv_rows_1x8
#include "template.h"

DEFINE_BSPMV_UKERNEL(sprig_f32_bspmv_minmax_ukernel_1x4__avx512f, bspmv_rows_1x4)
DEFINE_BSPMV_UKERNEL(sprig_f32_bspmv_minmax_ukernel_1x8__avx512f, bspmv_rows_1x8)
