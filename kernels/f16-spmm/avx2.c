/*
 * x86 AVX2 + FMA3 + F16C f16 SpMM: 8 pixels per ymm register as f32, V = MR / 8 accumulators
 * per channel.
 *
 * Per nonzero of an MRx1 tile: V vcvtph2ps loads of 8 input halves each, V vfmadd231ps, and a
 * vpermps that puts the weight in every lane (a channel's weights are loaded and converted 8 at
 * a time, with their 8 row steps in one 8-byte load). Sums stay in f32 and are rounded to half
 * once, by vcvtps2ph, after the clamp. Narrow tiles take the nonzeros in turn into 8 / V
 * accumulator sets (8 FMA chains in flight).
 *
 * Pixel remainders: one pass over the last mc % MR pixels with as many vectors as they need. AVX2
 * has no 16-bit masked loads: a partial last vector is loaded as whole pairs of halves by
 * vpmaskmovd plus an odd last half by a broadcast, and stored through an 8-half buffer, so that
 * nothing outside input[0 .. mc) and output[0 .. mc) is read or written.
 */
#include <immintrin.h>
#include <string.h>

#include <sprig/f16-spmm.h>

#define INLINE static inline __attribute__((always_inline))
#define VEC __m256
#define LANES 8
#define VLOAD_X(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*) (p)))
#define VLOAD_X_PART(p, k) load_part(p, k)
#define VSTORE_Y(p, v) _mm_storeu_si128((__m128i*) (p), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT))
#define VSTORE_Y_PART(p, v, k) store_part(p, v, k)
#define VMADD(acc, x, w) _mm256_fmadd_ps(x, w, acc)
#define VADD(a, b) _mm256_add_ps(a, b)
#define VZERO() _mm256_setzero_ps()
#define VBROADCAST_HALF(h) _mm256_cvtph_ps(_mm_set1_epi16((short) (h)))
#define WGROUP __m256
#define VLOAD_WGROUP(p) VLOAD_X(p)
#define VPERM_W(g, l) _mm256_permutevar8x32_ps(g, _mm256_set1_epi32((int) (l)))
#define VCLAMP_MIN(params) _mm256_set1_ps((params)->min)
#define VCLAMP_MAX(params) _mm256_set1_ps((params)->max)
#define VMIN(a, b) _mm256_min_ps(a, b)
#define VMAX(a, b) _mm256_max_ps(a, b)

/* The first k (1 .. 7) halves at p: k / 2 whole pairs by a 32-bit masked load, then an odd last
 * half broadcast and kept in lane k - 1 only. The masks depend on k alone, so the compiler
 * hoists them out of the loop over the nonzeros. */
static inline __attribute__((always_inline)) __m256 load_part(const uint16_t* p, size_t k) {
  const __m128i pairs = _mm_cmpgt_epi32(_mm_set1_epi32((int) (k / 2)), _mm_setr_epi32(0, 1, 2, 3));
  const __m128i last = _mm_and_si128(_mm_set1_epi16((short) (k & 1 ? -1 : 0)),
                                     _mm_cmpeq_epi16(_mm_set1_epi16((short) (k - 1)),
                                                     _mm_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7)));
  __m128i h = _mm_maskload_epi32((const int*) p, pairs);
  h = _mm_or_si128(h, _mm_and_si128(_mm_set1_epi16((short) p[k - 1]), last));
  return _mm256_cvtph_ps(h);
}

/* The first k lanes of v as halves to p (through a buffer: once per channel, not per nonzero). */
static inline __attribute__((always_inline)) void store_part(uint16_t* p, __m256 v, size_t k) {
  uint16_t buffer[LANES];
  VSTORE_Y(buffer, v);
  memcpy(p, buffer, k * sizeof(uint16_t));
}

#include "simd-template.h"

#define DEFINE_AVX2_SPMM(MR) SPMM_KERNEL(sprig_f16_spmm_ukernel_##MR##x1__avx2, MR / 8)

DEFINE_AVX2_SPMM(8)
DEFINE_AVX2_SPMM(16)
DEFINE_AVX2_SPMM(32)
