/*
 * The input gather of the NEON qs8-sellmv kernels (aarch64-neondot.c, neon-smull.h): the
 * 4-byte input words of 2 or 4 rows of a slot into one d or q register, row i in lane i. Not
 * compiled on its own: the kernel file includes it after <isa/neon.h>.
 *
 * The 4 rows' 16-bit quad offsets come in one 64-bit load (little-endian: offset i in bits
 * 16i .. 16i + 15) and are split in general registers, so a slot of 8 rows costs 2 offset loads
 * instead of 8. Rows go in pairs: each pair's first word is a whole-register load (ldr s, with
 * the offset scaled in the address), its second a lane load (ld1 {v.s}[1]): 4 rows are two
 * independent chains of 2 loads, joined by one ins (or not at all: the smull kernels multiply
 * each pair's d register). 4-byte loads need no alignment on aarch64, nor NEON element loads on
 * armv7 Linux.
 */
#include <string.h>

#if defined(__AARCH64EB__) || defined(__ARMEB__)
#error "the qs8-sellmv NEON kernels read the quad offsets as little-endian 64-bit words"
#endif

/* The input word of quad offset `q` (at most 65535) from the slice's first quad x. */
INLINE const int32_t* input_word(const int8_t* x, uint64_t q) {
  return (const int32_t*) (x + 4 * (size_t) q);
}

/* The input words of the 2 rows whose quad offsets are the low two 16-bit fields of o, row i in
 * lane i: a whole-register load (no dependency on earlier contents), then one lane load. */
INLINE int32x2_t gather2(const int8_t* x, uint64_t o) {
  const int32x2_t v = vld1_dup_s32(input_word(x, o & 0xFFFF));
  return vld1_lane_s32(input_word(x, (o >> 16) & 0xFFFF), v, 1);
}

/* The quad offsets off[0 .. 3] in one 64-bit word, offset i in bits 16i .. 16i + 15. */
INLINE uint64_t load_offsets4(const uint16_t* off) {
  uint64_t o;
  memcpy(&o, off, sizeof(o));
  return o;
}

/* The input words of the 4 rows whose quad offsets are off[0 .. 3], row i in lane i (two
 * independent 2-lane gathers). */
INLINE int8x16_t gather4(const int8_t* x, const uint16_t* off) {
  const uint64_t o = load_offsets4(off);
  return vreinterpretq_s8_s32(vcombine_s32(gather2(x, o), gather2(x, o >> 32)));
}
