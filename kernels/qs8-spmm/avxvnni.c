/*
 * x86 AVX-VNNI int8 c4 SpMM (VEX vpdpbusd on ymm): 8 pixels per ymm register, V = MR / 8
 * accumulators per channel and accumulator set.
 *
 * Per entry: one vpbroadcastd of the entry's 4 weights (a 32-bit word), one load of the quad
 * row index, and V vpdpbusd with the input vectors (input + q * stride + 32 i) as unsigned
 * bytes: each int32 lane sums its pixel's 4 products, exactly the c4 layout. The input bytes
 * are read as uint8 (unsigned_input: the operator stores x + 128 and corrects the bias).
 *
 * Latency: vpdpbusd takes ~5 cycles and each accumulator is one dependency chain, so a
 * channel's entries go in turn into SETS accumulator sets (summed once at the end); 16 ymm
 * registers bound V * SETS.
 *
 * Pixel remainders: one pass over the last mc % MR pixels with as many vectors as they need,
 * the last one a vpmaskmovd load / store (masked-off lanes are neither read nor written and
 * cannot fault).
 */
#include <immintrin.h>
#include <string.h>

#include <isa/x86-vnni.h>
#include <sprig/qs8-spmm.h>

#include "avx2-quartet-pack.h"

/* The loops over a tile's vectors and accumulator sets have constant trip counts; unrolled fully,
 * the accumulators live in registers. */
#if defined(__clang__)
#define UNROLL _Pragma("clang loop unroll(full)")
#else
#define UNROLL _Pragma("GCC unroll 16")
#endif

INLINE __m256i broadcast_weights(const int8_t* w) {
  int32_t word;
  memcpy(&word, w, sizeof(word));
  return _mm256_set1_epi32(word);
}

/* Lanes [0, k) of a vpmaskmovd mask (0 < k <= 8). */
INLINE __m256i tail_mask(size_t k) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int) k), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* Input vector i of a tile of `nvec`: the last one masked when `masked`. */
INLINE __m256i load_input(const int8_t* x, size_t i, size_t nvec, bool masked, __m256i mask) {
  if (masked && i == nvec - 1) {
    return _mm256_maskload_epi32((const int*) (const void*) (x + 32 * i), mask);
  }
  return _mm256_loadu_si256((const __m256i*) (const void*) (x + 32 * i));
}

/* One tile of `nvec` vectors (compile-time) for all nc channels, the entries of a channel in
 * turn into `sets` accumulator sets. */
INLINE void qs8_spmm_tile(size_t nvec, size_t sets, bool masked, __m256i mask, size_t nc, const int8_t* input,
                          size_t input_stride, const int32_t* bias, const int8_t* weights, const uint32_t* quads,
                          const uint32_t* nnz, int32_t* output, size_t output_stride) {
  for (size_t n = 0; n < nc; n++) {
    __m256i acc[4][8];
    UNROLL for (size_t i = 0; i < nvec; i++) {
      acc[0][i] = _mm256_set1_epi32(bias[n]);
      UNROLL for (size_t s = 1; s < sets; s++) {
        acc[s][i] = _mm256_setzero_si256();
      }
    }
    uint32_t e = nnz[n];
    for (; e >= sets; e -= (uint32_t) sets) {
      UNROLL for (size_t s = 0; s < sets; s++) {
        const int8_t* x = input + (size_t) quads[s] * input_stride;
        const __m256i w = broadcast_weights(weights + 4 * s);
        UNROLL for (size_t i = 0; i < nvec; i++) {
          acc[s][i] = dpbusd(acc[s][i], load_input(x, i, nvec, masked, mask), w);
        }
      }
      quads += sets;
      weights += 4 * sets;
    }
    for (; e != 0; e--) {
      const int8_t* x = input + (size_t) *quads++ * input_stride;
      const __m256i w = broadcast_weights(weights);
      weights += 4;
      UNROLL for (size_t i = 0; i < nvec; i++) {
        acc[0][i] = dpbusd(acc[0][i], load_input(x, i, nvec, masked, mask), w);
      }
    }
    int32_t* out = (int32_t*) ((char*) output + n * output_stride);
    UNROLL for (size_t i = 0; i < nvec; i++) {
      __m256i sum = acc[0][i];
      UNROLL for (size_t s = 1; s < sets; s++) {
        sum = _mm256_add_epi32(sum, acc[s][i]);
      }
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
#define REST_CASE(V, SETS)                                                                                          \
  case V:                                                                                                           \
    qs8_spmm_tile(V, SETS, true, mask, nc, input, input_stride, bias, weights, quads, nnz, output, output_stride); \
    break;
  switch ((r + 7) / 8) {
    REST_CASE(1, 4)
    REST_CASE(2, 4)
    REST_CASE(3, 2)
    REST_CASE(4, 2)
    REST_CASE(5, 2)
    REST_CASE(6, 1)
    REST_CASE(7, 1)
    REST_CASE(8, 1)
    default:
      break;
  }
#undef REST_CASE
}

#define QS8_SPMM_AVXVNNI(MR, SETS, fn)                                                                           \
  void fn(size_t mc, size_t nc, const int8_t* input, size_t input_stride, const int32_t* bias,                 \
          const int8_t* weights, const uint32_t* quads, const uint32_t* nnz, int32_t* output,                   \
          size_t output_stride) {                                                                               \
    size_t p = 0;                                                                                               \
    for (; p + (MR) <= mc; p += (MR)) {                                                                         \
      qs8_spmm_tile((MR) / 8, (SETS), false, _mm256_setzero_si256(), nc, input + 4 * p, input_stride, bias,    \
                    weights, quads, nnz, output + p, output_stride);                                            \
    }                                                                                                           \
    if (p < mc) {                                                                                               \
      qs8_spmm_rest(mc - p, nc, input + 4 * p, input_stride, bias, weights, quads, nnz, output + p,            \
                    output_stride);                                                                             \
    }                                                                                                           \
  }

/*
 * MR = 1 (batch-1 linear layers): vectorized over a channel's entries instead of its pixels.
 * Per group of 8 entries: one load of their 8 quad rows, the rows' byte offsets q * stride
 * (vpslld when the stride is a power of two, else vpmulld), one vpgatherdd of the 8 input words
 * (pixel p's 4 bytes of each row, read as uint8), one 32-byte load of the 8 weight words and one
 * vpdpbusd: lane j sums the entries j mod 8. Groups go in turn into 4 accumulators; the channel's
 * sum is one horizontal add at its end. The last 1-7 entries are one masked group (vpmaskmovd and
 * the masked gather read none of the masked-off lanes). Pixels (mc, usually 1) are passes over
 * the weights.
 *
 * vpgatherdd takes signed 32-bit offsets: a group with a quad row beyond INT32_MAX / stride
 * (an input above 2 GB) is summed in scalar code with 64-bit addresses instead.
 */

/* The sum of `count` entries' products, scalar, with 64-bit addresses (uint8_t input). */
static __attribute__((noinline, cold)) uint32_t dot_entries_scalar(const int8_t* x, size_t stride, const int8_t* w,
                                                                    const uint32_t* q, size_t count) {
  uint32_t sum = 0;
  for (size_t e = 0; e < count; e++) {
    const uint8_t* px = (const uint8_t*) x + (size_t) q[e] * stride;
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
INLINE void entries_8(__m256i* acc, uint32_t* slow, bool tail, size_t count, __m256i mask, const int8_t* x,
                      size_t stride, bool pow2, __m128i shift, __m256i vstride, __m256i vlimit, const int8_t* w,
                      const uint32_t* q) {
  const __m256i vq = tail ? _mm256_maskload_epi32((const int*) (const void*) q, mask)
                          : _mm256_loadu_si256((const __m256i*) (const void*) q);
  if (__builtin_expect(beyond_limit(vq, vlimit) != 0, 0)) {
    *slow += dot_entries_scalar(x, stride, w, q, tail ? count : 8);
    return;
  }
  const __m256i offsets = row_offsets(vq, pow2, shift, vstride);
  __m256i vx, vw;
  if (tail) {
    vx = _mm256_mask_i32gather_epi32(_mm256_setzero_si256(), (const int*) (const void*) x, offsets, mask, 1);
    vw = _mm256_maskload_epi32((const int*) (const void*) w, mask);
  } else {
    vx = _mm256_i32gather_epi32((const int*) (const void*) x, offsets, 1);
    vw = _mm256_loadu_si256((const __m256i*) (const void*) w);
  }
  *acc = dpbusd(*acc, vx, vw);
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
      __m256i acc[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(),
                        _mm256_setzero_si256()};
      uint32_t slow = 0;
      uint32_t e = nnz[n];
      for (; e >= 32; e -= 32) {
        entries_8(&acc[0], &slow, false, 8, none, x, input_stride, pow2, shift, vstride, vlimit, w, q);
        entries_8(&acc[1], &slow, false, 8, none, x, input_stride, pow2, shift, vstride, vlimit, w + 32, q + 8);
        entries_8(&acc[2], &slow, false, 8, none, x, input_stride, pow2, shift, vstride, vlimit, w + 64, q + 16);
        entries_8(&acc[3], &slow, false, 8, none, x, input_stride, pow2, shift, vstride, vlimit, w + 96, q + 24);
        w += 128;
        q += 32;
      }
      for (; e >= 8; e -= 8) {
        entries_8(&acc[0], &slow, false, 8, none, x, input_stride, pow2, shift, vstride, vlimit, w, q);
        w += 32;
        q += 8;
      }
      if (e != 0) {
        const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int) e), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        entries_8(&acc[1], &slow, true, e, mask, x, input_stride, pow2, shift, vstride, vlimit, w, q);
        w += 4 * e;
        q += e;
      }
      const __m256i sum = _mm256_add_epi32(_mm256_add_epi32(acc[0], acc[1]), _mm256_add_epi32(acc[2], acc[3]));
      const __m128i h = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
      const __m128i h2 = _mm_add_epi32(h, _mm_unpackhi_epi64(h, h));
      const __m128i s = _mm_add_epi32(h2, _mm_shuffle_epi32(h2, _MM_SHUFFLE(1, 1, 1, 1)));
      int32_t* out = (int32_t*) ((char*) output + n * output_stride) + p;
      *out = (int32_t) ((uint32_t) bias[n] + (uint32_t) _mm_cvtsi128_si32(s) + slow);
    }
  }
}

#ifndef QS8_SPMM_AVXVNNI_EXPERIMENTS
void sprig_qs8_spmm_ukernel_1x1c4__avxvnni(size_t mc, size_t nc, const int8_t* input, size_t input_stride,
                                       const int32_t* bias, const int8_t* weights, const uint32_t* quads,
                                       const uint32_t* nnz, int32_t* output, size_t output_stride) {
  if (input_stride != 0 && (input_stride & (input_stride - 1)) == 0) {
    qs8_spmm_1x1(true, mc, nc, input, input_stride, bias, weights, quads, nnz, output, output_stride);
  } else {
    qs8_spmm_1x1(false, mc, nc, input, input_stride, bias, weights, quads, nnz, output, output_stride);
  }
}
#endif

#ifndef QS8_SPMM_AVXVNNI_EXPERIMENTS
QS8_SPMM_AVXVNNI(8, 4, sprig_qs8_spmm_ukernel_8x1c4__avxvnni)
QS8_SPMM_AVXVNNI(16, 4, sprig_qs8_spmm_ukernel_16x1c4__avxvnni)
QS8_SPMM_AVXVNNI(32, 2, sprig_qs8_spmm_ukernel_32x1c4__avxvnni)
QS8_SPMM_AVXVNNI(64, 1, sprig_qs8_spmm_ukernel_64x1c4__avxvnni)
#endif

/*
 * The quartet layout (src/sprig/qs8-spmm.h): a channel's nonzeros four at a time, each input
 * channel a row of its own. Per quartet one vpbroadcastd of its 4 weights, then per 32 bytes
 * (half h of a 64-pixel block) 4 loads (one per row), 4 vpunpck[lh]bw and 4 vpunpck[lh]wd, which
 * leave vector i = pixels 16i + 8h .. 16i + 8h + 7 of the 4 rows as 4 bytes per lane (the rows'
 * block order makes 128-bit lane L of half h hold pixels 16i + 4(2h + L) ..), and 4 vpdpbusd
 * into 8 accumulators per block. Per nonzero and 64 pixels: one 64-byte row read, where a c4
 * entry takes 64 bytes per 16 pixels whatever it holds.
 */
INLINE void quartet_half(const int8_t* x0, const int8_t* x1, const int8_t* x2, const int8_t* x3, __m256i w,
                         size_t vectors, __m256i acc[4]) {
  const __m256i a = _mm256_loadu_si256((const __m256i*) (const void*) x0);
  const __m256i b = _mm256_loadu_si256((const __m256i*) (const void*) x1);
  const __m256i c = _mm256_loadu_si256((const __m256i*) (const void*) x2);
  const __m256i d = _mm256_loadu_si256((const __m256i*) (const void*) x3);
  const __m256i ab_lo = _mm256_unpacklo_epi8(a, b), cd_lo = _mm256_unpacklo_epi8(c, d);
  acc[0] = dpbusd(acc[0], _mm256_unpacklo_epi16(ab_lo, cd_lo), w);
  if (vectors > 1) {
    acc[1] = dpbusd(acc[1], _mm256_unpackhi_epi16(ab_lo, cd_lo), w);
  }
  if (vectors > 2) {
    const __m256i ab_hi = _mm256_unpackhi_epi8(a, b), cd_hi = _mm256_unpackhi_epi8(c, d);
    acc[2] = dpbusd(acc[2], _mm256_unpacklo_epi16(ab_hi, cd_hi), w);
    if (vectors > 3) {
      acc[3] = dpbusd(acc[3], _mm256_unpackhi_epi16(ab_hi, cd_hi), w);
    }
  }
}

/* One 64-pixel block at `input` for all nc channels; its pixels below `last` (1 .. 64) stored.
 * Accumulator 4h + i holds pixels 16i + 8h .. 16i + 8h + 7; only i < `vectors` (compile-time:
 * ceil(last / 16)) are computed. */
INLINE void quartet_tile(size_t vectors, size_t last, size_t nc, const int8_t* input, size_t input_stride,
                         const int32_t* bias, const uint32_t* weights, const uint32_t* rows, const uint32_t* quartets,
                         int32_t* output, size_t output_stride) {
  for (size_t n = 0; n < nc; n++) {
    __m256i acc[8];
    UNROLL for (size_t i = 0; i < 8; i++) {
      acc[i] = _mm256_set1_epi32(bias[n]);
    }
    for (uint32_t q = quartets[n]; q != 0; q--) {
      const __m256i w = _mm256_set1_epi32((int32_t) *weights++);
      const int8_t* x0 = input + (size_t) rows[0] * input_stride;
      const int8_t* x1 = input + (size_t) rows[1] * input_stride;
      const int8_t* x2 = input + (size_t) rows[2] * input_stride;
      const int8_t* x3 = input + (size_t) rows[3] * input_stride;
      rows += 4;
      UNROLL for (size_t h = 0; h < 2; h++) {
        quartet_half(x0 + 32 * h, x1 + 32 * h, x2 + 32 * h, x3 + 32 * h, w, vectors, acc + 4 * h);
      }
    }
    int32_t* out = (int32_t*) ((char*) output + n * output_stride);
    UNROLL for (size_t h = 0; h < 2; h++) {
      UNROLL for (size_t i = 0; i < vectors; i++) {
        const size_t first = 16 * i + 8 * h;
        if (first + 8 <= last) {
          _mm256_storeu_si256((__m256i*) (void*) (out + first), acc[4 * h + i]);
        } else if (first < last) {
          _mm256_maskstore_epi32((int*) (void*) (out + first), tail_mask(last - first), acc[4 * h + i]);
        }
      }
    }
  }
}

#ifndef QS8_SPMM_AVXVNNI_EXPERIMENTS
/* Whole blocks, then the last partial one by the tile specialized for the vectors that hold it. */
void sprig_qs8_spmm_ukernel_64x1q4__avxvnni(size_t mc, size_t nc, const int8_t* input, size_t input_stride,
                                           const int32_t* bias, const uint32_t* weights, const uint32_t* rows,
                                           const uint32_t* quartets, int32_t* output, size_t output_stride) {
  size_t p = 0;
  for (; p + 64 <= mc; p += 64) {
    quartet_tile(4, 64, nc, input + p, input_stride, bias, weights, rows, quartets, output + p, output_stride);
  }
  const size_t last = mc - p;
  if (last > 48) {
    quartet_tile(4, last, nc, input + p, input_stride, bias, weights, rows, quartets, output + p, output_stride);
  } else if (last > 32) {
    quartet_tile(3, last, nc, input + p, input_stride, bias, weights, rows, quartets, output + p, output_stride);
  } else if (last > 16) {
    quartet_tile(2, last, nc, input + p, input_stride, bias, weights, rows, quartets, output + p, output_stride);
  } else if (last > 0) {
    quartet_tile(1, last, nc, input + p, input_stride, bias, weights, rows, quartets, output + p, output_stride);
  }
}

void sprig_qs8_spmm_ukernel_64x1q4__avxvnni_pack(size_t pixels, const int8_t* src, uint8_t flip, int8_t* dst) {
  avx2_quartet_pack(pixels, src, flip, dst);
}
#endif
