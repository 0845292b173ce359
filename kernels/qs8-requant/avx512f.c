/*
 * x86 AVX-512F int8 requantization (src/sprig/qs8-requant.h): 16 values per zmm, narrowed to
 * int8 by vpmovsdb straight into memory. vcvtps2dq rounds to nearest even (the default MXCSR
 * mode); the rounded values plus the zero point lie in [-128, 127], so the saturating narrow is
 * exact. The last cols % 16 values are one masked load and store (masked-off lanes are neither
 * read nor written).
 */
#include <immintrin.h>

#include "entry-points.h"

#define INLINE static inline __attribute__((always_inline))

INLINE void requant_16(__mmask16 mask, const int32_t* sums, const float* scales, bool per_column, int8_t* output,
                       __m512 lowest, __m512 highest, __m512i zero_point) {
  const __m512 scale = per_column ? _mm512_maskz_loadu_ps(mask, scales) : _mm512_set1_ps(*scales);
  __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_maskz_loadu_epi32(mask, sums)), scale);
  v = _mm512_min_ps(_mm512_max_ps(v, lowest), highest);
  const __m512i y = _mm512_add_epi32(_mm512_cvtps_epi32(v), zero_point);
  _mm512_mask_cvtsepi32_storeu_epi8(output, mask, y);
}

INLINE void requant_row(size_t cols, const int32_t* sums, const float* scales, bool per_column, int8_t* output,
                        const struct sprig_qs8_requant_params* params) {
  const __m512 lowest = _mm512_set1_ps(params->lowest), highest = _mm512_set1_ps(params->highest);
  const __m512i zero_point = _mm512_set1_epi32(params->zero_point);
  size_t c = 0;
  for (; c + 16 <= cols; c += 16) {
    requant_16(0xFFFF, sums + c, per_column ? scales + c : scales, per_column, output + c, lowest, highest,
               zero_point);
  }
  if (c < cols) {
    const __mmask16 mask = (__mmask16) ((1u << (cols - c)) - 1);
    requant_16(mask, sums + c, per_column ? scales + c : scales, per_column, output + c, lowest, highest,
               zero_point);
  }
}

SPRIG_QS8_REQUANT_ENTRY_POINTS(avx512f)
