/*
 * x86 AVX2 int8 c4 SpMM (no VNNI): signed int8 input, exact int32 sums.
 *
 * vpmaddubsw would saturate its int16 pair sums on full-range data, so the bytes are widened
 * instead: per entry and 8 pixels (32 input bytes), two vpmovsxbw (loads folded) sign-extend
 * 4 pixels each to 16 int16 [x0 x1 x2 x3 | ...], and vpmaddwd with the entry's weights as int16
 * [w0 w1 w2 w3] repeated gives two int32 lanes per pixel, x0 w0 + x1 w1 and x2 w2 + x3 w3
 * (at most 2 * 128 * 128, exact). Those are accumulated per lane (the dependency chain is one
 * vpaddd: no accumulator sets needed), and once per channel vphaddd adds each pixel's two lanes
 * and vpermq puts the 8 pixels in order.
 *
 * Pixel remainders: one pass over the last mc % MR pixels with as many 8-pixel vectors as they
 * need, the last one a vpmaskmovd load / store (masked-off lanes are neither read nor written
 * and cannot fault).
 */
#include <immintrin.h>
#include <string.h>

#include <sprig/qs8-spmm.h>

#define INLINE static inline __attribute__((always_inline))

#include "avx2-quartet-pack.h"

/* The loops over a tile's vectors have constant trip counts; unrolled fully, the accumulators
 * live in registers. */
#if defined(__clang__)
#define UNROLL _Pragma("clang loop unroll(full)")
#else
#define UNROLL _Pragma("GCC unroll 16")
#endif

/* The entry's 4 weights sign-extended to int16, the 64-bit group in every quarter. */
INLINE __m256i broadcast_weights(const int8_t* w) {
  int32_t word;
  memcpy(&word, w, sizeof(word));
  return _mm256_broadcastq_epi64(_mm_cvtepi8_epi16(_mm_cvtsi32_si128(word)));
}

/* Lanes [0, k) of a vpmaskmovd mask (0 < k <= 8). */
INLINE __m256i tail_mask(size_t k) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int) k), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* One tile of `nvec` 8-pixel vectors (compile-time) for all nc channels; the last vector
 * masked when `masked`. */
INLINE void qs8_spmm_tile(size_t nvec, bool masked, __m256i mask, size_t nc, const int8_t* input,
                          size_t input_stride, const int32_t* bias, const int8_t* weights, const uint32_t* quads,
                          const uint32_t* nnz, int32_t* output, size_t output_stride) {
  for (size_t n = 0; n < nc; n++) {
    /* lo[i]: pixels 8i .. 8i + 3, two lanes each; hi[i]: pixels 8i + 4 .. 8i + 7. */
    __m256i lo[8], hi[8];
    UNROLL for (size_t i = 0; i < nvec; i++) {
      lo[i] = _mm256_setzero_si256();
      hi[i] = _mm256_setzero_si256();
    }
    for (uint32_t e = nnz[n]; e != 0; e--) {
      const int8_t* x = input + (size_t) *quads++ * input_stride;
      const __m256i w = broadcast_weights(weights);
      weights += 4;
      UNROLL for (size_t i = 0; i < nvec; i++) {
        __m256i xlo, xhi;
        if (masked && i == nvec - 1) {
          const __m256i v = _mm256_maskload_epi32((const int*) (const void*) (x + 32 * i), mask);
          xlo = _mm256_cvtepi8_epi16(_mm256_castsi256_si128(v));
          xhi = _mm256_cvtepi8_epi16(_mm256_extracti128_si256(v, 1));
        } else {
          xlo = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*) (const void*) (x + 32 * i)));
          xhi = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*) (const void*) (x + 32 * i + 16)));
        }
        lo[i] = _mm256_add_epi32(lo[i], _mm256_madd_epi16(xlo, w));
        hi[i] = _mm256_add_epi32(hi[i], _mm256_madd_epi16(xhi, w));
      }
    }
    const __m256i b = _mm256_set1_epi32(bias[n]);
    int32_t* out = (int32_t*) ((char*) output + n * output_stride);
    UNROLL for (size_t i = 0; i < nvec; i++) {
      /* hadd: [p0 p1 p4 p5 | p2 p3 p6 p7]; vpermq 0, 2, 1, 3: pixels in order. */
      const __m256i sum = _mm256_add_epi32(
          _mm256_permute4x64_epi64(_mm256_hadd_epi32(lo[i], hi[i]), _MM_SHUFFLE(3, 1, 2, 0)), b);
      if (masked && i == nvec - 1) {
        _mm256_maskstore_epi32((int*) (void*) (out + 8 * i), mask, sum);
      } else {
        _mm256_storeu_si256((__m256i*) (void*) (out + 8 * i), sum);
      }
    }
  }
}

/* The last r (0 < r <= 64) pixels: ceil(r / 8) vectors, the last one masked. */
static void qs8_spmm_rest(size_t r, size_t nc, const int8_t* input, size_t input_stride, const int32_t* bias,
                          const int8_t* weights, const uint32_t* quads, const uint32_t* nnz, int32_t* output,
                          size_t output_stride) {
  const __m256i mask = tail_mask((r - 1) % 8 + 1);
#define REST_CASE(V)                                                                                           \
  case V:                                                                                                      \
    qs8_spmm_tile(V, true, mask, nc, input, input_stride, bias, weights, quads, nnz, output, output_stride); \
    break;
  switch ((r + 7) / 8) {
    REST_CASE(1)
    REST_CASE(2)
    REST_CASE(3)
    REST_CASE(4)
    REST_CASE(5)
    REST_CASE(6)
    REST_CASE(7)
    REST_CASE(8)
    default:
      break;
  }
#undef REST_CASE
}

#define QS8_SPMM_AVX2(MR, fn)                                                                                     \
  void fn(size_t mc, size_t nc, const int8_t* input, size_t input_stride, const int32_t* bias,                  \
          const int8_t* weights, const uint32_t* quads, const uint32_t* nnz, int32_t* output,                    \
          size_t output_stride) {                                                                                \
    size_t p = 0;                                                                                                \
    for (; p + (MR) <= mc; p += (MR)) {                                                                          \
      qs8_spmm_tile((MR) / 8, false, _mm256_setzero_si256(), nc, input + 4 * p, input_stride, bias, weights,    \
                    quads, nnz, output + p, output_stride);                                                      \
    }                                                                                                            \
    if (p < mc) {                                                                                                \
      qs8_spmm_rest(mc - p, nc, input + 4 * p, input_stride, bias, weights, quads, nnz, output + p,             \
                    output_stride);                                                                              \
    }                                                                                                            \
  }

/*
 * MR = 1 (batch-1 linear layers): vectorized over a channel's entries instead of its pixels.
 * Per group of 8 entries: one load of their 8 quad rows, the rows' byte offsets q * stride
 * (vpslld when the stride is a power of two, else vpmulld), one vpgatherdd of the 8 input words
 * (pixel p's 4 bytes of each row), and the 8 weight words; both sign-extended to int16 (4
 * vpmovsxbw, the weights' loads folded) and multiplied by 2 vpmaddwd: int32 lane pairs of
 * x0 w0 + x1 w1 and x2 w2 + x3 w3 per entry (exact), all of them the channel's, so the order of
 * the lanes does not matter. Groups go in turn into 2 pairs of accumulators (the dependency
 * chain is one vpaddd; more pairs spill with GCC 12); the channel's sum
 * is one horizontal add at its end. The last 1-7 entries are one masked group (vpmaskmovd and
 * the masked gather read none of the masked-off lanes). Pixels (mc, usually 1) are passes over
 * the weights.
 *
 * vpgatherdd takes signed 32-bit offsets: a group with a quad row beyond INT32_MAX / stride
 * (an input above 2 GB) is summed in scalar code with 64-bit addresses instead.
 */

/* The sum of `count` entries' products, scalar, with 64-bit addresses (int8_t input). */
static __attribute__((noinline, cold)) uint32_t dot_entries_scalar(const int8_t* x, size_t stride, const int8_t* w,
                                                                    const uint32_t* q, size_t count) {
  uint32_t sum = 0;
  for (size_t e = 0; e < count; e++) {
    const int8_t* px = (const int8_t*) x + (size_t) q[e] * stride;
    for (size_t t = 0; t < 4; t++) {
      sum += (uint32_t) ((int32_t) w[4 * e + t] * (int32_t) px[t]);
    }
  }
  return sum;
}

/* The largest quad row whose byte offset fits a gather index. */
INLINE uint32_t gather_limit(size_t stride) {
  return stride == 0 ? UINT32_MAX : (uint32_t) ((size_t) INT32_MAX / stride);
}

/* Byte offsets of the quad rows in q: a shift by `shift` bits or a product with `vstride`. */
INLINE __m256i row_offsets(__m256i q, bool pow2, __m128i shift, __m256i vstride) {
  return pow2 ? _mm256_sll_epi32(q, shift) : _mm256_mullo_epi32(q, vstride);
}

/* Nonzero when a lane of q (unsigned) is above vlimit (at most INT32_MAX): those lanes compare
 * greater as signed ints or have the sign bit set. */
INLINE int beyond_limit(__m256i q, __m256i vlimit) {
  return _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_or_si256(_mm256_cmpgt_epi32(q, vlimit), q)));
}

/* One group of 8 entries (or the first `count` of a tail: lanes of `mask`) into the accumulators. */
INLINE void entries_8(__m256i acc[2], uint32_t* slow, bool tail, size_t count, __m256i mask, const int8_t* x,
                      size_t stride, bool pow2, __m128i shift, __m256i vstride, __m256i vlimit, const int8_t* w,
                      const uint32_t* q) {
  const __m256i vq = tail ? _mm256_maskload_epi32((const int*) (const void*) q, mask)
                          : _mm256_loadu_si256((const __m256i*) (const void*) q);
  if (__builtin_expect(beyond_limit(vq, vlimit) != 0, 0)) {
    *slow += dot_entries_scalar(x, stride, w, q, tail ? count : 8);
    return;
  }
  const __m256i offsets = row_offsets(vq, pow2, shift, vstride);
  __m256i vx;
  __m128i w_lo, w_hi;
  if (tail) {
    vx = _mm256_mask_i32gather_epi32(_mm256_setzero_si256(), (const int*) (const void*) x, offsets, mask, 1);
    const __m256i vw = _mm256_maskload_epi32((const int*) (const void*) w, mask);
    w_lo = _mm256_castsi256_si128(vw);
    w_hi = _mm256_extracti128_si256(vw, 1);
  } else {
    vx = _mm256_i32gather_epi32((const int*) (const void*) x, offsets, 1);
    w_lo = _mm_loadu_si128((const __m128i*) (const void*) w);
    w_hi = _mm_loadu_si128((const __m128i*) (const void*) (w + 16));
  }
  acc[0] = _mm256_add_epi32(acc[0], _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm256_castsi256_si128(vx)),
                                                      _mm256_cvtepi8_epi16(w_lo)));
  acc[1] = _mm256_add_epi32(acc[1], _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm256_extracti128_si256(vx, 1)),
                                                      _mm256_cvtepi8_epi16(w_hi)));
}

INLINE void qs8_spmm_1x1(bool pow2, size_t mc, size_t nc, const int8_t* input, size_t input_stride,
                         const int32_t* bias, const int8_t* weights, const uint32_t* quads, const uint32_t* nnz,
                         int32_t* output, size_t output_stride) {
  const __m128i shift = _mm_cvtsi32_si128(pow2 ? __builtin_ctzll((unsigned long long) input_stride) : 0);
  const __m256i vstride = _mm256_set1_epi32((int) (uint32_t) input_stride);
  const __m256i vlimit = _mm256_set1_epi32((int) gather_limit(input_stride));
  const __m256i none = _mm256_setzero_si256();
  for (size_t p = 0; p < mc; p++) {
    const int8_t* x = input + 4 * p;
    const int8_t* w = weights;
    const uint32_t* q = quads;
    for (size_t n = 0; n < nc; n++) {
      __m256i acc[2][2] = {{_mm256_setzero_si256(), _mm256_setzero_si256()},
                           {_mm256_setzero_si256(), _mm256_setzero_si256()}};
      uint32_t slow = 0;
      uint32_t e = nnz[n];
      for (; e >= 32; e -= 32) {
        entries_8(acc[0], &slow, false, 8, none, x, input_stride, pow2, shift, vstride, vlimit, w, q);
        entries_8(acc[1], &slow, false, 8, none, x, input_stride, pow2, shift, vstride, vlimit, w + 32, q + 8);
        entries_8(acc[0], &slow, false, 8, none, x, input_stride, pow2, shift, vstride, vlimit, w + 64, q + 16);
        entries_8(acc[1], &slow, false, 8, none, x, input_stride, pow2, shift, vstride, vlimit, w + 96, q + 24);
        w += 128;
        q += 32;
      }
      for (; e >= 8; e -= 8) {
        entries_8(acc[0], &slow, false, 8, none, x, input_stride, pow2, shift, vstride, vlimit, w, q);
        w += 32;
        q += 8;
      }
      if (e != 0) {
        const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int) e), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        entries_8(acc[1], &slow, true, e, mask, x, input_stride, pow2, shift, vstride, vlimit, w, q);
        w += 4 * e;
        q += e;
      }
      const __m256i sum =
          _mm256_add_epi32(_mm256_add_epi32(acc[0][0], acc[0][1]), _mm256_add_epi32(acc[1][0], acc[1][1]));
      const __m128i h = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
      const __m128i h2 = _mm_add_epi32(h, _mm_unpackhi_epi64(h, h));
      const __m128i s = _mm_add_epi32(h2, _mm_shuffle_epi32(h2, _MM_SHUFFLE(1, 1, 1, 1)));
      int32_t* out = (int32_t*) ((char*) output + n * output_stride) + p;
      *out = (int32_t) ((uint32_t) bias[n] + (uint32_t) _mm_cvtsi128_si32(s) + slow);
    }
  }
}

#ifndef QS8_SPMM_AVX2_EXPERIMENTS
void sprig_qs8_spmm_ukernel_1x1c4__avx2(size_t mc, size_t nc, const int8_t* input, size_t input_stride,
                                       const int32_t* bias, const int8_t* weights, const uint32_t* quads,
                                       const uint32_t* nnz, int32_t* output, size_t output_stride) {
  if (input_stride != 0 && (input_stride & (input_stride - 1)) == 0) {
    qs8_spmm_1x1(true, mc, nc, input, input_stride, bias, weights, quads, nnz, output, output_stride);
  } else {
    qs8_spmm_1x1(false, mc, nc, input, input_stride, bias, weights, quads, nnz, output, output_stride);
  }
}
#endif

#ifndef QS8_SPMM_AVX2_EXPERIMENTS
QS8_SPMM_AVX2(8, sprig_qs8_spmm_ukernel_8x1c4__avx2)
QS8_SPMM_AVX2(16, sprig_qs8_spmm_ukernel_16x1c4__avx2)
QS8_SPMM_AVX2(32, sprig_qs8_spmm_ukernel_32x1c4__avx2)
#endif

/*
 * The quartet layout (src/sprig/qs8-spmm.h; signed input). Per quartet, 64-pixel block and
 * 16-byte lane L of the 4 rows: vpunpck[lh]bw of rows 0 + 1 and of rows 2 + 3 give 8 pixels'
 * byte pairs each, vpmovsxbw widens them to int16 pairs and vpmaddwd with the quartet's weights
 * (w0, w1) / (w2, w3) as int16 sums each pixel's two products (exact: at most 2 x 128 x 128).
 * The block order puts pixels 4L .. 4L + 3 and 16 + 4L .. 16 + 4L + 3 in the low 8 bytes of lane
 * L, 32 + 4L .. and 48 + 4L .. in the high 8: accumulator 2L + h holds the half h, stored as two
 * groups of 4 pixels. Per nonzero and 16 pixels: 4 input bytes loaded, 2 shuffles and 1
 * vpmaddwd, where a c4 entry takes 64 bytes, 4 shuffles and 2 vpmaddwd whatever it holds.
 */
INLINE void quartet_lane(const int8_t* x0, const int8_t* x1, const int8_t* x2, const int8_t* x3, __m256i w01,
                         __m256i w23, __m256i acc[2]) {
  const __m128i a = _mm_loadu_si128((const __m128i*) (const void*) x0);
  const __m128i b = _mm_loadu_si128((const __m128i*) (const void*) x1);
  const __m128i c = _mm_loadu_si128((const __m128i*) (const void*) x2);
  const __m128i d = _mm_loadu_si128((const __m128i*) (const void*) x3);
  acc[0] = _mm256_add_epi32(acc[0], _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_unpacklo_epi8(a, b)), w01));
  acc[1] = _mm256_add_epi32(acc[1], _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_unpackhi_epi8(a, b)), w01));
  acc[0] = _mm256_add_epi32(acc[0], _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_unpacklo_epi8(c, d)), w23));
  acc[1] = _mm256_add_epi32(acc[1], _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_unpackhi_epi8(c, d)), w23));
}

/* Two int8 weights as the int16 pair of every 32-bit lane. */
INLINE __m256i weight_pair(uint32_t word, unsigned first) {
  const uint32_t lo = (uint16_t) (int16_t) (int8_t) (uint8_t) (word >> (8 * first));
  const uint32_t hi = (uint16_t) (int16_t) (int8_t) (uint8_t) (word >> (8 * first + 8));
  return _mm256_set1_epi32((int) (lo | hi << 16));
}

/* Pixels [first, first + 4) of a channel's output from `v` (plus the bias), of which those below
 * `last` are stored. */
INLINE void store_group(int32_t* out, size_t first, size_t last, __m128i v) {
  if (first + 4 <= last) {
    _mm_storeu_si128((__m128i*) (void*) (out + first), v);
  } else if (first < last) {
    const __m128i mask = _mm_cmpgt_epi32(_mm_set1_epi32((int) (last - first)), _mm_setr_epi32(0, 1, 2, 3));
    _mm_maskstore_epi32((int*) (void*) (out + first), mask, v);
  }
}

/* One 64-pixel block at `input` for all nc channels; its pixels below `last` (1 .. 64) stored. */
static void quartet_tile(size_t last, size_t nc, const int8_t* input, size_t input_stride, const int32_t* bias,
                         const uint32_t* weights, const uint32_t* rows, const uint32_t* quartets, int32_t* output,
                         size_t output_stride) {
  for (size_t n = 0; n < nc; n++) {
    __m256i acc[8];
    UNROLL for (size_t i = 0; i < 8; i++) {
      acc[i] = _mm256_setzero_si256();
    }
    for (uint32_t q = quartets[n]; q != 0; q--) {
      const uint32_t word = *weights++;
      const __m256i w01 = weight_pair(word, 0), w23 = weight_pair(word, 2);
      const int8_t* x0 = input + (size_t) rows[0] * input_stride;
      const int8_t* x1 = input + (size_t) rows[1] * input_stride;
      const int8_t* x2 = input + (size_t) rows[2] * input_stride;
      const int8_t* x3 = input + (size_t) rows[3] * input_stride;
      rows += 4;
      UNROLL for (size_t l = 0; l < 4; l++) {
        quartet_lane(x0 + 16 * l, x1 + 16 * l, x2 + 16 * l, x3 + 16 * l, w01, w23, acc + 2 * l);
      }
    }
    int32_t* out = (int32_t*) ((char*) output + n * output_stride);
    const __m256i b = _mm256_set1_epi32(bias[n]);
    UNROLL for (size_t l = 0; l < 4; l++) {
      UNROLL for (size_t h = 0; h < 2; h++) {
        const __m256i sum = _mm256_add_epi32(acc[2 * l + h], b);
        store_group(out, 32 * h + 4 * l, last, _mm256_castsi256_si128(sum));
        store_group(out, 32 * h + 16 + 4 * l, last, _mm256_extracti128_si256(sum, 1));
      }
    }
  }
}

#ifndef QS8_SPMM_AVX2_EXPERIMENTS
void sprig_qs8_spmm_ukernel_64x1q4__avx2(size_t mc, size_t nc, const int8_t* input, size_t input_stride,
                                        const int32_t* bias, const uint32_t* weights, const uint32_t* rows,
                                        const uint32_t* quartets, int32_t* output, size_t output_stride) {
  for (size_t p = 0; p < mc; p += 64) {
    quartet_tile(mc - p < 64 ? mc - p : 64, nc, input + p, input_stride, bias, weights, rows, quartets, output + p,
                 output_stride);
  }
}

void sprig_qs8_spmm_ukernel_64x1q4__avx2_pack(size_t pixels, const int8_t* src, uint8_t flip, int8_t* dst) {
  avx2_quartet_pack(pixels, src, flip, dst);
}
#endif
