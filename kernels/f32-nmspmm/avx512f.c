/*
 * x86 AVX-512F f32 N:M SpMM: 16 pixels per zmm register, V = MR / 16 accumulators per channel,
 * and C channels of the tile computed side by side (C = 4 for MR = 16, 32 and 64, 2 for MR = 128).
 *
 * Inner loop per stored weight: one movzbl of the index byte and an imul by row_stride (row
 * address = run base + index * row_stride), V vfmadd231ps with the input load folded in as the
 * memory operand, and the weight broadcast: for n = 2 and 4 (2:4, 2:8, 4:8, 4:16) and the pairs
 * of other even n one vbroadcastsd of a weight pair plus two in-lane vpermilps per pair, else
 * one vbroadcastss. Per run one add of m * row_stride to the run base. n = 1, 2 and 4 are
 * compile-time constants (a run is straight-line code); any other n takes a loop over pairs.
 * Limits, as measured on a Zen 5 core (2 x 512-bit FMA, 2 x 512-bit loads per cycle):
 * - Vector loads: every FMA brings its own input load, plus 1/2 broadcast load per weight, so
 *   even with all inputs in L1 the loads cap the FMA rate at V / (V + 1/2) of peak; a 32x1
 *   tile whose input fits L1 runs at ~50% of the FMA peak. (The pair broadcast is worth ~5%; a
 *   table of the m row offsets instead of the imul, one more load per weight, cost 5-15%.)
 * - Dependency chains: the order bias + w0*x0 + w1*x1 ... is kept, so each accumulator is one
 *   FMA chain (4 cycles) and a single channel of MR = 32 would have only 2 of them. C channels
 *   at once give C * V chains and C independent rows in flight.
 * - Cache: a pixel tile reads MR * 4 bytes of each of K rows in random row order, again for
 *   every channel. The runs are therefore taken in K-blocks of at most 16 KiB of rows
 *   (x86-template.h), all channels of the tile finishing one K-block before the next, with the
 *   partial sums parked in the output rows between K-blocks. That keeps the rows in L1 and took
 *   128x1 (2 channels, 16 accumulators; the default) from ~26% to ~55% of the FMA peak on
 *   784 pixels x 256 rows x 256 channels at 2:4, and 64x1 from 38% to ~50%. (16 and 32 KiB
 *   K-blocks measured within noise of each other; 12 KiB was slower.) Passes of at most 16
 *   pixels take one K-block (NM_UNBLOCKED_PIXELS).
 *
 * Pixel remainders: one pass over the last mc % MR pixels with as many vectors as they need,
 * the last one masked (masked-off lanes are neither read nor written and cannot fault), with up
 * to 4 channels per block so that the narrow pass still has several chains. A one-vector pass of
 * at most 8 pixels loads 256 bits (isa/x86-vector.h, MASKED_LOW / MASKED_HALF). Channels: blocks of
 * C, then the nc % C left over in blocks of 2 and 1.
 */
#include <string.h>

#include <immintrin.h>

#include <isa/avx512f.h>
#include <sprig/nmspmm.h>

#include <isa/scalar.h>

/* What x86-template.h needs of the ISA beyond isa/avx512f.h (see the list there). */
#define VLOAD_PAIR(p) load_pair(p)
#define VPAIR_LO(v) _mm512_permute_ps(v, 0x00)
#define VPAIR_HI(v) _mm512_permute_ps(v, 0x55)

/* The weight pair as one double, broadcast: vbroadcastsd. */
INLINE __m512 load_pair(const float* p) {
  double pair;
  memcpy(&pair, p, sizeof(pair));
  return _mm512_castpd_ps(_mm512_set1_pd(pair));
}

#include "x86-template.h"

#define DEFINE_AVX512F_NMSPMM(MR, C)                                                                  \
  void sprig_f32_nmspmm_minmax_ukernel_##MR##x1__avx512f(                                             \
      size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t row_stride, \
      const float* bias, const float* weights, const uint8_t* indices, float* output,                 \
      size_t output_stride, const struct sprig_f32_minmax_params* params) {                           \
    nm_kernel(MR / 16, C, mc, nc, groups, n, m, input, row_stride, bias, weights, indices, output,    \
              output_stride, params);                                                                 \
  }

DEFINE_AVX512F_NMSPMM(16, 4)
DEFINE_AVX512F_NMSPMM(32, 4)
DEFINE_AVX512F_NMSPMM(64, 4)
DEFINE_AVX512F_NMSPMM(128, 2)

/*
 * 1x1: one pixel per input row (matrix-vector products: batch-1 linear layers, convolutions over
 * 1x1 images), vectorized over the stored weights instead of the pixels. When the rows are
 * contiguous floats (row_stride 4), n divides 16 and 16 slots span at most 64 rows, per 16 slots:
 * one load of the 16 values, one vpmovzxbd of the 16 index bytes plus one vpaddd of the run
 * bases, the input rows the runs cover in two zmm loads and one vpermt2ps (span <= 32: 2:4, 4:8,
 * 1:2, 8:16) or four loads, two vpermt2ps and a masked blend on the index's bit 5 (span <= 64:
 * 1:4, 2:8, 4:16), and one vfmadd231ps (two accumulators in turn). Limit: 7-10 instructions and
 * 80 bytes of weights per 16 slots, against 3 instructions and 128 bytes per 32 columns for a
 * dense product. Slots whose vector step might reach past the last full run take a scalar loop
 * with four sums; other patterns and strides, and more than one pixel, the scalar 1x1 kernel.
 * The matrix-times-vectors kernel (nmspmv) runs the same steps on up to 4 vectors at once: a
 * step's index bytes, run bases and values are loaded once, then per vector the window loads,
 * vpermt2ps and one FMA (other patterns: the scalar nmspmv kernel).
 */

/* Lane l of the run bases of 16 slots: (l / n) * m. */
static __m512i run_bases(size_t n, size_t m) {
  int32_t bases[16];
  for (size_t l = 0; l < 16; l++) {
    bases[l] = (int32_t) ((l / n) * m);
  }
  return _mm512_loadu_si512(bases);
}

/* The vector at `input` advanced by `bytes`. */
INLINE const float* vector_at(const float* input, size_t bytes) {
  return (const float*) ((const char*) input + bytes);
}

/* The 16 inputs win[rows[l] / 16][rows[l] % 16] for rows < span (32 or 64, a compile-time
 * constant at each call), from the span's 16-float windows. */
INLINE __m512 pick_from(const __m512* win, __m512i rows, size_t span) {
  const __m512 low = _mm512_permutex2var_ps(win[0], rows, win[1]);
  if (span <= 32) {
    return low;
  }
  const __m512 high = _mm512_permutex2var_ps(win[2], rows, win[3]);
  const __mmask16 upper = _mm512_test_epi32_mask(rows, _mm512_set1_epi32(32));
  return _mm512_mask_blend_ps(upper, low, high);
}

/* The 16 inputs x[rows[l]] for rows < span. */
INLINE __m512 pick_inputs(const float* x, __m512i rows, size_t span) {
  __m512 win[4];
  for (size_t k = 0; k < span / 16; k++) {
    win[k] = _mm512_loadu_ps(x + 16 * k);
  }
  return pick_from(win, rows, span);
}

/* The lanes of window k (rows 16k .. 16k + 15) below row `need`. */
INLINE __mmask16 window_lanes(size_t need, size_t k) {
  const size_t first = 16 * k;
  return need <= first ? 0 : need - first >= 16 ? (__mmask16) 0xFFFF : (__mmask16) ((1u << (need - first)) - 1);
}

/* The last slots of a channel, from slot `done` (a multiple of 16) on, 16 at a time: index bytes
 * and values copied or loaded under a mask (nothing past the channel's slots is read), the
 * inputs from windows loaded only up to the highest row a live slot names (that row exists, and
 * so do the ones before it), and the product added to each vector's acc in the live lanes only. */
INLINE void tail_steps(size_t vectors, size_t span, size_t done, size_t slots, size_t n, size_t m,
                       const float* input, size_t input_stride, const float* w, const uint8_t* idx, __m512i bases,
                       __m512* acc) {
  for (; done < slots; done += 16) {
    const size_t take = slots - done < 16 ? slots - done : 16;
    const __mmask16 live = (__mmask16) ((1u << take) - 1);
    uint8_t index_bytes[16] = {0};
    memcpy(index_bytes, idx + done, take);
    const __m512i rows = _mm512_add_epi32(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i*) index_bytes)), bases);
    const size_t need = (size_t) _mm512_mask_reduce_max_epi32(live, rows) + 1;
    const __m512 values = _mm512_maskz_loadu_ps(live, w + done);
    const size_t base_row = done / n * m;
    for (size_t b = 0; b < vectors; b++) {
      const float* x = vector_at(input, b * input_stride) + base_row;
      __m512 win[4];
      for (size_t k = 0; k < span / 16; k++) {
        win[k] = _mm512_maskz_loadu_ps(window_lanes(need, k), x + 16 * k);
      }
      acc[b] = _mm512_mask3_fmadd_ps(values, pick_from(win, rows, span), acc[b], live);
    }
  }
}

/* The input rows of the 16 slots from slot 16 * step on, relative to the step's first run. */
INLINE __m512i step_rows(const uint8_t* idx, size_t step, __m512i bases) {
  return _mm512_add_epi32(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i*) (idx + step * 16))), bases);
}

/* nc channels of `vectors` (1 to 4, a compile-time constant at each call) input vectors: each
 * step's indices, run bases and values are loaded once for all of them. Outputs: channel c of
 * vector b at output + b * vector_stride + c * channel_stride bytes. */
INLINE void nm_vectors(size_t vectors, size_t span, size_t nc, size_t groups, size_t n, size_t m, const float* input,
                       size_t input_stride, const float* bias, const float* weights, const uint8_t* indices,
                       float* output, size_t channel_stride, size_t vector_stride,
                       const struct sprig_f32_minmax_params* params) {
  const size_t slots = groups * n;
  /* Vector steps read rows [base, base + span); only rows of full runs (before the last run)
   * are sure to exist, so steps stop where base + span would pass (groups - 1) * m. */
  const size_t safe_rows = (groups - 1) * m;
  const size_t rows_per_step = 16 / n * m;
  const size_t steps = safe_rows >= span ? (safe_rows - span) / rows_per_step + 1 : 0;
  const __m512i bases = run_bases(n, m);
  for (size_t c = 0; c < nc; c++) {
    const float* w = weights + c * slots;
    const uint8_t* idx = indices + c * slots;
    __m512 acc0[4], acc1[4];
    for (size_t b = 0; b < vectors; b++) {
      acc0[b] = _mm512_setzero_ps();
      acc1[b] = _mm512_setzero_ps();
    }
    size_t step = 0;
    for (; step + 2 <= steps; step += 2) {
      const __m512i rows0 = step_rows(idx, step, bases);
      const __m512i rows1 = step_rows(idx, step + 1, bases);
      const __m512 w0 = _mm512_loadu_ps(w + step * 16);
      const __m512 w1 = _mm512_loadu_ps(w + step * 16 + 16);
      for (size_t b = 0; b < vectors; b++) {
        const float* x = vector_at(input, b * input_stride) + step * rows_per_step;
        acc0[b] = _mm512_fmadd_ps(w0, pick_inputs(x, rows0, span), acc0[b]);
        acc1[b] = _mm512_fmadd_ps(w1, pick_inputs(x + rows_per_step, rows1, span), acc1[b]);
      }
    }
    if (step < steps) {
      const __m512i rows0 = step_rows(idx, step, bases);
      const __m512 w0 = _mm512_loadu_ps(w + step * 16);
      for (size_t b = 0; b < vectors; b++) {
        const float* x = vector_at(input, b * input_stride) + step * rows_per_step;
        acc0[b] = _mm512_fmadd_ps(w0, pick_inputs(x, rows0, span), acc0[b]);
      }
    }
    tail_steps(vectors, span, steps * 16, slots, n, m, input, input_stride, w, idx, bases, acc1);
    for (size_t b = 0; b < vectors; b++) {
      const float sum = bias[c] + _mm512_reduce_add_ps(_mm512_add_ps(acc0[b], acc1[b]));
      float* out = (float*) ((char*) output + b * vector_stride + c * channel_stride);
      *out = sprig_clamp_f32(sum, params->min, params->max);
    }
  }
}

/* The span of 16 slots' runs (32 or 64) where the vector steps apply (n divides 16, span <= 64,
 * at least one run), else 0. */
static size_t vector_span(size_t groups, size_t n, size_t m) {
  const size_t span = 16 % n == 0 ? 16 / n * m : SIZE_MAX;
  return groups == 0 || span > 64 ? 0 : span <= 32 ? 32 : 64;
}

/* Up to 4 vectors of one call, span a compile-time constant (vectors too, inside). */
#define NM_VECTORS_SPAN(SPAN)                                                                                     \
  static void nm_vectors_##SPAN(size_t vectors, size_t nc, size_t groups, size_t n, size_t m, const float* input,  \
                                size_t input_stride, const float* bias, const float* weights,                    \
                                const uint8_t* indices, float* output, size_t channel_stride,                    \
                                size_t vector_stride, const struct sprig_f32_minmax_params* params) {            \
    switch (vectors) {                                                                                            \
      case 1:                                                                                                     \
        nm_vectors(1, SPAN, nc, groups, n, m, input, input_stride, bias, weights, indices, output, channel_stride, \
                   vector_stride, params);                                                                        \
        break;                                                                                                    \
      case 2:                                                                                                     \
        nm_vectors(2, SPAN, nc, groups, n, m, input, input_stride, bias, weights, indices, output, channel_stride, \
                   vector_stride, params);                                                                        \
        break;                                                                                                    \
      case 3:                                                                                                     \
        nm_vectors(3, SPAN, nc, groups, n, m, input, input_stride, bias, weights, indices, output, channel_stride, \
                   vector_stride, params);                                                                        \
        break;                                                                                                    \
      default:                                                                                                    \
        nm_vectors(4, SPAN, nc, groups, n, m, input, input_stride, bias, weights, indices, output, channel_stride, \
                   vector_stride, params);                                                                        \
        break;                                                                                                    \
    }                                                                                                             \
  }

NM_VECTORS_SPAN(32)
NM_VECTORS_SPAN(64)

/* Up to 4 vectors through the function of their span (32 or 64). */
static void nm_vectors_any(size_t span, size_t vectors, size_t nc, size_t groups, size_t n, size_t m,
                           const float* input, size_t input_stride, const float* bias, const float* weights,
                           const uint8_t* indices, float* output, size_t channel_stride, size_t vector_stride,
                           const struct sprig_f32_minmax_params* params) {
  (span == 32 ? nm_vectors_32 : nm_vectors_64)(vectors, nc, groups, n, m, input, input_stride, bias, weights,
                                               indices, output, channel_stride, vector_stride, params);
}

void sprig_f32_nmspmm_minmax_ukernel_1x1__avx512f(
    size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t row_stride,
    const float* bias, const float* weights, const uint8_t* indices, float* output, size_t output_stride,
    const struct sprig_f32_minmax_params* params) {
  const size_t span = mc == 1 && row_stride == sizeof(float) ? vector_span(groups, n, m) : 0;
  if (span == 0) {
    sprig_f32_nmspmm_minmax_ukernel_1x1__scalar(mc, nc, groups, n, m, input, row_stride, bias, weights, indices,
                                                output, output_stride, params);
    return;
  }
  nm_vectors_any(span, 1, nc, groups, n, m, input, 0, bias, weights, indices, output, output_stride, 0, params);
}

void sprig_f32_nmspmv_minmax_ukernel__avx512f(size_t batch, size_t nc, size_t groups, size_t n, size_t m,
                                              const float* input, size_t input_stride, const float* bias,
                                              const float* weights, const uint8_t* indices, float* output,
                                              size_t output_stride, const struct sprig_f32_minmax_params* params) {
  const size_t span = vector_span(groups, n, m);
  if (span == 0) {
    sprig_f32_nmspmv_minmax_ukernel__scalar(batch, nc, groups, n, m, input, input_stride, bias, weights, indices,
                                            output, output_stride, params);
    return;
  }
  for (size_t b = 0; b < batch; b += 4) {
    nm_vectors_any(span, batch - b < 4 ? batch - b : 4, nc, groups, n, m, vector_at(input, b * input_stride),
                   input_stride, bias, weights, indices, (float*) ((char*) output + b * output_stride),
                   sizeof(float), output_stride, params);
  }
}
