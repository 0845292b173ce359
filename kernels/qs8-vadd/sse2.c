/*
 * x86 SSE2 int8 element-wise addition (src/sprig/qs8-vadd.h): 16 values per step. Each input is
 * sign-extended to int16 (unpack with itself, arithmetic shift), less its zero point there (the
 * difference fits int16), then to int32 and f32; the products, sum and clamp as f32 vectors;
 * cvtps2dq rounds to nearest even (the default MXCSR mode, which sprig never changes); the
 * rounded values lie in [lowest, highest], so they pack to int16 exactly, take the output zero
 * point there and pack to int8 without saturating.
 */
#include <emmintrin.h>

#include <qs8-vadd/steps.h>
#include <sprig/qs8-vadd.h>

#define INLINE static inline __attribute__((always_inline))

struct vadd_consts {
  __m128 ma, mb, lowest, highest;
  __m128i za, zb, zy; /* int16 lanes */
};

/* Lanes 0-7 (`high`: 8-15) of x as int16 minus z. */
INLINE __m128i centered_half(__m128i x, bool high, __m128i z) {
  const __m128i doubled = high ? _mm_unpackhi_epi8(x, x) : _mm_unpacklo_epi8(x, x);
  return _mm_sub_epi16(_mm_srai_epi16(doubled, 8), z);
}

/* int16 lanes 0-3 (`high`: 4-7) of d as f32. */
INLINE __m128 to_float(__m128i d, bool high) {
  const __m128i doubled = high ? _mm_unpackhi_epi16(d, d) : _mm_unpacklo_epi16(d, d);
  return _mm_cvtepi32_ps(_mm_srai_epi32(doubled, 16));
}

/* 4 outputs from the centered int16 halves da, db (lanes 0-3 or 4-7) as rounded int32. */
INLINE __m128i add_4(__m128i da, __m128i db, bool high, const struct vadd_consts* k) {
  const __m128 va = _mm_mul_ps(to_float(da, high), k->ma);
  const __m128 vb = _mm_mul_ps(to_float(db, high), k->mb);
  const __m128 v = _mm_min_ps(_mm_max_ps(_mm_add_ps(va, vb), k->lowest), k->highest);
  return _mm_cvtps_epi32(v);
}

/* 8 outputs (input lanes 0-7 or 8-15) as int16 with the output zero point. */
INLINE __m128i add_8(__m128i a, __m128i b, bool high, const struct vadd_consts* k) {
  const __m128i da = centered_half(a, high, k->za), db = centered_half(b, high, k->zb);
  return _mm_add_epi16(_mm_packs_epi32(add_4(da, db, false, k), add_4(da, db, true, k)), k->zy);
}

INLINE void step_16(const int8_t* a, const int8_t* b, int8_t* y, const struct vadd_consts* k) {
  const __m128i va = _mm_loadu_si128((const __m128i*) a), vb = _mm_loadu_si128((const __m128i*) b);
  _mm_storeu_si128((__m128i*) y, _mm_packs_epi16(add_8(va, vb, false, k), add_8(va, vb, true, k)));
}

void sprig_qs8_vadd_ukernel__sse2(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                  const struct sprig_qs8_vadd_params* params) {
  const struct vadd_consts k = {
      _mm_set1_ps(params->a_multiplier), _mm_set1_ps(params->b_multiplier),
      _mm_set1_ps(params->lowest),       _mm_set1_ps(params->highest),
      _mm_set1_epi16((int16_t) params->a_zero_point), _mm_set1_epi16((int16_t) params->b_zero_point),
      _mm_set1_epi16((int16_t) params->output_zero_point),
  };
  SPRIG_QS8_VADD_STEPS(16, step_16, n, a, b, y, &k);
}
