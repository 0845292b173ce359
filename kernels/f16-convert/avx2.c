/*
 * x86 F16C half <-> single conversions (built with the AVX2 kernels: -mavx2 -mfma -mf16c): 8
 * values per vcvtph2ps / vcvtps2ph (round to nearest even); the last n % 8 one at a time
 * (src/sprig/half.h's branchless forms).
 */
#include <immintrin.h>

#include <sprig/f16-convert.h>
#include <sprig/half.h>

void sprig_f16_widen_ukernel__avx2(size_t n, const uint16_t* input, float* output) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(output + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*) (input + i))));
  }
  for (; i < n; i++) {
    output[i] = sprig_half_to_float_branchless(input[i]);
  }
}

void sprig_f16_narrow_ukernel__avx2(size_t n, const float* input, uint16_t* output) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm_storeu_si128((__m128i*) (output + i), _mm256_cvtps_ph(_mm256_loadu_ps(input + i), _MM_FROUND_TO_NEAREST_INT));
  }
  for (; i < n; i++) {
    output[i] = sprig_float_to_half_branchless(input[i]);
  }
}
