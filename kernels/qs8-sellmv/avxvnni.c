/*
 * x86 AVX-VNNI int8 sliced matrix-vector kernel, slices of 8 rows (one ymm of int32 sums),
 * unsigned input: per slot one vpmovzxwd of the 8 offsets, one 8-lane vpgatherdd of the input
 * words, one 32-byte load of the weights and one (VEX) vpdpbusd: 32 multiply-adds per slot.
 * Four accumulators take the slots in turn.
 */
#include <immintrin.h>
#include <stdint.h>

#include <isa/x86-vnni.h>

INLINE __m256i gather8(const int8_t* x, const uint16_t* off) {
  const __m256i index = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*) (const void*) off));
  return _mm256_i32gather_epi32((const int*) (const void*) x, index, 4);
}

#define C 8
#define SETS 4
#define ACC __m256i
#define ACC_ZERO() _mm256_setzero_si256()
#define ACC_ADD(a, b) _mm256_add_epi32(a, b)
#define ACC_STORE(p, acc) _mm256_storeu_si256((__m256i*) (void*) (p), acc)
#define MAC(acc, w, x, off) dpbusd(acc, gather8(x, off), _mm256_loadu_si256((const __m256i*) (const void*) (w)))
#include "template.h"

void sprig_qs8_sellmv_ukernel_8c4__avxvnni(size_t nc, const int8_t* input, const int8_t* weights,
                                           const uint16_t* offsets, const uint32_t* widths, const uint32_t* quad_base,
                                           int32_t* output) {
  sellmv_slices(nc, input, weights, offsets, widths, quad_base, output);
}
