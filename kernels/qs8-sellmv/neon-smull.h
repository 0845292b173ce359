/*
 * NEON int8 sliced matrix-vector kernel without the dot product, written once for aarch64
 * (aarch64-neonfma.c, ISA tag neonfma: plain ARMv8, e.g. Cortex-A53) and armv7 (armv7-neon.c,
 * ISA tag neon; the final addp is two vpadd there), signed input, slices of C = 8 rows: the
 * gathered input words of each pair of rows in one d register, the slot's weights (row j's word
 * at bytes 4j .. 4j + 3) in four.
 *
 * Per slot: 2 64-bit loads of the quad offsets, 8 word loads (neon-gather.h: 4 ldr s, 4 lane
 * loads), 2 ldp d of weights, 4 smull and 4 sadalp. One smull of input and weight bytes gives
 * the 8 int16 products of 2 rows (each fits: |x w| <= 16384); sadalp adds adjacent pairs into
 * int32, so accumulator 2v holds [row 4v t01, row 4v t23, row 4v+1 t01, row 4v+1 t23] and
 * 2v + 1 the same for rows 4v + 2, 4v + 3. Products are never added in int16: two products of
 * -128 x -128 sum to 32768, which int16 cannot hold. One addp per 4 rows at the end of a slice
 * makes the per-row sums.
 *
 * Two accumulator sets take alternate slots (independent gathers and sadalp chains; the slice
 * loop is template.h's). Sums wrap in int32 as sadalp / add do.
 */
#ifndef SPRIG_QS8_SELLMV_NEON_SMULL_H
#define SPRIG_QS8_SELLMV_NEON_SMULL_H

#include <arm_neon.h>
#include <string.h>

#include <isa/neon.h>
#include <sprig/qs8-sellmv.h>

#include "neon-gather.h"

#define C 8

/* Accumulators 2v and 2v + 1 of the layout above. */
struct pairs {
  int32x4_t v[4];
};

INLINE struct pairs zero_pairs(void) {
  const int32x4_t z = vdupq_n_s32(0);
  return (struct pairs){{z, z, z, z}};
}

INLINE struct pairs add_pairs(struct pairs a, struct pairs b) {
  UNROLL for (size_t i = 0; i < 4; i++) {
    a.v[i] = vaddq_s32(a.v[i], b.v[i]);
  }
  return a;
}

/* acc += the pair sums of one slot's products (layout above): rows 4v, 4v + 1 and 4v + 2, 4v + 3
 * are gathered into separate d registers, against the weights' two halves. */
INLINE struct pairs mac_slot(struct pairs acc, const int8_t* w, const int8_t* x, const uint16_t* off) {
  UNROLL for (size_t v = 0; v < 2; v++) {
    const uint64_t o = load_offsets4(off + 4 * v);
    const int8x8_t x01 = vreinterpret_s8_s32(gather2(x, o));
    const int8x8_t x23 = vreinterpret_s8_s32(gather2(x, o >> 32));
    acc.v[2 * v] = vpadalq_s16(acc.v[2 * v], vmull_s8(x01, vld1_s8(w + 16 * v)));
    acc.v[2 * v + 1] = vpadalq_s16(acc.v[2 * v + 1], vmull_s8(x23, vld1_s8(w + 16 * v + 8)));
  }
  return acc;
}

/* The 8 rows' sums: one pair sum per 4 rows. */
INLINE void store_rows(int32_t* p, struct pairs acc) {
  vst1q_s32(p, pair_sums_s32(acc.v[0], acc.v[1]));
  vst1q_s32(p + 4, pair_sums_s32(acc.v[2], acc.v[3]));
}

#define SETS 2
#define ACC struct pairs
#define ACC_ZERO() zero_pairs()
#define ACC_ADD(a, b) add_pairs(a, b)
#define ACC_STORE(p, acc) store_rows(p, acc)
#define MAC(acc, w, x, off) mac_slot(acc, w, x, off)
#include "template.h"

/* The kernel sprig_qs8_sellmv_ukernel_8c4__<suffix>. */
#define DEFINE_NEON_SMULL_SELLMV(suffix)                                                                   \
  void sprig_qs8_sellmv_ukernel_8c4__##suffix(size_t nc, const int8_t* input, const int8_t* weights,     \
                                              const uint16_t* offsets, const uint32_t* widths,            \
                                              const uint32_t* quad_base, int32_t* output) {               \
    sellmv_slices(nc, input, weights, offsets, widths, quad_base, output);                                \
  }

#endif /* SPRIG_QS8_SELLMV_NEON_SMULL_H */
