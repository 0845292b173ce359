/*
 * The input gather of the aarch64 qs8-sellmv kernels (aarch64-neondot.c, aarch64-neonfma.c): the
 * 4-byte input words of 4 rows of a slot into one q register, row i in lane i. Not compiled on
 * its own: the kernel file includes it after <isa/neon.h>.
 *
 * The 4 rows' 16-bit quad offsets come in one 64-bit load (little-endian: offset i in bits
 * 16i .. 16i + 15) and are split in general registers, so a slot of 8 rows costs 2 offset loads
 * instead of 8 (the loads, not the arithmetic, bound the slot). Lane 0 is a whole-register load
 * (no dependency on the register's previous contents), lanes 1 .. 3 are ld1 {v.s}[i]; 4-byte lane
 * loads need no alignment on aarch64.
 */
#include <string.h>

#if defined(__AARCH64EB__)
#error "the qs8-sellmv NEON kernels read the quad offsets as little-endian 64-bit words"
#endif

/* The input word of quad offset `q` (at most 65535) from the slice's first quad x. */
INLINE const int32_t* input_word(const int8_t* x, uint64_t q) {
  return (const int32_t*) (x + 4 * (size_t) q);
}

/* The input words of the 4 rows whose quad offsets are off[0 .. 3], row i in lane i. */
INLINE int8x16_t gather4(const int8_t* x, const uint16_t* off) {
  uint64_t o;
  memcpy(&o, off, sizeof(o));
  int32x4_t v = vld1q_dup_s32(input_word(x, o & 0xFFFF));
  v = vld1q_lane_s32(input_word(x, (o >> 16) & 0xFFFF), v, 1);
  v = vld1q_lane_s32(input_word(x, (o >> 32) & 0xFFFF), v, 2);
  v = vld1q_lane_s32(input_word(x, o >> 48), v, 3);
  return vreinterpretq_s8_s32(v);
}
