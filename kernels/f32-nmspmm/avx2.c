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

#include "matvec-common.h"

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

/* The 8-row window at x permuted into slot order: lane l gets x[rows[l] % 8]. */
INLINE __m256 pick_window(const float* x, __m256i rows) {
  return _mm256_permutevar8x32_ps(_mm256_loadu_ps(x), rows);
}

/* The 8 inputs x[rows[l]] for rows < 8 * windows (1, 2 or 4, a compile-time constant at each
 * call). runs_within_windows: every run lies inside one window, so that the window of a lane is
 * fixed (lanes 4-7 from the second of two windows; lanes 2l and 2l+1 from window l of four). */
INLINE __m256 pick_inputs(const float* x, __m256i rows, size_t windows, bool runs_within_windows) {
  const __m256 w0 = pick_window(x, rows);
  if (windows == 1) {
    return w0;
  }
  const __m256 w1 = pick_window(x + 8, rows);
  if (windows == 2) {
    return runs_within_windows ? _mm256_blend_ps(w0, w1, 0xF0) : _mm256_blendv_ps(w0, w1, row_bit_mask(rows, 3));
  }
  const __m256 w2 = pick_window(x + 16, rows);
  const __m256 w3 = pick_window(x + 24, rows);
  if (runs_within_windows) {
    return _mm256_blend_ps(_mm256_blend_ps(w0, w1, 0x0C), _mm256_blend_ps(w2, w3, 0xC0), 0xF0);
  }
  const __m256 odd_window = row_bit_mask(rows, 3);
  return _mm256_blendv_ps(_mm256_blendv_ps(w0, w1, odd_window), _mm256_blendv_ps(w2, w3, odd_window),
                          row_bit_mask(rows, 4));
}

/* 8 slots from slot 8 * step on: their values times their inputs, added to acc. */
INLINE __m256 madd_step(__m256 acc, const float* w, const uint8_t* idx, const float* input, size_t step,
                        size_t rows_per_step, __m256i bases, size_t windows, bool runs_within_windows) {
  const __m128i index_bytes = _mm_loadl_epi64((const __m128i*) (idx + step * 8));
  const __m256i rows = _mm256_add_epi32(_mm256_cvtepu8_epi32(index_bytes), bases);
  const __m256 inputs = pick_inputs(input + step * rows_per_step, rows, windows, runs_within_windows);
  return _mm256_fmadd_ps(_mm256_loadu_ps(w + step * 8), inputs, acc);
}

/* Sum of the 8 lanes. */
INLINE float sum_lanes(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

INLINE void nm_rows_1x1(size_t windows, bool runs_within_windows, size_t nc, size_t groups, size_t n, size_t m,
                        const float* input, const float* bias, const float* weights, const uint8_t* indices,
                        float* output, size_t output_stride, const struct sprig_f32_minmax_params* params) {
  const size_t slots = groups * n;
  /* Vector steps read rows [base, base + 8 * windows); only rows of full runs (before the last
   * run) are sure to exist, so steps stop where that would pass (groups - 1) * m. */
  const size_t safe_rows = (groups - 1) * m;
  const size_t window_rows = 8 * windows;
  const size_t rows_per_step = 8 / n * m;
  const size_t steps = safe_rows >= window_rows ? (safe_rows - window_rows) / rows_per_step + 1 : 0;
  const __m256i bases = run_bases(n, m);
  for (size_t c = 0; c < nc; c++) {
    const float* w = weights + c * slots;
    const uint8_t* idx = indices + c * slots;
    __m256 acc0 = _mm256_setzero_ps();
    __m256 acc1 = _mm256_setzero_ps();
    size_t step = 0;
    for (; step + 2 <= steps; step += 2) {
      acc0 = madd_step(acc0, w, idx, input, step, rows_per_step, bases, windows, runs_within_windows);
      acc1 = madd_step(acc1, w, idx, input, step + 1, rows_per_step, bases, windows, runs_within_windows);
    }
    if (step < steps) {
      acc0 = madd_step(acc0, w, idx, input, step, rows_per_step, bases, windows, runs_within_windows);
    }
    const float vector_sum = sum_lanes(_mm256_add_ps(acc0, acc1));
    output[0] = sprig_nm_finish_channel(vector_sum, bias[c], w, idx, input, steps * 8, slots, n, m, params->min,
                                        params->max);
    output = (float*) ((char*) output + output_stride);
  }
}

void sprig_f32_nmspmm_minmax_ukernel_1x1__avx2(
    size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t row_stride,
    const float* bias, const float* weights, const uint8_t* indices, float* output, size_t output_stride,
    const struct sprig_f32_minmax_params* params) {
  const size_t span = 8 % n == 0 ? 8 / n * m : SIZE_MAX;
  const bool runs_within_windows = 8 % m == 0;
  if (mc != 1 || row_stride != sizeof(float) || span > 32 || groups == 0) {
    sprig_f32_nmspmm_minmax_ukernel_1x1__scalar(mc, nc, groups, n, m, input, row_stride, bias, weights, indices,
                                                output, output_stride, params);
  } else if (span <= 8) {
    nm_rows_1x1(1, true, nc, groups, n, m, input, bias, weights, indices, output, output_stride, params);
  } else if (span <= 16 && runs_within_windows) {
    nm_rows_1x1(2, true, nc, groups, n, m, input, bias, weights, indices, output, output_stride, params);
  } else if (span <= 16) {
    nm_rows_1x1(2, false, nc, groups, n, m, input, bias, weights, indices, output, output_stride, params);
  } else if (runs_within_windows) {
    nm_rows_1x1(4, true, nc, groups, n, m, input, bias, weights, indices, output, output_stride, params);
  } else {
    nm_rows_1x1(4, false, nc, groups, n, m, input, bias, weights, indices, output, output_stride, params);
  }
}
