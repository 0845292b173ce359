/*
 * x86 AVX2 + FMA3 + F16C f16 block-sparse matrix-vector kernels: the f32 family's AVX2 loops
 * (kernels/f32-bspmv/avx2.c) with the weights read as halves and widened by vcvtph2ps.
 * 1x4 blocks, two per ymm: per pair one vcvtph2ps load of their 8 weights, one movups + one
 * vinsertf128 of their inputs, one vfmadd231ps into one of four ymm accumulators, plus two
 * gap loads (movzbl) added into the running column.
 * 1x8 blocks, one per ymm: one vcvtph2ps load, one input load, one vfmadd231ps per block.
 * Limit: the weight stream (2 + 1 / C bytes per weight, half the f32 family's) from memory for
 * large layers; in cache, the loads and the per-row horizontal sum for short rows.
 */
#include <immintrin.h>

#include <isa/avx2.h>
#include <sprig/bspmv.h>

INLINE float hsum256(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps(s, s, 1)));
}

/* 8 halves as floats. */
INLINE __m256 widen8(const uint16_t* w) {
  return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*) w));
}

/* The inputs of two 1x4 blocks in one ymm. */
INLINE __m256 load_two_blocks(const float* x0, const float* x1) {
  return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(x0)), _mm_loadu_ps(x1), 1);
}

/* One 1x4 block into the low half of a ymm accumulator. */
INLINE __m256 madd_one_1x4(__m256 acc, const uint16_t* w, const float* x) {
  const __m128 weights = _mm_cvtph_ps(_mm_loadl_epi64((const __m128i*) w));
  const __m128 product = _mm_mul_ps(weights, _mm_loadu_ps(x));
  return _mm256_add_ps(acc, _mm256_insertf128_ps(_mm256_setzero_ps(), product, 0));
}

/* 1 x 4 blocks, two per ymm. */
#define C 4
#define GAP_SUMS 0
#define ACC __m256
#define ACC_ZERO() _mm256_setzero_ps()
#define ACC_ADD(a, b) _mm256_add_ps(a, b)
#define ACC_SUM(acc) hsum256(acc)
#define STEP 2
#define MADD_STEP(acc, w, x) _mm256_fmadd_ps(widen8(w), load_two_blocks((x)[0], (x)[1]), acc)
#define MADD_ONE(acc, w, x) madd_one_1x4(acc, w, x)
#define BSPMV_ROWS bspmv_rows_1x4
#include "template.h"

/* 1 x 8 blocks, one per ymm. */
#define C 8
#define GAP_SUMS 0
#define ACC __m256
#define ACC_ZERO() _mm256_setzero_ps()
#define ACC_ADD(a, b) _mm256_add_ps(a, b)
#define ACC_SUM(acc) hsum256(acc)
#define STEP 1
#define MADD_ONE(acc, w, x) _mm256_fmadd_ps(widen8(w), _mm256_loadu_ps(x), acc)
#define MADD_STEP(acc, w, x) MADD_ONE(acc, w, (x)[0])
#define BSPMV_ROWS bspmv_rows_1x8
#include "template.h"

DEFINE_F16_BSPMV_UKERNEL(sprig_f16_bspmv_minmax_ukernel_1x4__avx2, bspmv_rows_1x4)
DEFINE_F16_BSPMV_UKERNEL(sprig_f16_bspmv_minmax_ukernel_1x8__avx2, bspmv_rows_1x8)
