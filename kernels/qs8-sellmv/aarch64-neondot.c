/*
 * aarch64 NEON dot-product int8 sliced matrix-vector kernels (ISA tag neondot,
 * -march=armv8.2-a+dotprod), signed input, slices of C = 8 rows: V = C / 4 = 2 q registers per
 * accumulator set, row j in lane j % 4 of register j / 4 (the helpers take V <= 4 as a parameter).
 *
 * Per slot: C / 4 64-bit loads of the quad offsets, C word loads (neon-gather.h) gathering row
 * j's input word x + 4 (quad_base + offset) into the lane of row j, V ldr q of the slot's weights
 * (row j's word in the same lane), and V sdot: lane i of register v gains the 4-byte dot product
 * of row 4v + i. One sdot does 4 rows; the gather's loads and address arithmetic, not the sdot,
 * bound the slot (NEON has no gather).
 *
 * Two accumulator sets take alternate slots, so consecutive slots' gathers and sdot chains are
 * independent; a slice's odd last slot goes to the first set and the sets are added once per
 * slice. The last slice writes only its nc - C (slices - 1) rows. Sums wrap in int32 as sdot /
 * add do.
 */
#include <arm_neon.h>
#include <string.h>

#include <isa/neon.h>
#include <sprig/qs8-sellmv.h>

#include "neon-gather.h"

/* acc[v] lane i += dot of row 4v + i's weight word and input word, for one slot of nv x 4 rows. */
INLINE void dot_slot(size_t nv, int32x4_t* acc, const int8_t* x, const int8_t* w, const uint16_t* off) {
  UNROLL for (size_t v = 0; v < nv; v++) {
    acc[v] = vdotq_s32(acc[v], vld1q_s8(w + 16 * v), gather4(x, off + 4 * v));
  }
}

/* sums[v] = the int32 sums of rows 4v .. 4v + 3 over the slice's `width` slots. */
INLINE void slice_sums(size_t nv, const int8_t* x, const int8_t* w, const uint16_t* off, uint32_t width,
                       int32x4_t* sums) {
  const size_t c = 4 * nv;
  int32x4_t a[4], b[4];
  UNROLL for (size_t v = 0; v < nv; v++) {
    a[v] = vdupq_n_s32(0);
    b[v] = vdupq_n_s32(0);
  }
  for (; width >= 2; width -= 2) {
    dot_slot(nv, a, x, w, off);
    dot_slot(nv, b, x, w + 4 * c, off + c);
    w += 8 * c;
    off += 2 * c;
  }
  if (width != 0) {
    dot_slot(nv, a, x, w, off);
  }
  UNROLL for (size_t v = 0; v < nv; v++) {
    sums[v] = vaddq_s32(a[v], b[v]);
  }
}

/* The first `rows` (1 .. 4 nv) of the slice's sums to out. */
INLINE void store_rows(size_t nv, int32_t* out, const int32x4_t* sums, size_t rows) {
  if (rows == 4 * nv) {
    UNROLL for (size_t v = 0; v < nv; v++) {
      vst1q_s32(out + 4 * v, sums[v]);
    }
    return;
  }
  int32_t tmp[16];
  UNROLL for (size_t v = 0; v < nv; v++) {
    vst1q_s32(tmp + 4 * v, sums[v]);
  }
  memcpy(out, tmp, rows * sizeof(int32_t));
}

INLINE void sellmv(size_t nv, size_t nc, const int8_t* input, const int8_t* weights, const uint16_t* offsets,
                   const uint32_t* widths, const uint32_t* quad_base, int32_t* output) {
  const size_t c = 4 * nv;
  for (size_t r = 0; r < nc; r += c) {
    const uint32_t width = *widths++;
    int32x4_t sums[4];
    slice_sums(nv, input + 4 * (size_t) *quad_base++, weights, offsets, width, sums);
    weights += 4 * c * (size_t) width;
    offsets += c * (size_t) width;
    store_rows(nv, output + r, sums, nc - r < c ? nc - r : c);
  }
}

void sprig_qs8_sellmv_ukernel_8c4__neondot(size_t nc, const int8_t* input, const int8_t* weights,
                                           const uint16_t* offsets, const uint32_t* widths,
                                           const uint32_t* quad_base, int32_t* output) {
  sellmv(2, nc, input, weights, offsets, widths, quad_base, output);
}
