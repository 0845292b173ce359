/*
 * x86 AVX-512 int8 requantization with AVX512BW's 512-bit packs (src/sprig/qs8-requant.h): 64
 * values per step. Listed under the avx512vnni ISA because that ISA guarantees AVX512BW; the
 * kernel uses no VNNI instruction (CPUs with AVX-512F alone take kernels/qs8-requant/avx512f.c).
 *
 * The steps on registers (kernels/qs8-requant/avx512bw-narrow.h): per 16 values convert, scale,
 * clamp from above (skipped for a row whose scale is below 1), round to nearest even; per 64
 * values saturating packs with the zero point, the int8 clamp and one vpermd. The last cols % 64
 * values are masked loads and one masked store (masked-off lanes are neither read nor written);
 * when they are at most 16, the AVX-512F kernel's step (avx512f-step.h: one vector clamped in f32
 * from both sides and narrowed by vpmovsdb).
 */
#include <immintrin.h>

#include "avx512bw-narrow.h"
#include "avx512f-step.h"
#include "entry-points.h"

#define INLINE static inline __attribute__((always_inline))

INLINE __mmask16 lanes(size_t count) {
  return count >= 16 ? (__mmask16) 0xFFFF : (__mmask16) ((1u << count) - 1);
}

INLINE __m512 scales_of(__mmask16 mask, const float* scales, bool per_column) {
  return per_column ? _mm512_maskz_loadu_ps(mask, scales) : _mm512_set1_ps(*scales);
}

/* The `count` (1 .. 64) outputs from sums[0 .. count); `bounded`: every scale < 1. */
INLINE void requant_64(size_t count, const int32_t* sums, const float* scales, bool per_column, bool bounded,
                       int8_t* output, const struct qs8_narrow_params* p) {
  const bool full = count == 64;
  __m512i r[4];
  for (size_t i = 0; i < 4; i++) {
    const size_t first = 16 * i;
    const __mmask16 mask = full ? (__mmask16) 0xFFFF : lanes(count > first ? count - first : 0);
    r[i] = qs8_rne_scaled(_mm512_maskz_loadu_epi32(mask, sums + first),
                          scales_of(mask, per_column ? scales + first : scales, per_column), bounded, p->highest);
  }
  const __m512i y = qs8_narrow_64(r, p);
  if (full) {
    _mm512_storeu_si512((void*) output, y);
  } else {
    _mm512_mask_storeu_epi8(output, (__mmask64) ((UINT64_C(1) << count) - 1), y);
  }
}

INLINE void requant_row_as(bool bounded, size_t cols, const int32_t* sums, const float* scales, bool per_column,
                           int8_t* output, const struct sprig_qs8_requant_params* params) {
  const struct qs8_narrow_params p = qs8_narrow_params(params);
  size_t c = 0;
  for (; c + 64 <= cols; c += 64) {
    requant_64(64, sums + c, per_column ? scales + c : scales, per_column, bounded, output + c, &p);
  }
  if (c + 16 < cols) {
    requant_64(cols - c, sums + c, per_column ? scales + c : scales, per_column, bounded, output + c, &p);
  } else if (c < cols) {
    qs8_requant_16(lanes(cols - c), sums + c, per_column ? scales + c : scales, per_column, output + c,
                   _mm512_set1_ps(params->lowest), p.highest, _mm512_set1_epi32(params->zero_point));
  }
}

SPRIG_QS8_REQUANT_ROW_FROM_BOUNDED

SPRIG_QS8_REQUANT_ENTRY_POINTS(avx512vnni)
