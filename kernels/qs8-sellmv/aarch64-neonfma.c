/*
 * aarch64 NEON int8 sliced matrix-vector kernel without the dot product (ISA tag neonfma: plain
 * ARMv8, e.g. Cortex-A53), signed input, slices of C = 8 rows: the gathered input words of each
 * pair of rows in one d register, the slot's weights (row j's word at bytes 4j .. 4j + 3) in four.
 *
 * Per slot: 2 64-bit loads of the quad offsets, 8 word loads (neon-gather.h: 4 ldr s, 4 lane
 * loads), 2 ldp d of weights, 4 smull and 4 sadalp. One smull of input and weight bytes gives
 * the 8 int16 products of 2 rows (each fits: |x w| <= 16384); sadalp adds adjacent pairs into
 * int32, so accumulator 2v holds [row 4v t01, row 4v t23, row 4v+1 t01, row 4v+1 t23] and
 * 2v + 1 the same for rows 4v + 2, 4v + 3. Products are never added in int16: two products of
 * -128 x -128 sum to 32768, which int16 cannot hold. One addp per 4 rows at the end of a slice
 * makes the per-row sums.
 *
 * Two accumulator sets take alternate slots (independent gathers and sadalp chains); a slice's
 * odd last slot goes to the first set. The last slice writes only its nc - 8 (slices - 1) rows.
 * Sums wrap in int32 as sadalp / add do.
 */
#include <arm_neon.h>
#include <string.h>

#include <isa/neon.h>
#include <sprig/qs8-sellmv.h>

#include "neon-gather.h"

#define C 8

/* acc[0 .. 3] += the pair sums of one slot's products (layout above): rows 4v, 4v + 1 and
 * 4v + 2, 4v + 3 are gathered into separate d registers, against the weights' two halves. */
INLINE void mac_slot(int32x4_t* acc, const int8_t* x, const int8_t* w, const uint16_t* off) {
  UNROLL for (size_t v = 0; v < 2; v++) {
    const uint64_t o = load_offsets4(off + 4 * v);
    const int8x8_t x01 = vreinterpret_s8_s32(gather2(x, o));
    const int8x8_t x23 = vreinterpret_s8_s32(gather2(x, o >> 32));
    acc[2 * v] = vpadalq_s16(acc[2 * v], vmull_s8(x01, vld1_s8(w + 16 * v)));
    acc[2 * v + 1] = vpadalq_s16(acc[2 * v + 1], vmull_s8(x23, vld1_s8(w + 16 * v + 8)));
  }
}

/* sums[v] = the int32 sums of rows 4v .. 4v + 3 over the slice's `width` slots. */
INLINE void slice_sums(const int8_t* x, const int8_t* w, const uint16_t* off, uint32_t width, int32x4_t* sums) {
  int32x4_t a[4], b[4];
  UNROLL for (size_t i = 0; i < 4; i++) {
    a[i] = vdupq_n_s32(0);
    b[i] = vdupq_n_s32(0);
  }
  for (; width >= 2; width -= 2) {
    mac_slot(a, x, w, off);
    mac_slot(b, x, w + 4 * C, off + C);
    w += 8 * C;
    off += 2 * C;
  }
  if (width != 0) {
    mac_slot(a, x, w, off);
  }
  UNROLL for (size_t v = 0; v < 2; v++) {
    sums[v] = vpaddq_s32(vaddq_s32(a[2 * v], b[2 * v]), vaddq_s32(a[2 * v + 1], b[2 * v + 1]));
  }
}

void sprig_qs8_sellmv_ukernel_8c4__neonfma(size_t nc, const int8_t* input, const int8_t* weights,
                                           const uint16_t* offsets, const uint32_t* widths,
                                           const uint32_t* quad_base, int32_t* output) {
  for (size_t r = 0; r < nc; r += C) {
    const uint32_t width = *widths++;
    int32x4_t sums[2];
    slice_sums(input + 4 * (size_t) *quad_base++, weights, offsets, width, sums);
    weights += 4 * C * (size_t) width;
    offsets += C * (size_t) width;
    if (nc - r >= C) {
      vst1q_s32(output + r, sums[0]);
      vst1q_s32(output + r + 4, sums[1]);
    } else {
      int32_t tmp[C];
      vst1q_s32(tmp, sums[0]);
      vst1q_s32(tmp + 4, sums[1]);
      memcpy(output + r, tmp, (nc - r) * sizeof(int32_t));
    }
  }
}
