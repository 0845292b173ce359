/*
 * The int8 direct depthwise convolution on row pairs (src/sprig/qs8-dwconv2d-chw.h), shared by
 * sse2.c, avx2.c and wasmsimd.c: ISAs with a multiply that sums adjacent int16 products into an
 * int32 lane (pmaddwd, i32x4.dot_i16x8_s). Not compiled on its own: each of those files defines
 * the names below, includes this header once, then defines its kernels with DEFINE_KERNEL(K, S).
 *
 * The plane is widened in scratch to pair rows: pair row q holds, for every padded column c,
 * one int32 element whose low int16 is in(a, c) - input_zero_point and whose high int16 is
 * in(a + 1, c) - input_zero_point, a = q x S the padded row (padding, and rows past the plane,
 * are 0). One multiply of such a vector by the splat weight pair (w[2i][kx], w[2i + 1][kx])
 * gives two taps of LANES outputs, so a K x K window takes (K + 1) / 2 pair rows and (K + 1) / 2
 * x K multiplies per vector of outputs (K odd: the last pair's second weight is 0). Every
 * product and every sum of two is below 2^16 x 255 in magnitude: exact in int32.
 *   stride 1: pair row q = padded rows (q, q + 1); output row y reads pair rows y + 2i, output x
 *             tap kx reads element x + kx.
 *   stride 2: pair row q = padded rows (2q, 2q + 1); the row is split in two blocks of `half`
 *             elements, the even padded columns then the odd ones, so that output x tap kx reads
 *             element x + kx / 2 of block kx % 2 (consecutive for consecutive x); output row y
 *             reads pair rows y + i.
 * Then trips of 16 outputs (the last one's extra lanes computed on the zeros past the row and
 * not stored), requantized in registers and stored as one 16-byte vector.
 *
 * What an ISA file provides (all INLINE):
 *   IVEC, LANES             the vector type and its int32 lanes (4 or 8)
 *   iv_load(p)              LANES int32 at p (unaligned)
 *   iv_splat(v)             v in every lane
 *   iv_madd(x, w)           per int32 lane: x.lo16 * w.lo16 + x.hi16 * w.hi16 (signed)
 *   iv_add(a, b)            a + b per int32 lane (wrapping)
 *   struct requant, requant_init(scale, params, &k), requant16(acc, &k, out)
 *                           16 / LANES accumulator vectors (16 outputs in order) requantized as
 *                           the header says, stored as 16 int8 at out
 *   widen16(a, b, zp, out)  16 pairs (a[c] - zp, b[c] - zp), c < 16, to out[0 .. 16)
 *   widen32_split(a, b, zp, even, odd)
 *                           the same for the even columns of a[0 .. 32) and b[0 .. 32) to
 *                           even[0 .. 16) and for the odd ones to odd[0 .. 16)
 */
#if !defined(LANES) || !defined(INLINE)
#error "pairs.h is included by the ISA files of kernels/qs8-dwconv2d-chw after INLINE, IVEC, LANES, ..."
#endif

#include <string.h>

#include <sprig/qs8-dwconv2d-chw.h>

/* Outputs per trip; input columns per widening step (stride 1, stride 2). */
#define TRIP 16
#define CHUNK_S1 16
#define CHUNK_S2 32
#define MAX_PAIR_ROWS 3
#define MAX_K 5

/* Loops with a compile-time trip count unrolled fully, so that the arrays over them are registers. */
#if defined(__clang__)
#define UNROLL_ALL _Pragma("clang loop unroll(full)")
#else
#define UNROLL_ALL _Pragma("GCC unroll 32")
#endif

/* Padded row r of the plane: its input row, or the row of zero points above and below it. */
INLINE const int8_t* padded_row(const int8_t* input, size_t input_height, size_t input_width, size_t r,
                                uint32_t padding_top, const int8_t* zero_point_row) {
  return r < padding_top || r - padding_top >= input_height ? zero_point_row
                                                            : input + (r - padding_top) * input_width;
}

/* The last `width % chunk` columns of rows a and b copied after each other into `tail` (2 x
 * chunk bytes), filled with the zero point past them. */
INLINE void copy_tails(const int8_t* a, const int8_t* b, size_t n, size_t chunk, int8_t zero_point, int8_t* tail) {
  memset(tail, zero_point, 2 * chunk);
  memcpy(tail, a, n);
  memcpy(tail + chunk, b, n);
}

/* Stride 1: element c of the pair row is (a[c - P], b[c - P]) - zp, 0 in the padding. */
INLINE void widen_row_s1(size_t p, size_t width, const int8_t* a, const int8_t* b, int8_t zero_point,
                         int32_t* out, size_t row) {
  memset(out, 0, p * sizeof(int32_t));
  size_t c = 0;
  for (; c + CHUNK_S1 <= width; c += CHUNK_S1) {
    widen16(a + c, b + c, zero_point, out + p + c);
  }
  if (c < width) {
    int8_t tail[2 * CHUNK_S1];
    copy_tails(a + c, b + c, width - c, CHUNK_S1, zero_point, tail);
    widen16(tail, tail + CHUNK_S1, zero_point, out + p + c);
    c += CHUNK_S1;
  }
  memset(out + p + c, 0, (row - p - c) * sizeof(int32_t));
}

/* Stride 2: padded column 2j + parity to element j of block `parity` (`half` elements each).
 * Input column i is padded column i + P: the even input columns fill block P % 2 from element
 * P / 2 on, the odd ones block 1 - P % 2 from element (P + 1) / 2 on. */
INLINE void widen_row_s2(size_t p, size_t width, const int8_t* a, const int8_t* b, int8_t zero_point,
                         int32_t* out, size_t half) {
  int32_t* even = out + (p % 2) * half + p / 2;
  int32_t* odd = out + (1 - p % 2) * half + (p + 1) / 2;
  memset(out, 0, 2 * sizeof(int32_t));
  memset(out + half, 0, 2 * sizeof(int32_t));
  size_t c = 0;
  for (; c + CHUNK_S2 <= width; c += CHUNK_S2) {
    widen32_split(a + c, b + c, zero_point, even + c / 2, odd + c / 2);
  }
  if (c < width) {
    int8_t tail[2 * CHUNK_S2];
    copy_tails(a + c, b + c, width - c, CHUNK_S2, zero_point, tail);
    widen32_split(tail, tail + CHUNK_S2, zero_point, even + c / 2, odd + c / 2);
    c += CHUNK_S2;
  }
  const size_t even_end = (size_t) (even - out) + c / 2, odd_end = (size_t) (odd - out) + c / 2;
  memset(out + even_end, 0, ((p % 2) * half + half - even_end) * sizeof(int32_t));
  memset(out + odd_end, 0, ((1 - p % 2) * half + half - odd_end) * sizeof(int32_t));
}

/* Element offset of tap column kx from an output's first element. */
INLINE size_t tap_offset(size_t s, size_t kx, size_t half) {
  return s == 1 ? kx : (kx % 2) * half + kx / 2;
}

/* The splat weight pairs (w[2i][kx], w[2i + 1][kx]) of pair row i, tap column kx. */
INLINE void weight_pairs(size_t k, const int8_t* weights, IVEC* pairs) {
  for (size_t i = 0; i < (k + 1) / 2; i++) {
    for (size_t kx = 0; kx < k; kx++) {
      const uint32_t lo = (uint16_t) (int16_t) weights[2 * i * k + kx];
      const uint32_t hi = 2 * i + 1 < k ? (uint16_t) (int16_t) weights[(2 * i + 1) * k + kx] : 0u;
      pairs[i * k + kx] = iv_splat((int32_t) (lo | hi << 16));
    }
  }
}

/* One output row: trips of TRIP outputs over the pair rows `rows`. */
INLINE void output_row(size_t k, size_t s, size_t output_width, const int32_t* const* rows, size_t half,
                       const IVEC* pairs, IVEC bias, const struct requant* rq, int8_t* out) {
  for (size_t x = 0; x < output_width; x += TRIP) {
    IVEC acc[TRIP / LANES];
    UNROLL_ALL for (size_t u = 0; u < TRIP / LANES; u++) {
      acc[u] = bias;
    }
    UNROLL_ALL for (size_t i = 0; i < (k + 1) / 2; i++) {
      UNROLL_ALL for (size_t kx = 0; kx < k; kx++) {
        const int32_t* at = rows[i] + tap_offset(s, kx, half) + x;
        UNROLL_ALL for (size_t u = 0; u < TRIP / LANES; u++) {
          acc[u] = iv_add(acc[u], iv_madd(iv_load(at + u * LANES), pairs[i * k + kx]));
        }
      }
    }
    if (output_width - x >= TRIP) {
      requant16(acc, rq, out + x);
    } else {
      int8_t last[TRIP];
      requant16(acc, rq, last);
      memcpy(out + x, last, output_width - x);
    }
  }
}

INLINE void dwconv(size_t k, size_t s, size_t input_height, size_t input_width, size_t output_height,
                   size_t output_width, const int8_t* input, const int8_t* weights, int32_t bias, float scale,
                   int8_t* output, uint32_t padding_top, void* scratch,
                   const struct sprig_qs8_dwconv2d_chw_params* params) {
  const size_t p = (k - 1) / 2, pair_rows_per_output = (k + 1) / 2;
  const size_t row = sprig_qs8_dwconv2d_chw_row_elements(input_width, k), half = row / 2;
  const size_t pair_rows = s == 1 ? output_height - 1 + k : output_height + pair_rows_per_output - 1;
  int32_t* plane = scratch;
  int8_t* zero_point_row = (int8_t*) (plane + ((output_height - 1) * s + k + 2) * row);
  const int8_t zero_point = (int8_t) params->input_zero_point;
  memset(zero_point_row, zero_point, input_width + 32);
  for (size_t q = 0; q < pair_rows; q++) {
    const int8_t* a = padded_row(input, input_height, input_width, q * s, padding_top, zero_point_row);
    const int8_t* b = padded_row(input, input_height, input_width, q * s + 1, padding_top, zero_point_row);
    if (s == 1) {
      widen_row_s1(p, input_width, a, b, zero_point, plane + q * row, row);
    } else {
      widen_row_s2(p, input_width, a, b, zero_point, plane + q * row, half);
    }
  }
  IVEC pairs[MAX_PAIR_ROWS * MAX_K];
  weight_pairs(k, weights, pairs);
  struct requant rq;
  requant_init(scale, &params->requant, &rq);
  const IVEC bias_vector = iv_splat(bias);
  for (size_t y = 0; y < output_height; y++) {
    const int32_t* rows[MAX_PAIR_ROWS];
    for (size_t i = 0; i < pair_rows_per_output; i++) {
      rows[i] = plane + (s == 1 ? y + 2 * i : y + i) * row;
    }
    output_row(k, s, output_width, rows, half, pairs, bias_vector, &rq, output + y * output_width);
  }
}

#define DEFINE_KERNEL(kernel, stride, suffix)                                                      \
  void sprig_qs8_dwconv2d_chw_ukernel_##kernel##x##kernel##s##stride##__##suffix(                  \
      size_t input_height, size_t input_width, size_t output_height, size_t output_width,          \
      const int8_t* input, const int8_t* weights, int32_t bias, float scale, int8_t* output,       \
      uint32_t padding_top, void* scratch, const struct sprig_qs8_dwconv2d_chw_params* params) {   \
    dwconv(kernel, stride, input_height, input_width, output_height, output_width, input, weights, \
           bias, scale, output, padding_top, scratch, params);                                     \
  }
