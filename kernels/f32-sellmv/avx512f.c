/*
 * x86 AVX-512F f32 sliced-ELL matrix-vector kernels, slices of 16 rows (one zmm per
 * accumulator), in three ways of loading a slot's 16 inputs:
 *   gather2x8  two vpmovzxwd of 8 offsets, two 8-lane vgatherdps (ymm) joined by one
 *              vinsertf64x4;
 *   gather     one vpmovzxwd of the 16 offsets, one 16-lane vgatherdps (zmm);
 *   insert     16 scalar loads put together by vinsertps into four xmm, joined by two
 *              vinsertf128 and one vinsertf64x4 (kernels/isa/x86-load-at.h): for CPUs whose
 *              gathers are microcoded (AMD Zen).
 * Then one vmovups of the weights and one vfmadd231ps. Limit: the input loads (16 per 16
 * products); the weight stream (6 bytes per slot) for large layers.
 */
#include <immintrin.h>

#include <isa/avx512f.h>
#include <isa/x86-load-at.h>
#include <sprig/sellmv.h>

INLINE __m512 gather16(const float* x, const uint16_t* off) {
  const __m512i index = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i*) off));
  return _mm512_i32gather_ps(index, x, sizeof(float));
}

/* The 16 inputs as two 8-lane gathers joined (vinsertf64x4: AVX-512F has no 32x8 insert). */
INLINE __m512 gather2x8(const float* x, const uint16_t* off) {
  const __m256 lo = _mm256_i32gather_ps(x, _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*) off)), 4);
  const __m256 hi = _mm256_i32gather_ps(x, _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*) (off + 8))), 4);
  const __m512d wide = _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(lo)), _mm256_castps_pd(hi), 1);
  return _mm512_castpd_ps(wide);
}

#define C 16
#define ACC __m512
#define ACC_ZERO() _mm512_setzero_ps()
#define ACC_ADD(a, b) _mm512_add_ps(a, b)
#define ACC_STORE(p, acc) _mm512_storeu_ps(p, acc)

#define MADD(acc, w, x, off) _mm512_fmadd_ps(_mm512_loadu_ps(w), gather16(x, off), acc)
#define sellmv_slices sellmv_slices_gather16
#include "template.h"
#undef sellmv_slices
#undef DEFINE_SELLMV_UKERNEL
#undef MADD

#define MADD(acc, w, x, off) _mm512_fmadd_ps(_mm512_loadu_ps(w), gather2x8(x, off), acc)
#define sellmv_slices sellmv_slices_gather2x8
#include "template.h"
#undef sellmv_slices
#undef DEFINE_SELLMV_UKERNEL
#undef MADD

#define MADD(acc, w, x, off) _mm512_fmadd_ps(_mm512_loadu_ps(w), sprig_load16_at(x, off), acc)
#define sellmv_slices sellmv_slices_insert16
#include "template.h"
#undef sellmv_slices

#define DEFINE_AVX512F_SELLMV(fn, slices)                                                                   \
  void fn(size_t nc, const float* input, const float* bias, const float* values, const uint16_t* offsets,  \
          const uint32_t* widths, const uint32_t* col_base, float* output,                                \
          const struct sprig_f32_minmax_params* params) {                                                 \
    slices(nc, input, bias, values, offsets, widths, col_base, output, params);                           \
  }

DEFINE_AVX512F_SELLMV(sprig_f32_sellmv_minmax_ukernel_16__avx512f_gather, sellmv_slices_gather16)
DEFINE_AVX512F_SELLMV(sprig_f32_sellmv_minmax_ukernel_16__avx512f_gather2x8, sellmv_slices_gather2x8)
DEFINE_AVX512F_SELLMV(sprig_f32_sellmv_minmax_ukernel_16__avx512f_insert, sellmv_slices_insert16)
