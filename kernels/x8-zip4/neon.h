/*
 * NEON byte-quad interleave, shared by aarch64 (aarch64-neonfma.c) and armv7 (armv7-neon.c):
 * per 16 elements, four row loads XORed with the flip byte and one 4-way interleaving store
 * (st4 / vst4.8 of 16-byte registers). The last n % 16 elements through the scalar kernel.
 * SPRIG_NEON_ZIP4_KERNEL(fn) defines the kernel.
 */
#ifndef SPRIG_X8_ZIP4_NEON_H
#define SPRIG_X8_ZIP4_NEON_H

#include <arm_neon.h>

#include <sprig/x8-zip4.h>

#define SPRIG_NEON_ZIP4_KERNEL(fn)                                                                    \
  void fn(size_t n, const uint8_t* input, size_t input_stride, uint8_t flip, uint8_t* output) {       \
    const uint8_t* r0 = input;                                                                      \
    const uint8_t* r1 = r0 + input_stride;                                                          \
    const uint8_t* r2 = r1 + input_stride;                                                          \
    const uint8_t* r3 = r2 + input_stride;                                                          \
    const uint8x16_t vflip = vdupq_n_u8(flip);                                                      \
    size_t p = 0;                                                                                   \
    for (; p + 16 <= n; p += 16) {                                                                  \
      uint8x16x4_t words;                                                                           \
      words.val[0] = veorq_u8(vld1q_u8(r0 + p), vflip);                                             \
      words.val[1] = veorq_u8(vld1q_u8(r1 + p), vflip);                                             \
      words.val[2] = veorq_u8(vld1q_u8(r2 + p), vflip);                                             \
      words.val[3] = veorq_u8(vld1q_u8(r3 + p), vflip);                                             \
      vst4q_u8(output + 4 * p, words);                                                              \
    }                                                                                               \
    sprig_x8_zip4_ukernel__scalar(n - p, input + p, input_stride, flip, output + 4 * p);           \
  }

#endif /* SPRIG_X8_ZIP4_NEON_H */
