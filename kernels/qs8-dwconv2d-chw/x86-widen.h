/*
 * The widening steps of kernels/qs8-dwconv2d-chw/pairs.h for x86. SSE2: int8 to int16 by
 * unpacking a byte with itself and shifting right arithmetically (even bytes: shifted left
 * first), then the two rows interleaved into pairs.
 */
#ifndef SPRIG_QS8_DWCONV2D_CHW_X86_WIDEN_H
#define SPRIG_QS8_DWCONV2D_CHW_X86_WIDEN_H

#include <emmintrin.h>
#include <stdint.h>

#if defined(__AVX2__)
#include <immintrin.h>

/* AVX2: each row's 16 bytes sign-extended into one ymm register (vpmovsxbw), the pairs formed
 * in each 128-bit lane (vpunpck*wd), the lanes put in order by vperm2i128 (stride 1) or stored
 * apart (stride 2, whose bytes a pshufb first groups even then odd). */
INLINE void widen16(const int8_t* a, const int8_t* b, int32_t* out) {
  const __m256i va = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*) a));
  const __m256i vb = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*) b));
  const __m256i lo = _mm256_unpacklo_epi16(va, vb); /* columns 0-3 | 8-11 */
  const __m256i hi = _mm256_unpackhi_epi16(va, vb); /* columns 4-7 | 12-15 */
  _mm256_storeu_si256((__m256i*) out, _mm256_permute2x128_si256(lo, hi, 0x20));
  _mm256_storeu_si256((__m256i*) (out + 8), _mm256_permute2x128_si256(lo, hi, 0x31));
}

INLINE void widen16_split(const int8_t* a, const int8_t* b, int32_t* even, int32_t* odd) {
  const __m128i order = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
  const __m256i va = _mm256_cvtepi8_epi16(_mm_shuffle_epi8(_mm_loadu_si128((const __m128i*) a), order));
  const __m256i vb = _mm256_cvtepi8_epi16(_mm_shuffle_epi8(_mm_loadu_si128((const __m128i*) b), order));
  const __m256i lo = _mm256_unpacklo_epi16(va, vb); /* even columns 0-3 | odd columns 0-3 */
  const __m256i hi = _mm256_unpackhi_epi16(va, vb); /* even columns 4-7 | odd columns 4-7 */
  _mm_storeu_si128((__m128i*) even, _mm256_castsi256_si128(lo));
  _mm_storeu_si128((__m128i*) (even + 4), _mm256_castsi256_si128(hi));
  _mm_storeu_si128((__m128i*) odd, _mm256_extracti128_si256(lo, 1));
  _mm_storeu_si128((__m128i*) (odd + 4), _mm256_extracti128_si256(hi, 1));
}
#else
/* Stores the 8 pairs (a[j], b[j]) of two int16 vectors at out. */
INLINE void store_pairs(__m128i a, __m128i b, int32_t* out) {
  _mm_storeu_si128((__m128i*) out, _mm_unpacklo_epi16(a, b));
  _mm_storeu_si128((__m128i*) (out + 4), _mm_unpackhi_epi16(a, b));
}

INLINE __m128i extend_low(__m128i v) {
  return _mm_srai_epi16(_mm_unpacklo_epi8(v, v), 8);
}

INLINE __m128i extend_high(__m128i v) {
  return _mm_srai_epi16(_mm_unpackhi_epi8(v, v), 8);
}

INLINE void widen16(const int8_t* a, const int8_t* b, int32_t* out) {
  const __m128i va = _mm_loadu_si128((const __m128i*) a), vb = _mm_loadu_si128((const __m128i*) b);
  store_pairs(extend_low(va), extend_low(vb), out);
  store_pairs(extend_high(va), extend_high(vb), out + 8);
}

INLINE void widen16_split(const int8_t* a, const int8_t* b, int32_t* even, int32_t* odd) {
  const __m128i va = _mm_loadu_si128((const __m128i*) a), vb = _mm_loadu_si128((const __m128i*) b);
  store_pairs(_mm_srai_epi16(_mm_slli_epi16(va, 8), 8), _mm_srai_epi16(_mm_slli_epi16(vb, 8), 8), even);
  store_pairs(_mm_srai_epi16(va, 8), _mm_srai_epi16(vb, 8), odd);
}

#endif

#endif /* SPRIG_QS8_DWCONV2D_CHW_X86_WIDEN_H */
