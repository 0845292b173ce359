/*
 * x86 AVX-512F qd8 row quantization (contract: src/sprig/qd8-quantize.h). range: 32 floats per
 * step in two chains, the tail under a mask (masked-off lanes read as 0, which changes neither
 * bound nor the poison sum). quantize: per 16 floats one vmulps, vcvtps2dq (round to nearest
 * even), the zero point added in int32 (|q| <= 256) and vpmovsdb to a register (its saturation
 * is the clamp), then the flip; the tail under a mask.
 */
#include <immintrin.h>
#include <math.h>

#include <sprig/qd8-quantize.h>

bool sprig_qd8_range_ukernel__avx512f(size_t cols, const float* x, float* lo_out, float* hi_out) {
  __m512 lo0 = _mm512_setzero_ps(), lo1 = lo0, hi0 = lo0, hi1 = lo0, poison0 = lo0, poison1 = lo0;
  size_t i = 0;
  for (; i + 32 <= cols; i += 32) {
    const __m512 v0 = _mm512_loadu_ps(x + i), v1 = _mm512_loadu_ps(x + i + 16);
    poison0 = _mm512_add_ps(poison0, _mm512_sub_ps(v0, v0));
    poison1 = _mm512_add_ps(poison1, _mm512_sub_ps(v1, v1));
    lo0 = _mm512_min_ps(v0, lo0);
    lo1 = _mm512_min_ps(v1, lo1);
    hi0 = _mm512_max_ps(v0, hi0);
    hi1 = _mm512_max_ps(v1, hi1);
  }
  for (; i < cols; i += 16) {
    const size_t n = cols - i < 16 ? cols - i : 16;
    const __m512 v = _mm512_maskz_loadu_ps((__mmask16) ((1u << n) - 1u), x + i);
    poison0 = _mm512_add_ps(poison0, _mm512_sub_ps(v, v));
    lo0 = _mm512_min_ps(v, lo0);
    hi0 = _mm512_max_ps(v, hi0);
  }
  float lo[16], hi[16], poison[16], l = 0.0f, h = 0.0f, p = 0.0f;
  _mm512_storeu_ps(lo, _mm512_min_ps(lo0, lo1));
  _mm512_storeu_ps(hi, _mm512_max_ps(hi0, hi1));
  _mm512_storeu_ps(poison, _mm512_add_ps(poison0, poison1));
  for (size_t j = 0; j < 16; j++) {
    l = lo[j] < l ? lo[j] : l;
    h = hi[j] > h ? hi[j] : h;
    p += poison[j];
  }
  *lo_out = l;
  *hi_out = h;
  return isnan(p);
}

void sprig_qd8_quantize_ukernel__avx512f(size_t cols, const float* x, float inverse, int32_t zero_point, uint8_t flip,
                                         int8_t* out, size_t padded) {
  const __m512 vinverse = _mm512_set1_ps(inverse);
  const __m512i vzero_point = _mm512_set1_epi32(zero_point);
  const __m128i vflip = _mm_set1_epi8((char) flip);
  size_t i = 0;
  for (; i + 32 <= cols; i += 32) {
    const __m512i q0 = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(x + i), vinverse));
    const __m512i q1 = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(x + i + 16), vinverse));
    const __m128i b0 = _mm512_cvtsepi32_epi8(_mm512_add_epi32(q0, vzero_point));
    const __m128i b1 = _mm512_cvtsepi32_epi8(_mm512_add_epi32(q1, vzero_point));
    _mm_storeu_si128((__m128i*) (void*) (out + i), _mm_xor_si128(b0, vflip));
    _mm_storeu_si128((__m128i*) (void*) (out + i + 16), _mm_xor_si128(b1, vflip));
  }
  /* The tail: the clamp in int32, then the flip, then vpmovdb's masked store (AVX-512F alone has
   * no byte-masked store of a register). */
  const __m512i vmin = _mm512_set1_epi32(-128), vmax = _mm512_set1_epi32(127);
  const __m512i vflip32 = _mm512_set1_epi32(flip);
  for (; i < cols; i += 16) {
    const size_t n = cols - i < 16 ? cols - i : 16;
    const __mmask16 mask = (__mmask16) ((1u << n) - 1u);
    const __m512i q = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_maskz_loadu_ps(mask, x + i), vinverse));
    const __m512i clamped = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(q, vzero_point), vmin), vmax);
    _mm512_mask_cvtepi32_storeu_epi8(out + i, mask, _mm512_xor_si512(clamped, vflip32));
  }
  for (i = cols; i < padded; i++) {
    out[i] = 0;
  }
}
