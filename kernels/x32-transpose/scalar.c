/* Scalar 32-bit transpose: 4 x 4 blocks of sixteen element loads and stores (driver.h), and the
 * element loop every kernel's edges take. Scalar kernels are built without auto-vectorization. */
#include "driver.h"

SPRIG_TRANSPOSE_EDGES(sprig_x32_transpose_edges, uint32_t)

static inline void block_scalar(const uint32_t* in, size_t input_stride, uint32_t* out, size_t output_stride) {
  const uint32_t* i0 = in;
  const uint32_t* i1 = sprig_x32_row(in, input_stride, 1);
  const uint32_t* i2 = sprig_x32_row(in, input_stride, 2);
  const uint32_t* i3 = sprig_x32_row(in, input_stride, 3);
  for (size_t t = 0; t < 4; t++) {
    uint32_t* o = sprig_x32_out_row(out, output_stride, t);
    const uint32_t a = i0[t], b = i1[t], d = i2[t], e = i3[t];
    o[0] = a;
    o[1] = b;
    o[2] = d;
    o[3] = e;
  }
}

SPRIG_X32_TRANSPOSE_DRIVER(sprig_x32_transpose_ukernel__scalar, block_scalar)
