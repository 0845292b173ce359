/*
 * What the NEON quartet kernels that read plain blocks (list layout quartets_plain,
 * src/sprig/qs8-spmm.h) share: the input packer and the store of a partial block's sums.
 * aarch64-neondot.c and armv7-neon.c.
 */
#ifndef SPRIG_QS8_SPMM_NEON_PLAIN_PACK_H
#define SPRIG_QS8_SPMM_NEON_PLAIN_PACK_H

#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>

#include <sprig/qs8-spmm.h>

/* One channel row into plain blocks: the bytes XOR flip, the last partial block padded with
 * flip (nothing read past src[pixels - 1]; its whole block written). dst may be src. */
static inline void sprig_qs8_neon_plain_pack(size_t pixels, const int8_t* src, uint8_t flip, int8_t* dst) {
  const uint8x16_t vflip = vdupq_n_u8(flip);
  size_t p = 0;
  for (; p + 16 <= pixels; p += 16) {
    vst1q_u8((uint8_t*) dst + p, veorq_u8(vld1q_u8((const uint8_t*) src + p), vflip));
  }
  for (; p < pixels; p++) {
    dst[p] = (int8_t) ((uint8_t) src[p] ^ flip);
  }
  for (; p % SPRIG_QS8_QUARTET_BLOCK != 0; p++) {
    dst[p] = (int8_t) flip;
  }
}

/* Output pixels [first, first + 4) of v, those below `last`. */
static inline __attribute__((always_inline)) void sprig_qs8_neon_store_below(int32_t* out, size_t first, size_t last,
                                                                             int32x4_t v) {
  if (first + 4 <= last) {
    vst1q_s32(out + first, v);
  } else if (first + 2 <= last) {
    vst1_s32(out + first, vget_low_s32(v));
    if (first + 3 == last) {
      vst1q_lane_s32(out + first + 2, v, 2);
    }
  } else if (first < last) {
    vst1q_lane_s32(out + first, v, 0);
  }
}

#endif /* SPRIG_QS8_SPMM_NEON_PLAIN_PACK_H */
