/* Scalar byte-quad interleave, one element (four bytes) at a time (scalar kernels are built
 * without auto-vectorization); the SIMD kernels' last elements too. */
#include <sprig/x8-zip4.h>

void sprig_x8_zip4_ukernel__scalar(size_t n, const uint8_t* input, size_t input_stride, uint8_t flip,
                                   uint8_t* output) {
  const uint8_t* r0 = input;
  const uint8_t* r1 = r0 + input_stride;
  const uint8_t* r2 = r1 + input_stride;
  const uint8_t* r3 = r2 + input_stride;
  for (size_t p = 0; p < n; p++) {
    output[4 * p + 0] = (uint8_t) (r0[p] ^ flip);
    output[4 * p + 1] = (uint8_t) (r1[p] ^ flip);
    output[4 * p + 2] = (uint8_t) (r2[p] ^ flip);
    output[4 * p + 3] = (uint8_t) (r3[p] ^ flip);
  }
}
