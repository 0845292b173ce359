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
 *
 * 16w31 reads the windowed layout (windows of 31 columns: the inputs in lanes 0-30 of two zmm,
 * loaded once per slice and window, lane 31 zero for the padding's index 31): a slot's 16 inputs
 * come out of those two registers by one vpermi2ps on 16 byte indices widened by one vpmovzxbd,
 * in place of the gather; 5 bytes per slot instead of 6, more slots (a window's width is its
 * slice's longest row there), each several times cheaper than a gathered one. Up to 4 input
 * vectors share each weight pass: per slot and vector one more vpermi2ps and vfmadd231ps.
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

#define WINDOW 31
#define MAX_VECTORS SPRIG_F32_SELLMV_MAX_VECTORS
#define MAX_SETS 4

INLINE __mmask16 lanes_mask(size_t lanes) {
  return lanes >= 16 ? (__mmask16) 0xFFFF : (__mmask16) ((1u << lanes) - 1);
}

/* The inputs of window v in lanes 0-30 of *lo and *hi (lane 15 of *hi and lanes past `cols`: 0). */
INLINE void load_window(const float* x, size_t v, size_t cols, __m512* lo, __m512* hi) {
  const size_t first = WINDOW * v;
  const size_t left = cols - first;
  if (left >= WINDOW) {
    *lo = _mm512_loadu_ps(x + first);
    *hi = _mm512_maskz_loadu_ps(0x7FFF, x + first + 16);
  } else {
    *lo = _mm512_maskz_loadu_ps(lanes_mask(left), x + first);
    *hi = _mm512_maskz_loadu_ps(left > 16 ? lanes_mask(left - 16) : 0, x + first + 16);
  }
}

/* One slot of set `set` for nv vectors: its 16 indices widened once, its weights loaded once,
 * each vector's inputs picked from its window by vpermi2ps. */
INLINE void window_slot(size_t nv, size_t set, const __m512* lo, const __m512* hi, const uint8_t* indices,
                        const float* w, __m512 acc[MAX_VECTORS][MAX_SETS]) {
  const __m512i index = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i*) (const void*) (indices + 16 * set)));
  const __m512 weights = _mm512_load_ps(w + 16 * set);
  for (size_t j = 0; j < nv; j++) {
    acc[j][set] = _mm512_fmadd_ps(weights, _mm512_permutex2var_ps(lo[j], index, hi[j]), acc[j][set]);
  }
}

/* Vector j's sums of one slice: its sets added, the bias, the clamp; the slice's rows stored. */
INLINE void store_slice(size_t sets, const __m512* acc, const float* bias, __mmask16 rows, __m512 lo, __m512 hi,
                        float* output) {
  __m512 sum = acc[0];
  for (size_t k = 1; k < sets; k++) {
    sum = _mm512_add_ps(sum, acc[k]);
  }
  sum = _mm512_add_ps(_mm512_maskz_loadu_ps(rows, bias), sum);
  _mm512_mask_storeu_ps(output, rows, _mm512_min_ps(hi, _mm512_max_ps(lo, sum))); /* NaN stays */
}

/* The windowed layout for nv (1 .. MAX_VECTORS, a constant) vectors at a time; `sets`
 * accumulators per vector take the slots in turn. */
INLINE void windowed_slices(size_t nv, size_t sets, size_t nc, size_t cols, const float* input, size_t input_stride,
                            const float* bias, const float* w, const uint8_t* indices, const uint8_t* widths,
                            float* output, size_t output_stride, const struct sprig_f32_minmax_params* params) {
  const size_t windows = (cols + WINDOW - 1) / WINDOW;
  const __m512 vmin = _mm512_set1_ps(params->min);
  const __m512 vmax = _mm512_set1_ps(params->max);
  for (size_t r = 0; r < nc; r += 16) {
    __m512 acc[MAX_VECTORS][MAX_SETS];
    for (size_t j = 0; j < nv; j++) {
      for (size_t k = 0; k < sets; k++) {
        acc[j][k] = _mm512_setzero_ps();
      }
    }
    for (size_t v = 0; v < windows; v++) {
      size_t left = *widths++;
      if (left == 0) {
        continue;
      }
      __m512 lo[MAX_VECTORS], hi[MAX_VECTORS];
      for (size_t j = 0; j < nv; j++) {
        load_window(input + j * input_stride, v, cols, &lo[j], &hi[j]);
      }
      for (; left >= sets; left -= sets) {
        for (size_t k = 0; k < sets; k++) {
          window_slot(nv, k, lo, hi, indices, w, acc);
        }
        w += 16 * sets;
        indices += 16 * sets;
      }
      /* Fewer than `sets` slots left: one per accumulator. */
      for (size_t k = 0; k + 1 < sets; k++) {
        if (left > k) {
          window_slot(nv, k, lo, hi, indices, w, acc);
        }
      }
      w += 16 * left;
      indices += 16 * left;
    }
    const __mmask16 rows = lanes_mask(nc - r);
    for (size_t j = 0; j < nv; j++) {
      store_slice(sets, acc[j], bias + r, rows, vmin, vmax, output + j * output_stride + r);
    }
  }
}

void sprig_f32_sellmv_minmax_ukernel_16w31__avx512f(size_t nc, size_t cols, size_t vectors, const float* input,
                                                    size_t input_stride, const float* bias, const float* values,
                                                    const uint8_t* indices, const uint8_t* widths, float* output,
                                                    size_t output_stride,
                                                    const struct sprig_f32_minmax_params* params) {
  switch (vectors) {
    case 1:
      windowed_slices(1, 4, nc, cols, input, input_stride, bias, values, indices, widths, output, output_stride,
                      params);
      break;
    case 2:
      windowed_slices(2, 2, nc, cols, input, input_stride, bias, values, indices, widths, output, output_stride,
                      params);
      break;
    case 3:
      windowed_slices(3, 2, nc, cols, input, input_stride, bias, values, indices, widths, output, output_stride,
                      params);
      break;
    default:
      windowed_slices(4, 2, nc, cols, input, input_stride, bias, values, indices, widths, output, output_stride,
                      params);
      break;
  }
}
