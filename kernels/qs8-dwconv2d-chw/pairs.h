/*
 * The int8 direct depthwise convolution on row pairs (src/sprig/qs8-dwconv2d-chw.h), shared by
 * sse2.c, avx2.c and wasmsimd.c: ISAs with a multiply that sums adjacent int16 products into an
 * int32 lane (pmaddwd, i32x4.dot_i16x8_s). Not compiled on its own: each of those files defines
 * the names below, includes this header once, then defines its kernels with DEFINE_KERNEL(K, S).
 *
 * The plane is widened in scratch to pair rows: pair row q holds, for every padded column c,
 * one int32 element whose low int16 is in(a, c) and whose high int16 is in(a + 1, c), a = q x S
 * the padded row (padding, and rows past the plane: the input zero point). One multiply of such
 * a vector by the splat weight pair (w[2i][kx], w[2i + 1][kx]) gives two taps of LANES outputs,
 * so a K x K window takes (K + 1) / 2 pair rows and (K + 1) / 2 x K multiplies per vector of
 * outputs (K odd: the last pair's second weight is 0). The sums are then sum(w x), and the bias
 * takes - input_zero_point x sum(w) (all in int32, wrapping as the header's sum does: the same
 * result). Every product, and every sum of two, is at most 2^15 in magnitude.
 * The pair rows lie back to back (flat.h), so that output (y, x) is flat output j = y x stride
 * + x and reads element j + a constant per tap: the outputs are one long row, computed in trips
 * of TRIP across row ends (the few flat outputs past output_width in each row are computed and
 * dropped), requantized in registers and stored 16 at a time into scratch, from where the rows
 * are copied out.
 *   stride 1: pair row q = padded rows (q, q + 1), stride = the padded width; output row y
 *             reads pair rows y + 2i, tap kx element x + kx.
 *   stride 2: pair row q = padded rows (2q, 2q + 1), its even padded columns in the even plane
 *             and its odd ones in the odd plane (stride = half the padded width, rounded up);
 *             output row y reads pair rows y + i, tap kx element x + kx / 2 of plane kx % 2.
 * Input rows are read in whole 16-byte steps (rows.h); what a step writes past a row's columns
 * the row's right padding overwrites, or the next rows do.
 *
 * What an ISA file provides (all INLINE):
 *   IVEC, LANES             the vector type and its int32 lanes (4 or 8)
 *   iv_load(p), iv_store(p, v)
 *                           LANES int32 at p (unaligned)
 *   iv_splat(v)             v in every lane
 *   iv_madd(x, w)           per int32 lane: x.lo16 * w.lo16 + x.hi16 * w.hi16 (signed)
 *   iv_add(a, b)            a + b per int32 lane (wrapping)
 *   struct requant, requant_init(scale, params, &k), requant16(acc, &k, out)
 *                           16 / LANES accumulator vectors (16 outputs in order) requantized as
 *                           the header says, stored as 16 int8 at out
 *   widen16(a, b, out)      16 pairs (a[c], b[c]), c < 16, to out[0 .. 16)
 *   widen16_split(a, b, even, odd)
 *                           the same for the even columns of a[0 .. 16) and b[0 .. 16) to
 *                           even[0 .. 8) and for the odd ones to odd[0 .. 8)
 *   store4(p, v)            v to p[0 .. 4)
 */
#if !defined(LANES) || !defined(INLINE)
#error "pairs.h is included by the ISA files of kernels/qs8-dwconv2d-chw after INLINE, IVEC, LANES, ..."
#endif

#include <string.h>

#include <isa/unroll.h>
#include <sprig/qs8-dwconv2d-chw.h>

#include "flat.h"
#include "rows.h"

/* Outputs per trip; input columns per widening step. */
#define TRIP 16
#define CHUNK 16
#define MAX_PAIR_ROWS 3
#define MAX_K 5

/* acc + iv_madd(x, w). */
INLINE IVEC iv_madd_add(IVEC acc, IVEC x, IVEC w) {
  return iv_add(acc, iv_madd(x, w));
}

/* Pair row q, stride 1: element c of the row is (a[c - P], b[c - P]), the zero point pair
 * `padding` in the padding (the left padding was written with the row before, or at the start). */
INLINE void widen_row_s1(size_t p, size_t width, const int8_t* a, const int8_t* b, int32_t padding, int32_t* row) {
  for (size_t c = 0; c < width; c += CHUNK) {
    widen16(a + c, b + c, row + p + c);
  }
  store4(row + p + width, padding); /* the right padding, and the next row's left padding */
}

/* Pair row q, stride 2: padded column 2j + parity to element j of the row in plane `parity`.
 * Input column i is padded column i + P: the even input columns fill plane P % 2 from element
 * P / 2 on, the odd ones plane 1 - P % 2 from element (P + 1) / 2 on. */
INLINE void widen_row_s2(size_t p, size_t width, const int8_t* a, const int8_t* b, int32_t padding,
                         int32_t* even_row, int32_t* odd_row) {
  int32_t* from_even = (p % 2 ? odd_row : even_row) + p / 2;
  int32_t* from_odd = (p % 2 ? even_row : odd_row) + (p + 1) / 2;
  for (size_t c = 0; c < width; c += CHUNK) {
    widen16_split(a + c, b + c, from_even + c / 2, from_odd + c / 2);
  }
  store4(from_even + (width + 1) / 2, padding);
  store4(from_odd + width / 2, padding);
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

/* Every flat output, TRIP at a time, to out: pair row group i of tap column kx starts
 * 2 i x stride + kx elements along (stride 1), i x stride + kx / 2 along plane kx % 2 (stride 2). */
INLINE void flat_outputs(size_t k, size_t s, const struct flat* f, const int32_t* plane, const IVEC* pairs,
                         IVEC bias, const struct requant* rq, int8_t* out) {
  for (size_t j = 0; j < f->outputs; j += TRIP) {
    IVEC acc[TRIP / LANES];
    UNROLL_ALL for (size_t u = 0; u < TRIP / LANES; u++) {
      acc[u] = bias;
    }
    UNROLL_ALL for (size_t i = 0; i < (k + 1) / 2; i++) {
      const int32_t* group = plane + j + (s == 1 ? 2 * i : i) * f->stride;
      UNROLL_ALL for (size_t kx = 0; kx < k; kx++) {
        const int32_t* at = s == 1 ? group + kx : group + (kx % 2) * f->plane_elements + kx / 2;
        UNROLL_ALL for (size_t u = 0; u < TRIP / LANES; u++) {
          acc[u] = iv_madd_add(acc[u], iv_load(at + u * LANES), pairs[i * k + kx]);
        }
      }
    }
    UNROLL_ALL for (size_t g = 0; g < TRIP / 16; g++) {
      requant16(acc + g * (16 / LANES), rq, out + j + 16 * g);
    }
  }
}

INLINE void dwconv(size_t k, size_t s, size_t input_height, size_t input_width, size_t output_height,
                   size_t output_width, const int8_t* input, const int8_t* weights, int32_t bias, float scale,
                   int8_t* output, uint32_t padding_top, void* scratch,
                   const struct sprig_qs8_dwconv2d_chw_params* params) {
  const size_t p = (k - 1) / 2;
  struct flat f;
  const size_t planes = s == 1 ? 1 : 2;
  flat_init(&f, k, s, input_width, output_height, s == 1 ? (output_height - 1) + k : output_height + p, planes, TRIP);
  int32_t* plane = scratch;
  int8_t* flat_out = (int8_t*) (plane + f.elements);
  const int8_t zero_point = (int8_t) params->input_zero_point;
  struct input_rows in;
  input_rows_init(&in, input, input_height, input_width, padding_top, zero_point, CHUNK, flat_out + f.output_bytes);
  const uint32_t zero_point_bits = (uint16_t) (int16_t) zero_point;
  const int32_t padding = (int32_t) (zero_point_bits | zero_point_bits << 16);
  for (size_t i = 0; i < planes; i++) {
    store4(plane + i * f.plane_elements, padding); /* the first row's left padding */
  }
  const int8_t* b = input_row(&in, 0);
  for (size_t q = 0; q < f.rows; q++) {
    /* Stride 1: row a is the previous pair row's b. */
    const int8_t* a = s == 1 ? b : input_row(&in, q * s);
    b = input_row(&in, q * s + 1);
    if (s == 1) {
      widen_row_s1(p, input_width, a, b, padding, plane + q * f.stride);
    } else {
      widen_row_s2(p, input_width, a, b, padding, plane + q * f.stride, plane + f.plane_elements + q * f.stride);
    }
  }
  for (size_t i = 0; i < planes; i++) {
    for (size_t e = 0; e < FLAT_GAP; e += LANES) {
      iv_store(plane + i * f.plane_elements + f.rows * f.stride + e, iv_splat(0));
    }
  }
  IVEC pairs[MAX_PAIR_ROWS * MAX_K];
  weight_pairs(k, weights, pairs);
  struct requant rq;
  requant_init(scale, &params->requant, &rq);
  const int32_t folded_bias = sprig_qs8_dwconv2d_chw_folded_bias(bias, zero_point, k, weights);
  flat_outputs(k, s, &f, plane, pairs, iv_splat(folded_bias), &rq, flat_out);
  flat_copy_out(&f, flat_out, output_height, output_width, output);
}
