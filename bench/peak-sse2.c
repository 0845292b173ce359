/* SSE2 peak: no FMA in SSE2, so 6 multiply chains and 6 add chains of 4 floats. */
#include <emmintrin.h>

#include "peak.h"

#define MUL6(a, b) a##0 = _mm_mul_ps(a##0, b); a##1 = _mm_mul_ps(a##1, b); a##2 = _mm_mul_ps(a##2, b); \
  a##3 = _mm_mul_ps(a##3, b); a##4 = _mm_mul_ps(a##4, b); a##5 = _mm_mul_ps(a##5, b)
#define ADD6(a, c) a##0 = _mm_add_ps(a##0, c); a##1 = _mm_add_ps(a##1, c); a##2 = _mm_add_ps(a##2, c); \
  a##3 = _mm_add_ps(a##3, c); a##4 = _mm_add_ps(a##4, c); a##5 = _mm_add_ps(a##5, c)

static float loop_sse2(size_t iterations, float multiplier, float addend) {
  const __m128 b = _mm_set1_ps(multiplier);
  const __m128 c = _mm_set1_ps(addend);
  __m128 m0 = _mm_set1_ps(1.0f), m1 = _mm_set1_ps(1.1f), m2 = _mm_set1_ps(1.2f);
  __m128 m3 = _mm_set1_ps(1.3f), m4 = _mm_set1_ps(1.4f), m5 = _mm_set1_ps(1.5f);
  __m128 s0 = m0, s1 = m1, s2 = m2, s3 = m3, s4 = m4, s5 = m5;
  for (size_t i = 0; i < iterations; i++) {
    MUL6(m, b);
    ADD6(s, c);
  }
  const __m128 m = _mm_add_ps(_mm_add_ps(_mm_add_ps(m0, m1), _mm_add_ps(m2, m3)), _mm_add_ps(m4, m5));
  const __m128 s = _mm_add_ps(_mm_add_ps(_mm_add_ps(s0, s1), _mm_add_ps(s2, s3)), _mm_add_ps(s4, s5));
  return _mm_cvtss_f32(_mm_add_ps(m, s));
}

/* Four 16-byte loads per step into four integer accumulators (paddq). */
static uint64_t read_sse2(const void* data, size_t bytes) {
  const __m128i* p = data;
  __m128i s0 = _mm_setzero_si128(), s1 = s0, s2 = s0, s3 = s0;
  for (size_t i = 0; i < bytes / 16; i += 4) {
    s0 = _mm_add_epi64(s0, _mm_load_si128(p + i));
    s1 = _mm_add_epi64(s1, _mm_load_si128(p + i + 1));
    s2 = _mm_add_epi64(s2, _mm_load_si128(p + i + 2));
    s3 = _mm_add_epi64(s3, _mm_load_si128(p + i + 3));
  }
  const __m128i h = _mm_add_epi64(_mm_add_epi64(s0, s1), _mm_add_epi64(s2, s3));
  uint64_t lanes[2];
  _mm_storeu_si128((__m128i*) lanes, h);
  return lanes[0] + lanes[1];
}

const struct bench_peak_probe bench_peak_probe_sse2 = {
    .isa = "sse2",
    .method = "6 independent mulps chains + 6 addps chains (SSE2 has no FMA), 4 lanes, 1 flop each",
    .flops_per_iteration = 48.0,
    .multiplier = 0.99999994f, /* 1 - 2^-24: decays by about an ulp per step */
    .addend = 0.001f,
    .read = read_sse2,
    .read_method = "16-byte movdqa loads (xmm), 4 independent paddq accumulators",
    .loop = loop_sse2,
};
