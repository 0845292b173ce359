/*
 * x86 AVX2 int8 element-wise addition (src/sprig/qs8-vadd.h): 32 values per step, 8 at a time
 * sign-extended to int32 (vpmovsxbd), less the zero point, to f32; products, sum and clamp as
 * f32 vectors (compiled with -ffp-contract=off: no FMA joins them); vcvtps2dq rounds to nearest
 * even (the default MXCSR mode, which sprig never changes). The rounded values lie in [lowest,
 * highest], so both packs are exact; the packs work per 128-bit lane, and one vpermd puts the
 * 4-value groups back in order.
 */
#include <immintrin.h>

#include <qs8-vadd/steps.h>
#include <sprig/qs8-vadd.h>

#define INLINE static inline __attribute__((always_inline))

struct vadd_consts {
  __m256 ma, mb, lowest, highest;
  __m256i za, zb; /* int32 lanes */
  __m256i zy;     /* int16 lanes */
};

INLINE __m256 centered(const int8_t* x, __m256i z) {
  const __m256i wide = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i*) x));
  return _mm256_cvtepi32_ps(_mm256_sub_epi32(wide, z));
}

/* Outputs [0, 8) of a and b as rounded int32. */
INLINE __m256i add_8(const int8_t* a, const int8_t* b, const struct vadd_consts* k) {
  const __m256 va = _mm256_mul_ps(centered(a, k->za), k->ma);
  const __m256 vb = _mm256_mul_ps(centered(b, k->zb), k->mb);
  const __m256 v = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(va, vb), k->lowest), k->highest);
  return _mm256_cvtps_epi32(v);
}

INLINE void step_32(const int8_t* a, const int8_t* b, int8_t* y, const struct vadd_consts* k) {
  const __m256i r0 = add_8(a, b, k), r1 = add_8(a + 8, b + 8, k);
  const __m256i r2 = add_8(a + 16, b + 16, k), r3 = add_8(a + 24, b + 24, k);
  /* Per 128-bit lane: int16 groups (r0, r1) and (r2, r3), then bytes r0 r1 r2 r3 (values 0-3 of
   * each in lane 0, 4-7 in lane 1). */
  const __m256i p01 = _mm256_add_epi16(_mm256_packs_epi32(r0, r1), k->zy);
  const __m256i p23 = _mm256_add_epi16(_mm256_packs_epi32(r2, r3), k->zy);
  const __m256i bytes = _mm256_packs_epi16(p01, p23);
  _mm256_storeu_si256((__m256i*) y, _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
}

void sprig_qs8_vadd_ukernel__avx2(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                  const struct sprig_qs8_vadd_params* params) {
  const struct vadd_consts k = {
      _mm256_set1_ps(params->a_multiplier),
      _mm256_set1_ps(params->b_multiplier),
      _mm256_set1_ps(params->lowest),
      _mm256_set1_ps(params->highest),
      _mm256_set1_epi32(params->a_zero_point),
      _mm256_set1_epi32(params->b_zero_point),
      _mm256_set1_epi16((int16_t) params->output_zero_point),
  };
  SPRIG_QS8_VADD_STEPS(32, step_32, n, a, b, y, &k);
}
