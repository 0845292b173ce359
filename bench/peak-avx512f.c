/* AVX-512F peak: 16 independent vfmadd chains of 16 floats (compiled with -mavx512f). Every
 * chain starts from its own value: equal chains would be merged by the compiler. */
#include <immintrin.h>

#include "peak.h"

#define FMA(a) a = _mm512_fmadd_ps(a, b, c)

static float loop_avx512f(size_t iterations, float multiplier, float addend) {
  const __m512 b = _mm512_set1_ps(multiplier);
  const __m512 c = _mm512_set1_ps(addend);
  __m512 a0 = _mm512_set1_ps(1.0f), a1 = _mm512_set1_ps(1.1f), a2 = _mm512_set1_ps(1.2f);
  __m512 a3 = _mm512_set1_ps(1.3f), a4 = _mm512_set1_ps(1.4f), a5 = _mm512_set1_ps(1.5f);
  __m512 a6 = _mm512_set1_ps(1.6f), a7 = _mm512_set1_ps(1.7f), a8 = _mm512_set1_ps(1.8f);
  __m512 a9 = _mm512_set1_ps(1.9f), a10 = _mm512_set1_ps(2.0f), a11 = _mm512_set1_ps(2.1f);
  __m512 a12 = _mm512_set1_ps(2.2f), a13 = _mm512_set1_ps(2.3f), a14 = _mm512_set1_ps(2.4f);
  __m512 a15 = _mm512_set1_ps(2.5f);
  for (size_t i = 0; i < iterations; i++) {
    FMA(a0); FMA(a1); FMA(a2); FMA(a3); FMA(a4); FMA(a5); FMA(a6); FMA(a7);
    FMA(a8); FMA(a9); FMA(a10); FMA(a11); FMA(a12); FMA(a13); FMA(a14); FMA(a15);
  }
  const __m512 x = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                                 _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
  const __m512 y = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)),
                                 _mm512_add_ps(_mm512_add_ps(a12, a13), _mm512_add_ps(a14, a15)));
  return _mm512_reduce_add_ps(_mm512_add_ps(x, y));
}

/* Four 64-byte loads per step into four integer accumulators (vpaddq). */
static uint64_t read_avx512f(const void* data, size_t bytes) {
  const __m512i* p = data;
  __m512i s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0;
  for (size_t i = 0; i < bytes / 64; i += 4) {
    s0 = _mm512_add_epi64(s0, _mm512_load_si512(p + i));
    s1 = _mm512_add_epi64(s1, _mm512_load_si512(p + i + 1));
    s2 = _mm512_add_epi64(s2, _mm512_load_si512(p + i + 2));
    s3 = _mm512_add_epi64(s3, _mm512_load_si512(p + i + 3));
  }
  /* Summed as unsigned lanes: _mm512_reduce_add_epi64 adds signed 64-bit values, which may overflow. */
  uint64_t lanes[8];
  _mm512_storeu_si512(lanes, _mm512_add_epi64(_mm512_add_epi64(s0, s1), _mm512_add_epi64(s2, s3)));
  return lanes[0] + lanes[1] + lanes[2] + lanes[3] + lanes[4] + lanes[5] + lanes[6] + lanes[7];
}

const struct bench_peak_probe bench_peak_probe_avx512f = {
    .isa = "avx512f",
    .method = "16 independent vfmadd231ps zmm chains, 16 lanes, 2 flops each",
    .flops_per_iteration = 16.0 * 16.0 * 2.0,
    .multiplier = 0.999f, /* a = 0.999 a + 0.001 converges to 1 */
    .addend = 0.001f,
    .read = read_avx512f,
    .read_method = "64-byte vmovdqa64 loads (zmm), 4 independent vpaddq accumulators",
    .loop = loop_avx512f,
};
