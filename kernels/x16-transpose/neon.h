/*
 * NEON 16-bit transpose, shared by aarch64 (aarch64-neonfma.c) and armv7 (armv7-neon.c): per
 * 8 x 8 block (kernels/isa/transpose.h) eight row loads, two rounds of vzipq (zip1 / zip2,
 * vzip.16 / vzip.32), a round pairing 64-bit halves (vcombine) and eight row stores.
 * SPRIG_NEON_X16_TRANSPOSE_KERNEL(fn) defines the kernel.
 */
#ifndef SPRIG_X16_TRANSPOSE_NEON_H
#define SPRIG_X16_TRANSPOSE_NEON_H

#include <arm_neon.h>

#include <isa/transpose.h>
#include <sprig/transpose.h>

#define VEC uint16x8_t
#define LOAD_ROW(p) vld1q_u16(p)
#define STORE_ROW(p, v) vst1q_u16(p, v)
#define ZIP16(lo, hi, a, b)                     \
  do {                                          \
    const uint16x8x2_t zip_ = vzipq_u16(a, b); \
    (lo) = zip_.val[0];                         \
    (hi) = zip_.val[1];                         \
  } while (0)
#define ZIP32(lo, hi, a, b)                                                          \
  do {                                                                               \
    const uint32x4x2_t zip_ = vzipq_u32(vreinterpretq_u32_u16(a), vreinterpretq_u32_u16(b)); \
    (lo) = vreinterpretq_u16_u32(zip_.val[0]);                                       \
    (hi) = vreinterpretq_u16_u32(zip_.val[1]);                                       \
  } while (0)
#define ZIP64(lo, hi, a, b) \
  ((lo) = vcombine_u16(vget_low_u16(a), vget_low_u16(b)), (hi) = vcombine_u16(vget_high_u16(a), vget_high_u16(b)))

SPRIG_TRANSPOSE_X16_BLOCK(block_neon)

#define SPRIG_NEON_X16_TRANSPOSE_KERNEL(fn) \
  SPRIG_TRANSPOSE_DRIVER(fn, uint16_t, 8, block_neon, sprig_x16_transpose_edges)

#endif /* SPRIG_X16_TRANSPOSE_NEON_H */
