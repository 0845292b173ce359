/*
 * The AVX-512 (BW) steps of int8 requantization (src/sprig/qs8-requant.h) on values in registers,
 * shared by the requantization kernel (kernels/qs8-requant/avx512vnni.c) and the quartet SpMM
 * kernel that requantizes its own sums (kernels/qs8-spmm/avx512vnni.c), so that both give the
 * same bits:
 *   qs8_rne_scaled: 16 sums times their scales, rounded to nearest even (vcvtps2dq in the default
 *     MXCSR mode), clamped first from above in f32 to `highest` unless `bounded` (every scale
 *     below 1: |sum x scale| <= 2^31 - 2^7, so the conversion cannot overflow upward). Values far
 *     below the range round to INT32_MIN or anything under -32768.
 *   qs8_narrow_64: 4 such vectors (values 16i .. 16i + 15 in vector i) plus the zero point to 64
 *     int8 in order: int16 saturating packs and adds keep everything beyond the range beyond it,
 *     the int8 clamp gives exactly clamp(rne(v) + zero_point, min, max), and one vpermd undoes
 *     the packs' 128-bit lane interleave.
 */
#ifndef SPRIG_KERNELS_QS8_REQUANT_AVX512BW_NARROW_H
#define SPRIG_KERNELS_QS8_REQUANT_AVX512BW_NARROW_H

#include <immintrin.h>
#include <stdbool.h>

#include <sprig/qs8-requant.h>

#define QS8_NARROW_INLINE static inline __attribute__((always_inline))

QS8_NARROW_INLINE __m512i qs8_rne_scaled(__m512i sums, __m512 scale, bool bounded, __m512 highest) {
  const __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(sums), scale);
  return _mm512_cvtps_epi32(bounded ? v : _mm512_min_ps(v, highest));
}

/* The params as qs8_narrow_64 takes them. */
struct qs8_narrow_params {
  __m512 highest;
  __m512i zero_point; /* int16 lanes */
  __m512i output_min, output_max; /* int8 lanes */
};

QS8_NARROW_INLINE struct qs8_narrow_params qs8_narrow_params(const struct sprig_qs8_requant_params* params) {
  return (struct qs8_narrow_params){
      _mm512_set1_ps(params->highest), _mm512_set1_epi16((int16_t) params->zero_point),
      _mm512_set1_epi8((int8_t) ((int32_t) params->lowest + params->zero_point)),
      _mm512_set1_epi8((int8_t) ((int32_t) params->highest + params->zero_point))};
}

QS8_NARROW_INLINE __m512i qs8_narrow_64(const __m512i r[4], const struct qs8_narrow_params* p) {
  const __m512i lo = _mm512_adds_epi16(_mm512_packs_epi32(r[0], r[1]), p->zero_point);
  const __m512i hi = _mm512_adds_epi16(_mm512_packs_epi32(r[2], r[3]), p->zero_point);
  const __m512i y = _mm512_min_epi8(_mm512_max_epi8(_mm512_packs_epi16(lo, hi), p->output_min), p->output_max);
  /* 32-bit group 4j + i of y holds r[i]'s values 4j .. 4j + 3. */
  return _mm512_permutexvar_epi32(_mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15), y);
}

#endif /* SPRIG_KERNELS_QS8_REQUANT_AVX512BW_NARROW_H */
