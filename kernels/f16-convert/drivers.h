/*
 * The drivers shared by the SIMD conversion kernels (aarch64-neonfma.c, avx2.c, wasmsimd.c):
 * 8 values per call of the file's
 *   static inline void widen8(const uint16_t* input, float* output);
 *   static inline void narrow8(const float* input, uint16_t* output);
 * and the last n % 8 one at a time by the branchless forms of src/sprig/half.h (bit for bit the
 * same results), so that nothing outside the arrays is touched.
 * SPRIG_F16_CONVERT_DRIVERS(widen_fn, narrow_fn) defines the two kernels.
 */
#ifndef SPRIG_F16_CONVERT_DRIVERS_H
#define SPRIG_F16_CONVERT_DRIVERS_H

#include <sprig/f16-convert.h>
#include <sprig/half.h>

#define SPRIG_F16_CONVERT_DRIVERS(widen_fn, narrow_fn)                         \
  void widen_fn(size_t n, const uint16_t* input, float* output) {              \
    size_t i = 0;                                                              \
    for (; i + 8 <= n; i += 8) {                                               \
      widen8(input + i, output + i);                                           \
    }                                                                          \
    for (; i < n; i++) {                                                       \
      output[i] = sprig_half_to_float_branchless(input[i]);                    \
    }                                                                          \
  }                                                                            \
  void narrow_fn(size_t n, const float* input, uint16_t* output) {             \
    size_t i = 0;                                                              \
    for (; i + 8 <= n; i += 8) {                                               \
      narrow8(input + i, output + i);                                          \
    }                                                                          \
    for (; i < n; i++) {                                                       \
      output[i] = sprig_float_to_half_branchless(input[i]);                   \
    }                                                                          \
  }

#endif /* SPRIG_F16_CONVERT_DRIVERS_H */
