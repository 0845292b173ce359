/*
 * x86 AVX2 int8 requantization (src/sprig/qs8-requant.h): 32 values per step. Per 8 values:
 * convert, scale, clamp from above in f32 (vminps with highest, so that vcvtps2dq never
 * overflows upward; skipped for a row whose scale is below 1, where |sum x scale| <= 2^31 - 2^7)
 * and round to nearest even (vcvtps2dq, the default MXCSR mode). Values far
 * below the range round to INT32_MIN or to anything under -32768; the saturating packs and adds
 * keep them below -128, and the final clamp in int8 (vpmaxsb / vpminsb with the output clamp)
 * gives exactly clamp(rne(v) + zero_point, min, max) for every input. AVX2's packs work within
 * 128-bit lanes: one vpermd per 32 outputs puts the bytes back in order. The last cols % 32
 * values go through a 32-value buffer.
 */
#include <immintrin.h>

#include "entry-points.h"

#define INLINE static inline __attribute__((always_inline))

/* `bounded`: the scale is below 1. */
INLINE __m256i rounded(const int32_t* sums, __m256 scale, bool bounded, __m256 highest) {
  const __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_loadu_si256((const __m256i*) sums)), scale);
  return _mm256_cvtps_epi32(bounded ? v : _mm256_min_ps(v, highest));
}

INLINE __m256 scale_at(const float* scales, bool per_column, size_t c) {
  return per_column ? _mm256_loadu_ps(scales + c) : _mm256_broadcast_ss(scales);
}

/* 32 outputs from sums[0 .. 32) (scales from scales[c] when per_column). */
INLINE void requant_32(const int32_t* sums, const float* scales, bool per_column, size_t c, int8_t* output,
                       bool bounded, __m256 highest, __m256i zero_point, __m256i output_min, __m256i output_max) {
  const __m256i r0 = rounded(sums, scale_at(scales, per_column, c), bounded, highest);
  const __m256i r1 = rounded(sums + 8, scale_at(scales, per_column, c + 8), bounded, highest);
  const __m256i r2 = rounded(sums + 16, scale_at(scales, per_column, c + 16), bounded, highest);
  const __m256i r3 = rounded(sums + 24, scale_at(scales, per_column, c + 24), bounded, highest);
  /* Lane-wise packs: [r0 0-3, r1 0-3, r0 4-7, r1 4-7] and the same for r2, r3. */
  const __m256i lo = _mm256_adds_epi16(_mm256_packs_epi32(r0, r1), zero_point);
  const __m256i hi = _mm256_adds_epi16(_mm256_packs_epi32(r2, r3), zero_point);
  /* Bytes in 32-bit groups: r0 0-3, r1 0-3, r2 0-3, r3 0-3, r0 4-7, r1 4-7, r2 4-7, r3 4-7. */
  __m256i bytes = _mm256_packs_epi16(lo, hi);
  bytes = _mm256_min_epi8(_mm256_max_epi8(bytes, output_min), output_max);
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  _mm256_storeu_si256((__m256i*) output, _mm256_permutevar8x32_epi32(bytes, order));
}

INLINE void requant_row_as(bool bounded, size_t cols, const int32_t* sums, const float* scales, bool per_column,
                           int8_t* output, const struct sprig_qs8_requant_params* params) {
  const __m256 highest = _mm256_set1_ps(params->highest);
  const __m256i zero_point = _mm256_set1_epi16((int16_t) params->zero_point);
  const __m256i output_min = _mm256_set1_epi8((int8_t) ((int32_t) params->lowest + params->zero_point));
  const __m256i output_max = _mm256_set1_epi8((int8_t) ((int32_t) params->highest + params->zero_point));
  SPRIG_QS8_REQUANT_STEPS(32, requant_32, cols, sums, scales, per_column, output, bounded, highest, zero_point,
                          output_min, output_max);
}

SPRIG_QS8_REQUANT_ROW_FROM_BOUNDED

SPRIG_QS8_REQUANT_ENTRY_POINTS(avx2)
