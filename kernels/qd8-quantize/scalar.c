/*
 * Scalar qd8 row quantization (contract: src/sprig/qd8-quantize.h). The rounding adds 1.5 x 2^23,
 * which leaves rne(v) in the low mantissa bits for |v| < 2^22 (two statements, so that no
 * compiler fuses the add into the multiply); the integer clamp to [-256, 256] keeps the zero-point
 * add in range for any bits.
 */
#include <math.h>
#include <string.h>

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
    const float v = x[i] * inverse;
    const float shifted = v + 12582912.0f;
    uint32_t bits;
    memcpy(&bits, &shifted, sizeof(bits));
    int32_t q = (int32_t) (bits - 0x4B400000u);
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
