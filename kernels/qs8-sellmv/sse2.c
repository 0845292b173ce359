/*
 * x86 SSE2 int8 sliced matrix-vector kernel, slices of 8 rows, signed input. SSE2 has no
 * gather: per slot the 8 input words are loaded one by one (movd) and joined (punpckldq,
 * punpcklqdq) into rows 0-3 and 4-7. Bytes are sign-extended to int16 by unpacking each with
 * itself and shifting right arithmetically by 8 (SSE2 has no pmovsxbw), and pmaddwd adds each
 * row's products in pairs. An accumulator holds four vectors of two rows x two partial sums; at
 * the slice's end shufps takes the even and the odd partial sums apart and one add joins them.
 * Two accumulators take the slots in turn (four would not fit the 16 xmm registers).
 */
#include <emmintrin.h>
#include <stdint.h>
#include <string.h>

#define INLINE static inline __attribute__((always_inline))

struct quads {
  __m128i r01, r23, r45, r67; /* two rows each, two partial sums per row */
};

INLINE __m128i load_word(const int8_t* x, uint16_t offset) {
  int32_t word;
  memcpy(&word, x + 4 * (size_t) offset, sizeof(word));
  return _mm_cvtsi32_si128(word);
}

/* The input words of rows j0 .. j0 + 3. */
INLINE __m128i gather4(const int8_t* x, const uint16_t* off) {
  const __m128i w01 = _mm_unpacklo_epi32(load_word(x, off[0]), load_word(x, off[1]));
  const __m128i w23 = _mm_unpacklo_epi32(load_word(x, off[2]), load_word(x, off[3]));
  return _mm_unpacklo_epi64(w01, w23);
}

INLINE __m128i widen_lo(__m128i v) {
  return _mm_srai_epi16(_mm_unpacklo_epi8(v, v), 8);
}

INLINE __m128i widen_hi(__m128i v) {
  return _mm_srai_epi16(_mm_unpackhi_epi8(v, v), 8);
}

INLINE struct quads mac_slot(struct quads acc, const int8_t* w, const int8_t* x, const uint16_t* off) {
  const __m128i x03 = gather4(x, off);
  const __m128i x47 = gather4(x, off + 4);
  const __m128i w03 = _mm_loadu_si128((const __m128i*) (const void*) w);
  const __m128i w47 = _mm_loadu_si128((const __m128i*) (const void*) (w + 16));
  acc.r01 = _mm_add_epi32(acc.r01, _mm_madd_epi16(widen_lo(x03), widen_lo(w03)));
  acc.r23 = _mm_add_epi32(acc.r23, _mm_madd_epi16(widen_hi(x03), widen_hi(w03)));
  acc.r45 = _mm_add_epi32(acc.r45, _mm_madd_epi16(widen_lo(x47), widen_lo(w47)));
  acc.r67 = _mm_add_epi32(acc.r67, _mm_madd_epi16(widen_hi(x47), widen_hi(w47)));
  return acc;
}

INLINE struct quads zero_quads(void) {
  return (struct quads){_mm_setzero_si128(), _mm_setzero_si128(), _mm_setzero_si128(), _mm_setzero_si128()};
}

INLINE struct quads add_quads(struct quads a, struct quads b) {
  return (struct quads){_mm_add_epi32(a.r01, b.r01), _mm_add_epi32(a.r23, b.r23), _mm_add_epi32(a.r45, b.r45),
                        _mm_add_epi32(a.r67, b.r67)};
}

/* [a0 a1 b0 b1], [c0 c1 d0 d1] -> [a0 + a1, b0 + b1, c0 + c1, d0 + d1]. */
INLINE __m128i add_pairs(__m128i ab, __m128i cd) {
  const __m128 even = _mm_shuffle_ps(_mm_castsi128_ps(ab), _mm_castsi128_ps(cd), _MM_SHUFFLE(2, 0, 2, 0));
  const __m128 odd = _mm_shuffle_ps(_mm_castsi128_ps(ab), _mm_castsi128_ps(cd), _MM_SHUFFLE(3, 1, 3, 1));
  return _mm_add_epi32(_mm_castps_si128(even), _mm_castps_si128(odd));
}

INLINE void store_rows(int32_t* p, struct quads acc) {
  _mm_storeu_si128((__m128i*) (void*) p, add_pairs(acc.r01, acc.r23));
  _mm_storeu_si128((__m128i*) (void*) (p + 4), add_pairs(acc.r45, acc.r67));
}

#define C 8
#define SETS 2
#define ACC struct quads
#define ACC_ZERO() zero_quads()
#define ACC_ADD(a, b) add_quads(a, b)
#define ACC_STORE(p, acc) store_rows(p, acc)
#define MAC(acc, w, x, off) mac_slot(acc, w, x, off)
#include "template.h"

void sprig_qs8_sellmv_ukernel_8c4__sse2(size_t nc, const int8_t* input, const int8_t* weights,
                                        const uint16_t* offsets, const uint32_t* widths, const uint32_t* quad_base,
                                        int32_t* output) {
  sellmv_slices(nc, input, weights, offsets, widths, quad_base, output);
}
