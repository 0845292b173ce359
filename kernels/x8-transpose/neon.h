/*
 * NEON 8-bit transpose, shared by aarch64 (aarch64-neonfma.c) and armv7 (armv7-neon.c): per
 * 8 x 8 block (kernels/isa/transpose.h) eight 8-byte row loads, three rounds of vzip (bytes of
 * 8-byte rows, then 16- and 32-bit units of 16-byte vectors) and eight 8-byte row stores.
 * SPRIG_NEON_X8_TRANSPOSE_KERNEL(fn) defines the kernel.
 */
#ifndef SPRIG_X8_TRANSPOSE_NEON_H
#define SPRIG_X8_TRANSPOSE_NEON_H

#include <arm_neon.h>

#include <isa/transpose.h>
#include <sprig/transpose.h>

#define VEC uint8x16_t
#define HALF uint8x8_t
#define LOAD_ROW8(p) vld1_u8(p)
#define STORE_ROW8_LO(p, v) vst1_u8(p, vget_low_u8(v))
#define STORE_ROW8_HI(p, v) vst1_u8(p, vget_high_u8(v))

static inline uint8x16_t sprig_zip8_lo(uint8x8_t a, uint8x8_t b) {
  const uint8x8x2_t zip = vzip_u8(a, b);
  return vcombine_u8(zip.val[0], zip.val[1]);
}
#define ZIP8_LO(a, b) sprig_zip8_lo(a, b)
/* lo, hi = the zip of a and b in units of BITS (16 or 32) bits. */
#define ZIP_UNITS(BITS, lo, hi, a, b)                                                                  \
  do {                                                                                                 \
    const __auto_type zip_ = vzipq_u##BITS(vreinterpretq_u##BITS##_u8(a), vreinterpretq_u##BITS##_u8(b)); \
    (lo) = vreinterpretq_u8_u##BITS(zip_.val[0]);                                                      \
    (hi) = vreinterpretq_u8_u##BITS(zip_.val[1]);                                                      \
  } while (0)
#define ZIP16(lo, hi, a, b) ZIP_UNITS(16, lo, hi, a, b)
#define ZIP32(lo, hi, a, b) ZIP_UNITS(32, lo, hi, a, b)

SPRIG_TRANSPOSE_X8_BLOCK(block_neon)

#define SPRIG_NEON_X8_TRANSPOSE_KERNEL(fn) SPRIG_TRANSPOSE_DRIVER(fn, uint8_t, 8, block_neon, sprig_x8_transpose_edges)

#endif /* SPRIG_X8_TRANSPOSE_NEON_H */
