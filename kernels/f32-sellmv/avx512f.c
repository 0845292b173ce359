/*
 * x86 AVX-512F f32 sliced-ELL matrix-vector kernel, slices of 16 rows (one zmm per
 * accumulator). Per slot: one vpmovzxwd of the 16 offsets, one vgatherdps of the 16 inputs, one
 * vmovups of the weights, one vfmadd231ps. Limit: the gather (16 loads per 16 products); the
 * weight stream (6 bytes per slot) for large layers.
 */
#include <immintrin.h>

#include <isa/avx512f.h>
#include <sprig/sellmv.h>

INLINE __m512 gather16(const float* x, const uint16_t* off) {
  const __m512i index = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i*) off));
  return _mm512_i32gather_ps(index, x, sizeof(float));
}

#define C 16
#define ACC __m512
#define ACC_ZERO() _mm512_setzero_ps()
#define MADD(acc, w, x, off) _mm512_fmadd_ps(_mm512_loadu_ps(w), gather16(x, off), acc)
#define ACC_ADD(a, b) _mm512_add_ps(a, b)
#define ACC_STORE(p, acc) _mm512_storeu_ps(p, acc)
#include "template.h"

DEFINE_SELLMV_UKERNEL(sprig_f32_sellmv_minmax_ukernel_16__avx512f_gather)
