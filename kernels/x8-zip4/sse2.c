/*
 * x86 SSE2 byte-quad interleave: per 16 elements, four row loads XORed with the flip byte, bytes
 * of rows 0 / 1 and 2 / 3 interleaved (punpck*bw), then those pairs as 16-bit units (punpck*wd):
 * four 16-byte stores of words. The last n % 16 elements through the scalar kernel.
 */
#include <emmintrin.h>

#include <sprig/x8-zip4.h>

void sprig_x8_zip4_ukernel__sse2(size_t n, const uint8_t* input, size_t input_stride, uint8_t flip,
                                 uint8_t* output) {
  const uint8_t* r0 = input;
  const uint8_t* r1 = r0 + input_stride;
  const uint8_t* r2 = r1 + input_stride;
  const uint8_t* r3 = r2 + input_stride;
  const __m128i vflip = _mm_set1_epi8((char) flip);
  size_t p = 0;
  for (; p + 16 <= n; p += 16) {
    const __m128i a = _mm_xor_si128(_mm_loadu_si128((const __m128i*) (r0 + p)), vflip);
    const __m128i b = _mm_xor_si128(_mm_loadu_si128((const __m128i*) (r1 + p)), vflip);
    const __m128i c = _mm_xor_si128(_mm_loadu_si128((const __m128i*) (r2 + p)), vflip);
    const __m128i d = _mm_xor_si128(_mm_loadu_si128((const __m128i*) (r3 + p)), vflip);
    const __m128i ab_low = _mm_unpacklo_epi8(a, b), ab_high = _mm_unpackhi_epi8(a, b);
    const __m128i cd_low = _mm_unpacklo_epi8(c, d), cd_high = _mm_unpackhi_epi8(c, d);
    uint8_t* out = output + 4 * p;
    _mm_storeu_si128((__m128i*) out, _mm_unpacklo_epi16(ab_low, cd_low));
    _mm_storeu_si128((__m128i*) (out + 16), _mm_unpackhi_epi16(ab_low, cd_low));
    _mm_storeu_si128((__m128i*) (out + 32), _mm_unpacklo_epi16(ab_high, cd_high));
    _mm_storeu_si128((__m128i*) (out + 48), _mm_unpackhi_epi16(ab_high, cd_high));
  }
  sprig_x8_zip4_ukernel__scalar(n - p, input + p, input_stride, flip, output + 4 * p);
}
