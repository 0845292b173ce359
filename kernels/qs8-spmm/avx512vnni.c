/*
 * x86 AVX512-VNNI int8 c4 SpMM: 16 pixels per zmm register, V = MR / 16 accumulators per
 * channel and accumulator set.
 *
 * Per entry: one vpbroadcastd of the entry's 4 weights (a 32-bit word), one load of the quad
 * row index, and V vpdpbusd with the input vectors (input + q * stride + 64 i) as unsigned
 * bytes: each int32 lane sums its pixel's 4 products, exactly the c4 layout. The input bytes
 * are read as uint8 (unsigned_input: the operator stores x + 128 and corrects the bias).
 *
 * Latency: vpdpbusd takes ~5 cycles and each accumulator is one dependency chain, so a
 * channel's entries go in turn into SETS accumulator sets (summed once at the end).
 *
 * Pixel remainders: one pass over the last mc % MR pixels with as many vectors as they need,
 * the last one a masked load / store (masked-off lanes are neither read nor written and cannot
 * fault). A pass of at most 8 pixels loads 256 bits (a 512-bit masked load whose 64 bytes cross a
 * cache line is slow on some cores even where the masked-off lanes are the ones across it).
 */
#include <immintrin.h>
#include <string.h>

#include <isa/x86-vnni.h>
#include <qs8-requant/avx512bw-narrow.h>
#include <sprig/qs8-spmm.h>

/* The loops over a tile's vectors and accumulator sets have constant trip counts; unrolled fully,
 * the accumulators live in registers. */
#if defined(__clang__)
#define UNROLL _Pragma("clang loop unroll(full)")
#else
#define UNROLL _Pragma("GCC unroll 16")
#endif

INLINE __m512i broadcast_weights(const int8_t* w) {
  int32_t word;
  memcpy(&word, w, sizeof(word));
  return _mm512_set1_epi32(word);
}

/* Input vector i of a tile of `nvec`: the last one masked when `masked`, and then loaded as 256
 * bits when `low` (the mask within the low 8 lanes). */
INLINE __m512i load_input(const int8_t* x, size_t i, size_t nvec, bool masked, bool low, __mmask16 mask) {
  if (masked && low && i == nvec - 1) {
    return _mm512_zextsi256_si512(_mm256_maskz_loadu_epi32((__mmask8) mask, x + 64 * i));
  }
  if (masked && i == nvec - 1) {
    return _mm512_maskz_loadu_epi32(mask, x + 64 * i);
  }
  return _mm512_loadu_si512((const void*) (x + 64 * i));
}

/* One tile of `nvec` vectors (compile-time) for all nc channels, the entries of a channel in
 * turn into `sets` accumulator sets (1, 2 or 4); masked and low as for load_input. */
INLINE void qs8_spmm_tile(size_t nvec, size_t sets, bool masked, bool low, __mmask16 mask, size_t nc,
                          const int8_t* input, size_t input_stride, const int32_t* bias, const int8_t* weights,
                          const uint32_t* quads, const uint32_t* nnz, int32_t* output, size_t output_stride) {
  for (size_t n = 0; n < nc; n++) {
    __m512i acc[4][8];
    UNROLL for (size_t i = 0; i < nvec; i++) {
      acc[0][i] = _mm512_set1_epi32(bias[n]);
      UNROLL for (size_t s = 1; s < sets; s++) {
        acc[s][i] = _mm512_setzero_si512();
      }
    }
    uint32_t e = nnz[n];
    for (; e >= sets; e -= (uint32_t) sets) {
      UNROLL for (size_t s = 0; s < sets; s++) {
        const int8_t* x = input + (size_t) quads[s] * input_stride;
        const __m512i w = broadcast_weights(weights + 4 * s);
        UNROLL for (size_t i = 0; i < nvec; i++) {
          acc[s][i] = dpbusd(acc[s][i], load_input(x, i, nvec, masked, low, mask), w);
        }
      }
      quads += sets;
      weights += 4 * sets;
    }
    for (; e != 0; e--) {
      const int8_t* x = input + (size_t) *quads++ * input_stride;
      const __m512i w = broadcast_weights(weights);
      weights += 4;
      UNROLL for (size_t i = 0; i < nvec; i++) {
        acc[0][i] = dpbusd(acc[0][i], load_input(x, i, nvec, masked, low, mask), w);
      }
    }
    int32_t* out = (int32_t*) ((char*) output + n * output_stride);
    UNROLL for (size_t i = 0; i < nvec; i++) {
      __m512i sum = acc[0][i];
      UNROLL for (size_t s = 1; s < sets; s++) {
        sum = _mm512_add_epi32(sum, acc[s][i]);
      }
      if (masked && i == nvec - 1) {
        _mm512_mask_storeu_epi32(out + 16 * i, mask, sum);
      } else {
        _mm512_storeu_si512((void*) (out + 16 * i), sum);
      }
    }
  }
}

/* The last r (0 < r <= 128) pixels: ceil(r / 16) vectors, the last one masked (one vector of at
 * most 8 pixels: 256 bits). Fewer vectors take more accumulator sets (4 up to 2 vectors, else 2). */
static void qs8_spmm_rest(size_t r, size_t nc, const int8_t* input, size_t input_stride, const int32_t* bias,
                          const int8_t* weights, const uint32_t* quads, const uint32_t* nnz, int32_t* output,
                          size_t output_stride) {
  const __mmask16 mask = (__mmask16) (0xFFFFu >> ((16 - r % 16) % 16));
  if (r <= 8) {
    qs8_spmm_tile(1, 4, true, true, mask, nc, input, input_stride, bias, weights, quads, nnz, output, output_stride);
    return;
  }
#define REST_CASE(V, SETS)                                                                                          \
  case V:                                                                                                           \
    qs8_spmm_tile(V, SETS, true, false, mask, nc, input, input_stride, bias, weights, quads, nnz, output,           \
                  output_stride);                                                                                   \
    break;
  switch ((r + 15) / 16) {
    REST_CASE(1, 4)
    REST_CASE(2, 4)
    REST_CASE(3, 2)
    REST_CASE(4, 2)
    REST_CASE(5, 2)
    REST_CASE(6, 2)
    REST_CASE(7, 2)
    REST_CASE(8, 2)
    default:
      break;
  }
#undef REST_CASE
}

#define QS8_SPMM_AVX512VNNI(MR, SETS, fn)                                                                      \
  void fn(size_t mc, size_t nc, const int8_t* input, size_t input_stride, const int32_t* bias,               \
          const int8_t* weights, const uint32_t* quads, const uint32_t* nnz, int32_t* output,                 \
          size_t output_stride) {                                                                             \
    size_t p = 0;                                                                                             \
    for (; p + (MR) <= mc; p += (MR)) {                                                                       \
      qs8_spmm_tile((MR) / 16, (SETS), false, false, 0xFFFF, nc, input + 4 * p, input_stride, bias, weights,  \
                    quads, nnz, output + p, output_stride);                                                   \
    }                                                                                                         \
    if (p < mc) {                                                                                             \
      qs8_spmm_rest(mc - p, nc, input + 4 * p, input_stride, bias, weights, quads, nnz, output + p,          \
                    output_stride);                                                                           \
    }                                                                                                         \
  }

/*
 * MR = 1 (batch-1 linear layers): vectorized over a channel's entries instead of its pixels.
 * Per group of 16 entries: one load of their 16 quad rows, the rows' byte offsets q * stride
 * (vpslld when the stride is a power of two, else vpmulld), one vpgatherdd of the 16 input words
 * (pixel p's 4 bytes of each row), one 64-byte load of the 16 weight words and one vpdpbusd:
 * lane j sums the entries j mod 16. Groups go in turn into 4 accumulators; the channel's sum is
 * one horizontal add at its end. The last 1-15 entries are one masked group (masked-off lanes of
 * the loads and the gather are not read), in a zmm, ymm or xmm register as they need (a gather
 * costs one load per lane of its width, masked or not: short rows of 1x4 blocks have 19 entries
 * per channel at 768 inputs). Pixels (mc, usually 1) are passes over the weights.
 *
 * vpgatherdd takes signed 32-bit offsets: a group with a quad row beyond INT32_MAX / stride
 * (an input above 2 GB) is summed in scalar code with 64-bit addresses instead.
 */

/* The sum of `count` entries' products, scalar, with 64-bit addresses (uint8 input). */
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
INLINE __m512i row_offsets(__m512i q, bool pow2, __m128i shift, __m512i vstride) {
  return pow2 ? _mm512_sll_epi32(q, shift) : _mm512_mullo_epi32(q, vstride);
}

/* One group of 16 entries (or the `k` lanes of a tail) into acc. */
INLINE __m512i entries_16(__m512i acc, uint32_t* slow, bool tail, __mmask16 k, const int8_t* x, size_t stride,
                          bool pow2, __m128i shift, __m512i vstride, __m512i vlimit, const int8_t* w,
                          const uint32_t* q) {
  const __m512i vq = tail ? _mm512_maskz_loadu_epi32(k, q) : _mm512_loadu_si512((const void*) q);
  const __mmask16 far = tail ? _mm512_mask_cmpgt_epu32_mask(k, vq, vlimit) : _mm512_cmpgt_epu32_mask(vq, vlimit);
  if (__builtin_expect(far != 0, 0)) {
    *slow += dot_entries_scalar(x, stride, w, q, tail ? (size_t) __builtin_popcount(k) : 16);
    return acc;
  }
  const __m512i offsets = row_offsets(vq, pow2, shift, vstride);
  __m512i vx, vw;
  if (tail) {
    vx = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), k, offsets, x, 1);
    vw = _mm512_maskz_loadu_epi32(k, w);
  } else {
    vx = _mm512_i32gather_epi32(offsets, x, 1);
    vw = _mm512_loadu_si512((const void*) w);
  }
  return dpbusd(acc, vx, vw);
}

/* A tail of 1-8 entries (the lanes of k) in a ymm register: a gather's cost follows its width,
 * not its mask. */
INLINE __m256i entries_8(__m256i acc, uint32_t* slow, __mmask8 k, const int8_t* x, size_t stride, bool pow2,
                         __m128i shift, __m512i vstride, __m512i vlimit, const int8_t* w, const uint32_t* q) {
  const __m256i vq = _mm256_maskz_loadu_epi32(k, q);
  if (__builtin_expect(_mm256_mask_cmpgt_epu32_mask(k, vq, _mm512_castsi512_si256(vlimit)) != 0, 0)) {
    *slow += dot_entries_scalar(x, stride, w, q, (size_t) __builtin_popcount(k));
    return acc;
  }
  const __m256i offsets = pow2 ? _mm256_sll_epi32(vq, shift) : _mm256_mullo_epi32(vq, _mm512_castsi512_si256(vstride));
  const __m256i vx = _mm256_mmask_i32gather_epi32(_mm256_setzero_si256(), k, offsets, x, 1);
  const __m256i vw = _mm256_maskz_loadu_epi32(k, w);
  return _mm256_dpbusd_epi32(acc, vx, vw);
}

/* The same for 1-4 entries in an xmm register. */
INLINE __m128i entries_4(__m128i acc, uint32_t* slow, __mmask8 k, const int8_t* x, size_t stride, bool pow2,
                         __m128i shift, __m512i vstride, __m512i vlimit, const int8_t* w, const uint32_t* q) {
  const __m128i vq = _mm_maskz_loadu_epi32(k, q);
  if (__builtin_expect(_mm_mask_cmpgt_epu32_mask(k, vq, _mm512_castsi512_si128(vlimit)) != 0, 0)) {
    *slow += dot_entries_scalar(x, stride, w, q, (size_t) __builtin_popcount(k));
    return acc;
  }
  const __m128i offsets = pow2 ? _mm_sll_epi32(vq, shift) : _mm_mullo_epi32(vq, _mm512_castsi512_si128(vstride));
  const __m128i vx = _mm_mmask_i32gather_epi32(_mm_setzero_si128(), k, offsets, x, 1);
  const __m128i vw = _mm_maskz_loadu_epi32(k, w);
  return _mm_dpbusd_epi32(acc, vx, vw);
}

INLINE void qs8_spmm_1x1(bool pow2, size_t mc, size_t nc, const int8_t* input, size_t input_stride,
                         const int32_t* bias, const int8_t* weights, const uint32_t* quads, const uint32_t* nnz,
                         int32_t* output, size_t output_stride) {
  const __m128i shift = _mm_cvtsi32_si128(pow2 ? __builtin_ctzll((unsigned long long) input_stride) : 0);
  const __m512i vstride = _mm512_set1_epi32((int) (uint32_t) input_stride);
  const __m512i vlimit = _mm512_set1_epi32((int) gather_limit(input_stride));
  for (size_t p = 0; p < mc; p++) {
    const int8_t* x = input + 4 * p;
    const int8_t* w = weights;
    const uint32_t* q = quads;
    for (size_t n = 0; n < nc; n++) {
      __m512i acc0 = _mm512_setzero_si512(), acc1 = _mm512_setzero_si512();
      __m512i acc2 = _mm512_setzero_si512(), acc3 = _mm512_setzero_si512();
      __m256i tail8 = _mm256_setzero_si256();
      __m128i tail4 = _mm_setzero_si128();
      uint32_t slow = 0;
      uint32_t e = nnz[n];
      for (; e >= 64; e -= 64) {
        acc0 = entries_16(acc0, &slow, false, 0, x, input_stride, pow2, shift, vstride, vlimit, w, q);
        acc1 = entries_16(acc1, &slow, false, 0, x, input_stride, pow2, shift, vstride, vlimit, w + 64, q + 16);
        acc2 = entries_16(acc2, &slow, false, 0, x, input_stride, pow2, shift, vstride, vlimit, w + 128, q + 32);
        acc3 = entries_16(acc3, &slow, false, 0, x, input_stride, pow2, shift, vstride, vlimit, w + 192, q + 48);
        w += 256;
        q += 64;
      }
      for (; e >= 16; e -= 16) {
        acc0 = entries_16(acc0, &slow, false, 0, x, input_stride, pow2, shift, vstride, vlimit, w, q);
        w += 64;
        q += 16;
      }
      if (e > 8) {
        acc1 = entries_16(acc1, &slow, true, (__mmask16) ((1u << e) - 1), x, input_stride, pow2, shift, vstride,
                          vlimit, w, q);
      } else if (e > 4) {
        tail8 = entries_8(tail8, &slow, (__mmask8) ((1u << e) - 1), x, input_stride, pow2, shift, vstride, vlimit, w,
                          q);
      } else if (e != 0) {
        tail4 = entries_4(tail4, &slow, (__mmask8) ((1u << e) - 1), x, input_stride, pow2, shift, vstride, vlimit, w,
                          q);
      }
      w += 4 * e;
      q += e;
      const __m512i sum16 = _mm512_add_epi32(_mm512_add_epi32(acc0, acc1), _mm512_add_epi32(acc2, acc3));
      const __m256i sum8 = _mm256_add_epi32(_mm256_add_epi32(_mm512_castsi512_si256(sum16), tail8),
                                            _mm512_extracti64x4_epi64(sum16, 1));
      const __m128i sum4 = _mm_add_epi32(_mm_add_epi32(_mm256_castsi256_si128(sum8), tail4),
                                         _mm256_extracti128_si256(sum8, 1));
      const __m128i sum2 = _mm_add_epi32(sum4, _mm_unpackhi_epi64(sum4, sum4));
      const __m128i sum1 = _mm_add_epi32(sum2, _mm_shuffle_epi32(sum2, _MM_SHUFFLE(1, 1, 1, 1)));
      int32_t* out = (int32_t*) ((char*) output + n * output_stride) + p;
      *out = (int32_t) ((uint32_t) bias[n] + (uint32_t) _mm_cvtsi128_si32(sum1) + slow);
    }
  }
}

#ifndef QS8_SPMM_AVX512VNNI_EXPERIMENTS
void sprig_qs8_spmm_ukernel_1x1c4__avx512vnni(size_t mc, size_t nc, const int8_t* input, size_t input_stride,
                                              const int32_t* bias, const int8_t* weights, const uint32_t* quads,
                                              const uint32_t* nnz, int32_t* output, size_t output_stride) {
  if (input_stride != 0 && (input_stride & (input_stride - 1)) == 0) {
    qs8_spmm_1x1(true, mc, nc, input, input_stride, bias, weights, quads, nnz, output, output_stride);
  } else {
    qs8_spmm_1x1(false, mc, nc, input, input_stride, bias, weights, quads, nnz, output, output_stride);
  }
}
#endif

#ifndef QS8_SPMM_AVX512VNNI_EXPERIMENTS
QS8_SPMM_AVX512VNNI(16, 4, sprig_qs8_spmm_ukernel_16x1c4__avx512vnni)
QS8_SPMM_AVX512VNNI(32, 4, sprig_qs8_spmm_ukernel_32x1c4__avx512vnni)
QS8_SPMM_AVX512VNNI(64, 2, sprig_qs8_spmm_ukernel_64x1c4__avx512vnni)
QS8_SPMM_AVX512VNNI(112, 2, sprig_qs8_spmm_ukernel_112x1c4__avx512vnni)
QS8_SPMM_AVX512VNNI(128, 2, sprig_qs8_spmm_ukernel_128x1c4__avx512vnni)
#endif

/*
 * The quartet layout (src/sprig/qs8-spmm.h): a channel's nonzeros four at a time, each input
 * channel a row of its own. Per quartet one vpbroadcastd of its 4 weights, then per 64-pixel
 * block 4 loads (one per row), 4 vpunpck[lh]bw and 4 vpunpck[lh]wd, which leave vector i =
 * pixels 16i .. 16i + 15 of the 4 rows as 4 bytes per lane (the rows' block order was chosen
 * so), and 4 vpdpbusd. Per nonzero and 64 pixels that is one 64-byte load, where the c4 kernels
 * load 64 bytes per entry and 16 pixels (at 90% unstructured sparsity an entry holds 1.16
 * nonzeros): a quarter of the L1 / L2 traffic, for 2 shuffles per nonzero and 16 pixels.
 */
INLINE void quartet_block(const int8_t* x0, const int8_t* x1, const int8_t* x2, const int8_t* x3, __m512i w,
                          size_t vectors, __m512i acc[4]) {
  const __m512i a = _mm512_loadu_si512((const void*) x0), b = _mm512_loadu_si512((const void*) x1);
  const __m512i c = _mm512_loadu_si512((const void*) x2), d = _mm512_loadu_si512((const void*) x3);
  const __m512i ab_lo = _mm512_unpacklo_epi8(a, b), cd_lo = _mm512_unpacklo_epi8(c, d);
  acc[0] = dpbusd(acc[0], _mm512_unpacklo_epi16(ab_lo, cd_lo), w);
  if (vectors > 1) {
    acc[1] = dpbusd(acc[1], _mm512_unpackhi_epi16(ab_lo, cd_lo), w);
  }
  if (vectors > 2) {
    const __m512i ab_hi = _mm512_unpackhi_epi8(a, b), cd_hi = _mm512_unpackhi_epi8(c, d);
    acc[2] = dpbusd(acc[2], _mm512_unpacklo_epi16(ab_hi, cd_hi), w);
    if (vectors > 3) {
      acc[3] = dpbusd(acc[3], _mm512_unpackhi_epi16(ab_hi, cd_hi), w);
    }
  }
}

/* Where a quartet tile's results go: int32 sums at `sums` (stride in bytes), or, when `requant`
 * is not NULL, int8 outputs at `outputs` (stride in bytes) requantized with scales[n]. */
struct quartet_destination {
  int32_t* sums;
  size_t sums_stride;
  const struct qs8_narrow_params* requant;
  const float* scales;
  int8_t* outputs;
  size_t outputs_stride;
};

/* A channel's `vectors` accumulators (blocks of 4; the last block holds `last` pixels) as int32
 * sums at `out`. */
INLINE void store_sums(size_t blocks, size_t vectors, size_t last, const __m512i acc[8], int32_t* out) {
  UNROLL for (size_t i = 0; i < vectors; i++) {
    const size_t first = 16 * i - 64 * (blocks - 1); /* within the last block, when i is in it */
    if (i < 4 * (blocks - 1) || last >= first + 16) {
      _mm512_storeu_si512((void*) (out + 16 * i), acc[i]);
    } else {
      _mm512_mask_storeu_epi32(out + 16 * i, (__mmask16) ((1u << (last - first)) - 1), acc[i]);
    }
  }
}

/* The same requantized to int8 with `scale` (`bounded`: below 1), 64 outputs per block; vectors
 * past `vectors` (whose pixels are past `last`) enter the packs as zeros and are not stored. */
INLINE void store_requantized(bool bounded, size_t blocks, size_t vectors, size_t last, const __m512i acc[8],
                              float scale, const struct qs8_narrow_params* p, int8_t* out) {
  const __m512 vscale = _mm512_set1_ps(scale);
  UNROLL for (size_t k = 0; k < blocks; k++) {
    __m512i r[4];
    UNROLL for (size_t i = 0; i < 4; i++) {
      const bool held = 4 * k + i < vectors;
      r[i] = held ? qs8_rne_scaled(acc[4 * k + i], vscale, bounded, p->highest) : _mm512_setzero_si512();
    }
    const __m512i y = qs8_narrow_64(r, p);
    if (k + 1 < blocks || last == 64) {
      _mm512_storeu_si512((void*) (out + 64 * k), y);
    } else {
      _mm512_mask_storeu_epi8(out + 64 * k, (__mmask64) ((UINT64_C(1) << last) - 1), y);
    }
  }
}

/* `blocks` (compile-time: 1 or 2) blocks of 64 pixels for all nc channels, `last` (1 .. 64) of
 * the last block's pixels stored; the last block computes only its first `tail` (compile-time:
 * ceil(last / 16)) vectors. */
INLINE void quartet_tile(size_t blocks, size_t tail, size_t last, size_t nc, const int8_t* input,
                         size_t input_stride, const int32_t* bias, const uint32_t* weights, const uint32_t* rows,
                         const uint32_t* quartets, const struct quartet_destination* to) {
  const size_t vectors = 4 * (blocks - 1) + tail;
  for (size_t n = 0; n < nc; n++) {
    __m512i acc[8];
    UNROLL for (size_t i = 0; i < vectors; i++) {
      acc[i] = _mm512_set1_epi32(bias[n]);
    }
    for (uint32_t q = quartets[n]; q != 0; q--) {
      const __m512i w = _mm512_set1_epi32((int32_t) *weights++);
      const int8_t* x0 = input + (size_t) rows[0] * input_stride;
      const int8_t* x1 = input + (size_t) rows[1] * input_stride;
      const int8_t* x2 = input + (size_t) rows[2] * input_stride;
      const int8_t* x3 = input + (size_t) rows[3] * input_stride;
      rows += 4;
      UNROLL for (size_t k = 0; k < blocks; k++) {
        quartet_block(x0 + 64 * k, x1 + 64 * k, x2 + 64 * k, x3 + 64 * k, w, k + 1 < blocks ? 4 : tail,
                      acc + 4 * k);
      }
    }
    if (to->requant == NULL) {
      store_sums(blocks, vectors, last, acc, (int32_t*) ((char*) to->sums + n * to->sums_stride));
    } else if (to->scales[n] < 1.0f) {
      store_requantized(true, blocks, vectors, last, acc, to->scales[n], to->requant,
                        to->outputs + n * to->outputs_stride);
    } else {
      store_requantized(false, blocks, vectors, last, acc, to->scales[n], to->requant,
                        to->outputs + n * to->outputs_stride);
    }
  }
}

/* The pixels after the MR tiles: one or two blocks, `last` (1 .. 64) of the last one's stored, by
 * the tile specialized for the vectors that hold them. */
#define QUARTET_REST(blocks, last, ...)              \
  do {                                              \
    switch (((last) + 15) / 16) {                   \
      case 1:                                       \
        quartet_tile(blocks, 1, last, __VA_ARGS__); \
        break;                                      \
      case 2:                                       \
        quartet_tile(blocks, 2, last, __VA_ARGS__); \
        break;                                      \
      case 3:                                       \
        quartet_tile(blocks, 3, last, __VA_ARGS__); \
        break;                                      \
      default:                                      \
        quartet_tile(blocks, 4, last, __VA_ARGS__); \
        break;                                      \
    }                                               \
  } while (0)

/* Tiles of mr (64 or 128) pixels, then the rest as one tile of one or two blocks; `to` moved on
 * by each tile's pixels. */
INLINE void quartet_tiles(size_t mr, size_t mc, size_t nc, const int8_t* input, size_t input_stride,
                          const int32_t* bias, const uint32_t* weights, const uint32_t* rows, const uint32_t* quartets,
                          struct quartet_destination to) {
  size_t p = 0;
  for (; p + mr <= mc; p += mr) {
    quartet_tile(mr / 64, 4, 64, nc, input + p, input_stride, bias, weights, rows, quartets, &to);
    to.sums = to.sums != NULL ? to.sums + mr : NULL;
    to.outputs = to.outputs != NULL ? to.outputs + mr : NULL;
  }
  if (mc - p > 64) {
    QUARTET_REST(2, mc - p - 64, nc, input + p, input_stride, bias, weights, rows, quartets, &to);
  } else if (p < mc) {
    QUARTET_REST(1, mc - p, nc, input + p, input_stride, bias, weights, rows, quartets, &to);
  }
}

/* One channel row into the block order: per 64 bytes one vpermd of the 16 words, XOR flip. Each
 * block is a masked load (the last one reads nothing past the row) and a whole-block store. */
static void quartet_pack(size_t pixels, const int8_t* src, uint8_t flip, int8_t* dst) {
  const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  const __m512i vflip = _mm512_set1_epi8((char) flip);
  for (size_t p = 0; p < pixels; p += 64) {
    const __mmask64 mask = pixels - p >= 64 ? ~(__mmask64) 0 : (__mmask64) ((UINT64_C(1) << (pixels - p)) - 1);
    const __m512i v = _mm512_maskz_loadu_epi8(mask, src + p);
    _mm512_storeu_si512((void*) (dst + p), _mm512_xor_si512(_mm512_permutexvar_epi32(order, v), vflip));
  }
}

/* The entry points of an MR: int32 sums, int8 outputs, and the input packer. */
#define QS8_QUARTETS_AVX512VNNI(MR, fn)                                                                          \
  void fn(size_t mc, size_t nc, const int8_t* input, size_t input_stride, const int32_t* bias,                 \
          const uint32_t* weights, const uint32_t* rows, const uint32_t* quartets, int32_t* output,             \
          size_t output_stride) {                                                                               \
    const struct quartet_destination to = {output, output_stride, NULL, NULL, NULL, 0};                          \
    quartet_tiles(MR, mc, nc, input, input_stride, bias, weights, rows, quartets, to);                          \
  }                                                                                                             \
  void fn##_requant(size_t mc, size_t nc, const int8_t* input, size_t input_stride, const int32_t* bias,       \
                    const uint32_t* weights, const uint32_t* rows, const uint32_t* quartets, const float* scales, \
                    const struct sprig_qs8_requant_params* params, int8_t* output, size_t output_stride) {      \
    const struct qs8_narrow_params requant = qs8_narrow_params(params);                                        \
    const struct quartet_destination to = {NULL, 0, &requant, scales, output, output_stride};                    \
    quartet_tiles(MR, mc, nc, input, input_stride, bias, weights, rows, quartets, to);                          \
  }                                                                                                             \
  void fn##_pack(size_t pixels, const int8_t* src, uint8_t flip, int8_t* dst) {                                 \
    quartet_pack(pixels, src, flip, dst);                                                                       \
  }

#ifndef QS8_SPMM_AVX512VNNI_EXPERIMENTS
QS8_QUARTETS_AVX512VNNI(64, sprig_qs8_spmm_ukernel_64x1q4__avx512vnni)
QS8_QUARTETS_AVX512VNNI(128, sprig_qs8_spmm_ukernel_128x1q4__avx512vnni)
#endif
