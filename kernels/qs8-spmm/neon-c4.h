/*
 * NEON int8 c4 SpMM microkernels without the dot product, written once for aarch64
 * (aarch64-neonfma.c, ISA tag neonfma: plain ARMv8) and armv7 (armv7-neon.c, ISA tag neon,
 * where smull2, a 4-lane addp and addv each take two or three instructions). A kernel file
 * includes this and defines its kernels with DEFINE_NEON_C4_SPMM(MR, suffix).
 *
 * The entry's 4-byte weight word is broadcast (ld1r) to [w0 w1 w2 w3] x 4, so that byte t of
 * every input word meets weight t: smull / smull2 give the 16 int16 products of 4 pixels
 * (each fits int16: |x w| <= 16384), and sadalp adds adjacent pairs into int32 accumulators
 * (the sum of two products may not fit int16, so products are never added in int16). Per 4
 * pixels a channel keeps 2 accumulators, lanes [p0 t01, p0 t23, p1 t01, p1 t23] and the same
 * for p2, p3; one addp per channel makes them [p0 p1 p2 p3].
 *
 *   MRx1c4 (MR >= 4, V = MR / 4 vectors) per entry: 1 ldr w of the quad row, 1 madd (row
 *          address, independent of the previous entry's), 1 ld1r of the weights, V ldr q of
 *          input, 2V smull(2), 2V sadalp: 4 vector ALU instructions per 16 MACs (exact int8
 *          without sdot needs both the multiply and the widening pair add). [16x1, llvm-mca per
 *          2 entries (128 MACs, 50 instructions): Neoverse-N1 17.4, Cortex-X2 17.1,
 *          Neoverse-V1 8.6, Cortex-A55 62 cycles.] Small tiles
 *          keep 2 or 4 accumulator sets (entry j feeds set j % S) to cover the sadalp latency.
 *   2 pixels: per entry 1 ldr d of input, 1 ld1r (d) of weights, 1 smull, 1 sadalp.
 *   1 pixel:  4 entries per smull + smull2 + 2 sadalp: the 4 entries' input words gathered into
 *          one q register (lane loads) against the 4 entries' weights (one ldr q), 8 entries
 *          per trip into 4 accumulators (two gathers' lane loads interleaved); 1 to 3
 *          leftover entries use lane loads of inputs and weights (zeros elsewhere), so nothing
 *          past the last entry's weights is read.
 *
 * Remainder pixels go through tiles of MR/2, ..., 4, 2, 1 (each a pass over the weights), so no
 * kernel reads beyond byte 4 mc of a quad row or writes beyond pixel mc of an output channel.
 * Sums wrap in int32 as sadalp / add do.
 */
#ifndef SPRIG_QS8_SPMM_NEON_C4_H
#define SPRIG_QS8_SPMM_NEON_C4_H

#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>

#include <isa/neon.h>
#include <sprig/qs8-spmm.h>

/* Two steps armv7 NEON lacks as single instructions (the third, addp: isa/neon.h's
 * pair_sums_s32). */
#if defined(__aarch64__)
#define MULL_HIGH_S8(x, w) vmull_high_s8((x), (w))
INLINE int32_t lane_sum(int32x4_t v) {
  return vaddvq_s32(v);
}
#else
#define MULL_HIGH_S8(x, w) vmull_s8(vget_high_s8(x), vget_high_s8(w))
INLINE int32_t lane_sum(int32x4_t v) {
  const int32x2_t pairs = vadd_s32(vget_low_s32(v), vget_high_s32(v));
  return vget_lane_s32(vpadd_s32(pairs, pairs), 0);
}
#endif

/* The kernel's position in the biases, weights and quad rows, shared by consecutive channels of
 * one tile. */
struct stream {
  const int8_t* input;
  size_t input_stride;
  const int32_t* bias;
  const int8_t* weights;
  const uint32_t* quads;
};

/* The quad row of quad index q (absolute). */
#define ROW(in, q, rs) ((in) + (size_t) (q) * (rs))

INLINE int32_t* next_output(int32_t* out, size_t stride) {
  return (int32_t*) ((uintptr_t) out + stride);
}

/* The entry's weight word at w, broadcast to all 4 (or 2) words. */
INLINE int8x16_t weights_q(const int8_t* w) {
  return vreinterpretq_s8_s32(vld1q_dup_s32((const int32_t*) w));
}

INLINE int8x8_t weights_d(const int8_t* w) {
  return vreinterpret_s8_s32(vld1_dup_s32((const int32_t*) w));
}

/* acc[2v], acc[2v + 1] += pair sums of row[16v .. 16v+16) * vw, for the nv vectors of a row. */
#define MAC_ROW_Q(acc, x, nv, vw)                                                                       \
  do {                                                                                                  \
    UNROLL for (size_t v_ = 0; v_ < (nv); v_++) {                                                       \
      const int8x16_t vx_ = vld1q_s8((x) + 16 * v_);                                                    \
      (acc)[2 * v_] = vpadalq_s16((acc)[2 * v_], vmull_s8(vget_low_s8(vx_), vget_low_s8(vw)));          \
      (acc)[2 * v_ + 1] = vpadalq_s16((acc)[2 * v_ + 1], MULL_HIGH_S8(vx_, (vw)));                     \
    }                                                                                                   \
  } while (0)

/* Accumulator sets for a tile of nv vectors: enough independent sadalp chains for its latency. */
#define MAC_SETS(nv) ((nv) >= 4 ? 1 : (nv) >= 2 ? 2 : 4)

/* mr >= 4 pixels (nv = mr / 4 vectors) of one channel. */
INLINE void channel_q(size_t nv, struct stream* s, uint32_t nnz, int32_t* out) {
  const size_t sets = MAC_SETS(nv);
  const int8_t* in = s->input;
  const size_t rs = s->input_stride;
  const int8_t* w = s->weights;
  const uint32_t* q = s->quads;
  int32x4_t acc[4][16];
  UNROLL for (size_t k = 0; k < sets; k++) {
    UNROLL for (size_t v = 0; v < 2 * nv; v++) {
      acc[k][v] = vdupq_n_s32(0);
    }
  }
  const int32x4_t vbias = vld1q_dup_s32(s->bias);
  s->bias += 1;
  /* `group` entries per trip, entry j into set j % sets. armv7's 16 q registers hold one entry's
   * 4 input vectors beside 8 accumulators, not two entries' (GCC would spill). */
#if defined(__aarch64__)
  const size_t group = sets == 4 ? 4 : 2;
#else
  const size_t group = sets == 4 ? 4 : sets == 2 ? 2 : 1;
#endif
  for (; nnz >= group; nnz -= group) {
    UNROLL for (size_t j = 0; j < group; j++) {
      const int8x16_t vw = weights_q(w + 4 * j);
      const int8_t* x = ROW(in, q[j], rs);
      MAC_ROW_Q(acc[j % sets], x, nv, vw);
    }
    w += 4 * group;
    q += group;
  }
  for (; nnz != 0; nnz--) {
    const int8x16_t vw = weights_q(w);
    w += 4;
    const int8_t* x = ROW(in, *q++, rs);
    MAC_ROW_Q(acc[0], x, nv, vw);
  }
  UNROLL for (size_t v = 0; v < nv; v++) {
    int32x4_t lo = acc[0][2 * v];
    int32x4_t hi = acc[0][2 * v + 1];
    UNROLL for (size_t k = 1; k < sets; k++) {
      lo = vaddq_s32(lo, acc[k][2 * v]);
      hi = vaddq_s32(hi, acc[k][2 * v + 1]);
    }
    vst1q_s32(out + 4 * v, vaddq_s32(pair_sums_s32(lo, hi), vbias));
  }
  s->weights = w;
  s->quads = q;
}

/* 2 pixels of one channel. */
INLINE void channel_d(struct stream* s, uint32_t nnz, int32_t* out) {
  const int8_t* in = s->input;
  const size_t rs = s->input_stride;
  const int8_t* w = s->weights;
  const uint32_t* q = s->quads;
  int32x4_t acc0 = vdupq_n_s32(0);
  int32x4_t acc1 = vdupq_n_s32(0);
  int32x4_t acc2 = vdupq_n_s32(0);
  int32x4_t acc3 = vdupq_n_s32(0);
  const int32x2_t vbias = vld1_dup_s32(s->bias);
  s->bias += 1;
  for (; nnz >= 4; nnz -= 4) {
    const int8_t* x0 = ROW(in, q[0], rs);
    const int8_t* x1 = ROW(in, q[1], rs);
    const int8_t* x2 = ROW(in, q[2], rs);
    const int8_t* x3 = ROW(in, q[3], rs);
    q += 4;
    acc0 = vpadalq_s16(acc0, vmull_s8(vld1_s8(x0), weights_d(w)));
    acc1 = vpadalq_s16(acc1, vmull_s8(vld1_s8(x1), weights_d(w + 4)));
    acc2 = vpadalq_s16(acc2, vmull_s8(vld1_s8(x2), weights_d(w + 8)));
    acc3 = vpadalq_s16(acc3, vmull_s8(vld1_s8(x3), weights_d(w + 12)));
    w += 16;
  }
  for (; nnz != 0; nnz--) {
    acc0 = vpadalq_s16(acc0, vmull_s8(vld1_s8(ROW(in, *q++, rs)), weights_d(w)));
    w += 4;
  }
  /* Lanes [p0 t01, p0 t23, p1 t01, p1 t23]. */
  const int32x4_t sum = vaddq_s32(vaddq_s32(acc0, acc1), vaddq_s32(acc2, acc3));
  vst1_s32(out, vadd_s32(vpadd_s32(vget_low_s32(sum), vget_high_s32(sum)), vbias));
  s->weights = w;
  s->quads = q;
}

/* acc0, acc1 += pair sums of the 16 bytes of vx (4 entries' input words) times vw (their weights). */
#define MAC_GATHERED(acc0, acc1, vx, vw)                                                    \
  do {                                                                                      \
    const int8x16_t x_ = vreinterpretq_s8_s32(vx);                                          \
    (acc0) = vpadalq_s16((acc0), vmull_s8(vget_low_s8(x_), vget_low_s8(vw)));               \
    (acc1) = vpadalq_s16((acc1), MULL_HIGH_S8(x_, (vw)));                                  \
  } while (0)

/* 1 pixel of one channel: the 4 entries of a group are gathered into one vector. */
INLINE void channel_s(struct stream* s, uint32_t nnz, int32_t* out) {
  const int8_t* in = s->input;
  const size_t rs = s->input_stride;
  const int8_t* w = s->weights;
  const uint32_t* q = s->quads;
  int32x4_t acc0 = vdupq_n_s32(0);
  int32x4_t acc1 = vdupq_n_s32(0);
  int32x4_t acc2 = vdupq_n_s32(0);
  int32x4_t acc3 = vdupq_n_s32(0);
  const int32_t bias = *s->bias;
  s->bias += 1;
  /* 8 entries per trip: two gathered vectors, their lane loads interleaved, into 4 sadalp chains. */
  for (; nnz >= 8; nnz -= 8) {
    const int8x16_t vw0 = vld1q_s8(w);
    const int8x16_t vw1 = vld1q_s8(w + 16);
    w += 32;
    int32x4_t vx0 = vld1q_dup_s32((const int32_t*) ROW(in, q[0], rs));
    int32x4_t vx1 = vld1q_dup_s32((const int32_t*) ROW(in, q[4], rs));
    vx0 = vld1q_lane_s32((const int32_t*) ROW(in, q[1], rs), vx0, 1);
    vx1 = vld1q_lane_s32((const int32_t*) ROW(in, q[5], rs), vx1, 1);
    vx0 = vld1q_lane_s32((const int32_t*) ROW(in, q[2], rs), vx0, 2);
    vx1 = vld1q_lane_s32((const int32_t*) ROW(in, q[6], rs), vx1, 2);
    vx0 = vld1q_lane_s32((const int32_t*) ROW(in, q[3], rs), vx0, 3);
    vx1 = vld1q_lane_s32((const int32_t*) ROW(in, q[7], rs), vx1, 3);
    q += 8;
    MAC_GATHERED(acc0, acc1, vx0, vw0);
    MAC_GATHERED(acc2, acc3, vx1, vw1);
  }
  if (nnz >= 4) {
    const int8x16_t vw = vld1q_s8(w);
    w += 16;
    int32x4_t vx = vld1q_dup_s32((const int32_t*) ROW(in, q[0], rs));
    vx = vld1q_lane_s32((const int32_t*) ROW(in, q[1], rs), vx, 1);
    vx = vld1q_lane_s32((const int32_t*) ROW(in, q[2], rs), vx, 2);
    vx = vld1q_lane_s32((const int32_t*) ROW(in, q[3], rs), vx, 3);
    q += 4;
    MAC_GATHERED(acc0, acc1, vx, vw);
    nnz -= 4;
  }
  if (nnz != 0) {
    /* 1 to 3 entries: lanes past the last one stay zero in both operands. */
    int32x4_t vx = vdupq_n_s32(0);
    int32x4_t vw = vdupq_n_s32(0);
    vx = vld1q_lane_s32((const int32_t*) ROW(in, q[0], rs), vx, 0);
    vw = vld1q_lane_s32((const int32_t*) w, vw, 0);
    if (nnz >= 2) {
      vx = vld1q_lane_s32((const int32_t*) ROW(in, q[1], rs), vx, 1);
      vw = vld1q_lane_s32((const int32_t*) (w + 4), vw, 1);
    }
    if (nnz >= 3) {
      vx = vld1q_lane_s32((const int32_t*) ROW(in, q[2], rs), vx, 2);
      vw = vld1q_lane_s32((const int32_t*) (w + 8), vw, 2);
    }
    q += nnz;
    w += 4 * nnz;
    MAC_GATHERED(acc2, acc3, vx, vreinterpretq_s8_s32(vw));
  }
  *out = (int32_t) ((uint32_t) bias + (uint32_t) lane_sum(vaddq_s32(vaddq_s32(acc0, acc1), vaddq_s32(acc2, acc3))));
  s->weights = w;
  s->quads = q;
}

INLINE void channel(size_t mr, struct stream* s, uint32_t nnz, int32_t* out) {
  if (mr >= 4) {
    channel_q(mr / 4, s, nnz, out);
  } else if (mr == 2) {
    channel_d(s, nnz, out);
  } else {
    channel_s(s, nnz, out);
  }
}

/* All nc channels for the `mr` pixels starting at input / output (one out-of-line function per
 * tile, so that each inner loop has the whole register file). */
#define DEFINE_TILE(MR)                                                                                   \
  static __attribute__((noinline)) void tile_##MR(size_t nc, const int8_t* input, size_t input_stride,    \
                                                  const int32_t* bias, const int8_t* weights,            \
                                                  const uint32_t* quads, const uint32_t* nnz,            \
                                                  int32_t* output, size_t output_stride) {               \
    struct stream s = {input, input_stride, bias, weights, quads};                                       \
    for (size_t n = 0; n < nc; n++) {                                                                     \
      channel(MR, &s, nnz[n], output);                                                                    \
      output = next_output(output, output_stride);                                                       \
    }                                                                                                     \
  }

DEFINE_TILE(1)
DEFINE_TILE(2)
DEFINE_TILE(4)
DEFINE_TILE(8)
DEFINE_TILE(16)

#define TILE_ARGS nc, input + 4 * p, input_stride, bias, weights, quads, nnz, output + p, output_stride

INLINE void run_tile(size_t mr, size_t p, size_t nc, const int8_t* input, size_t input_stride,
                     const int32_t* bias, const int8_t* weights, const uint32_t* quads, const uint32_t* nnz,
                     int32_t* output, size_t output_stride) {
  switch (mr) {
    case 1: tile_1(TILE_ARGS); break;
    case 2: tile_2(TILE_ARGS); break;
    case 4: tile_4(TILE_ARGS); break;
    case 8: tile_8(TILE_ARGS); break;
    case 16: tile_16(TILE_ARGS); break;
  }
}

#undef TILE_ARGS

/* Tiles of mr pixels, then one each of mr/2, mr/4, ... 1 as the remainder needs. */
INLINE void spmm(size_t mr, size_t mc, size_t nc, const int8_t* input, size_t input_stride, const int32_t* bias,
                 const int8_t* weights, const uint32_t* quads, const uint32_t* nnz, int32_t* output,
                 size_t output_stride) {
  size_t p = 0;
  for (; p + mr <= mc; p += mr) {
    run_tile(mr, p, nc, input, input_stride, bias, weights, quads, nnz, output, output_stride);
  }
  if (mr > 8 && mc - p >= 8) {
    run_tile(8, p, nc, input, input_stride, bias, weights, quads, nnz, output, output_stride);
    p += 8;
  }
  if (mr > 4 && mc - p >= 4) {
    run_tile(4, p, nc, input, input_stride, bias, weights, quads, nnz, output, output_stride);
    p += 4;
  }
  if (mr > 2 && mc - p >= 2) {
    run_tile(2, p, nc, input, input_stride, bias, weights, quads, nnz, output, output_stride);
    p += 2;
  }
  if (mr > 1 && mc - p >= 1) {
    run_tile(1, p, nc, input, input_stride, bias, weights, quads, nnz, output, output_stride);
  }
}

/* The kernel sprig_qs8_spmm_ukernel_<MR>x1c4__<suffix> (MR = 1, 4, 8 or 16). */
#define DEFINE_NEON_C4_SPMM(MR, suffix)                                                                     \
  _Static_assert((MR) == 1 || (MR) == 4 || (MR) == 8 || (MR) == 16, "no NEON c4 tile for this MR");        \
  void sprig_qs8_spmm_ukernel_##MR##x1c4__##suffix(size_t mc, size_t nc, const int8_t* input,              \
                                                   size_t input_stride, const int32_t* bias,               \
                                                   const int8_t* weights, const uint32_t* quads,           \
                                                   const uint32_t* nnz, int32_t* output,                   \
                                                   size_t output_stride) {                                 \
    spmm(MR, mc, nc, input, input_stride, bias, weights, quads, nnz, output, output_stride);              \
  }

#endif /* SPRIG_QS8_SPMM_NEON_C4_H */
