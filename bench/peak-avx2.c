/* AVX2+FMA peak: 12 independent vfmadd chains of 8 floats (compiled with -mavx2 -mfma). Every
 * chain starts from its own value: equal chains would be merged by the compiler. */
#include <immintrin.h>

#include "peak.h"

#define FMA(a) a = _mm256_fmadd_ps(a, b, c)

static float loop_avx2(size_t iterations, float multiplier, float addend) {
  const __m256 b = _mm256_set1_ps(multiplier);
  const __m256 c = _mm256_set1_ps(addend);
  __m256 a0 = _mm256_set1_ps(1.0f), a1 = _mm256_set1_ps(1.1f), a2 = _mm256_set1_ps(1.2f);
  __m256 a3 = _mm256_set1_ps(1.3f), a4 = _mm256_set1_ps(1.4f), a5 = _mm256_set1_ps(1.5f);
  __m256 a6 = _mm256_set1_ps(1.6f), a7 = _mm256_set1_ps(1.7f), a8 = _mm256_set1_ps(1.8f);
  __m256 a9 = _mm256_set1_ps(1.9f), a10 = _mm256_set1_ps(2.0f), a11 = _mm256_set1_ps(2.1f);
  for (size_t i = 0; i < iterations; i++) {
    FMA(a0); FMA(a1); FMA(a2); FMA(a3); FMA(a4); FMA(a5);
    FMA(a6); FMA(a7); FMA(a8); FMA(a9); FMA(a10); FMA(a11);
  }
  const __m256 x = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                                 _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
  const __m256 y = _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11));
  return _mm256_cvtss_f32(_mm256_add_ps(x, y));
}

const struct bench_peak_probe bench_peak_probe_avx2 = {
    .isa = "avx2",
    .method = "12 independent vfmadd231ps ymm chains, 8 lanes, 2 flops each",
    .flops_per_iteration = 12.0 * 8.0 * 2.0,
    .multiplier = 0.999f, /* a = 0.999 a + 0.001 converges to 1 */
    .addend = 0.001f,
    .loop = loop_avx2,
};
