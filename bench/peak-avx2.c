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

/* Four 32-byte loads per step into four integer accumulators (vpaddq). */
static uint64_t read_avx2(const void* data, size_t bytes) {
  const __m256i* p = data;
  __m256i s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0;
  for (size_t i = 0; i < bytes / 32; i += 4) {
    s0 = _mm256_add_epi64(s0, _mm256_load_si256(p + i));
    s1 = _mm256_add_epi64(s1, _mm256_load_si256(p + i + 1));
    s2 = _mm256_add_epi64(s2, _mm256_load_si256(p + i + 2));
    s3 = _mm256_add_epi64(s3, _mm256_load_si256(p + i + 3));
  }
  const __m256i s = _mm256_add_epi64(_mm256_add_epi64(s0, s1), _mm256_add_epi64(s2, s3));
  const __m128i h = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
  return (uint64_t) _mm_cvtsi128_si64(h) + (uint64_t) _mm_cvtsi128_si64(_mm_unpackhi_epi64(h, h));
}

const struct bench_peak_probe bench_peak_probe_avx2 = {
    .isa = "avx2",
    .method = "12 independent vfmadd231ps ymm chains, 8 lanes, 2 flops each",
    .flops_per_iteration = 12.0 * 8.0 * 2.0,
    .multiplier = 0.999f, /* a = 0.999 a + 0.001 converges to 1 */
    .addend = 0.001f,
    .read = read_avx2,
    .read_method = "32-byte vmovdqa loads (ymm), 4 independent vpaddq accumulators",
    .loop = loop_avx2,
};
