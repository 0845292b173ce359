/* x86 SSE2 32-bit transpose: per 4 x 4 block (driver.h) four row loads, two rounds of unpcklps /
 * unpckhps (rows 0 + 2 and 1 + 3, then the results) and four row stores. */
#include <emmintrin.h>

#include "driver.h"

static inline void block_sse2(const uint32_t* in, size_t input_stride, uint32_t* out, size_t output_stride) {
  const __m128 a = _mm_loadu_ps((const float*) in);
  const __m128 b = _mm_loadu_ps((const float*) sprig_x32_row(in, input_stride, 1));
  const __m128 d = _mm_loadu_ps((const float*) sprig_x32_row(in, input_stride, 2));
  const __m128 e = _mm_loadu_ps((const float*) sprig_x32_row(in, input_stride, 3));
  const __m128 ad_lo = _mm_unpacklo_ps(a, d), ad_hi = _mm_unpackhi_ps(a, d); /* a0 d0 a1 d1, a2 d2 a3 d3 */
  const __m128 be_lo = _mm_unpacklo_ps(b, e), be_hi = _mm_unpackhi_ps(b, e);
  _mm_storeu_ps((float*) out, _mm_unpacklo_ps(ad_lo, be_lo));
  _mm_storeu_ps((float*) sprig_x32_out_row(out, output_stride, 1), _mm_unpackhi_ps(ad_lo, be_lo));
  _mm_storeu_ps((float*) sprig_x32_out_row(out, output_stride, 2), _mm_unpacklo_ps(ad_hi, be_hi));
  _mm_storeu_ps((float*) sprig_x32_out_row(out, output_stride, 3), _mm_unpackhi_ps(ad_hi, be_hi));
}

SPRIG_X32_TRANSPOSE_DRIVER(sprig_x32_transpose_ukernel__sse2, block_sse2)
