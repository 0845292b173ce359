/*
 * x86 AVX2 qd8 row quantization (contract: src/sprig/qd8-quantize.h): the SSE2 kernel's steps on
 * 8 floats per register. range: 16 floats per step in two chains. quantize: per 32 floats four
 * vcvtps2dq, vpackssdw, a saturating int16 add of the zero point, vpacksswb (the clamp), and one
 * vpermd to undo the packs' per-lane order. The tail goes through the scalar kernel.
 */
#include <immintrin.h>
#include <math.h>

#include <sprig/qd8-quantize.h>

bool sprig_qd8_range_ukernel__avx2(size_t cols, const float* x, float* lo_out, float* hi_out) {
  __m256 lo0 = _mm256_setzero_ps(), lo1 = lo0, hi0 = lo0, hi1 = lo0, poison0 = lo0, poison1 = lo0;
  size_t i = 0;
  for (; i + 16 <= cols; i += 16) {
    const __m256 v0 = _mm256_loadu_ps(x + i), v1 = _mm256_loadu_ps(x + i + 8);
    poison0 = _mm256_add_ps(poison0, _mm256_sub_ps(v0, v0));
    poison1 = _mm256_add_ps(poison1, _mm256_sub_ps(v1, v1));
    lo0 = _mm256_min_ps(v0, lo0);
    lo1 = _mm256_min_ps(v1, lo1);
    hi0 = _mm256_max_ps(v0, hi0);
    hi1 = _mm256_max_ps(v1, hi1);
  }
  float lo[8], hi[8], poison[8], l, h, p = 0.0f;
  _mm256_storeu_ps(lo, _mm256_min_ps(lo0, lo1));
  _mm256_storeu_ps(hi, _mm256_max_ps(hi0, hi1));
  _mm256_storeu_ps(poison, _mm256_add_ps(poison0, poison1));
  const bool bad = sprig_qd8_range_ukernel__scalar(cols - i, x + i, &l, &h);
  for (size_t j = 0; j < 8; j++) {
    l = lo[j] < l ? lo[j] : l;
    h = hi[j] > h ? hi[j] : h;
    p += poison[j];
  }
  *lo_out = l;
  *hi_out = h;
  return bad || isnan(p);
}

void sprig_qd8_quantize_ukernel__avx2(size_t cols, const float* x, float inverse, int32_t zero_point, uint8_t flip,
                                      int8_t* out, size_t padded) {
  const __m256 vinverse = _mm256_set1_ps(inverse);
  const __m256i vzero_point = _mm256_set1_epi16((int16_t) zero_point);
  const __m256i vflip = _mm256_set1_epi8((char) flip);
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  size_t i = 0;
  for (; i + 32 <= cols; i += 32) {
    const __m256i q0 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i), vinverse));
    const __m256i q1 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i + 8), vinverse));
    const __m256i q2 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i + 16), vinverse));
    const __m256i q3 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i + 24), vinverse));
    /* Per 128-bit lane: h01 = [q0 lo, q1 lo | q0 hi, q1 hi], bytes = [h01 lo, h23 lo | h01 hi, h23 hi]. */
    const __m256i h01 = _mm256_adds_epi16(_mm256_packs_epi32(q0, q1), vzero_point);
    const __m256i h23 = _mm256_adds_epi16(_mm256_packs_epi32(q2, q3), vzero_point);
    const __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(h01, h23), order);
    _mm256_storeu_si256((__m256i*) (void*) (out + i), _mm256_xor_si256(bytes, vflip));
  }
  sprig_qd8_quantize_ukernel__scalar(cols - i, x + i, inverse, zero_point, flip, out + i, padded - i);
}
