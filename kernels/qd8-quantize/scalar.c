/*
 * Scalar qd8 row quantization (contract: src/sprig/qd8-quantize.h). sprig_round_small_to_even
 * gives rne(v) for |v| < 2^22 (the family is compiled with -ffp-contract=off: the add is not fused
 * into the multiply); the integer clamp to [-256, 256] keeps the zero-point add in range for any
 * result.
 */
#include <math.h>

#include <isa/scalar.h>

#include <sprig/qd8-quantize.h>

bool sprig_qd8_range_ukernel__scalar(size_t cols, const float* x, float* lo_out, float* hi_out) {
  float lo = 0.0f, hi = 0.0f, poison = 0.0f;
  for (size_t i = 0; i < cols; i++) {
    const float v = x[i];
    poison += v - v; /* NaN when v is NaN or infinite */
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  *lo_out = lo;
  *hi_out = hi;
  return isnan(poison);
}

void sprig_qd8_quantize_ukernel__scalar(size_t cols, const float* x, float inverse, int32_t zero_point, uint8_t flip,
                                        int8_t* out, size_t padded) {
  for (size_t i = 0; i < cols; i++) {
    int32_t q = sprig_round_small_to_even(x[i] * inverse);
    q = q < -256 ? -256 : q;
    q = (q > 256 ? 256 : q) + zero_point;
    q = q < -128 ? -128 : q;
    q = q > 127 ? 127 : q;
    out[i] = (int8_t) (uint8_t) ((uint8_t) q ^ flip);
  }
  for (size_t i = cols; i < padded; i++) {
    out[i] = 0;
  }
}
