/* IEEE 754 half precision <-> single precision, in portable C (bit patterns as uint16_t).
 * half_to_float is exact (NaNs come out quiet); float_to_half rounds to nearest, ties to even, overflows to +-Inf and
 * keeps NaNs NaN (quiet, sign and top payload bits kept). */
#ifndef SPRIG_HALF_H
#define SPRIG_HALF_H

#include <stdint.h>
#include <string.h>

static inline float sprig_bits_to_float(uint32_t bits) {
  float f;
  memcpy(&f, &bits, sizeof(f));
  return f;
}

static inline uint32_t sprig_float_to_bits(float f) {
  uint32_t bits;
  memcpy(&bits, &f, sizeof(bits));
  return bits;
}

static inline float sprig_half_to_float(uint16_t h) {
  const uint32_t sign = (uint32_t) (h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1Fu;
  const uint32_t mantissa = h & 0x3FFu;
  if (exponent == 0x1Fu) { /* Inf; NaN made quiet, as conversion instructions do */
    return sprig_bits_to_float(sign | 0x7F800000u | (mantissa != 0 ? 0x00400000u : 0) | (mantissa << 13));
  }
  if (exponent == 0) { /* zero, subnormal: mantissa x 2^-24, exact in f32 */
    const float magnitude = (float) mantissa * 0x1.0p-24f;
    return sprig_bits_to_float(sign | sprig_float_to_bits(magnitude));
  }
  return sprig_bits_to_float(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

static inline uint16_t sprig_float_to_half(float f) {
  const uint32_t bits = sprig_float_to_bits(f);
  const uint16_t sign = (uint16_t) ((bits >> 16) & 0x8000u);
  const uint32_t magnitude = bits & 0x7FFFFFFFu;
  if (magnitude > 0x7F800000u) { /* NaN: quiet, top payload bits */
    return (uint16_t) (sign | 0x7E00u | ((magnitude >> 13) & 0x3FFu));
  }
  if (magnitude >= 0x477FF000u) { /* rounds to beyond 65504: Inf */
    return (uint16_t) (sign | 0x7C00u);
  }
  if (magnitude < 0x38800000u) { /* below 2^-14: a subnormal half (or zero) */
    /* Adding 0.5 rounds to a multiple of 2^-24 in f32 arithmetic, ties to even, leaving the
     * half's mantissa in the low bits. */
    const float rounded = sprig_bits_to_float(magnitude) + 0.5f;
    return (uint16_t) (sign | (uint16_t) (sprig_float_to_bits(rounded) - 0x3F000000u));
  }
  /* Normal: rebias the exponent and round the 13 dropped bits to nearest even. */
  const uint32_t odd = (magnitude >> 13) & 1u;
  const uint32_t rounded = magnitude + 0xFFFu + odd;
  return (uint16_t) (sign | (uint16_t) ((rounded - 0x38000000u) >> 13));
}

/* The same two conversions without branches (choices by masks), so that loops over arrays
 * vectorize (SIMD128 under clang, NEON under GCC): bit for bit the results of
 * sprig_half_to_float / sprig_float_to_half. */

/* a where mask is all ones, b where it is zero. */
static inline uint32_t sprig_select_bits(uint32_t mask, uint32_t a, uint32_t b) {
  return (a & mask) | (b & ~mask);
}

/* All ones when c, else zero. */
static inline uint32_t sprig_mask_if(int c) {
  return 0u - (uint32_t) (c != 0);
}

static inline float sprig_half_to_float_branchless(uint16_t h) {
  const uint32_t sign = (uint32_t) (h & 0x8000u) << 16;
  const uint32_t shifted = (uint32_t) (h & 0x7FFFu) << 13;
  /* Normal and subnormal halves: the exponent rebiased by a multiplication by 2^112 (exact). */
  const uint32_t finite = sprig_float_to_bits(sprig_bits_to_float(shifted) * 0x1.0p112f);
  /* Inf / NaN: all-ones exponent, payload kept, NaN made quiet. */
  const uint32_t special = 0x7F800000u | shifted | (sprig_mask_if((h & 0x3FFu) != 0) & 0x00400000u);
  return sprig_bits_to_float(sign | sprig_select_bits(sprig_mask_if((h & 0x7C00u) == 0x7C00u), special, finite));
}

static inline uint16_t sprig_float_to_half_branchless(float f) {
  const uint32_t bits = sprig_float_to_bits(f);
  const uint32_t sign = (bits >> 16) & 0x8000u;
  const uint32_t magnitude = bits & 0x7FFFFFFFu;
  const uint32_t nan = 0x7E00u | ((magnitude >> 13) & 0x3FFu);
  /* Below 2^-14 (a subnormal half or zero): adding 0.5 rounds to a multiple of 2^-24 (ties to
   * even), leaving the half's bits at the bottom (the mask keeps the sum finite elsewhere). */
  const uint32_t subnormal = sprig_float_to_bits(sprig_bits_to_float(magnitude & 0x3FFFFFFFu) + 0.5f) - 0x3F000000u;
  const uint32_t normal = (magnitude + 0xFFFu + ((magnitude >> 13) & 1u) - 0x38000000u) >> 13;
  uint32_t h = sprig_select_bits(sprig_mask_if(magnitude < 0x38800000u), subnormal, normal);
  h = sprig_select_bits(sprig_mask_if(magnitude >= 0x477FF000u), 0x7C00u, h);
  h = sprig_select_bits(sprig_mask_if(magnitude > 0x7F800000u), nan, h);
  return (uint16_t) (sign | (h & 0xFFFFu));
}

#endif /* SPRIG_HALF_H */
