/*
 * x86 AVX-512 int8 requantization with AVX512BW's 512-bit packs (src/sprig/qs8-requant.h): 64
 * values per step. Listed under the avx512vnni ISA because that ISA guarantees AVX512BW; the
 * kernel uses no VNNI instruction (CPUs with AVX-512F alone take kernels/qs8-requant/avx512f.c).
 *
 * Per 16 values: convert, scale, clamp from above in f32 (vminps with highest, so that vcvtps2dq
 * never overflows upward; skipped for a row whose scale is below 1, where |sum x scale| < 2^31 -
 * 2^7), round to nearest even (vcvtps2dq, the default MXCSR mode). Values
 * far below the range round to INT32_MIN or to anything under -32768; the saturating packs and
 * adds keep them below -128, and the final clamp in int8 (vpmaxsb / vpminsb with the output
 * clamp) gives exactly clamp(rne(v) + zero_point, min, max) for every input. The packs work
 * within 128-bit lanes: one vpermd per 64 outputs restores the order. The last cols % 64 values
 * are masked loads and one masked store (masked-off lanes are neither read nor written); when
 * they are at most 16, one vector narrowed by vpmovsdb (saturating) and clamped in int8.
 */
#include <immintrin.h>

#include "entry-points.h"

#define INLINE static inline __attribute__((always_inline))

/* 16 values rounded to int32 (lanes outside `mask` read as 0); `bounded`: every scale < 1. */
INLINE __m512i rounded(__mmask16 mask, const int32_t* sums, const float* scales, bool per_column, bool bounded,
                       __m512 highest) {
  const __m512 scale = per_column ? _mm512_maskz_loadu_ps(mask, scales) : _mm512_set1_ps(*scales);
  const __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_maskz_loadu_epi32(mask, sums)), scale);
  return _mm512_cvtps_epi32(bounded ? v : _mm512_min_ps(v, highest));
}

INLINE __mmask16 lanes(size_t count) {
  return count >= 16 ? (__mmask16) 0xFFFF : (__mmask16) ((1u << count) - 1);
}

/* The `count` (1 .. 16) outputs from sums[0 .. count): clamped in f32 from both sides, so that
 * the int32 zero point addition and the narrowing are exact. */
INLINE void requant_16(size_t count, const int32_t* sums, const float* scales, bool per_column, int8_t* output,
                       __m512 lowest, __m512 highest, __m512i zero_point) {
  const __mmask16 mask = lanes(count);
  const __m512 scale = per_column ? _mm512_maskz_loadu_ps(mask, scales) : _mm512_set1_ps(*scales);
  __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_maskz_loadu_epi32(mask, sums)), scale);
  v = _mm512_min_ps(_mm512_max_ps(v, lowest), highest);
  _mm512_mask_cvtsepi32_storeu_epi8(output, mask, _mm512_add_epi32(_mm512_cvtps_epi32(v), zero_point));
}

/* The `count` (1 .. 64) outputs from sums[0 .. count). */
INLINE void requant_64(size_t count, const int32_t* sums, const float* scales, bool per_column, bool bounded,
                       int8_t* output, __m512 highest, __m512i zero_point, __m512i output_min, __m512i output_max) {
  const bool full = count == 64;
  __m512i r[4];
  for (size_t i = 0; i < 4; i++) {
    const size_t first = 16 * i;
    const __mmask16 mask = full ? (__mmask16) 0xFFFF : lanes(count > first ? count - first : 0);
    r[i] = rounded(mask, sums + first, per_column ? scales + first : scales, per_column, bounded, highest);
  }
  const __m512i lo = _mm512_adds_epi16(_mm512_packs_epi32(r[0], r[1]), zero_point);
  const __m512i hi = _mm512_adds_epi16(_mm512_packs_epi32(r[2], r[3]), zero_point);
  __m512i y = _mm512_packs_epi16(lo, hi);
  y = _mm512_min_epi8(_mm512_max_epi8(y, output_min), output_max);
  /* 32-bit group 4j + i of y holds r[i]'s values 4j .. 4j + 3. */
  y = _mm512_permutexvar_epi32(_mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15), y);
  if (full) {
    _mm512_storeu_si512((void*) output, y);
  } else {
    _mm512_mask_storeu_epi8(output, (__mmask64) ((UINT64_C(1) << count) - 1), y);
  }
}

INLINE void requant_row_as(bool bounded, size_t cols, const int32_t* sums, const float* scales, bool per_column,
                           int8_t* output, const struct sprig_qs8_requant_params* params) {
  const __m512 highest = _mm512_set1_ps(params->highest);
  const __m512i zero_point = _mm512_set1_epi16((int16_t) params->zero_point);
  const __m512i output_min = _mm512_set1_epi8((int8_t) ((int32_t) params->lowest + params->zero_point));
  const __m512i output_max = _mm512_set1_epi8((int8_t) ((int32_t) params->highest + params->zero_point));
  size_t c = 0;
  for (; c + 64 <= cols; c += 64) {
    requant_64(64, sums + c, per_column ? scales + c : scales, per_column, bounded, output + c, highest, zero_point,
               output_min, output_max);
  }
  if (c + 16 < cols) {
    requant_64(cols - c, sums + c, per_column ? scales + c : scales, per_column, bounded, output + c, highest,
               zero_point, output_min, output_max);
  } else if (c < cols) {
    requant_16(cols - c, sums + c, per_column ? scales + c : scales, per_column, output + c,
               _mm512_set1_ps(params->lowest), highest, _mm512_set1_epi32(params->zero_point));
  }
}

/* A row with one scale below 1 (the usual case: input scale x weight scale < output scale) skips
 * the upper clamp before conversion. */
INLINE void requant_row(size_t cols, const int32_t* sums, const float* scales, bool per_column, int8_t* output,
                        const struct sprig_qs8_requant_params* params) {
  if (!per_column && *scales < 1.0f) {
    requant_row_as(true, cols, sums, scales, per_column, output, params);
  } else {
    requant_row_as(false, cols, sums, scales, per_column, output, params);
  }
}

SPRIG_QS8_REQUANT_ENTRY_POINTS(avx512vnni)
