/*
 * x86 SSE2 int8 requantization (src/sprig/qs8-requant.h): 16 values per step. cvtps2dq rounds
 * to nearest even (the default MXCSR mode, which sprig never changes); the rounded values lie in
 * [lowest, highest], so they pack to int16 exactly, take the zero point there and pack to int8
 * without saturating. The last cols % 16 values go through a 16-value buffer.
 */
#include <emmintrin.h>

#include "entry-points.h"

#define INLINE static inline __attribute__((always_inline))

INLINE __m128i rounded(const int32_t* sums, __m128 scale, __m128 lowest, __m128 highest) {
  __m128 v = _mm_mul_ps(_mm_cvtepi32_ps(_mm_loadu_si128((const __m128i*) sums)), scale);
  v = _mm_min_ps(_mm_max_ps(v, lowest), highest);
  return _mm_cvtps_epi32(v);
}

INLINE __m128 scale_at(const float* scales, bool per_column, size_t c) {
  return per_column ? _mm_loadu_ps(scales + c) : _mm_load1_ps(scales);
}

/* 16 outputs from sums[0 .. 16) (scales from scales[c] when per_column). */
INLINE void requant_16(const int32_t* sums, const float* scales, bool per_column, size_t c, int8_t* output,
                       __m128 lowest, __m128 highest, __m128i zero_point) {
  const __m128i r0 = rounded(sums, scale_at(scales, per_column, c), lowest, highest);
  const __m128i r1 = rounded(sums + 4, scale_at(scales, per_column, c + 4), lowest, highest);
  const __m128i r2 = rounded(sums + 8, scale_at(scales, per_column, c + 8), lowest, highest);
  const __m128i r3 = rounded(sums + 12, scale_at(scales, per_column, c + 12), lowest, highest);
  const __m128i lo = _mm_add_epi16(_mm_packs_epi32(r0, r1), zero_point);
  const __m128i hi = _mm_add_epi16(_mm_packs_epi32(r2, r3), zero_point);
  _mm_storeu_si128((__m128i*) output, _mm_packs_epi16(lo, hi));
}

INLINE void requant_row(size_t cols, const int32_t* sums, const float* scales, bool per_column, int8_t* output,
                        const struct sprig_qs8_requant_params* params) {
  const __m128 lowest = _mm_set1_ps(params->lowest), highest = _mm_set1_ps(params->highest);
  const __m128i zero_point = _mm_set1_epi16((int16_t) params->zero_point);
  SPRIG_QS8_REQUANT_STEPS(16, requant_16, cols, sums, scales, per_column, output, lowest, highest, zero_point);
}

SPRIG_QS8_REQUANT_ENTRY_POINTS(sse2)
