/*
 * x86 F16C half <-> single conversions (built with the AVX2 kernels: -mavx2 -mfma -mf16c): 8
 * values per vcvtph2ps / vcvtps2ph (round to nearest even); the last n % 8 one at a time
 * (drivers.h).
 */
#include <immintrin.h>

#include "drivers.h"

static inline void widen8(const uint16_t* input, float* output) {
  _mm256_storeu_ps(output, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*) input)));
}

static inline void narrow8(const float* input, uint16_t* output) {
  _mm_storeu_si128((__m128i*) output, _mm256_cvtps_ph(_mm256_loadu_ps(input), _MM_FROUND_TO_NEAREST_INT));
}

SPRIG_F16_CONVERT_DRIVERS(sprig_f16_widen_ukernel__avx2, sprig_f16_narrow_ukernel__avx2)
