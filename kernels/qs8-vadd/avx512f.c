/*
 * x86 AVX-512F int8 element-wise addition (src/sprig/qs8-vadd.h): 64 values per step, 16 at a
 * time sign-extended to int32 (vpmovsxbd), less the zero point, to f32; products, sum and clamp
 * as f32 vectors (compiled with -ffp-contract=off: no FMA joins them); vcvtps2dq with an explicit
 * round-to-nearest-even; the output zero point added in int32; vpmovsdb narrows exactly (the
 * values lie in [output_min, output_max]) and stores 16 bytes.
 */
#include <immintrin.h>

#include <qs8-vadd/steps.h>
#include <sprig/qs8-vadd.h>

#define INLINE static inline __attribute__((always_inline))

struct vadd_consts {
  __m512 ma, mb, lowest, highest;
  __m512i za, zb, zy; /* int32 lanes */
};

INLINE __m512 centered(const int8_t* x, __m512i z) {
  const __m512i wide = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i*) x));
  return _mm512_cvtepi32_ps(_mm512_sub_epi32(wide, z));
}

/* Outputs [0, 16) of a and b into y. */
INLINE void add_16(const int8_t* a, const int8_t* b, int8_t* y, const struct vadd_consts* k) {
  const __m512 va = _mm512_mul_ps(centered(a, k->za), k->ma);
  const __m512 vb = _mm512_mul_ps(centered(b, k->zb), k->mb);
  const __m512 v = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(va, vb), k->lowest), k->highest);
  const __m512i r = _mm512_cvt_roundps_epi32(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  _mm_storeu_si128((__m128i*) y, _mm512_cvtsepi32_epi8(_mm512_add_epi32(r, k->zy)));
}

/* Each group of 16 reads only its own inputs before it stores its outputs: y may be a or b. */
INLINE void step_64(const int8_t* a, const int8_t* b, int8_t* y, const struct vadd_consts* k) {
  add_16(a, b, y, k);
  add_16(a + 16, b + 16, y + 16, k);
  add_16(a + 32, b + 32, y + 32, k);
  add_16(a + 48, b + 48, y + 48, k);
}

void sprig_qs8_vadd_ukernel__avx512f(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                     const struct sprig_qs8_vadd_params* params) {
  const struct vadd_consts k = {
      _mm512_set1_ps(params->a_multiplier),
      _mm512_set1_ps(params->b_multiplier),
      _mm512_set1_ps(params->lowest),
      _mm512_set1_ps(params->highest),
      _mm512_set1_epi32(params->a_zero_point),
      _mm512_set1_epi32(params->b_zero_point),
      _mm512_set1_epi32(params->output_zero_point),
  };
  SPRIG_QS8_VADD_STEPS(64, step_64, n, a, b, y, &k);
}
