/*
 * x86 AVX-512F f16 block-sparse matrix-vector kernels: the f32 family's AVX-512 loops
 * (kernels/f32-bspmv/avx512f.c) with the weights read as halves and widened by vcvtph2ps.
 * 1x4 blocks, four per zmm: per four blocks one vcvtph2ps load of their 16 weights, one movups
 * and three vinsertf32x4 of their inputs, one vfmadd231ps into one of four zmm accumulators,
 * plus four gap loads added into the running column.
 * 1x8 blocks, two per zmm: one vcvtph2ps load, one vmovups + one vinsertf64x4 of the inputs,
 * one vfmadd231ps per two blocks.
 * Limit: the weight stream (2 + 1 / C bytes per weight) from memory for large layers; the
 * inserts (one shuffle per block) when the weights are in cache.
 */
#include <immintrin.h>

#include <isa/avx512f.h>
#include <sprig/bspmv.h>

/* 16 halves as floats. */
INLINE __m512 widen16(const uint16_t* w) {
  return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*) w));
}

/* The inputs of four 1x4 blocks in one zmm. */
INLINE __m512 load_four_blocks(const float* const* x) {
  __m512 v = _mm512_castps128_ps512(_mm_loadu_ps(x[0]));
  v = _mm512_insertf32x4(v, _mm_loadu_ps(x[1]), 1);
  v = _mm512_insertf32x4(v, _mm_loadu_ps(x[2]), 2);
  return _mm512_insertf32x4(v, _mm_loadu_ps(x[3]), 3);
}

/* The inputs of two 1x8 blocks in one zmm (vinsertf64x4: AVX-512F has no 32x8 insert). */
INLINE __m512 load_two_blocks(const float* const* x) {
  const __m512d low = _mm512_castpd256_pd512(_mm256_castps_pd(_mm256_loadu_ps(x[0])));
  return _mm512_castpd_ps(_mm512_insertf64x4(low, _mm256_castps_pd(_mm256_loadu_ps(x[1])), 1));
}

/* One 1x4 block into lanes 0-3 of a zmm accumulator (AVX-512F alone has no 128-bit vcvtph2ps:
 * the other 12 weight and input lanes are zeros). */
INLINE __m512 madd_one_1x4(__m512 acc, const uint16_t* w, const float* x) {
  const __m512 weights = _mm512_cvtph_ps(_mm256_zextsi128_si256(_mm_loadl_epi64((const __m128i*) w)));
  return _mm512_fmadd_ps(weights, _mm512_zextps128_ps512(_mm_loadu_ps(x)), acc);
}

/* One 1x8 block into lanes 0-7 of a zmm accumulator (lanes 8-15: zeros times zeros). */
INLINE __m512 madd_one_1x8(__m512 acc, const uint16_t* w, const float* x) {
  const __m512 weights = _mm512_cvtph_ps(_mm256_zextsi128_si256(_mm_loadu_si128((const __m128i*) w)));
  return _mm512_fmadd_ps(weights, _mm512_zextps256_ps512(_mm256_loadu_ps(x)), acc);
}

/* 1 x 4 blocks, four per zmm. */
#define C 4
#define GAP_SUMS 0
#define ACC __m512
#define ACC_ZERO() _mm512_setzero_ps()
#define ACC_ADD(a, b) _mm512_add_ps(a, b)
#define ACC_SUM(acc) _mm512_reduce_add_ps(acc)
#define STEP 4
#define MADD_STEP(acc, w, x) _mm512_fmadd_ps(widen16(w), load_four_blocks(x), acc)
#define MADD_ONE(acc, w, x) madd_one_1x4(acc, w, x)
#define BSPMV_ROWS bspmv_rows_1x4
#include "template.h"

/* 1 x 8 blocks, two per zmm. */
#define C 8
#define GAP_SUMS 0
#define ACC __m512
#define ACC_ZERO() _mm512_setzero_ps()
#define ACC_ADD(a, b) _mm512_add_ps(a, b)
#define ACC_SUM(acc) _mm512_reduce_add_ps(acc)
#define STEP 2
#define MADD_STEP(acc, w, x) _mm512_fmadd_ps(widen16(w), load_two_blocks(x), acc)
#define MADD_ONE(acc, w, x) madd_one_1x8(acc, w, x)
#define BSPMV_ROWS bspmv_rows_1x8
#include "template.h"

DEFINE_F16_BSPMV_UKERNEL(sprig_f16_bspmv_minmax_ukernel_1x4__avx512f, bspmv_rows_1x4)
DEFINE_F16_BSPMV_UKERNEL(sprig_f16_bspmv_minmax_ukernel_1x8__avx512f, bspmv_rows_1x8)
