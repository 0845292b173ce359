/*
 * x86 AVX2 int8 sliced matrix-vector kernels, slices of 8 rows, signed input: per slot the 8
 * input words by one vpmovzxwd of the offsets and one 8-lane vpgatherdd (8c4), or by 8 scalar
 * loads put together by vinsertps (8c4_insert: kernels/isa/x86-load-at.h, for CPUs whose gathers
 * are microcoded, AMD Zen); the input and weight
 * bytes sign-extended to int16 (vpmovsxbw, rows 0-3 and 4-7) and multiplied by two vpmaddwd,
 * which add each row's products in pairs (exact: |2 x 128 x 128| < 2^31). An accumulator holds
 * rows 0-3 (lo) and 4-7 (hi) as two lanes per row; at the slice's end vphaddd adds the pairs and
 * vpermq restores the row order. Four accumulators take the slots in turn.
 */
#include <immintrin.h>
#include <stdint.h>

#include <isa/x86-load-at.h>

#define INLINE static inline __attribute__((always_inline))

struct pairs {
  __m256i lo; /* rows 0-3, two partial sums each */
  __m256i hi; /* rows 4-7 */
};

INLINE __m256i gather8(const int8_t* x, const uint16_t* off) {
  const __m256i index = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*) (const void*) off));
  return _mm256_i32gather_epi32((const int*) (const void*) x, index, 4);
}

INLINE struct pairs mac_words(struct pairs acc, const int8_t* w, __m256i words) {
  const __m256i weights = _mm256_loadu_si256((const __m256i*) (const void*) w);
  const __m256i x_lo = _mm256_cvtepi8_epi16(_mm256_castsi256_si128(words));
  const __m256i x_hi = _mm256_cvtepi8_epi16(_mm256_extracti128_si256(words, 1));
  const __m256i w_lo = _mm256_cvtepi8_epi16(_mm256_castsi256_si128(weights));
  const __m256i w_hi = _mm256_cvtepi8_epi16(_mm256_extracti128_si256(weights, 1));
  acc.lo = _mm256_add_epi32(acc.lo, _mm256_madd_epi16(x_lo, w_lo));
  acc.hi = _mm256_add_epi32(acc.hi, _mm256_madd_epi16(x_hi, w_hi));
  return acc;
}

INLINE struct pairs zero_pairs(void) {
  return (struct pairs){_mm256_setzero_si256(), _mm256_setzero_si256()};
}

INLINE struct pairs add_pairs(struct pairs a, struct pairs b) {
  return (struct pairs){_mm256_add_epi32(a.lo, b.lo), _mm256_add_epi32(a.hi, b.hi)};
}

INLINE void store_rows(int32_t* p, struct pairs acc) {
  /* vphaddd: [r0 r1 r4 r5 | r2 r3 r6 r7]; vpermq 0, 2, 1, 3: rows in order. */
  const __m256i sums = _mm256_hadd_epi32(acc.lo, acc.hi);
  _mm256_storeu_si256((__m256i*) (void*) p, _mm256_permute4x64_epi64(sums, _MM_SHUFFLE(3, 1, 2, 0)));
}

#define C 8
#define SETS 4
#define ACC struct pairs
#define ACC_ZERO() zero_pairs()
#define ACC_ADD(a, b) add_pairs(a, b)
#define ACC_STORE(p, acc) store_rows(p, acc)
#define MAC(acc, w, x, off) mac_words(acc, w, gather8(x, off))
#define sellmv_slices sellmv_slices_gather8
#include "template.h"
#undef sellmv_slices
#undef MAC

#define MAC(acc, w, x, off) mac_words(acc, w, _mm256_castps_si256(sprig_load8_at(x, off)))
#define sellmv_slices sellmv_slices_insert8
#include "template.h"
#undef sellmv_slices

void sprig_qs8_sellmv_ukernel_8c4__avx2(size_t nc, const int8_t* input, const int8_t* weights,
                                        const uint16_t* offsets, const uint32_t* widths, const uint32_t* quad_base,
                                        int32_t* output) {
  sellmv_slices_gather8(nc, input, weights, offsets, widths, quad_base, output);
}

void sprig_qs8_sellmv_ukernel_8c4__avx2_insert(size_t nc, const int8_t* input, const int8_t* weights,
                                               const uint16_t* offsets, const uint32_t* widths,
                                               const uint32_t* quad_base, int32_t* output) {
  sellmv_slices_insert8(nc, input, weights, offsets, widths, quad_base, output);
}
