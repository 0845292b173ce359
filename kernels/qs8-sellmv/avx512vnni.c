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
 *
 * 16c4w32 reads the windowed layout (windows of 32 quads: 128 input bytes, two zmm loaded once
 * per slice and window): a slot's 16 words come out of those two registers by one vpermi2d on
 * 16 byte indices widened by one vpmovzxbd, in place of the gather; 1 index byte per slot and
 * row instead of 2. More slots pad (a window's width is its slice's longest row there), each
 * several times cheaper than a gathered one. Up to 4 input vectors share each weight pass: per
 * slot and vector one more vpermi2d and vpdpbusd.
 */
#include <immintrin.h>
#include <stdint.h>

#include <isa/x86-load-at.h>
#include <isa/x86-vnni.h>
#include <sprig/qs8-sellmv.h>

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

/* The 128 input bytes of window v (of `windows`), masked past 4 x quad_rows bytes in the last. */
INLINE void load_window(const int8_t* x, size_t v, size_t windows, __mmask64 last_lo, __mmask64 last_hi, __m512i* lo,
                        __m512i* hi) {
  const int8_t* w = x + 128 * v;
  if (v + 1 < windows) {
    *lo = _mm512_loadu_si512((const void*) w);
    *hi = _mm512_loadu_si512((const void*) (w + 64));
  } else {
    *lo = _mm512_maskz_loadu_epi8(last_lo, w);
    *hi = _mm512_maskz_loadu_epi8(last_hi, w + 64);
  }
}

INLINE __mmask64 bytes_mask(size_t bytes) {
  return bytes >= 64 ? ~(__mmask64) 0 : (((__mmask64) 1 << bytes) - 1);
}

#define MAX_VECTORS SPRIG_QS8_SELLMV_MAX_VECTORS
#define MAX_SETS 4

/* One slot of set `set` for nv vectors: its 16 indices widened once, its weights loaded once,
 * each vector's words picked from its window by vpermi2d. */
INLINE void window_slot(size_t nv, size_t set, const __m512i* lo, const __m512i* hi, const uint8_t* indices,
                        const int8_t* w, __m512i acc[MAX_VECTORS][MAX_SETS]) {
  const __m512i index = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i*) (const void*) (indices + 16 * set)));
  const __m512i weights = _mm512_load_si512((const void*) (w + 64 * set));
  for (size_t j = 0; j < nv; j++) {
    acc[j][set] = dpbusd(acc[j][set], _mm512_permutex2var_epi32(lo[j], index, hi[j]), weights);
  }
}

/* The windowed layout for nv (1 .. MAX_VECTORS, a constant) vectors at a time; `sets`
 * accumulators per vector take the slots in turn (vpdpbusd's latency: 4 for one vector, 2 for
 * more). */
INLINE void windowed_slices(size_t nv, size_t sets, size_t nc, size_t quad_rows, const int8_t* input,
                            size_t input_stride, const int8_t* w, const uint8_t* indices, const uint8_t* widths,
                            int32_t* output, size_t output_stride) {
  const size_t windows = (quad_rows + 31) / 32;
  const size_t last_bytes = 4 * quad_rows - 128 * (windows != 0 ? windows - 1 : 0);
  const __mmask64 last_lo = bytes_mask(last_bytes);
  const __mmask64 last_hi = last_bytes > 64 ? bytes_mask(last_bytes - 64) : 0;
  for (size_t r = 0; r < nc; r += 16) {
    __m512i acc[MAX_VECTORS][MAX_SETS];
    for (size_t j = 0; j < nv; j++) {
      for (size_t k = 0; k < sets; k++) {
        acc[j][k] = _mm512_setzero_si512();
      }
    }
    for (size_t v = 0; v < windows; v++) {
      size_t left = *widths++;
      if (left == 0) {
        continue;
      }
      __m512i lo[MAX_VECTORS], hi[MAX_VECTORS];
      for (size_t j = 0; j < nv; j++) {
        load_window(input + j * input_stride, v, windows, last_lo, last_hi, &lo[j], &hi[j]);
      }
      for (; left >= sets; left -= sets) {
        for (size_t k = 0; k < sets; k++) {
          window_slot(nv, k, lo, hi, indices, w, acc);
        }
        w += 64 * sets;
        indices += 16 * sets;
      }
      /* Fewer than `sets` slots left: one per accumulator. */
      for (size_t k = 0; k + 1 < sets; k++) {
        if (left > k) {
          window_slot(nv, k, lo, hi, indices, w, acc);
        }
      }
      w += 64 * left;
      indices += 16 * left;
    }
    const __mmask16 rows = nc - r >= 16 ? (__mmask16) 0xFFFF : (__mmask16) ((1u << (nc - r)) - 1);
    for (size_t j = 0; j < nv; j++) {
      __m512i sum = acc[j][0];
      for (size_t k = 1; k < sets; k++) {
        sum = _mm512_add_epi32(sum, acc[j][k]);
      }
      _mm512_mask_storeu_epi32(output + j * output_stride + r, rows, sum);
    }
  }
}

void sprig_qs8_sellmv_ukernel_16c4w32__avx512vnni(size_t nc, size_t quad_rows, size_t vectors, const int8_t* input,
                                                  size_t input_stride, const int8_t* weights, const uint8_t* indices,
                                                  const uint8_t* widths, int32_t* output, size_t output_stride) {
  switch (vectors) {
    case 1:
      windowed_slices(1, 4, nc, quad_rows, input, input_stride, weights, indices, widths, output, output_stride);
      break;
    case 2:
      windowed_slices(2, 2, nc, quad_rows, input, input_stride, weights, indices, widths, output, output_stride);
      break;
    case 3:
      windowed_slices(3, 2, nc, quad_rows, input, input_stride, weights, indices, widths, output, output_stride);
      break;
    default:
      windowed_slices(4, 2, nc, quad_rows, input, input_stride, weights, indices, widths, output, output_stride);
      break;
  }
}
