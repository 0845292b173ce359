/*
 * The AVX-512F step of int8 requantization (src/sprig/qs8-requant.h) on 16 values, shared by the
 * AVX-512F kernel (every step) and the AVX-512 BW one (a tail of at most 16): convert, scale,
 * clamp in f32 from both sides, round to nearest even (vcvtps2dq, the default MXCSR mode), add
 * the zero point; the results lie in [-128, 127], so vpmovsdb's saturating narrow straight into
 * memory is exact. Lanes outside `mask` are neither read nor written.
 */
#ifndef SPRIG_KERNELS_QS8_REQUANT_AVX512F_STEP_H
#define SPRIG_KERNELS_QS8_REQUANT_AVX512F_STEP_H

#include <immintrin.h>
#include <stdbool.h>
#include <stdint.h>

static inline __attribute__((always_inline)) void qs8_requant_16(__mmask16 mask, const int32_t* sums,
                                                                 const float* scales, bool per_column,
                                                                 int8_t* output, __m512 lowest, __m512 highest,
                                                                 __m512i zero_point) {
  const __m512 scale = per_column ? _mm512_maskz_loadu_ps(mask, scales) : _mm512_set1_ps(*scales);
  __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_maskz_loadu_epi32(mask, sums)), scale);
  v = _mm512_min_ps(_mm512_max_ps(v, lowest), highest);
  const __m512i y = _mm512_add_epi32(_mm512_cvtps_epi32(v), zero_point);
  _mm512_mask_cvtsepi32_storeu_epi8(output, mask, y);
}

#endif /* SPRIG_KERNELS_QS8_REQUANT_AVX512F_STEP_H */
