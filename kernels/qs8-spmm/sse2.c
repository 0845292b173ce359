/*
 * x86 SSE2 int8 c4 SpMM: signed int8 input, exact int32 sums, 4 pixels per xmm register.
 *
 * Per entry and 4 pixels (16 input bytes v, pixel p's bytes x0 x1 x2 x3 at 4p .. 4p + 3): as
 * int16 lanes, v holds x0 + 256 x1 and x2 + 256 x3, so psraw 8 gives the odd bytes [x1 x3] and
 * psllw 8 + psraw 8 the even ones [x0 x2], both sign-extended. pmaddwd with the entry's weights
 * as int16 pairs [w1 w3] and [w0 w2] then gives x1 w1 + x3 w3 and x0 w0 + x2 w2 in pixel p's
 * int32 lane (exact: at most 2 * 128 * 128), added to its accumulator: no horizontal step.
 *
 * Pixel remainders: one pass over the last mc % MR pixels with as many vectors as they need,
 * the last one of 1-3 pixels moved with movd / movq (SSE2 has no masked loads and stores).
 */
#include <emmintrin.h>
#include <string.h>

#include <sprig/qs8-spmm.h>

#define INLINE static inline __attribute__((always_inline))

/* The loops over a tile's vectors have constant trip counts; unrolled fully, the accumulators
 * live in registers. */
#if defined(__clang__)
#define UNROLL _Pragma("clang loop unroll(full)")
#else
#define UNROLL _Pragma("GCC unroll 16")
#endif

/* Loads the first k pixels (4 k bytes; 0 < k <= 4), zeros in the other lanes. */
INLINE __m128i load_pixels(const int8_t* x, size_t k) {
  int32_t a, b;
  switch (k) {
    case 1:
      memcpy(&a, x, 4);
      return _mm_cvtsi32_si128(a);
    case 2:
      return _mm_loadl_epi64((const __m128i*) (const void*) x);
    case 3:
      memcpy(&b, x + 8, 4);
      return _mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i*) (const void*) x), _mm_cvtsi32_si128(b));
    default:
      return _mm_loadu_si128((const __m128i*) (const void*) x);
  }
}

/* Stores the first k lanes (0 < k <= 4). */
INLINE void store_pixels(int32_t* out, __m128i v, size_t k) {
  switch (k) {
    case 1:
      *out = _mm_cvtsi128_si32(v);
      break;
    case 2:
      _mm_storel_epi64((__m128i*) (void*) out, v);
      break;
    case 3:
      _mm_storel_epi64((__m128i*) (void*) out, v);
      out[2] = _mm_cvtsi128_si32(_mm_unpackhi_epi64(v, v));
      break;
    default:
      _mm_storeu_si128((__m128i*) (void*) out, v);
      break;
  }
}

/* One tile of `nvec` vectors of 4 pixels for all nc channels, the last one holding `last`
 * (1-4) pixels; nvec and last are compile-time constants at every call site. */
INLINE void qs8_spmm_tile(size_t nvec, size_t last, size_t nc, const int8_t* input, size_t input_stride,
                          const int32_t* bias, const int8_t* weights, const uint32_t* quads, const uint32_t* nnz,
                          int32_t* output, size_t output_stride) {
  for (size_t n = 0; n < nc; n++) {
    __m128i acc[8];
    UNROLL for (size_t i = 0; i < nvec; i++) {
      acc[i] = _mm_set1_epi32(bias[n]);
    }
    for (uint32_t e = nnz[n]; e != 0; e--) {
      const int8_t* x = input + (size_t) *quads++ * input_stride;
      /* [w0 w2] and [w1 w3] as int16 pairs: the even and odd bytes of the word, sign-extended. */
      int32_t word;
      memcpy(&word, weights, sizeof(word));
      weights += 4;
      const __m128i wv = _mm_cvtsi32_si128(word);
      const __m128i w_even = _mm_shuffle_epi32(_mm_srai_epi16(_mm_slli_epi16(wv, 8), 8), 0);
      const __m128i w_odd = _mm_shuffle_epi32(_mm_srai_epi16(wv, 8), 0);
      UNROLL for (size_t i = 0; i < nvec; i++) {
        const __m128i v = load_pixels(x + 16 * i, i == nvec - 1 ? last : 4);
        const __m128i even = _mm_srai_epi16(_mm_slli_epi16(v, 8), 8);
        const __m128i odd = _mm_srai_epi16(v, 8);
        acc[i] = _mm_add_epi32(acc[i], _mm_madd_epi16(even, w_even));
        acc[i] = _mm_add_epi32(acc[i], _mm_madd_epi16(odd, w_odd));
      }
    }
    int32_t* out = (int32_t*) ((char*) output + n * output_stride);
    UNROLL for (size_t i = 0; i < nvec; i++) {
      store_pixels(out + 4 * i, acc[i], i == nvec - 1 ? last : 4);
    }
  }
}

/* The last r (0 < r < 32) pixels in one pass. */
static void qs8_spmm_rest(size_t r, size_t nc, const int8_t* input, size_t input_stride, const int32_t* bias,
                          const int8_t* weights, const uint32_t* quads, const uint32_t* nnz, int32_t* output,
                          size_t output_stride) {
#define REST_CASE(V, LAST)                                                                                            \
  case 4 * (V) - 4 + (LAST):                                                                                          \
    qs8_spmm_tile(V, LAST, nc, input, input_stride, bias, weights, quads, nnz, output, output_stride);               \
    break;
#define REST_CASES(V) REST_CASE(V, 1) REST_CASE(V, 2) REST_CASE(V, 3) REST_CASE(V, 4)
  switch (r) {
    REST_CASES(1)
    REST_CASES(2)
    REST_CASES(3)
    REST_CASES(4)
    REST_CASES(5)
    REST_CASES(6)
    REST_CASES(7)
    REST_CASES(8)
    default:
      break;
  }
#undef REST_CASES
#undef REST_CASE
}

#define QS8_SPMM_SSE2(MR, fn)                                                                                       \
  void fn(size_t mc, size_t nc, const int8_t* input, size_t input_stride, const int32_t* bias,                    \
          const int8_t* weights, const uint32_t* quads, const uint32_t* nnz, int32_t* output,                      \
          size_t output_stride) {                                                                                  \
    size_t p = 0;                                                                                                  \
    for (; p + (MR) <= mc; p += (MR)) {                                                                            \
      qs8_spmm_tile((MR) / 4, 4, nc, input + 4 * p, input_stride, bias, weights, quads, nnz, output + p,          \
                    output_stride);                                                                                \
    }                                                                                                              \
    if (p < mc) {                                                                                                  \
      qs8_spmm_rest(mc - p, nc, input + 4 * p, input_stride, bias, weights, quads, nnz, output + p, output_stride); \
    }                                                                                                              \
  }

/*
 * MR = 1 (batch-1 linear layers): vectorized over a channel's entries instead of its pixels.
 * Per group of 4 entries: 4 movd of the input words (pixel p's 4 bytes of each entry's quad
 * row, addresses q * stride in 64-bit scalar code) joined by 3 punpck into one vector, one
 * 16-byte load of the 4 weight words, then the even / odd scheme above on both (psllw / psraw)
 * and 2 pmaddwd: int32 lane j sums x0 w0 + x2 w2 and x1 w1 + x3 w3 of entry j (exact), all
 * lanes the channel's. Two groups per trip into 2 pairs of accumulators; the channel's sum is
 * one horizontal add at its end. The last 1-3 entries load only their own words (movd), zeros
 * elsewhere. Pixels (mc, usually 1) are passes over the weights.
 */

INLINE __m128i load_word(const int8_t* p) {
  int32_t word;
  memcpy(&word, p, sizeof(word));
  return _mm_cvtsi32_si128(word);
}

/* The input words of the first `count` (1-4) entries of q, zeros after them. */
INLINE __m128i gather_words(const int8_t* x, size_t stride, const uint32_t* q, size_t count) {
  const __m128i a = load_word(x + (size_t) q[0] * stride);
  const __m128i b = count > 1 ? load_word(x + (size_t) q[1] * stride) : _mm_setzero_si128();
  const __m128i c = count > 2 ? load_word(x + (size_t) q[2] * stride) : _mm_setzero_si128();
  const __m128i d = count > 3 ? load_word(x + (size_t) q[3] * stride) : _mm_setzero_si128();
  return _mm_unpacklo_epi64(_mm_unpacklo_epi32(a, b), _mm_unpacklo_epi32(c, d));
}

/* acc_even / acc_odd += the products of 4 entries' input words vx and weight words vw. */
INLINE void mac_words(__m128i* acc_even, __m128i* acc_odd, __m128i vx, __m128i vw) {
  const __m128i x_even = _mm_srai_epi16(_mm_slli_epi16(vx, 8), 8);
  const __m128i w_even = _mm_srai_epi16(_mm_slli_epi16(vw, 8), 8);
  *acc_even = _mm_add_epi32(*acc_even, _mm_madd_epi16(x_even, w_even));
  *acc_odd = _mm_add_epi32(*acc_odd, _mm_madd_epi16(_mm_srai_epi16(vx, 8), _mm_srai_epi16(vw, 8)));
}

static void qs8_spmm_1x1(size_t mc, size_t nc, const int8_t* input, size_t input_stride, const int32_t* bias,
                         const int8_t* weights, const uint32_t* quads, const uint32_t* nnz, int32_t* output,
                         size_t output_stride) {
  for (size_t p = 0; p < mc; p++) {
    const int8_t* x = input + 4 * p;
    const int8_t* w = weights;
    const uint32_t* q = quads;
    for (size_t n = 0; n < nc; n++) {
      __m128i acc0 = _mm_setzero_si128(), acc1 = _mm_setzero_si128();
      __m128i acc2 = _mm_setzero_si128(), acc3 = _mm_setzero_si128();
      uint32_t e = nnz[n];
      for (; e >= 8; e -= 8) {
        const __m128i vx0 = gather_words(x, input_stride, q, 4);
        const __m128i vx1 = gather_words(x, input_stride, q + 4, 4);
        mac_words(&acc0, &acc1, vx0, _mm_loadu_si128((const __m128i*) (const void*) w));
        mac_words(&acc2, &acc3, vx1, _mm_loadu_si128((const __m128i*) (const void*) (w + 16)));
        w += 32;
        q += 8;
      }
      if (e >= 4) {
        mac_words(&acc0, &acc1, gather_words(x, input_stride, q, 4), _mm_loadu_si128((const __m128i*) (const void*) w));
        w += 16;
        q += 4;
        e -= 4;
      }
      if (e != 0) {
        const __m128i vw = _mm_unpacklo_epi64(
            _mm_unpacklo_epi32(load_word(w), e > 1 ? load_word(w + 4) : _mm_setzero_si128()),
            e > 2 ? load_word(w + 8) : _mm_setzero_si128());
        mac_words(&acc2, &acc3, gather_words(x, input_stride, q, e), vw);
        w += 4 * e;
        q += e;
      }
      const __m128i sum = _mm_add_epi32(_mm_add_epi32(acc0, acc1), _mm_add_epi32(acc2, acc3));
      const __m128i h = _mm_add_epi32(sum, _mm_unpackhi_epi64(sum, sum));
      const __m128i s = _mm_add_epi32(h, _mm_shuffle_epi32(h, _MM_SHUFFLE(1, 1, 1, 1)));
      int32_t* out = (int32_t*) ((char*) output + n * output_stride) + p;
      *out = (int32_t) ((uint32_t) bias[n] + (uint32_t) _mm_cvtsi128_si32(s));
    }
  }
}

#ifndef QS8_SPMM_SSE2_EXPERIMENTS
void sprig_qs8_spmm_ukernel_1x1c4__sse2(size_t mc, size_t nc, const int8_t* input, size_t input_stride,
                                        const int32_t* bias, const int8_t* weights, const uint32_t* quads,
                                        const uint32_t* nnz, int32_t* output, size_t output_stride) {
  qs8_spmm_1x1(mc, nc, input, input_stride, bias, weights, quads, nnz, output, output_stride);
}
QS8_SPMM_SSE2(4, sprig_qs8_spmm_ukernel_4x1c4__sse2)
QS8_SPMM_SSE2(8, sprig_qs8_spmm_ukernel_8x1c4__sse2)
QS8_SPMM_SSE2(16, sprig_qs8_spmm_ukernel_16x1c4__sse2)
#endif
