/*
 * x86 AVX2 + FMA3 f32 N:M SpMM: 8 pixels per ymm register, V = MR / 8 accumulators per channel,
 * and C channels of the tile computed side by side (C = 4, 2, 1 for MR = 16, 32, 64: always
 * 8 accumulators, which with the weights and temporaries fill the 16 ymm registers).
 *
 * Inner loop per stored weight: one movzbl of the index byte and an imul by row_stride (row
 * address = run base + index * row_stride), V vfmadd231ps with the input load folded in as the
 * memory operand, and the weight broadcast: for n = 2 and 4 (2:4, 2:8, 4:8, 4:16) and the pairs
 * of other even n one vbroadcastsd of a weight pair plus two in-lane vpermilps per pair, else
 * one vbroadcastss. Per run one add of m * row_stride to the run base. n = 1, 2 and 4 are
 * compile-time constants (a run is straight-line code); any other n takes a loop over pairs.
 * Limits, as measured on a Zen 5 core:
 * - Dependency chains: the order bias + w0*x0 + w1*x1 ... is kept, so each accumulator is one
 *   FMA chain; 2 FMA pipes x 4 cycles want 8, which the C channels at once provide for every
 *   MR (a single channel of MR = 16 or 32 would have 2 or 4).
 * - Loads: V input loads (one per FMA) plus 1/2 broadcast load per weight.
 * - Cache: a pixel tile reads MR * 4 bytes of each of K rows in random row order, for every
 *   channel; the runs are taken in K-blocks of at most 16 KiB of rows so that they stay in L1
 *   (x86-template.h). With that, 64x1 is the default: ~68% of the AVX2 FMA peak on 784 or 3136
 *   pixels at 2:4 (32x1: 52-60%); on 192 pixels x 512 rows 32x1 was ahead (58% against 51%).
 *   The pair broadcast is worth 0-6%.
 *
 * Pixel remainders: one pass over the last mc % MR pixels with as many vectors as they need,
 * the last one through vmaskmovps (masked-off lanes are neither read nor written and cannot
 * fault), with up to 4 channels per block so that the narrow pass still has several chains.
 * Channels: blocks of C, then the nc % C left over in blocks of 2 and 1.
 */
#include <string.h>

#include <immintrin.h>

#include <isa/avx2.h>
#include <sprig/nmspmm.h>

#include <isa/scalar.h>

/* What x86-template.h needs of the ISA beyond isa/avx2.h (see the list there). */
#define VLOAD_PAIR(p) load_pair(p)
#define VPAIR_LO(v) _mm256_permute_ps(v, 0x00)
#define VPAIR_HI(v) _mm256_permute_ps(v, 0x55)

/* The weight pair as one double, broadcast: vbroadcastsd. */
INLINE __m256 load_pair(const float* p) {
  double pair;
  memcpy(&pair, p, sizeof(pair));
  return _mm256_castpd_ps(_mm256_set1_pd(pair));
}

#include "x86-template.h"

#define DEFINE_AVX2_NMSPMM(MR, C)                                                                     \
  void sprig_f32_nmspmm_minmax_ukernel_##MR##x1__avx2(                                                \
      size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t row_stride, \
      const float* bias, const float* weights, const uint8_t* indices, float* output,                 \
      size_t output_stride, const struct sprig_f32_minmax_params* params) {                           \
    nm_kernel(MR / 8, C, mc, nc, groups, n, m, input, row_stride, bias, weights, indices, output,    \
              output_stride, params);                                                                 \
  }

DEFINE_AVX2_NMSPMM(16, 4)
DEFINE_AVX2_NMSPMM(32, 2)
DEFINE_AVX2_NMSPMM(64, 1)

/*
 * 1x1: one pixel per input row (matrix-vector products: batch-1 linear layers, convolutions over
 * 1x1 images), vectorized over the stored weights instead of the pixels. When the rows are
 * contiguous floats (row_stride 4), n divides 8 and 8 slots span at most 32 rows, per 8 slots:
 * one vpmovzxbd of the 8 index bytes plus one vpaddd of the run bases (row of each slot within
 * the span), the 8-row windows of the span picked into slot order by one vpermps each (window
 * load folded in), and one vfmadd231ps (weights load folded in; two accumulators in turn). The
 * windows are merged by vblendps with a constant mask when no run crosses a window (m divides
 * 8), else by vblendvps keyed on the row's bit 3 (and bit 4) shifted up by a vpslld:
 *   span  8 (1:1, 2:2, 4:4, 8:8):        1 vpermps                              4 instructions
 *   span 16, m | 8 (1:2, 2:4, 4:8):       2 vpermps, 1 vblendps                  6
 *   span 16, other (8:16, 2:3, 4:5 ...):  2 vpermps, 1 vpslld, 1 vblendvps       7
 *   span 32, m | 8 (1:4, 2:8):            4 vpermps, 3 vblendps                  9
 *   span 32, other (4:16, 1:3, 2:5 ...):  4 vpermps, 2 vpslld, 3 vblendvps      11
 * Limit: vpermps (one port on Intel cores) and the instruction count: 2:4 takes 6 instructions
 * and 40 bytes of weights and indices per 16 dense columns, where a dense product takes 2 FMAs
 * and 64 bytes. Slots whose vector step might reach past the last full run take a scalar loop
 * with four sums; other patterns and strides, and more than one pixel, the scalar 1x1 kernel.
 * The matrix-times-vectors kernel (nmspmv) runs the same steps on up to 4 vectors at once: a
 * step's index bytes, run bases and values are loaded once, then per vector the window loads,
 * vpermps, blends and one FMA (other patterns: the scalar nmspmv kernel).
 */

/* Lane l of the run bases of 8 slots: (l / n) * m. */
static __m256i run_bases(size_t n, size_t m) {
  int32_t bases[8];
  for (size_t l = 0; l < 8; l++) {
    bases[l] = (int32_t) ((l / n) * m);
  }
  return _mm256_loadu_si256((const __m256i*) bases);
}

/* Lanes whose row has bit `bit` set, as blendv's sign-bit mask. */
INLINE __m256 row_bit_mask(__m256i rows, int bit) {
  return _mm256_castsi256_ps(_mm256_sll_epi32(rows, _mm_cvtsi32_si128(31 - bit)));
}

/* The 8 inputs win[rows[l] / 8][rows[l] % 8] for rows < 8 * windows (1, 2 or 4, a compile-time
 * constant at each call), from the 8-float windows. runs_within_windows: every run lies inside
 * one window, so that the window of a lane is fixed (lanes 4-7 from the second of two windows;
 * lanes 2l and 2l+1 from window l of four). */
INLINE __m256 pick_from(const __m256* win, __m256i rows, size_t windows, bool runs_within_windows) {
  const __m256 w0 = _mm256_permutevar8x32_ps(win[0], rows);
  if (windows == 1) {
    return w0;
  }
  const __m256 w1 = _mm256_permutevar8x32_ps(win[1], rows);
  if (windows == 2) {
    return runs_within_windows ? _mm256_blend_ps(w0, w1, 0xF0) : _mm256_blendv_ps(w0, w1, row_bit_mask(rows, 3));
  }
  const __m256 w2 = _mm256_permutevar8x32_ps(win[2], rows);
  const __m256 w3 = _mm256_permutevar8x32_ps(win[3], rows);
  if (runs_within_windows) {
    return _mm256_blend_ps(_mm256_blend_ps(w0, w1, 0x0C), _mm256_blend_ps(w2, w3, 0xC0), 0xF0);
  }
  const __m256 odd_window = row_bit_mask(rows, 3);
  return _mm256_blendv_ps(_mm256_blendv_ps(w0, w1, odd_window), _mm256_blendv_ps(w2, w3, odd_window),
                          row_bit_mask(rows, 4));
}

/* The 8 inputs x[rows[l]] for rows < 8 * windows. */
INLINE __m256 pick_inputs(const float* x, __m256i rows, size_t windows, bool runs_within_windows) {
  __m256 win[4];
  for (size_t k = 0; k < windows; k++) {
    win[k] = _mm256_loadu_ps(x + 8 * k);
  }
  return pick_from(win, rows, windows, runs_within_windows);
}

/* vmaskmovps's mask of the lanes l with first + l < end. */
INLINE __m256i lanes_below(size_t first, size_t end) {
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const int32_t count = end <= first ? 0 : end - first >= 8 ? 8 : (int32_t) (end - first);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), lane);
}

/* The largest of 8 lanes. */
INLINE int32_t max_lane(__m256i v) {
  __m128i m = _mm_max_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  m = _mm_max_epi32(m, _mm_shuffle_epi32(m, 0x4E));
  m = _mm_max_epi32(m, _mm_shuffle_epi32(m, 0xB1));
  return _mm_cvtsi128_si32(m);
}

/* The input rows of the 8 slots from slot 8 * step on, relative to the step's first run. */
INLINE __m256i step_rows(const uint8_t* idx, size_t step, __m256i bases) {
  return _mm256_add_epi32(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i*) (idx + step * 8))), bases);
}

/* Sum of the 8 lanes. */
INLINE float sum_lanes(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

/* The vector at `input` advanced by `bytes`. */
INLINE const float* vector_at(const float* input, size_t bytes) {
  return (const float*) ((const char*) input + bytes);
}

/* How a call's steps read their inputs: 8-row windows per step and whether every run lies in one. */
struct window_kind {
  size_t windows;
  bool runs_within_windows;
};

/* The last slots of a channel, from slot `done` (a multiple of 8) on, 8 at a time: index bytes
 * copied and values loaded under a mask (nothing past the channel's slots is read), the inputs
 * from windows loaded only up to the highest row a live slot names (that row exists, and so do
 * the ones before it); dead lanes multiply zero values by zeroed inputs. */
INLINE void tail_steps(size_t vectors, struct window_kind kind, size_t done, size_t slots, size_t n, size_t m,
                       const float* input, size_t input_stride, const float* w, const uint8_t* idx, __m256i bases,
                       __m256* acc) {
  for (; done < slots; done += 8) {
    const size_t take = slots - done < 8 ? slots - done : 8;
    uint8_t index_bytes[8] = {0};
    memcpy(index_bytes, idx + done, take);
    const __m256i live = lanes_below(0, take);
    const __m256i rows = _mm256_add_epi32(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i*) index_bytes)), bases);
    const size_t need = (size_t) max_lane(_mm256_and_si256(rows, live)) + 1;
    const __m256 values = _mm256_maskload_ps(w + done, live);
    const size_t base_row = done / n * m;
    for (size_t b = 0; b < vectors; b++) {
      const float* x = vector_at(input, b * input_stride) + base_row;
      __m256 win[4];
      for (size_t k = 0; k < kind.windows; k++) {
        win[k] = _mm256_maskload_ps(x + 8 * k, lanes_below(8 * k, need));
      }
      const __m256 inputs = _mm256_and_ps(pick_from(win, rows, kind.windows, kind.runs_within_windows),
                                          _mm256_castsi256_ps(live));
      acc[b] = _mm256_fmadd_ps(values, inputs, acc[b]);
    }
  }
}

/* nc channels of `vectors` (1 to 4, a compile-time constant at each call) input vectors: each
 * step's indices, run bases and values are loaded once for all of them. Outputs: channel c of
 * vector b at output + b * vector_stride + c * channel_stride bytes. */
INLINE void nm_vectors(size_t vectors, struct window_kind kind, size_t nc, size_t groups, size_t n, size_t m,
                       const float* input, size_t input_stride, const float* bias, const float* weights,
                       const uint8_t* indices, float* output, size_t channel_stride, size_t vector_stride,
                       const struct sprig_f32_minmax_params* params) {
  const size_t slots = groups * n;
  /* Vector steps read rows [base, base + 8 * windows); only rows of full runs (before the last
   * run) are sure to exist, so steps stop where that would pass (groups - 1) * m. */
  const size_t safe_rows = (groups - 1) * m;
  const size_t window_rows = 8 * kind.windows;
  const size_t rows_per_step = 8 / n * m;
  const size_t steps = safe_rows >= window_rows ? (safe_rows - window_rows) / rows_per_step + 1 : 0;
  const __m256i bases = run_bases(n, m);
  for (size_t c = 0; c < nc; c++) {
    const float* w = weights + c * slots;
    const uint8_t* idx = indices + c * slots;
    __m256 acc0[4], acc1[4];
    for (size_t b = 0; b < vectors; b++) {
      acc0[b] = _mm256_setzero_ps();
      acc1[b] = _mm256_setzero_ps();
    }
    size_t step = 0;
    for (; step + 2 <= steps; step += 2) {
      const __m256i rows0 = step_rows(idx, step, bases);
      const __m256i rows1 = step_rows(idx, step + 1, bases);
      const __m256 w0 = _mm256_loadu_ps(w + step * 8);
      const __m256 w1 = _mm256_loadu_ps(w + step * 8 + 8);
      for (size_t b = 0; b < vectors; b++) {
        const float* x = vector_at(input, b * input_stride) + step * rows_per_step;
        acc0[b] = _mm256_fmadd_ps(w0, pick_inputs(x, rows0, kind.windows, kind.runs_within_windows), acc0[b]);
        acc1[b] = _mm256_fmadd_ps(
            w1, pick_inputs(x + rows_per_step, rows1, kind.windows, kind.runs_within_windows), acc1[b]);
      }
    }
    if (step < steps) {
      const __m256i rows0 = step_rows(idx, step, bases);
      const __m256 w0 = _mm256_loadu_ps(w + step * 8);
      for (size_t b = 0; b < vectors; b++) {
        const float* x = vector_at(input, b * input_stride) + step * rows_per_step;
        acc0[b] = _mm256_fmadd_ps(w0, pick_inputs(x, rows0, kind.windows, kind.runs_within_windows), acc0[b]);
      }
    }
    tail_steps(vectors, kind, steps * 8, slots, n, m, input, input_stride, w, idx, bases, acc1);
    for (size_t b = 0; b < vectors; b++) {
      const float sum = bias[c] + sum_lanes(_mm256_add_ps(acc0[b], acc1[b]));
      float* out = (float*) ((char*) output + b * vector_stride + c * channel_stride);
      *out = sprig_clamp_f32(sum, params->min, params->max);
    }
  }
}

/* The windows a call's steps take (n divides 8, 8 slots span at most 32 rows, at least one
 * run), else windows = 0. */
static struct window_kind window_kind_of(size_t groups, size_t n, size_t m) {
  const size_t span = 8 % n == 0 ? 8 / n * m : SIZE_MAX;
  const bool within = 8 % m == 0;
  if (groups == 0 || span > 32) {
    return (struct window_kind){0, false};
  }
  return (struct window_kind){span <= 8 ? 1 : span <= 16 ? 2 : 4, span <= 8 || within};
}

/* One function per window kind, `vectors` (1 to 4) a compile-time constant inside. */
#define NM_VECTORS_KIND(NAME, WINDOWS, WITHIN)                                                                   \
  static void nm_vectors_##NAME(size_t vectors, size_t nc, size_t groups, size_t n, size_t m, const float* input,  \
                                size_t input_stride, const float* bias, const float* weights,                    \
                                const uint8_t* indices, float* output, size_t channel_stride,                    \
                                size_t vector_stride, const struct sprig_f32_minmax_params* params) {            \
    const struct window_kind kind = {WINDOWS, WITHIN};                                                            \
    switch (vectors) {                                                                                            \
      case 1:                                                                                                     \
        nm_vectors(1, kind, nc, groups, n, m, input, input_stride, bias, weights, indices, output, channel_stride, \
                   vector_stride, params);                                                                        \
        break;                                                                                                    \
      case 2:                                                                                                     \
        nm_vectors(2, kind, nc, groups, n, m, input, input_stride, bias, weights, indices, output, channel_stride, \
                   vector_stride, params);                                                                        \
        break;                                                                                                    \
      case 3:                                                                                                     \
        nm_vectors(3, kind, nc, groups, n, m, input, input_stride, bias, weights, indices, output, channel_stride, \
                   vector_stride, params);                                                                        \
        break;                                                                                                    \
      default:                                                                                                    \
        nm_vectors(4, kind, nc, groups, n, m, input, input_stride, bias, weights, indices, output, channel_stride, \
                   vector_stride, params);                                                                        \
        break;                                                                                                    \
    }                                                                                                             \
  }

NM_VECTORS_KIND(w1, 1, true)
NM_VECTORS_KIND(w2_within, 2, true)
NM_VECTORS_KIND(w2_across, 2, false)
NM_VECTORS_KIND(w4_within, 4, true)
NM_VECTORS_KIND(w4_across, 4, false)

/* Up to 4 vectors through the function of their window kind (windows != 0). */
static void nm_vectors_any(struct window_kind kind, size_t vectors, size_t nc, size_t groups, size_t n, size_t m,
                           const float* input, size_t input_stride, const float* bias, const float* weights,
                           const uint8_t* indices, float* output, size_t channel_stride, size_t vector_stride,
                           const struct sprig_f32_minmax_params* params) {
  void (*fn)(size_t, size_t, size_t, size_t, size_t, const float*, size_t, const float*, const float*,
             const uint8_t*, float*, size_t, size_t, const struct sprig_f32_minmax_params*) =
      kind.windows == 1                                      ? nm_vectors_w1
      : kind.windows == 2 && kind.runs_within_windows        ? nm_vectors_w2_within
      : kind.windows == 2                                    ? nm_vectors_w2_across
      : kind.runs_within_windows                             ? nm_vectors_w4_within
                                                             : nm_vectors_w4_across;
  fn(vectors, nc, groups, n, m, input, input_stride, bias, weights, indices, output, channel_stride, vector_stride,
     params);
}

void sprig_f32_nmspmm_minmax_ukernel_1x1__avx2(
    size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t row_stride,
    const float* bias, const float* weights, const uint8_t* indices, float* output, size_t output_stride,
    const struct sprig_f32_minmax_params* params) {
  const struct window_kind kind = window_kind_of(groups, n, m);
  if (mc != 1 || row_stride != sizeof(float) || kind.windows == 0) {
    sprig_f32_nmspmm_minmax_ukernel_1x1__scalar(mc, nc, groups, n, m, input, row_stride, bias, weights, indices,
                                                output, output_stride, params);
    return;
  }
  nm_vectors_any(kind, 1, nc, groups, n, m, input, 0, bias, weights, indices, output, output_stride, 0, params);
}

void sprig_f32_nmspmv_minmax_ukernel__avx2(size_t batch, size_t nc, size_t groups, size_t n, size_t m,
                                           const float* input, size_t input_stride, const float* bias,
                                           const float* weights, const uint8_t* indices, float* output,
                                           size_t output_stride, const struct sprig_f32_minmax_params* params) {
  const struct window_kind kind = window_kind_of(groups, n, m);
  if (kind.windows == 0) {
    sprig_f32_nmspmv_minmax_ukernel__scalar(batch, nc, groups, n, m, input, input_stride, bias, weights, indices,
                                            output, output_stride, params);
    return;
  }
  for (size_t b = 0; b < batch; b += 4) {
    nm_vectors_any(kind, batch - b < 4 ? batch - b : 4, nc, groups, n, m, vector_at(input, b * input_stride),
                   input_stride, bias, weights, indices, (float*) ((char*) output + b * output_stride),
                   sizeof(float), output_stride, params);
  }
}
