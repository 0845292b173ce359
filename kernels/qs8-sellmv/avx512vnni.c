/*
 * x86 AVX512-VNNI int8 sliced matrix-vector kernels, slices of 16 rows (one zmm of int32 sums),
 * unsigned input (vpdpbusd multiplies the input's unsigned bytes by the weights' signed ones),
 * in three ways of loading a slot's 16 input words:
 *   16c4            one vpmovzxwd of the 16 offsets, one 16-lane vpgatherdd (zmm);
 *   16c4_gather2x8  two vpmovzxwd of 8 offsets, two 8-lane vpgatherdd (ymm) joined by one
 *                   vinserti64x4;
 *   16c4_insert     16 scalar loads put together by vinsertps (kernels/isa/x86-load-at.h), for
 *                   CPUs whose gathers are microcoded (AMD Zen).
 * Then one 64-byte load of the slot's weights and one vpdpbusd: 64 multiply-adds per slot.
 * Four accumulators take the slots in turn (vpdpbusd's latency). Limit: the gathers (16 loads
 * per slot, or 16 loads and 15 inserts).
 */
#include <immintrin.h>
#include <stdint.h>

#include <isa/x86-load-at.h>
#include <isa/x86-vnni.h>

INLINE __m512i gather16(const int8_t* x, const uint16_t* off) {
  const __m512i index = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i*) (const void*) off));
  return _mm512_i32gather_epi32(index, (const void*) x, 4);
}

INLINE __m512i gather2x8(const int8_t* x, const uint16_t* off) {
  const __m256i lo = _mm256_i32gather_epi32((const int*) (const void*) x,
                                            _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*) (const void*) off)), 4);
  const __m256i hi = _mm256_i32gather_epi32(
      (const int*) (const void*) x, _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*) (const void*) (off + 8))), 4);
  return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

#define C 16
#define SETS 4
#define ACC __m512i
#define ACC_ZERO() _mm512_setzero_si512()
#define ACC_ADD(a, b) _mm512_add_epi32(a, b)
#define ACC_STORE(p, acc) _mm512_storeu_si512((void*) (p), acc)

#define MAC(acc, w, x, off) dpbusd(acc, gather16(x, off), _mm512_loadu_si512((const void*) (w)))
#define sellmv_slices sellmv_slices_gather16
#include "template.h"
#undef sellmv_slices
#undef MAC

#define MAC(acc, w, x, off) dpbusd(acc, gather2x8(x, off), _mm512_loadu_si512((const void*) (w)))
#define sellmv_slices sellmv_slices_gather2x8
#include "template.h"
#undef sellmv_slices
#undef MAC

#define MAC(acc, w, x, off) \
  dpbusd(acc, _mm512_castps_si512(sprig_load16_at(x, off)), _mm512_loadu_si512((const void*) (w)))
#define sellmv_slices sellmv_slices_insert16
#include "template.h"
#undef sellmv_slices

void sprig_qs8_sellmv_ukernel_16c4__avx512vnni(size_t nc, const int8_t* input, const int8_t* weights,
                                               const uint16_t* offsets, const uint32_t* widths,
                                               const uint32_t* quad_base, int32_t* output) {
  sellmv_slices_gather16(nc, input, weights, offsets, widths, quad_base, output);
}

void sprig_qs8_sellmv_ukernel_16c4__avx512vnni_gather2x8(size_t nc, const int8_t* input, const int8_t* weights,
                                                         const uint16_t* offsets, const uint32_t* widths,
                                                         const uint32_t* quad_base, int32_t* output) {
  sellmv_slices_gather2x8(nc, input, weights, offsets, widths, quad_base, output);
}

void sprig_qs8_sellmv_ukernel_16c4__avx512vnni_insert(size_t nc, const int8_t* input, const int8_t* weights,
                                                      const uint16_t* offsets, const uint32_t* widths,
                                                      const uint32_t* quad_base, int32_t* output) {
  sellmv_slices_insert16(nc, input, weights, offsets, widths, quad_base, output);
}
