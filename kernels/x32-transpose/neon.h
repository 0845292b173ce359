/*
 * NEON 32-bit transpose, shared by aarch64 (aarch64-neonfma.c) and armv7 (armv7-neon.c): per
 * 4 x 4 block (driver.h) four row loads, two rounds of vzipq_u32 (zip1 / zip2, vzip.32: rows 0 + 2
 * and 1 + 3, then the results) and four row stores.
 * SPRIG_NEON_TRANSPOSE_KERNEL(fn) defines the kernel.
 */
#ifndef SPRIG_X32_TRANSPOSE_NEON_H
#define SPRIG_X32_TRANSPOSE_NEON_H

#include <arm_neon.h>

#include "driver.h"

static inline void block_neon(const uint32_t* in, size_t input_stride, uint32_t* out, size_t output_stride) {
  const uint32x4x2_t ad =
      vzipq_u32(vld1q_u32(in), vld1q_u32(sprig_x32_row(in, input_stride, 2)));
  const uint32x4x2_t be =
      vzipq_u32(vld1q_u32(sprig_x32_row(in, input_stride, 1)), vld1q_u32(sprig_x32_row(in, input_stride, 3)));
  const uint32x4x2_t lo = vzipq_u32(ad.val[0], be.val[0]);
  const uint32x4x2_t hi = vzipq_u32(ad.val[1], be.val[1]);
  vst1q_u32(out, lo.val[0]);
  vst1q_u32(sprig_x32_out_row(out, output_stride, 1), lo.val[1]);
  vst1q_u32(sprig_x32_out_row(out, output_stride, 2), hi.val[0]);
  vst1q_u32(sprig_x32_out_row(out, output_stride, 3), hi.val[1]);
}

#define SPRIG_NEON_TRANSPOSE_KERNEL(fn) SPRIG_X32_TRANSPOSE_DRIVER(fn, block_neon)

#endif /* SPRIG_X32_TRANSPOSE_NEON_H */
