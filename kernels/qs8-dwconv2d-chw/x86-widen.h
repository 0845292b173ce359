/*
 * The widening steps of kernels/qs8-dwconv2d-chw/pairs.h for x86 (SSE2 instructions; AVX2's
 * kernels use them as they are: the widening is a fraction of the multiplies). int8 to int16 by
 * unpacking a byte with itself and shifting right arithmetically (even bytes: shifted left
 * first), then the zero point subtracted and the two rows interleaved into pairs.
 */
#ifndef SPRIG_QS8_DWCONV2D_CHW_X86_WIDEN_H
#define SPRIG_QS8_DWCONV2D_CHW_X86_WIDEN_H

#include <emmintrin.h>
#include <stdint.h>

/* Stores the 8 pairs (a[j], b[j]) of two int16 vectors at out. */
INLINE void store_pairs(__m128i a, __m128i b, int32_t* out) {
  _mm_storeu_si128((__m128i*) out, _mm_unpacklo_epi16(a, b));
  _mm_storeu_si128((__m128i*) (out + 4), _mm_unpackhi_epi16(a, b));
}

INLINE void widen16(const int8_t* a, const int8_t* b, int8_t zero_point, int32_t* out) {
  const __m128i zp = _mm_set1_epi16(zero_point);
  const __m128i va = _mm_loadu_si128((const __m128i*) a), vb = _mm_loadu_si128((const __m128i*) b);
  const __m128i a_lo = _mm_sub_epi16(_mm_srai_epi16(_mm_unpacklo_epi8(va, va), 8), zp);
  const __m128i a_hi = _mm_sub_epi16(_mm_srai_epi16(_mm_unpackhi_epi8(va, va), 8), zp);
  const __m128i b_lo = _mm_sub_epi16(_mm_srai_epi16(_mm_unpacklo_epi8(vb, vb), 8), zp);
  const __m128i b_hi = _mm_sub_epi16(_mm_srai_epi16(_mm_unpackhi_epi8(vb, vb), 8), zp);
  store_pairs(a_lo, b_lo, out);
  store_pairs(a_hi, b_hi, out + 8);
}

INLINE void widen32_split(const int8_t* a, const int8_t* b, int8_t zero_point, int32_t* even, int32_t* odd) {
  const __m128i zp = _mm_set1_epi16(zero_point);
  for (size_t h = 0; h < 2; h++) {
    const __m128i va = _mm_loadu_si128((const __m128i*) (a + 16 * h));
    const __m128i vb = _mm_loadu_si128((const __m128i*) (b + 16 * h));
    const __m128i a_even = _mm_sub_epi16(_mm_srai_epi16(_mm_slli_epi16(va, 8), 8), zp);
    const __m128i b_even = _mm_sub_epi16(_mm_srai_epi16(_mm_slli_epi16(vb, 8), 8), zp);
    const __m128i a_odd = _mm_sub_epi16(_mm_srai_epi16(va, 8), zp);
    const __m128i b_odd = _mm_sub_epi16(_mm_srai_epi16(vb, 8), zp);
    store_pairs(a_even, b_even, even + 8 * h);
    store_pairs(a_odd, b_odd, odd + 8 * h);
  }
}

#endif /* SPRIG_QS8_DWCONV2D_CHW_X86_WIDEN_H */
