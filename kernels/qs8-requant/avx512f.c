/*
 * x86 AVX-512F int8 requantization (src/sprig/qs8-requant.h): 16 values per zmm, narrowed to
 * int8 by vpmovsdb straight into memory. vcvtps2dq rounds to nearest even (the default MXCSR
 * mode); the rounded values plus the zero point lie in [-128, 127], so the saturating narrow is
 * exact. The last cols % 16 values are one masked load and store (masked-off lanes are neither
 * read nor written).
 */
#include <immintrin.h>

#include "avx512f-step.h"
#include "entry-points.h"

#define INLINE static inline __attribute__((always_inline))

INLINE void requant_row(size_t cols, const int32_t* sums, const float* scales, bool per_column, int8_t* output,
                        const struct sprig_qs8_requant_params* params) {
  const __m512 lowest = _mm512_set1_ps(params->lowest), highest = _mm512_set1_ps(params->highest);
  const __m512i zero_point = _mm512_set1_epi32(params->zero_point);
  size_t c = 0;
  for (; c + 16 <= cols; c += 16) {
    qs8_requant_16(0xFFFF, sums + c, per_column ? scales + c : scales, per_column, output + c, lowest, highest,
                   zero_point);
  }
  if (c < cols) {
    const __mmask16 mask = (__mmask16) ((1u << (cols - c)) - 1);
    qs8_requant_16(mask, sums + c, per_column ? scales + c : scales, per_column, output + c, lowest, highest,
                   zero_point);
  }
}

SPRIG_QS8_REQUANT_ENTRY_POINTS(avx512f)
