/*
 * x86 AVX-512F f32 direct depthwise convolution (src/sprig/dwconv2d-chw.h): 16 pixels per zmm
 * register. Planes up to 31 floats wide take one of the small-plane layouts below; wider ones
 * are rows over template.h in MODE_SHIFT, 2 output vectors per trip. The row's edges are masked
 * loads (masked-off lanes are neither read nor fault) and one masked store; the shifted tap
 * vectors are valignd of neighbouring vectors, the stride-2 even / odd columns vpermt2ps. The
 * taps, the bias and the clamp bounds are broadcast once per call (for 5x5 more than the 32
 * registers hold with the row state: the compiler keeps the rest on the stack, as FMA memory
 * operands).
 *
 * Inner loop per trip of 2 output vectors, GCC 12 -O3 (objdump), 3x3:
 *   stride 1: 6 loads, 12 valignd, 18 vfmadd, 6 vmovaps (row state), 2 vmaxps + 2 vminps,
 *             2 stores, 7 loop: 55 instructions, 27.5 per output vector.
 *   stride 2: 12 loads, 12 vpermt2ps, 6 valignd, 18 vfmadd, 5 vmovaps, 4 clamps, 2 stores, 7
 *             loop: 66, 33 per output vector.
 *   flat_s1 interior: 9 vfmadd with the load folded in (6 merge-masked), 3 mask compares, the
 *             lanes' x stepped (3), 2 clamps + 1 add, 1 store, ~17 scalar: 36 per vector.
 * Measured against XNNPACK's NHWC depthwise convolution (Debian's 2022 build, AVX-512, same
 * layer, one thread; MobileNet v1's 3x3 layers): 2.3x, 1.6x, 1.1-1.5x and 1.2x faster at
 * 112x112, 56x56, 28x28 and 14x14 stride 1, 1.2x at 7x7; stride 2 1.05x and 1.15x at 112 and
 * 56, 0.8-0.95x at 28 and 0.5-0.8x at 14 (a shared, loaded machine: +-15%).
 */
#include <immintrin.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <isa/avx512f.h>
#include <sprig/dwconv2d-chw.h>

INLINE __m512 vzero(void) {
  return _mm512_setzero_ps();
}

INLINE __m512 vload_splat(const float* p) {
  return _mm512_set1_ps(*p);
}

INLINE __m512 vload(const float* p) {
  return _mm512_loadu_ps(p);
}

INLINE __m512 vload_clip(const float* p, size_t n) {
  return _mm512_maskz_loadu_ps((__mmask16) ((1u << n) - 1u), p);
}

INLINE void vstore(float* p, __m512 v) {
  _mm512_storeu_ps(p, v);
}

INLINE void vstore_part(float* p, __m512 v, size_t n) {
  _mm512_mask_storeu_ps(p, (__mmask16) ((1u << n) - 1u), v);
}

/* valignd takes an immediate: one case per shift the kernels use (1, 2, 14, 15). */
INLINE __m512 valign(__m512 lo, __m512 hi, size_t k) {
  const __m512i l = _mm512_castps_si512(lo), h = _mm512_castps_si512(hi);
  switch (k) {
    case 1:
      return _mm512_castsi512_ps(_mm512_alignr_epi32(h, l, 1));
    case 2:
      return _mm512_castsi512_ps(_mm512_alignr_epi32(h, l, 2));
    case 14:
      return _mm512_castsi512_ps(_mm512_alignr_epi32(h, l, 14));
    default:
      return _mm512_castsi512_ps(_mm512_alignr_epi32(h, l, 15));
  }
}

INLINE void vunzip(__m512 a, __m512 b, __m512* even, __m512* odd) {
  const __m512i ieven = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i iodd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  *even = _mm512_permutex2var_ps(a, ieven, b);
  *odd = _mm512_permutex2var_ps(a, iodd, b);
}

INLINE void vload_pair(const float* p, __m512* even, __m512* odd) {
  vunzip(_mm512_loadu_ps(p), _mm512_loadu_ps(p + 16), even, odd);
}

INLINE void vload_pair_loads(const float* p, __m512* even, __m512* odd) {
  vload_pair(p, even, odd);
}

INLINE __m512 vunpermute(__m512 v) {
  return v;
}

INLINE __m512 vadd(__m512 a, __m512 b) {
  return _mm512_add_ps(a, b);
}

INLINE __m512 vclamp(__m512 v, __m512 vmin, __m512 vmax) {
  /* The bound first: vmaxps / vminps return the second operand when either is NaN. */
  return _mm512_min_ps(vmax, _mm512_max_ps(vmin, v));
}

struct taps {
  __m512 bias;
  __m512 w[25];
};

INLINE void taps_init(size_t k, const float* weights, struct taps* t) {
  t->bias = _mm512_set1_ps(weights[0]);
  for (size_t i = 0; i < k * k; i++) {
    t->w[i] = _mm512_set1_ps(weights[1 + i]);
  }
}

INLINE __m512 taps_bias(const struct taps* t) {
  return t->bias;
}

INLINE __m512 vmadd_tap(__m512 acc, __m512 x, const struct taps* t, size_t i) {
  return _mm512_fmadd_ps(x, t->w[i], acc);
}

#include "template.h"

/*
 * Small planes. Rows of 7, 14 or 28 floats fill their vectors poorly (7 of 16 lanes for a 7x7
 * plane), and a row's fixed costs (row pointers, clipped loads, a single chain of multiply-adds)
 * are paid per 7 outputs. Two layouts pack more outputs per vector; each keeps two chains of
 * multiply-adds (even and odd kernel rows) per vector.
 *
 * flat_s1 (stride 1, output_width == input_width, i.e. the right padding is P, and input_width
 *   <= FLAT_MAX_WIDTH): output pixel o = y * W + x reads input o + (ky - padding_top) * W +
 *   kx - P, so the plane is one long row of outputs whose vectors run across row boundaries.
 *   A lane's tap reads a column outside the row where x + kx - P is outside [0, W) (a mask per
 *   kx from a vector of the lanes' x, stepped by 16 mod W per vector), and a row outside the
 *   input where the flat index is outside [0, H * W). Vectors whose every tap reads inside the
 *   plane (all but the first and last few) take each tap as an unmasked load folded into an FMA
 *   merge-masked by the column mask (masked lanes keep the accumulator: the load reads floats of
 *   the neighbouring row, inside the plane, that the FMA ignores); the others as zero-masked
 *   loads under the column and row masks. Measured against the rows (3x3, one thread, CPU
 *   time): 7x7 31 vs 56 us for 1024 channels, 14x14 38 vs 53 us for 512, 28x28 64 vs 84 us for
 *   256; 56x56 is slower flat (142 vs 132 us for 128), hence FLAT_MAX_WIDTH.
 * pack_s2 (stride 2, output_width <= 8, input_width <= 15): two output rows per vector (lanes
 *   0 .. ow - 1 and ow .. 2 ow - 1, contiguous in the output). Per kernel row, one masked load of
 *   each input row (the zero vector for padding rows), and per tap one vpermt2ps picking the
 *   tap's columns of both rows. The same with one output row per vector for output_width <= 16,
 *   input_width <= 31 (the row's two halves in the two vpermt2ps sources): no shifts and no
 *   per-row clipping. 14x14 -> 7x7: 17.6 vs 31.8 us for 512 channels; 28x28 -> 14x14: 30.1 vs
 *   32.5 us for 256.
 */
#define FLAT_MAX_WIDTH 32

INLINE void flat_s1(size_t k, size_t input_height, size_t width, size_t output_height, const float* input,
                    const float* weights, float* output, uint32_t padding_top,
                    const struct sprig_f32_minmax_params* params) {
  const ptrdiff_t p = (ptrdiff_t) (k - 1) / 2;
  const ptrdiff_t w = (ptrdiff_t) width, top = (ptrdiff_t) padding_top;
  const ptrdiff_t plane = (ptrdiff_t) input_height * w;
  const ptrdiff_t total = (ptrdiff_t) output_height * w;
  struct taps t;
  taps_init(k, weights, &t);
  const __m512 vmin = _mm512_set1_ps(params->min), vmax = _mm512_set1_ps(params->max);
  const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i vwidth = _mm512_set1_epi32((int) width);
  const __m512i vplane = _mm512_set1_epi32((int) plane);
  const __m512i step = _mm512_set1_epi32((int) (16 % width));
  /* The lanes' x: i mod W, by at most 16 subtractions of W. */
  __m512i xs = iota;
  for (size_t i = 0; i < 16 / width; i++) {
    xs = _mm512_mask_sub_epi32(xs, _mm512_cmpge_epi32_mask(xs, vwidth), xs, vwidth);
  }
  /* Tap (ky, kx) reads flat input o + (ky - top) * W + kx - P; the vectors at o0 with
   * o0 + lowest >= 0 and o0 + 15 + highest < plane read inside the plane only. */
  const ptrdiff_t lowest = -top * w - p;
  const ptrdiff_t highest = ((ptrdiff_t) k - 1 - top) * w + p;
  for (ptrdiff_t o = 0; o < total; o += 16) {
    __mmask16 col[MAX_K];
    UNROLL_ALL for (size_t kx = 0; kx < k; kx++) {
      const ptrdiff_t d = (ptrdiff_t) kx - p;
      col[kx] = d < 0   ? _mm512_cmpge_epi32_mask(xs, _mm512_set1_epi32((int) -d))
                : d > 0 ? _mm512_cmplt_epi32_mask(xs, _mm512_sub_epi32(vwidth, _mm512_set1_epi32((int) d)))
                        : (__mmask16) 0xFFFF;
    }
    /* Two chains of multiply-adds (even and odd kernel rows). */
    __m512 acc[2] = {t.bias, _mm512_setzero_ps()};
    if (o + lowest >= 0 && o + 15 + highest < plane) {
      UNROLL_ALL for (size_t ky = 0; ky < k; ky++) {
        const float* row = input + (o + ((ptrdiff_t) ky - top) * w - p);
        UNROLL_ALL for (size_t kx = 0; kx < k; kx++) {
          const __m512 x = _mm512_loadu_ps(row + kx);
          acc[ky % 2] = (ptrdiff_t) kx == p ? _mm512_fmadd_ps(x, t.w[ky * k + kx], acc[ky % 2])
                                            : _mm512_mask3_fmadd_ps(x, t.w[ky * k + kx], acc[ky % 2], col[kx]);
        }
      }
    } else {
      UNROLL_ALL for (size_t ky = 0; ky < k; ky++) {
        const ptrdiff_t start = o + ((ptrdiff_t) ky - top) * w;
        /* Lanes whose row is inside the input: their flat index (at column x) in [0, plane). */
        const __mmask16 rowmask =
            _mm512_cmplt_epu32_mask(_mm512_add_epi32(iota, _mm512_set1_epi32((int) start)), vplane);
        UNROLL_ALL for (size_t kx = 0; kx < k; kx++) {
          const __m512 x = _mm512_maskz_loadu_ps(rowmask & col[kx], input + (start + (ptrdiff_t) kx - p));
          acc[ky % 2] = _mm512_fmadd_ps(x, t.w[ky * k + kx], acc[ky % 2]);
        }
      }
    }
    const __m512 out = vclamp(_mm512_add_ps(acc[0], acc[1]), vmin, vmax);
    if (o + 16 <= total) {
      _mm512_storeu_ps(output + o, out);
    } else {
      _mm512_mask_storeu_ps(output + o, (__mmask16) ((1u << (total - o)) - 1u), out);
    }
    xs = _mm512_add_epi32(xs, step);
    xs = _mm512_mask_sub_epi32(xs, _mm512_cmpge_epi32_mask(xs, vwidth), xs, vwidth);
  }
}

/* rv (1 or 2, a constant at each call) output rows per vector: 2 when ow <= 8 and width <= 15
 * (A and B are input rows of output rows y and y + 1), 1 when ow <= 16 and width <= 31 (A and B
 * are columns 0 .. 15 and 16 .. 31 of one input row). Either way lane 15 of B is past the row,
 * zero, and a tap's lanes whose column is padding take it (so the vpermt2ps need no mask). */
INLINE void pack_s2(size_t k, size_t rv, size_t input_height, size_t width, size_t output_height, size_t ow,
                    const float* input, const float* weights, float* output, uint32_t padding_top,
                    const struct sprig_f32_minmax_params* params) {
  const ptrdiff_t p = (ptrdiff_t) (k - 1) / 2;
  struct taps t;
  taps_init(k, weights, &t);
  const __m512 vmin = _mm512_set1_ps(params->min), vmax = _mm512_set1_ps(params->max);
  /* Per kx: each lane's source in A:B. Lane i is pixel x = i (of row y) or i - ow (of row y + 1,
   * taken from B: index + 16), column 2 x + kx - P. */
  const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i vow = _mm512_set1_epi32((int) ow);
  const __mmask16 second = rv == 2 ? _mm512_cmpge_epi32_mask(iota, vow) : 0;
  const __m512i x2 = _mm512_slli_epi32(_mm512_mask_sub_epi32(iota, second, iota, vow), 1);
  const __m512i base = _mm512_maskz_mov_epi32(second, _mm512_set1_epi32(16));
  __m512i index[MAX_K];
  UNROLL_ALL for (size_t kx = 0; kx < k; kx++) {
    const __m512i c = _mm512_add_epi32(x2, _mm512_set1_epi32((int) ((ptrdiff_t) kx - p)));
    const __mmask16 padding = _mm512_cmplt_epi32_mask(c, _mm512_setzero_si512()) |
                              _mm512_cmpge_epi32_mask(c, _mm512_set1_epi32((int) width));
    index[kx] = _mm512_mask_mov_epi32(_mm512_add_epi32(c, base), padding, _mm512_set1_epi32(31));
  }
  /* The floats of a row in A (and, rv = 1, in B). */
  const __mmask16 amask = (__mmask16) ((1u << (width < 16 ? width : 16)) - 1u);
  const __mmask16 bmask = (__mmask16) ((1u << (width > 16 ? width - 16 : 0)) - 1u);
  for (size_t y = 0; y < output_height; y += rv) {
    const size_t rows = output_height - y < rv ? 1 : rv;
    /* Two chains of multiply-adds (even and odd kernel rows). */
    __m512 acc[2] = {t.bias, _mm512_setzero_ps()};
    UNROLL_ALL for (size_t ky = 0; ky < k; ky++) {
      __m512 v[2];
      if (rv == 2) {
        UNROLL_ALL for (size_t j = 0; j < 2; j++) {
          const size_t r = (y + j) * 2 + ky;
          v[j] = j < rows && r >= padding_top && r - padding_top < input_height
                     ? _mm512_maskz_loadu_ps(amask, input + (r - padding_top) * width)
                     : _mm512_setzero_ps();
        }
      } else {
        const size_t r = y * 2 + ky;
        const bool inside = r >= padding_top && r - padding_top < input_height;
        const float* row = input + (inside ? (r - padding_top) * width : 0);
        v[0] = _mm512_maskz_loadu_ps(inside ? amask : 0, row);
        v[1] = _mm512_maskz_loadu_ps(inside ? bmask : 0, row + 16);
      }
      UNROLL_ALL for (size_t kx = 0; kx < k; kx++) {
        const __m512 x = _mm512_permutex2var_ps(v[0], index[kx], v[1]);
        acc[ky % 2] = _mm512_fmadd_ps(x, t.w[ky * k + kx], acc[ky % 2]);
      }
    }
    const __m512 out = vclamp(_mm512_add_ps(acc[0], acc[1]), vmin, vmax);
    _mm512_mask_storeu_ps(output + y * ow, (__mmask16) ((1u << (rows * ow)) - 1u), out);
  }
}

/* The kernel: a small-plane layout where one applies, else rows (template.h). */
INLINE void dwconv2d_chw_avx512f(size_t k, size_t s, size_t input_height, size_t input_width, size_t output_height,
                                 size_t output_width, const float* input, const float* weights, const float* zero,
                                 float* output, uint32_t padding_top, const struct sprig_f32_minmax_params* params) {
  /* (flat_s1 takes flat indices as 32-bit lanes.) */
  if (s == 1 && output_width == input_width && input_width <= FLAT_MAX_WIDTH &&
      input_height < (size_t) (INT32_MAX / 64)) {
    flat_s1(k, input_height, input_width, output_height, input, weights, output, padding_top, params);
  } else if (s == 2 && output_width <= 8 && input_width <= 15) {
    pack_s2(k, 2, input_height, input_width, output_height, output_width, input, weights, output, padding_top,
            params);
  } else if (s == 2 && output_width <= 16 && input_width <= 31) {
    pack_s2(k, 1, input_height, input_width, output_height, output_width, input, weights, output, padding_top,
            params);
  } else {
    dwconv2d_chw(k, s, 2, MODE_SHIFT, input_height, input_width, output_height, output_width, input, weights, zero,
                 output, padding_top, params);
  }
}

void sprig_f32_dwconv2d_chw_minmax_ukernel_3x3s1__avx512f(size_t input_height, size_t input_width,
                                                          size_t output_height, size_t output_width,
                                                          const float* input, const float* weights, const float* zero,
                                                          float* output, uint32_t padding_top,
                                                          const struct sprig_f32_minmax_params* params) {
  dwconv2d_chw_avx512f(3, 1, input_height, input_width, output_height, output_width, input, weights, zero, output,
                       padding_top, params);
}

void sprig_f32_dwconv2d_chw_minmax_ukernel_3x3s2__avx512f(size_t input_height, size_t input_width,
                                                          size_t output_height, size_t output_width,
                                                          const float* input, const float* weights, const float* zero,
                                                          float* output, uint32_t padding_top,
                                                          const struct sprig_f32_minmax_params* params) {
  dwconv2d_chw_avx512f(3, 2, input_height, input_width, output_height, output_width, input, weights, zero, output,
                       padding_top, params);
}

void sprig_f32_dwconv2d_chw_minmax_ukernel_5x5s1__avx512f(size_t input_height, size_t input_width,
                                                          size_t output_height, size_t output_width,
                                                          const float* input, const float* weights, const float* zero,
                                                          float* output, uint32_t padding_top,
                                                          const struct sprig_f32_minmax_params* params) {
  dwconv2d_chw_avx512f(5, 1, input_height, input_width, output_height, output_width, input, weights, zero, output,
                       padding_top, params);
}

void sprig_f32_dwconv2d_chw_minmax_ukernel_5x5s2__avx512f(size_t input_height, size_t input_width,
                                                          size_t output_height, size_t output_width,
                                                          const float* input, const float* weights, const float* zero,
                                                          float* output, uint32_t padding_top,
                                                          const struct sprig_f32_minmax_params* params) {
  dwconv2d_chw_avx512f(5, 2, input_height, input_width, output_height, output_width, input, weights, zero, output,
                       padding_top, params);
}
