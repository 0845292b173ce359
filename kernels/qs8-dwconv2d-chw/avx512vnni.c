/*
 * x86 AVX-512 VNNI int8 direct depthwise convolution (src/sprig/qs8-dwconv2d-chw.h) on quad rows:
 * one vpdpbusd adds four taps of 16 outputs (the sdot scheme of aarch64-neondot.c, with x86's
 * unsigned-by-signed byte product).
 *
 * Quad row t holds, for every padded column c, one 4-byte element: in(2t + i, c) + 128 as uint8
 * for i = 0 .. 3 (padding and rows past the plane: the input zero point + 128). Quad rows start
 * every second padded row, so that each serves two output rows at stride 1. Output row y reads
 * padded rows b .. b + K - 1, b = y x S: quad rows t + 2g (t = b / 2, g < G = ceil(K / 4)) with
 * the weight quads W[r][g][kx] whose byte i is w[4g + i - r][kx] (0 outside the kernel), r = b % 2.
 * A 3x3 window is then 3 vpdpbusd per 16 outputs, a 5x5 one 10 (vpdpwssd on row pairs: 6 and 15).
 * The sums are sum(w (x + 128)); the bias takes - (input_zero_point + 128) x sum(w) (int32,
 * wrapping: the header's sum).
 *
 * Layout (flat.h): the quad rows lie back to back in scratch, `stride` elements each (stride 1:
 * the padded width; stride 2: the even and the odd padded columns in planes of their own, stride
 * half the padded width rounded up), followed by FLAT_GAP zero elements. Stride 1 computes two
 * passes, r = 0 (output rows 2t) and r = 1 (2t + 1), stride 2 one (output rows t); output x of
 * pass r's row t reads element t x stride + x + 2g x stride + kx (stride 2: + kx / 2 of plane
 * kx % 2). Each output row is computed in place: trips of 64 outputs (4 accumulators), then one
 * of 16 to 64 whose last vector is stored masked; rows of at most 8 outputs in one 256-bit
 * vector. Requantized in registers as the header says (convert, scale, clamp, vcvtps2dq rounding
 * to nearest even, + zero point, vpmovsdb narrowing the in-range values exactly).
 *
 * Building the quad rows: two padded rows byte-interleaved (punpck*bw) make a pair, + 128; a
 * quad row is the 16-bit interleave (punpck*wd) of consecutive pairs, each pair built once and
 * used by two quad rows. Rows are read by masked loads (the columns past the row take the zero
 * point; nothing outside the plane is read), 64 columns a step (a 4 x 4 transpose of 128-bit
 * lanes puts the quads in column order; stride 2: one vpshufb per lane first puts its even
 * columns before its odd ones, one vpermt2q per 16 quads orders them), or 16 on planes at most
 * NARROW_WIDTH wide (fewer operations for a step mostly of padding). Element stores are masked to
 * the row's columns, so a row never writes into its neighbours; the padding elements are written
 * first (a row's right padding and the next row's left padding lie together).
 */
#include <immintrin.h>
#include <stdbool.h>

#include <isa/unroll.h>
#include <sprig/qs8-dwconv2d-chw.h>

#define INLINE static inline __attribute__((always_inline))

#include "flat.h"

#define TRIP 64
#define NARROW_WIDTH 40 /* planes at most this wide are built in steps of 16 columns, others of 64 */
#define MAX_K 5
#define MAX_GROUPS 2 /* quad rows per output row: ceil(K / 4) */

struct requant {
  __m512 scale, lowest, highest;
  __m512i zero_point;
};

INLINE void requant_init(float scale, const struct sprig_qs8_requant_params* params, struct requant* k) {
  k->scale = _mm512_set1_ps(scale);
  k->lowest = _mm512_set1_ps(params->lowest);
  k->highest = _mm512_set1_ps(params->highest);
  k->zero_point = _mm512_set1_epi32(params->zero_point);
}

INLINE __m128i requant16(__m512i acc, const struct requant* k) {
  const __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), k->scale);
  const __m512i r = _mm512_cvtps_epi32(_mm512_min_ps(_mm512_max_ps(v, k->lowest), k->highest));
  return _mm512_cvtsepi32_epi8(_mm512_add_epi32(r, k->zero_point));
}

INLINE void store4(int32_t* p, int32_t v) {
  _mm_storeu_si128((__m128i*) p, _mm_set1_epi32(v));
}

/* Lanes [0, n) of 16. */
INLINE uint32_t lanes(size_t n) {
  return n >= 16 ? 0xffffu : (1u << n) - 1;
}

/* Lanes [0, n) of 64. */
INLINE uint64_t lanes64(size_t n) {
  return n >= 64 ? UINT64_MAX : (UINT64_C(1) << n) - 1;
}

/*
 * Building steps of `step` = 64 input columns, or of 16 (`narrow`: in the low 128 bits of the
 * registers). Each padded row is read as its input row r - padding_top, the columns past the row
 * and the rows outside the plane as the zero point (masked loads: nothing outside the plane is
 * read).
 */
struct plane_rows {
  const int8_t* input;
  size_t height, width;
  size_t padding_top;
  __m512i zero_point;
};

INLINE size_t step_columns(bool narrow) {
  return narrow ? 16 : 64;
}

/* The lanes of a step from input column c on that are the row's. */
INLINE uint64_t step_mask(bool narrow, size_t width, size_t c) {
  return narrow ? lanes(width - c) : lanes64(width - c);
}

/* The step of padded row r from input column c on, + 128 (as uint8). */
INLINE __m512i row_step(bool narrow, const struct plane_rows* rows, size_t r, size_t c, uint64_t mask) {
  const __m512i flip = _mm512_set1_epi8((char) 0x80);
  const size_t i = r - rows->padding_top; /* wraps above the plane */
  if (r < rows->padding_top || i >= rows->height) {
    return _mm512_xor_si512(rows->zero_point, flip);
  }
  const int8_t* from = rows->input + i * rows->width + c;
  const __m512i x = narrow ? _mm512_castsi128_si512(_mm_mask_loadu_epi8(_mm512_castsi512_si128(rows->zero_point),
                                                                       (__mmask16) mask, from))
                           : _mm512_mask_loadu_epi8(rows->zero_point, (__mmask64) mask, from);
  return _mm512_xor_si512(x, flip);
}

/* Rows a and b of one step byte-interleaved: 16-bit pairs, lane L of lo holding columns
 * 16L .. 16L + 7, of hi 16L + 8 .. 16L + 15 (`split`: lo the lane's even columns, hi its odd). */
INLINE void pair_rows(bool narrow, __m512i a, __m512i b, bool split, __m512i* lo, __m512i* hi) {
  const __m128i order = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
  if (narrow) {
    __m128i a16 = _mm512_castsi512_si128(a), b16 = _mm512_castsi512_si128(b);
    if (split) {
      a16 = _mm_shuffle_epi8(a16, order);
      b16 = _mm_shuffle_epi8(b16, order);
    }
    *lo = _mm512_castsi128_si512(_mm_unpacklo_epi8(a16, b16));
    *hi = _mm512_castsi128_si512(_mm_unpackhi_epi8(a16, b16));
    return;
  }
  if (split) {
    a = _mm512_shuffle_epi8(a, _mm512_broadcast_i32x4(order));
    b = _mm512_shuffle_epi8(b, _mm512_broadcast_i32x4(order));
  }
  *lo = _mm512_unpacklo_epi8(a, b);
  *hi = _mm512_unpackhi_epi8(a, b);
}

/* Elements [0, 8) of the 16-bit interleave of a and b to p, those set in `mask`. */
INLINE void store_quads8(int32_t* p, __m128i a, __m128i b, uint64_t mask) {
  _mm_mask_storeu_epi32(p, (__mmask8) (mask & 0xf), _mm_unpacklo_epi16(a, b));
  _mm_mask_storeu_epi32(p + 4, (__mmask8) (mask >> 4 & 0xf), _mm_unpackhi_epi16(a, b));
}

/* Stride 1: the quads of a step from pairs (lo, hi) over pairs (next_lo, next_hi) to `row`,
 * those of `mask`. A 64-column step's quads of lane L come out of the 16-bit interleaves in four
 * registers (columns 16L + 0-3, 4-7, 8-11, 12-15): a 4 x 4 transpose of 128-bit lanes puts them
 * in column order. */
INLINE void store_quads_s1(bool narrow, int32_t* row, __m512i lo, __m512i hi, __m512i next_lo, __m512i next_hi,
                           uint64_t mask) {
  if (narrow) {
    store_quads8(row, _mm512_castsi512_si128(lo), _mm512_castsi512_si128(next_lo), mask);
    store_quads8(row + 8, _mm512_castsi512_si128(hi), _mm512_castsi512_si128(next_hi), mask >> 8);
    return;
  }
  const __m512i q0 = _mm512_unpacklo_epi16(lo, next_lo), q1 = _mm512_unpackhi_epi16(lo, next_lo);
  const __m512i q2 = _mm512_unpacklo_epi16(hi, next_hi), q3 = _mm512_unpackhi_epi16(hi, next_hi);
  const __m512i t0 = _mm512_shuffle_i64x2(q0, q1, 0x44), t1 = _mm512_shuffle_i64x2(q2, q3, 0x44);
  const __m512i t2 = _mm512_shuffle_i64x2(q0, q1, 0xEE), t3 = _mm512_shuffle_i64x2(q2, q3, 0xEE);
  _mm512_mask_storeu_epi32(row, (__mmask16) mask, _mm512_shuffle_i64x2(t0, t1, 0x88));
  _mm512_mask_storeu_epi32(row + 16, (__mmask16) (mask >> 16), _mm512_shuffle_i64x2(t0, t1, 0xDD));
  _mm512_mask_storeu_epi32(row + 32, (__mmask16) (mask >> 32), _mm512_shuffle_i64x2(t2, t3, 0x88));
  _mm512_mask_storeu_epi32(row + 48, (__mmask16) (mask >> 48), _mm512_shuffle_i64x2(t2, t3, 0xDD));
}

/* Stride 2: the quads of one parity of a step (lane L of a / b: pairs of that parity's elements
 * 8L .. 8L + 7 of the quad row's first / last two rows) to p, those of `mask`. */
INLINE void store_quads_s2(bool narrow, int32_t* p, __m512i a, __m512i b, uint64_t mask) {
  if (narrow) {
    store_quads8(p, _mm512_castsi512_si128(a), _mm512_castsi512_si128(b), mask);
    return;
  }
  const __m512i first = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11);
  const __m512i second = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
  const __m512i q0 = _mm512_unpacklo_epi16(a, b), q1 = _mm512_unpackhi_epi16(a, b); /* 8L + 0-3, 8L + 4-7 */
  _mm512_mask_storeu_epi32(p, (__mmask16) mask, _mm512_permutex2var_epi64(q0, first, q1));
  _mm512_mask_storeu_epi32(p + 16, (__mmask16) (mask >> 16), _mm512_permutex2var_epi64(q0, second, q1));
}

/* Stride 1: quad rows [0, rows), step by step over the input columns, each step down the rows. */
INLINE void quad_rows_s1(bool narrow, size_t p, const struct plane_rows* in, size_t rows, const struct flat* f,
                         int32_t* plane) {
  const size_t width = in->width;
  for (size_t c = 0; c < width; c += step_columns(narrow)) {
    const uint64_t mask = step_mask(narrow, width, c);
    __m512i lo, hi;
    pair_rows(narrow, row_step(narrow, in, 0, c, mask), row_step(narrow, in, 1, c, mask), false, &lo, &hi);
    for (size_t t = 0; t < rows; t++) {
      __m512i next_lo, next_hi;
      pair_rows(narrow, row_step(narrow, in, 2 * t + 2, c, mask), row_step(narrow, in, 2 * t + 3, c, mask), false,
                &next_lo, &next_hi);
      store_quads_s1(narrow, plane + t * f->stride + p + c, lo, hi, next_lo, next_hi, mask);
      lo = next_lo;
      hi = next_hi;
    }
  }
}

/* Stride 2: input column i is padded column i + P: the even input columns go to plane P % 2 from
 * element P / 2 on, the odd ones to plane 1 - P % 2 from element (P + 1) / 2 on. */
INLINE void quad_rows_s2(bool narrow, size_t p, const struct plane_rows* in, size_t rows, const struct flat* f,
                         int32_t* plane) {
  const size_t width = in->width;
  int32_t* from_even = plane + (p % 2) * f->plane_elements + p / 2;
  int32_t* from_odd = plane + (1 - p % 2) * f->plane_elements + (p + 1) / 2;
  for (size_t c = 0; c < width; c += step_columns(narrow)) {
    const uint64_t mask = step_mask(narrow, width, c);
    const uint64_t even_mask = lanes64((width - c + 1) / 2), odd_mask = lanes64((width - c) / 2);
    __m512i even, odd;
    pair_rows(narrow, row_step(narrow, in, 0, c, mask), row_step(narrow, in, 1, c, mask), true, &even, &odd);
    for (size_t t = 0; t < rows; t++) {
      __m512i next_even, next_odd;
      pair_rows(narrow, row_step(narrow, in, 2 * t + 2, c, mask), row_step(narrow, in, 2 * t + 3, c, mask), true,
                &next_even, &next_odd);
      store_quads_s2(narrow, from_even + t * f->stride + c / 2, even, next_even, even_mask);
      store_quads_s2(narrow, from_odd + t * f->stride + c / 2, odd, next_odd, odd_mask);
      even = next_even;
      odd = next_odd;
    }
  }
}

/* Every plane's padding elements (before the rows: a row's data stores never reach them), and
 * the FLAT_GAP zeros after the last row (which the last trips read). */
INLINE void padding_elements(size_t s, size_t p, size_t width, const struct flat* f, int32_t padding,
                             int32_t* plane) {
  const size_t planes = s == 1 ? 1 : 2;
  for (size_t i = 0; i < planes; i++) {
    int32_t* first = plane + i * f->plane_elements;
    store4(first, padding); /* the first row's left padding */
    /* Each row's right padding and the next row's left padding: stride 1 after element P + width;
     * stride 2 after element P / 2 + ceil(width / 2) (the plane of the even input columns) or
     * (P + 1) / 2 + floor(width / 2) (the odd ones). */
    const size_t end = s == 1 ? p + width : i == p % 2 ? p / 2 + (width + 1) / 2 : (p + 1) / 2 + width / 2;
    for (size_t t = 0; t < f->rows; t++) {
      store4(first + t * f->stride + end, padding);
    }
    for (size_t e = 0; e < FLAT_GAP; e += 16) {
      _mm512_storeu_si512(first + f->rows * f->stride + e, _mm512_setzero_si512());
    }
  }
}

/* nv x 16 outputs of one output row (out), flat outputs j .. (the last vector's first `last`
 * lanes only), with weight quads w[g x K + kx]. */
INLINE void trip(size_t nv, size_t k, size_t s, const struct flat* f, const int32_t* plane, const __m512i* w,
                 __m512i bias, const struct requant* rq, size_t j, size_t last, int8_t* out) {
  __m512i acc[TRIP / 16];
  UNROLL_ALL for (size_t u = 0; u < nv; u++) {
    acc[u] = bias;
  }
  UNROLL_ALL for (size_t g = 0; g < (k + 3) / 4; g++) {
    UNROLL_ALL for (size_t kx = 0; kx < k; kx++) {
      const int32_t* at = s == 1 ? plane + j + 2 * g * f->stride + kx
                                 : plane + (kx % 2) * f->plane_elements + j + 2 * g * f->stride + kx / 2;
      UNROLL_ALL for (size_t u = 0; u < nv; u++) {
        acc[u] = _mm512_dpbusd_epi32(acc[u], _mm512_loadu_si512(at + 16 * u), w[g * k + kx]);
      }
    }
  }
  UNROLL_ALL for (size_t u = 0; u + 1 < nv; u++) {
    _mm_storeu_si128((__m128i*) (out + 16 * u), requant16(acc[u], rq));
  }
  _mm_mask_storeu_epi8(out + 16 * (nv - 1), (__mmask16) lanes(last), requant16(acc[nv - 1], rq));
}

/* An output row of at most 8 outputs in one 256-bit vector (half the work of a 512-bit one). */
INLINE void trip8(size_t k, size_t s, const struct flat* f, const int32_t* plane, const __m512i* w, __m512i bias,
                  const struct requant* rq, size_t j, size_t output_width, int8_t* out) {
  __m256i acc = _mm512_castsi512_si256(bias);
  UNROLL_ALL for (size_t g = 0; g < (k + 3) / 4; g++) {
    UNROLL_ALL for (size_t kx = 0; kx < k; kx++) {
      const int32_t* at = s == 1 ? plane + j + 2 * g * f->stride + kx
                                 : plane + (kx % 2) * f->plane_elements + j + 2 * g * f->stride + kx / 2;
      acc = _mm256_dpbusd_epi32(acc, _mm256_loadu_si256((const __m256i*) at), _mm512_castsi512_si256(w[g * k + kx]));
    }
  }
  const __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), _mm512_castps512_ps256(rq->scale));
  const __m256 clamped = _mm256_min_ps(_mm256_max_ps(v, _mm512_castps512_ps256(rq->lowest)),
                                       _mm512_castps512_ps256(rq->highest));
  const __m256i r = _mm256_add_epi32(_mm256_cvtps_epi32(clamped), _mm512_castsi512_si256(rq->zero_point));
  _mm_mask_storeu_epi8(out, (__mmask16) lanes(output_width), _mm256_cvtsepi32_epi8(r));
}

/* One output row (output_width outputs to out) from the flat row at j: trips of 4 vectors, then
 * one of 1 to 4 vectors (rows of at most 8 outputs: trip8). */
INLINE void row_outputs(size_t k, size_t s, const struct flat* f, const int32_t* plane, const __m512i* w,
                        __m512i bias, const struct requant* rq, size_t j, size_t output_width, int8_t* out) {
  if (output_width <= 8) {
    trip8(k, s, f, plane, w, bias, rq, j, output_width, out);
    return;
  }
  size_t x = 0;
  for (; x + TRIP < output_width; x += TRIP) {
    trip(4, k, s, f, plane, w, bias, rq, j + x, 16, out + x);
  }
  const size_t rest = output_width - x, last = rest - (rest - 1) / 16 * 16;
  switch ((rest + 15) / 16) {
    case 4:
      trip(4, k, s, f, plane, w, bias, rq, j + x, last, out + x);
      break;
    case 3:
      trip(3, k, s, f, plane, w, bias, rq, j + x, last, out + x);
      break;
    case 2:
      trip(2, k, s, f, plane, w, bias, rq, j + x, last, out + x);
      break;
    default:
      trip(1, k, s, f, plane, w, bias, rq, j + x, last, out + x);
      break;
  }
}

/* Pass r's weight quads W[r][g][kx] to w[g x K + kx]. */
INLINE void weight_quads(size_t k, size_t r, const int8_t* weights, __m512i* w) {
  UNROLL_ALL for (size_t g = 0; g < (k + 3) / 4; g++) {
    UNROLL_ALL for (size_t kx = 0; kx < k; kx++) {
      uint32_t bits = 0;
      UNROLL_ALL for (size_t i = 0; i < 4; i++) {
        const size_t ky = 4 * g + i - r; /* wraps past SIZE_MAX / 2 when 4g + i < r */
        if (ky < k) {
          bits |= (uint32_t) (uint8_t) weights[ky * k + kx] << (8 * i);
        }
      }
      w[g * k + kx] = _mm512_set1_epi32((int32_t) bits);
    }
  }
}

INLINE void dwconv(size_t k, size_t s, size_t input_height, size_t input_width, size_t output_height,
                   size_t output_width, const int8_t* input, const int8_t* weights, int32_t bias, float scale,
                   int8_t* output, uint32_t padding_top, void* scratch,
                   const struct sprig_qs8_dwconv2d_chw_params* params) {
  const size_t p = (k - 1) / 2, groups = (k + 3) / 4, passes = s == 1 ? 2 : 1, planes = s == 1 ? 1 : 2;
  /* Flat rows per pass: pass r has the output rows y = r (mod 2) at stride 1, all at stride 2. */
  const size_t flat_rows[2] = {s == 1 ? (output_height + 1) / 2 : output_height, output_height / 2};
  const size_t rows = flat_rows[0] + 2 * (groups - 1);
  struct flat f;
  flat_init(&f, k, s, input_width, output_height, rows, planes, 16); /* the plane's layout (rows computed in place) */
  int32_t* plane = scratch;
  const int8_t zero_point = (int8_t) params->input_zero_point;
  const struct plane_rows in = {input, input_height, input_width, padding_top, _mm512_set1_epi8(zero_point)};
  const uint32_t padding_byte = (uint8_t) (zero_point ^ 0x80);
  padding_elements(s, p, input_width, &f, (int32_t) (padding_byte * 0x01010101u), plane);
  /* The step width and stride as constants at each call, so that each builder is specialized. */
  const bool narrow = input_width <= NARROW_WIDTH;
  if (s == 1 && narrow) {
    quad_rows_s1(true, p, &in, rows, &f, plane);
  } else if (s == 1) {
    quad_rows_s1(false, p, &in, rows, &f, plane);
  } else if (narrow) {
    quad_rows_s2(true, p, &in, rows, &f, plane);
  } else {
    quad_rows_s2(false, p, &in, rows, &f, plane);
  }
  struct requant rq;
  requant_init(scale, &params->requant, &rq);
  const __m512i folded_bias =
      _mm512_set1_epi32(sprig_qs8_dwconv2d_chw_folded_bias(bias, (int32_t) zero_point + 128, k, weights));
  UNROLL_ALL for (size_t r = 0; r < passes; r++) {
    __m512i w[MAX_GROUPS * MAX_K];
    weight_quads(k, r, weights, w);
    for (size_t t = 0; t < flat_rows[r]; t++) {
      row_outputs(k, s, &f, plane, w, folded_bias, &rq, t * f.stride, output_width,
                  output + (t * passes + r) * output_width);
    }
  }
}

DEFINE_KERNEL(3, 1, avx512vnni)
DEFINE_KERNEL(3, 2, avx512vnni)
DEFINE_KERNEL(5, 1, avx512vnni)
DEFINE_KERNEL(5, 2, avx512vnni)
