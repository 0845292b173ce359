/*
 * x86 AVX2 int8 direct depthwise convolution (src/sprig/qs8-dwconv2d-chw.h), over pairs.h: 8
 * outputs per ymm register, each vpmaddwd two taps of them; a trip of 16 outputs is 2
 * accumulators. Requantization as kernels/qs8-requant/avx2.c's steps: vcvtps2dq rounds to nearest
 * even, the in-lane pack is put back in order by one vpermq before the narrowing to int8.
 */
#include <immintrin.h>

#include <sprig/qs8-dwconv2d-chw.h>

#define INLINE static inline __attribute__((always_inline))
#define IVEC __m256i
#define LANES 8

INLINE __m256i iv_load(const int32_t* p) {
  return _mm256_loadu_si256((const __m256i*) p);
}

INLINE __m256i iv_splat(int32_t v) {
  return _mm256_set1_epi32(v);
}

INLINE void iv_store(int32_t* p, __m256i v) {
  _mm256_storeu_si256((__m256i*) p, v);
}

INLINE __m256i iv_madd(__m256i x, __m256i w) {
  return _mm256_madd_epi16(x, w);
}

INLINE void store4(int32_t* p, int32_t v) {
  _mm_storeu_si128((__m128i*) p, _mm_set1_epi32(v));
}

/* The sum kept in the order written (the empty asm): GCC otherwise reassociates a trip's chains
 * of adds into one tree over all its products and spills them. */
INLINE __m256i iv_add(__m256i a, __m256i b) {
  __m256i sum = _mm256_add_epi32(a, b);
  __asm__("" : "+x"(sum));
  return sum;
}

struct requant {
  __m256 scale, lowest, highest;
  __m256i zero_point; /* int16 lanes */
};

INLINE void requant_init(float scale, const struct sprig_qs8_requant_params* params, struct requant* k) {
  k->scale = _mm256_set1_ps(scale);
  k->lowest = _mm256_set1_ps(params->lowest);
  k->highest = _mm256_set1_ps(params->highest);
  k->zero_point = _mm256_set1_epi16((int16_t) params->zero_point);
}

INLINE __m256i rounded(__m256i acc, const struct requant* k) {
  const __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), k->scale);
  return _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(v, k->lowest), k->highest));
}

INLINE void requant16(const __m256i* acc, const struct requant* k, int8_t* out) {
  /* packs: acc0[0..3] acc1[0..3] | acc0[4..7] acc1[4..7]; vpermq 0xD8: acc0[0..7] | acc1[0..7]. */
  const __m256i packed = _mm256_packs_epi32(rounded(acc[0], k), rounded(acc[1], k));
  const __m256i ordered = _mm256_add_epi16(_mm256_permute4x64_epi64(packed, 0xD8), k->zero_point);
  const __m128i y = _mm_packs_epi16(_mm256_castsi256_si128(ordered), _mm256_extracti128_si256(ordered, 1));
  _mm_storeu_si128((__m128i*) out, y);
}

#include "x86-widen.h"
#include "pairs.h"

DEFINE_KERNEL(3, 1, avx2)
DEFINE_KERNEL(3, 2, avx2)
DEFINE_KERNEL(5, 1, avx2)
DEFINE_KERNEL(5, 2, avx2)
