/*
 * x86 AVX-512F f16 SpMM: 16 pixels per zmm register as f32 (vcvtph2ps / vcvtps2ph on zmm are
 * AVX-512F), V = MR / 16 accumulators per channel.
 *
 * Per nonzero of an MRx1 tile: V vcvtph2ps loads of 16 input halves each, V vfmadd231ps, and a
 * vpermps that puts the weight in every lane (a channel's weights are loaded and converted 8 at
 * a time, with their 8 row steps in one 8-byte load). Sums stay in f32 and are rounded to half
 * once, after the clamp. Narrow tiles take the nonzeros in turn into 8 / V accumulator sets.
 *
 * Pixel remainders: one pass over the last mc % MR pixels with as many vectors as they need.
 * 16-bit masked loads need AVX-512BW: a partial last vector is loaded as whole pairs of halves by
 * vpmaskmovd plus an odd last half by a broadcast, and stored through a 16-half buffer, so that
 * nothing outside input[0 .. mc) and output[0 .. mc) is read or written.
 */
#include <immintrin.h>
#include <string.h>

#include <sprig/f16-spmm.h>

#define INLINE static inline __attribute__((always_inline))
#define VEC __m512
#define LANES 16
#define VLOAD_X(p) _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*) (p)))
#define VLOAD_X_PART(p, k) load_part(p, k)
#define VSTORE_Y(p, v) _mm256_storeu_si256((__m256i*) (p), _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT))
#define VSTORE_Y_PART(p, v, k) store_part(p, v, k)
#define VMADD(acc, x, w) _mm512_fmadd_ps(x, w, acc)
#define VADD(a, b) _mm512_add_ps(a, b)
#define VZERO() _mm512_setzero_ps()
#define VBROADCAST_HALF(h) _mm512_cvtph_ps(_mm256_set1_epi16((short) (h)))
#define WGROUP __m512
#define VLOAD_WGROUP(p) _mm512_cvtph_ps(_mm256_zextsi128_si256(_mm_loadu_si128((const __m128i*) (p))))
#define VPERM_W(g, l) _mm512_permutexvar_ps(_mm512_set1_epi32((int) (l)), g)
#define VCLAMP_MIN(params) _mm512_set1_ps((params)->min)
#define VCLAMP_MAX(params) _mm512_set1_ps((params)->max)
#define VMIN(a, b) _mm512_min_ps(a, b)
#define VMAX(a, b) _mm512_max_ps(a, b)

/* The first k (1 .. 15) halves at p: k / 2 whole pairs by a 32-bit masked load (AVX2's
 * vpmaskmovd: AVX-512F implies AVX2), then an odd last half broadcast and kept in lane k - 1
 * only. The masks depend on k alone, so the compiler hoists them out of the loop over the
 * nonzeros. */
static inline __attribute__((always_inline)) __m512 load_part(const uint16_t* p, size_t k) {
  const __m256i pairs = _mm256_cmpgt_epi32(_mm256_set1_epi32((int) (k / 2)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  const __m256i last = _mm256_and_si256(
      _mm256_set1_epi16((short) (k & 1 ? -1 : 0)),
      _mm256_cmpeq_epi16(_mm256_set1_epi16((short) (k - 1)),
                         _mm256_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)));
  __m256i h = _mm256_maskload_epi32((const int*) p, pairs);
  h = _mm256_or_si256(h, _mm256_and_si256(_mm256_set1_epi16((short) p[k - 1]), last));
  return _mm512_cvtph_ps(h);
}

/* The first k lanes of v as halves to p (through a buffer: once per channel, not per nonzero). */
static inline __attribute__((always_inline)) void store_part(uint16_t* p, __m512 v, size_t k) {
  uint16_t buffer[LANES];
  VSTORE_Y(buffer, v);
  memcpy(p, buffer, k * sizeof(uint16_t));
}

#include "simd-template.h"

#define DEFINE_AVX512F_SPMM(MR) SPMM_KERNEL(sprig_f16_spmm_ukernel_##MR##x1__avx512f, MR / 16)

DEFINE_AVX512F_SPMM(16)
DEFINE_AVX512F_SPMM(32)
DEFINE_AVX512F_SPMM(64)
