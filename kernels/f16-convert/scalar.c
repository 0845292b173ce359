/*
 * Scalar half <-> single conversions: the branchless forms of src/sprig/half.h, one element at a
 * time (scalar kernels are built without auto-vectorization).
 */
#include <sprig/f16-convert.h>
#include <sprig/half.h>

void sprig_f16_widen_ukernel__scalar(size_t n, const uint16_t* input, float* output) {
  for (size_t i = 0; i < n; i++) {
    output[i] = sprig_half_to_float_branchless(input[i]);
  }
}

void sprig_f16_narrow_ukernel__scalar(size_t n, const float* input, uint16_t* output) {
  for (size_t i = 0; i < n; i++) {
    output[i] = sprig_float_to_half_branchless(input[i]);
  }
}
