/*
 * x86 AVX2 + FMA3 f32 sliced-ELL matrix-vector kernels, slices of 8 rows (one ymm per
 * accumulator), in two ways of loading a slot's 8 inputs:
 *   gather  one vpmovzxwd of the 8 offsets, one vgatherdps, one vmovups of the weights, one
 *           vfmadd231ps;
 *   insert  8 scalar loads put together by vinsertps (kernels/isa/x86-load-at.h), then the same
 *           weight load and FMA: for CPUs whose gathers are microcoded (AMD Zen).
 * Limit: the input loads (one gather or 8 inserts per 8 products); the weight stream (6 bytes
 * per slot) for large layers.
 */
#include <immintrin.h>

#include <isa/avx2.h>
#include <isa/x86-load-at.h>
#include <sprig/sellmv.h>

INLINE __m256 gather8(const float* x, const uint16_t* off) {
  const __m256i index = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*) off));
  return _mm256_i32gather_ps(x, index, sizeof(float));
}

#define C 8
#define ACC __m256
#define ACC_ZERO() _mm256_setzero_ps()
#define ACC_ADD(a, b) _mm256_add_ps(a, b)
#define ACC_STORE(p, acc) _mm256_storeu_ps(p, acc)

#define MADD(acc, w, x, off) _mm256_fmadd_ps(_mm256_loadu_ps(w), gather8(x, off), acc)
#define sellmv_slices sellmv_slices_gather
#include "template.h"
#undef sellmv_slices
#undef DEFINE_SELLMV_UKERNEL
#undef MADD

#define MADD(acc, w, x, off) _mm256_fmadd_ps(_mm256_loadu_ps(w), sprig_load8_at(x, off), acc)
#define sellmv_slices sellmv_slices_insert
#include "template.h"
#undef sellmv_slices

#define DEFINE_AVX2_SELLMV(fn, slices)                                                                      \
  void fn(size_t nc, const float* input, const float* bias, const float* values, const uint16_t* offsets,  \
          const uint32_t* widths, const uint32_t* col_base, float* output,                                \
          const struct sprig_f32_minmax_params* params) {                                                 \
    slices(nc, input, bias, values, offsets, widths, col_base, output, params);                           \
  }

DEFINE_AVX2_SELLMV(sprig_f32_sellmv_minmax_ukernel_8__avx2_gather, sellmv_slices_gather)
DEFINE_AVX2_SELLMV(sprig_f32_sellmv_minmax_ukernel_8__avx2_insert, sellmv_slices_insert)
