/*
 * aarch64 NEON dot-product int8 sliced matrix-vector kernels (ISA tag neondot,
 * -march=armv8.2-a+dotprod), signed input, slices of C = 8 rows: 2 q registers per accumulator
 * set, row j in lane j % 4 of register j / 4.
 *
 * Per slot: C / 4 64-bit loads of the quad offsets, C word loads (neon-gather.h) gathering row
 * j's input word x + 4 (quad_base + offset) into the lane of row j, V ldr q of the slot's weights
 * (row j's word in the same lane), and V sdot: lane i of register v gains the 4-byte dot product
 * of row 4v + i. One sdot does 4 rows; the gather's loads and address arithmetic, not the sdot,
 * bound the slot (NEON has no gather).
 *
 * Two accumulator sets take alternate slots, so consecutive slots' gathers and sdot chains are
 * independent (the slice loop is template.h's). Sums wrap in int32 as sdot / add do.
 */
#include <arm_neon.h>
#include <string.h>

#include <isa/neon.h>
#include <sprig/qs8-sellmv.h>

#include "neon-gather.h"

/* Rows 4v .. 4v + 3 in lanes of v[v]. */
struct rows8 {
  int32x4_t v[2];
};

INLINE struct rows8 zero_rows(void) {
  const int32x4_t z = vdupq_n_s32(0);
  return (struct rows8){{z, z}};
}

INLINE struct rows8 add_rows(struct rows8 a, struct rows8 b) {
  return (struct rows8){{vaddq_s32(a.v[0], b.v[0]), vaddq_s32(a.v[1], b.v[1])}};
}

/* Lane i of v[v] += the dot of row 4v + i's weight word and input word, for one slot. */
INLINE struct rows8 dot_slot(struct rows8 acc, const int8_t* w, const int8_t* x, const uint16_t* off) {
  UNROLL for (size_t v = 0; v < 2; v++) {
    acc.v[v] = vdotq_s32(acc.v[v], vld1q_s8(w + 16 * v), gather4(x, off + 4 * v));
  }
  return acc;
}

INLINE void store_rows(int32_t* p, struct rows8 acc) {
  vst1q_s32(p, acc.v[0]);
  vst1q_s32(p + 4, acc.v[1]);
}

#define C 8
#define SETS 2
#define ACC struct rows8
#define ACC_ZERO() zero_rows()
#define ACC_ADD(a, b) add_rows(a, b)
#define ACC_STORE(p, acc) store_rows(p, acc)
#define MAC(acc, w, x, off) dot_slot(acc, w, x, off)
#include "template.h"

void sprig_qs8_sellmv_ukernel_8c4__neondot(size_t nc, const int8_t* input, const int8_t* weights,
                                           const uint16_t* offsets, const uint32_t* widths,
                                           const uint32_t* quad_base, int32_t* output) {
  sellmv_slices(nc, input, weights, offsets, widths, quad_base, output);
}
