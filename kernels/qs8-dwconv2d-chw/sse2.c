/*
 * x86 SSE2 int8 direct depthwise convolution (src/sprig/qs8-dwconv2d-chw.h), over pairs.h: 4
 * outputs per xmm register, each pmaddwd two taps of them; a trip of 16 outputs is 4
 * accumulators. Requantization as kernels/qs8-requant/sse2.c: cvtps2dq rounds to nearest even
 * (the default MXCSR mode), the clamped values pack to int16 and int8 exactly.
 */
#include <emmintrin.h>

#include <sprig/qs8-dwconv2d-chw.h>

#define INLINE static inline __attribute__((always_inline))
#define IVEC __m128i
#define LANES 4

INLINE __m128i iv_load(const int32_t* p) {
  return _mm_loadu_si128((const __m128i*) p);
}

INLINE __m128i iv_splat(int32_t v) {
  return _mm_set1_epi32(v);
}

INLINE void iv_store(int32_t* p, __m128i v) {
  _mm_storeu_si128((__m128i*) p, v);
}

INLINE __m128i iv_madd(__m128i x, __m128i w) {
  return _mm_madd_epi16(x, w);
}

INLINE void store4(int32_t* p, int32_t v) {
  _mm_storeu_si128((__m128i*) p, _mm_set1_epi32(v));
}

/* The sum kept in the order written (the empty asm): GCC otherwise reassociates a trip's chains
 * of adds into one tree over all its products and spills them. */
INLINE __m128i iv_add(__m128i a, __m128i b) {
  __m128i sum = _mm_add_epi32(a, b);
  __asm__("" : "+x"(sum));
  return sum;
}

struct requant {
  __m128 scale, lowest, highest;
  __m128i zero_point; /* int16 lanes */
};

INLINE void requant_init(float scale, const struct sprig_qs8_requant_params* params, struct requant* k) {
  k->scale = _mm_set1_ps(scale);
  k->lowest = _mm_set1_ps(params->lowest);
  k->highest = _mm_set1_ps(params->highest);
  k->zero_point = _mm_set1_epi16((int16_t) params->zero_point);
}

INLINE __m128i rounded(__m128i acc, const struct requant* k) {
  const __m128 v = _mm_mul_ps(_mm_cvtepi32_ps(acc), k->scale);
  return _mm_cvtps_epi32(_mm_min_ps(_mm_max_ps(v, k->lowest), k->highest));
}

INLINE void requant16(const __m128i* acc, const struct requant* k, int8_t* out) {
  const __m128i lo = _mm_add_epi16(_mm_packs_epi32(rounded(acc[0], k), rounded(acc[1], k)), k->zero_point);
  const __m128i hi = _mm_add_epi16(_mm_packs_epi32(rounded(acc[2], k), rounded(acc[3], k)), k->zero_point);
  _mm_storeu_si128((__m128i*) out, _mm_packs_epi16(lo, hi));
}

#include "x86-widen.h"
#include "pairs.h"

DEFINE_KERNEL(3, 1, sse2)
DEFINE_KERNEL(3, 2, sse2)
DEFINE_KERNEL(5, 1, sse2)
DEFINE_KERNEL(5, 2, sse2)
