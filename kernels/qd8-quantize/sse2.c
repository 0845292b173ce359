/*
 * x86 SSE2 qd8 row quantization (contract: src/sprig/qd8-quantize.h).
 * range: minps / maxps with the value first (minps returns its second operand unless the first
 * is lower: a NaN never replaces the running bound; the poison sum flags it), 8 floats per step
 * in two chains. quantize: per 16 floats four mulps and cvtps2dq (round to nearest even in the
 * default MXCSR), packssdw, a saturating add of the zero point in int16 (|q| <= 256 fits), and
 * packsswb, whose saturation is the [-128, 127] clamp. The tail goes through the scalar kernel.
 */
#include <emmintrin.h>
#include <math.h>

#include <sprig/qd8-quantize.h>

bool sprig_qd8_range_ukernel__sse2(size_t cols, const float* x, float* lo_out, float* hi_out) {
  __m128 lo0 = _mm_setzero_ps(), lo1 = lo0, hi0 = lo0, hi1 = lo0, poison0 = lo0, poison1 = lo0;
  size_t i = 0;
  for (; i + 8 <= cols; i += 8) {
    const __m128 v0 = _mm_loadu_ps(x + i), v1 = _mm_loadu_ps(x + i + 4);
    poison0 = _mm_add_ps(poison0, _mm_sub_ps(v0, v0));
    poison1 = _mm_add_ps(poison1, _mm_sub_ps(v1, v1));
    lo0 = _mm_min_ps(v0, lo0);
    lo1 = _mm_min_ps(v1, lo1);
    hi0 = _mm_max_ps(v0, hi0);
    hi1 = _mm_max_ps(v1, hi1);
  }
  float lo[4], hi[4], poison[4], l, h;
  _mm_storeu_ps(lo, _mm_min_ps(lo0, lo1));
  _mm_storeu_ps(hi, _mm_max_ps(hi0, hi1));
  _mm_storeu_ps(poison, _mm_add_ps(poison0, poison1));
  const bool bad = sprig_qd8_range_ukernel__scalar(cols - i, x + i, &l, &h);
  for (size_t j = 0; j < 4; j++) {
    l = lo[j] < l ? lo[j] : l;
    h = hi[j] > h ? hi[j] : h;
  }
  *lo_out = l;
  *hi_out = h;
  return bad || isnan(poison[0] + poison[1] + poison[2] + poison[3]);
}

void sprig_qd8_quantize_ukernel__sse2(size_t cols, const float* x, float inverse, int32_t zero_point, uint8_t flip,
                                      int8_t* out, size_t padded) {
  const __m128 vinverse = _mm_set1_ps(inverse);
  const __m128i vzero_point = _mm_set1_epi16((int16_t) zero_point);
  const __m128i vflip = _mm_set1_epi8((char) flip);
  size_t i = 0;
  for (; i + 16 <= cols; i += 16) {
    const __m128i q0 = _mm_cvtps_epi32(_mm_mul_ps(_mm_loadu_ps(x + i), vinverse));
    const __m128i q1 = _mm_cvtps_epi32(_mm_mul_ps(_mm_loadu_ps(x + i + 4), vinverse));
    const __m128i q2 = _mm_cvtps_epi32(_mm_mul_ps(_mm_loadu_ps(x + i + 8), vinverse));
    const __m128i q3 = _mm_cvtps_epi32(_mm_mul_ps(_mm_loadu_ps(x + i + 12), vinverse));
    const __m128i h01 = _mm_adds_epi16(_mm_packs_epi32(q0, q1), vzero_point);
    const __m128i h23 = _mm_adds_epi16(_mm_packs_epi32(q2, q3), vzero_point);
    _mm_storeu_si128((__m128i*) (void*) (out + i), _mm_xor_si128(_mm_packs_epi16(h01, h23), vflip));
  }
  sprig_qd8_quantize_ukernel__scalar(cols - i, x + i, inverse, zero_point, flip, out + i, padded - i);
}
