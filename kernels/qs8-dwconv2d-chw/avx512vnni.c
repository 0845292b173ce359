/*
 * x86 AVX-512 int8 direct depthwise convolution (src/sprig/qs8-dwconv2d-chw.h), over pairs.h: 16
 * outputs per zmm register, each vpdpwssd two taps of them added into the accumulator (AVX512
 * VNNI); trips of 64 outputs, 4 independent accumulators. Requantization in registers: convert,
 * scale, clamp, vcvtps2dq (round to nearest even), the zero point added in int32, vpmovsdb
 * narrowing the in-range values exactly. The widening is the AVX2 one (x86-widen.h).
 */
#include <immintrin.h>

#include <sprig/qs8-dwconv2d-chw.h>

#define INLINE static inline __attribute__((always_inline))
#define IVEC __m512i
#define LANES 16
#define TRIP 64
#define HAVE_MADD_ADD 1

INLINE __m512i iv_load(const int32_t* p) {
  return _mm512_loadu_si512(p);
}

INLINE __m512i iv_splat(int32_t v) {
  return _mm512_set1_epi32(v);
}

INLINE void iv_store(int32_t* p, __m512i v) {
  _mm512_storeu_si512(p, v);
}

INLINE __m512i iv_madd_add(__m512i acc, __m512i x, __m512i w) {
  return _mm512_dpwssd_epi32(acc, x, w);
}

INLINE void store4(int32_t* p, int32_t v) {
  _mm_storeu_si128((__m128i*) p, _mm_set1_epi32(v));
}

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

INLINE void requant16(const __m512i* acc, const struct requant* k, int8_t* out) {
  const __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(acc[0]), k->scale);
  const __m512i r = _mm512_cvtps_epi32(_mm512_min_ps(_mm512_max_ps(v, k->lowest), k->highest));
  _mm_storeu_si128((__m128i*) out, _mm512_cvtsepi32_epi8(_mm512_add_epi32(r, k->zero_point)));
}

#include "x86-widen.h"
#include "pairs.h"

DEFINE_KERNEL(3, 1, avx512vnni)
DEFINE_KERNEL(3, 2, avx512vnni)
DEFINE_KERNEL(5, 1, avx512vnni)
DEFINE_KERNEL(5, 2, avx512vnni)
