/*
 * aarch64 NEON+FMA f32 sparse direct convolution (src/sprig/spconv.h; ISA tag neonfma), with
 * V = MR / 4 vectors of 4 pixels:
 *
 *   MRx1  (MR < 32) per stored value: 1 ldrsw of its byte offset, 1 add (input + offset; folded
 *         into the load as [input, offset, sxtw] when V = 1), V input vector loads (ldp q pairs),
 *         V fmla by lane, 1/4 ldr q of weights (4 weights per load, used by lane: no broadcast).
 *         Nothing carries from one stored value to the next but the accumulators, so the loads
 *         of value j + 1 can issue before the FMAs of value j. Tiles keep 2 accumulator sets
 *         (4 below 16 pixels; value j feeds set j % S) to hide the FMA latency; the sets are
 *         added once per channel. Limit: load bandwidth, V + 1/4 vector loads per V FMAs.
 *   32x1  the groups of 4 stored values run in an assembly loop (kernels/isa/neon-row32.h):
 *         the 4 rows of the next group formed during the current group (one ldp of the 4
 *         offsets as two 64-bit words, 4 add with asr #32 / sxtw), two groups per trip. The default (`paired` rows: vectors 0-1 and 4-5 of a row
 *         as one ldp q each) keeps two accumulator sets, even and odd values, the odd set in
 *         v8-v15 inside the asm (30 operands at most) and added at the end; the pair and single
 *         left run in C. [130 instructions per 8 stored values: 64 fmla, 32 ldr q + 16 ldp q,
 *         2 ldr q of weights, 2 ldp of offsets, 8 add of rows, 2 subs, 2 add, 2 branches.]
 *   32x1_inorder  for in-order cores (chosen by src/configs when most cores are Cortex-A53 / A55
 *         / A510 class): the same loop with every input vector a single ldr q issued 4 FMAs
 *         before its fmla and one set of 8 accumulators (a row takes 8 cycles on one load pipe,
 *         more than the FMA latency). [146 instructions per 8 stored values: 64 fmla, 64 ldr q,
 *         2 ldr q of weights, 2 ldp of offsets, 8 add of rows, 2 subs, 2 add, 2 branches.]
 *   MRx4  per stored offset (a block of 4 channels shares it): V input vector loads feed 4V
 *         fmla by lane, one ldr q of the 4 weights. 4V accumulators, so MR <= 16.
 *         [16x4: 24 instructions per column: 16 fmla, ldrsw, ldr q weights, ldr q + ldp q + ldr q
 *         input, add, cmp + b.ne.]
 *   No inner loop touches the stack.
 *
 * Remainder pixels go through tiles of MR/2, MR/4, ... 1 (float32x2_t for 2 pixels, scalar lanes
 * for 1), so no kernel reads or writes outside [0, mc) of an offset's run or of an output row.
 * The 1-pixel tiles of NR = 4 kernels keep the block's channels in one vector and FMA it with the
 * input scalar. Leftover nc % 4 channels of NR = 4 kernels use the NR = 1 code of the same tile.
 */
#include <arm_neon.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <isa/neon-row32.h>
#include <isa/neon.h>
#include <sprig/spconv.h>

/* The floats of stored value `offset` (at(input, offset) of src/sprig/spconv.h). */
INLINE const float* at(const char* input, int32_t offset) {
  return (const float*) (input + (ptrdiff_t) offset);
}

/* The kernel's position in the biases, weights and offsets, shared by consecutive channels of one
 * tile; `input` is the tile's first pixel. */
struct stream {
  const char* input;
  const float* bias;
  const float* weights;
  const int32_t* offsets;
};

/* acc[v] += x[4v .. 4v+4) * vw[lane], for the nv vectors at x. */
#define FMA_ROW_Q(acc, x, nv, vw, lane)                                              \
  do {                                                                               \
    const float* x_ = (x);                                                           \
    UNROLL for (size_t v_ = 0; v_ < (nv); v_++) {                                    \
      (acc)[v_] = vfmaq_laneq_f32((acc)[v_], vld1q_f32(x_ + 4 * v_), (vw), (lane)); \
    }                                                                                \
  } while (0)

/* Same, with a weight pair (float32x2_t). */
#define FMA_ROW_Q2(acc, x, nv, vw, lane)                                            \
  do {                                                                              \
    const float* x_ = (x);                                                          \
    UNROLL for (size_t v_ = 0; v_ < (nv); v_++) {                                   \
      (acc)[v_] = vfmaq_lane_f32((acc)[v_], vld1q_f32(x_ + 4 * v_), (vw), (lane)); \
    }                                                                               \
  } while (0)

/* Same, with a broadcast weight. */
#define FMA_ROW_QB(acc, x, nv, vw)                                     \
  do {                                                                 \
    const float* x_ = (x);                                             \
    UNROLL for (size_t v_ = 0; v_ < (nv); v_++) {                      \
      (acc)[v_] = vfmaq_f32((acc)[v_], vld1q_f32(x_ + 4 * v_), (vw)); \
    }                                                                  \
  } while (0)

/* ---------------------------------------------------------------------------------------------
 * NR = 1: one output channel at a time.
 */

/* Accumulator sets for a tile of nv vectors: enough independent FMA chains to cover latency. */
#define X1_SETS(nv) ((nv) >= 4 ? 2 : 4)

/* mr >= 4 pixels (nv = mr / 4 vectors) of one channel. */
INLINE void channel_x1_q(size_t nv, struct stream* s, uint32_t nnz, float* out, struct clamp c) {
  const size_t sets = X1_SETS(nv);
  const char* in = s->input;
  const float* w = s->weights;
  const int32_t* o = s->offsets;
  float32x4_t acc[4][8];
  const float32x4_t vbias = vld1q_dup_f32(s->bias);
  s->bias += 1;
  UNROLL for (size_t v = 0; v < nv; v++) {
    acc[0][v] = vbias;
    UNROLL for (size_t k = 1; k < sets; k++) {
      acc[k][v] = vdupq_n_f32(0.0f);
    }
  }
  for (; nnz >= 4; nnz -= 4) {
    const float32x4_t vw = vld1q_f32(w);
    w += 4;
    const float* r0 = at(in, o[0]);
    const float* r1 = at(in, o[1]);
    const float* r2 = at(in, o[2]);
    const float* r3 = at(in, o[3]);
    FMA_ROW_Q(acc[0], r0, nv, vw, 0);
    FMA_ROW_Q(acc[1 % sets], r1, nv, vw, 1);
    FMA_ROW_Q(acc[2 % sets], r2, nv, vw, 2);
    FMA_ROW_Q(acc[3 % sets], r3, nv, vw, 3);
    o += 4;
  }
  if (nnz >= 2) {
    const float32x2_t vw = vld1_f32(w);
    w += 2;
    FMA_ROW_Q2(acc[0], at(in, o[0]), nv, vw, 0);
    FMA_ROW_Q2(acc[1 % sets], at(in, o[1]), nv, vw, 1);
    o += 2;
    nnz -= 2;
  }
  if (nnz != 0) {
    const float32x4_t vw = vld1q_dup_f32(w);
    w += 1;
    FMA_ROW_QB(acc[2 % sets], at(in, *o++), nv, vw);
  }
  UNROLL for (size_t v = 0; v < nv; v++) {
    float32x4_t sum = acc[0][v];
    if (sets == 4) {
      sum = vaddq_f32(vaddq_f32(sum, acc[1][v]), vaddq_f32(acc[2][v], acc[3][v]));
    } else if (sets == 2) {
      sum = vaddq_f32(sum, acc[1][v]);
    }
    vst1q_f32(out + 4 * v, clampq(sum, c));
  }
  s->weights = w;
  s->offsets = o;
}

/* 2 pixels of one channel. */
INLINE void channel_x1_d(struct stream* s, uint32_t nnz, float* out, struct clamp c) {
  const char* in = s->input;
  const float* w = s->weights;
  const int32_t* o = s->offsets;
  float32x2_t acc0 = vld1_dup_f32(s->bias);
  float32x2_t acc1 = vdup_n_f32(0.0f);
  float32x2_t acc2 = vdup_n_f32(0.0f);
  float32x2_t acc3 = vdup_n_f32(0.0f);
  s->bias += 1;
  for (; nnz >= 4; nnz -= 4) {
    const float32x4_t vw = vld1q_f32(w);
    w += 4;
    acc0 = vfma_laneq_f32(acc0, vld1_f32(at(in, o[0])), vw, 0);
    acc1 = vfma_laneq_f32(acc1, vld1_f32(at(in, o[1])), vw, 1);
    acc2 = vfma_laneq_f32(acc2, vld1_f32(at(in, o[2])), vw, 2);
    acc3 = vfma_laneq_f32(acc3, vld1_f32(at(in, o[3])), vw, 3);
    o += 4;
  }
  if (nnz >= 2) {
    const float32x2_t vw = vld1_f32(w);
    w += 2;
    acc0 = vfma_lane_f32(acc0, vld1_f32(at(in, o[0])), vw, 0);
    acc1 = vfma_lane_f32(acc1, vld1_f32(at(in, o[1])), vw, 1);
    o += 2;
    nnz -= 2;
  }
  if (nnz != 0) {
    acc2 = vfma_f32(acc2, vld1_f32(at(in, *o++)), vld1_dup_f32(w));
    w += 1;
  }
  const float32x2_t sum = vadd_f32(vadd_f32(acc0, acc1), vadd_f32(acc2, acc3));
  vst1_f32(out, clampd(sum, c));
  s->weights = w;
  s->offsets = o;
}

/* 1 pixel of one channel. */
INLINE void channel_x1_s(struct stream* s, uint32_t nnz, float* out, struct clamp c) {
  const char* in = s->input;
  const float* w = s->weights;
  const int32_t* o = s->offsets;
  float acc0 = *s->bias;
  float acc1 = 0.0f;
  float acc2 = 0.0f;
  float acc3 = 0.0f;
  s->bias += 1;
  for (; nnz >= 4; nnz -= 4) {
    const float32x4_t vw = vld1q_f32(w);
    w += 4;
    acc0 = vfmas_laneq_f32(acc0, *at(in, o[0]), vw, 0);
    acc1 = vfmas_laneq_f32(acc1, *at(in, o[1]), vw, 1);
    acc2 = vfmas_laneq_f32(acc2, *at(in, o[2]), vw, 2);
    acc3 = vfmas_laneq_f32(acc3, *at(in, o[3]), vw, 3);
    o += 4;
  }
  if (nnz >= 2) {
    acc0 = fmaf(w[0], *at(in, o[0]), acc0);
    acc1 = fmaf(w[1], *at(in, o[1]), acc1);
    w += 2;
    o += 2;
    nnz -= 2;
  }
  if (nnz != 0) {
    acc2 = fmaf(*w, *at(in, *o++), acc2);
    w += 1;
  }
  *out = clamps((acc0 + acc1) + (acc2 + acc3), c);
  s->weights = w;
  s->offsets = o;
}

/* ---------------------------------------------------------------------------------------------
 * The 32x1 tile's assembly loops (kernels/isa/neon-row32.h, IO_IDX_LOOP with byte offsets):
 * `paired` with two accumulator sets (even and odd values) for out-of-order cores, `single` with
 * one set for in-order cores.
 */

/* acc[0..8) += the 4 * groups stored values at *w / *o (groups >= 1) on the tile's input `in`
 * (with `two_sets`, the odd values summed apart in v8-v15 and added at the end); *w and *o move
 * past them. */
INLINE void groups_32x1(bool two_sets, float32x4_t acc[8], const char* in, const float** w, const int32_t** o,
                        size_t groups) {
  float32x4_t c0 = acc[0], c1 = acc[1], c2 = acc[2], c3 = acc[3];
  float32x4_t c4 = acc[4], c5 = acc[5], c6 = acc[6], c7 = acc[7];
  const float* wp = *w;
  const int32_t* op = *o;
  size_t left = groups - 1; /* groups that follow the current one */
  if (two_sets) {
    __asm__ volatile(IO_ZERO_D IO_IDX_LOOP(offsets, paired, d) IO_ADD_D
                     : IO_IDX_OUTPUTS
                     : [in] "r"(in)
                     : IO_IDX_CLOBBERS, IO_D_CLOBBERS);
  } else {
    __asm__ volatile(IO_IDX_LOOP(offsets, single, c)
                     : IO_IDX_OUTPUTS
                     : [in] "r"(in)
                     : IO_IDX_CLOBBERS);
  }
  acc[0] = c0, acc[1] = c1, acc[2] = c2, acc[3] = c3;
  acc[4] = c4, acc[5] = c5, acc[6] = c6, acc[7] = c7;
  *w = wp;
  *o = op;
}

/* 32 pixels of one channel: the groups of 4 in the assembly loop (`inorder`: one accumulator set,
 * else two), then a pair and a single in C. */
INLINE void channel_32x1(bool inorder, struct stream* s, uint32_t nnz, float* out, struct clamp c) {
  const char* in = s->input;
  const float* w = s->weights;
  const int32_t* o = s->offsets;
  float32x4_t acc[8];
  const float32x4_t vbias = vld1q_dup_f32(s->bias);
  s->bias += 1;
  UNROLL for (size_t v = 0; v < 8; v++) {
    acc[v] = vbias;
  }
  if (nnz >= 4) {
    groups_32x1(!inorder, acc, in, &w, &o, nnz / 4);
    nnz %= 4;
  }
  if (nnz >= 2) {
    const float32x2_t vw = vld1_f32(w);
    w += 2;
    FMA_ROW_Q2(acc, at(in, o[0]), 8, vw, 0);
    FMA_ROW_Q2(acc, at(in, o[1]), 8, vw, 1);
    o += 2;
    nnz -= 2;
  }
  if (nnz != 0) {
    const float32x4_t vw = vld1q_dup_f32(w);
    w += 1;
    FMA_ROW_QB(acc, at(in, *o++), 8, vw);
  }
  UNROLL for (size_t v = 0; v < 8; v++) {
    vst1q_f32(out + 4 * v, clampq(acc[v], c));
  }
  s->weights = w;
  s->offsets = o;
}

/* ---------------------------------------------------------------------------------------------
 * NR = 4: blocks of 4 channels sharing one offset per stored column; one ldr q of weights each.
 */

/* mr >= 4 pixels (nv <= 4 vectors) of a 4-channel block. With one vector (4x4 tiles), two
 * accumulator sets take the columns in turn (4 chains alone would wait on the FMA latency). */
INLINE void block_x4_q(size_t nv, struct stream* s, uint32_t ncols, float* out, size_t stride, struct clamp c) {
  const size_t sets = nv >= 2 ? 1 : 2;
  const char* in = s->input;
  const float* w = s->weights;
  const int32_t* o = s->offsets;
  float32x4_t acc[2][4][4]; /* [set][channel][vector] */
  const float32x4_t vbias = vld1q_f32(s->bias);
  s->bias += 4;
  UNROLL for (size_t v = 0; v < nv; v++) {
    acc[0][0][v] = vdupq_laneq_f32(vbias, 0);
    acc[0][1][v] = vdupq_laneq_f32(vbias, 1);
    acc[0][2][v] = vdupq_laneq_f32(vbias, 2);
    acc[0][3][v] = vdupq_laneq_f32(vbias, 3);
    if (sets == 2) {
      UNROLL for (size_t n = 0; n < 4; n++) {
        acc[1][n][v] = vdupq_n_f32(0.0f);
      }
    }
  }
  for (; ncols >= sets; ncols -= sets) {
    UNROLL for (size_t k = 0; k < sets; k++) {
      const float32x4_t vw = vld1q_f32(w + 4 * k);
      const float* x = at(in, o[k]);
      UNROLL for (size_t v = 0; v < nv; v++) {
        const float32x4_t vx = vld1q_f32(x + 4 * v);
        acc[k][0][v] = vfmaq_laneq_f32(acc[k][0][v], vx, vw, 0);
        acc[k][1][v] = vfmaq_laneq_f32(acc[k][1][v], vx, vw, 1);
        acc[k][2][v] = vfmaq_laneq_f32(acc[k][2][v], vx, vw, 2);
        acc[k][3][v] = vfmaq_laneq_f32(acc[k][3][v], vx, vw, 3);
      }
    }
    w += 4 * sets;
    o += sets;
  }
  if (ncols != 0) { /* sets == 2: one column left */
    const float32x4_t vw = vld1q_f32(w);
    w += 4;
    const float32x4_t vx = vld1q_f32(at(in, *o++));
    acc[0][0][0] = vfmaq_laneq_f32(acc[0][0][0], vx, vw, 0);
    acc[0][1][0] = vfmaq_laneq_f32(acc[0][1][0], vx, vw, 1);
    acc[0][2][0] = vfmaq_laneq_f32(acc[0][2][0], vx, vw, 2);
    acc[0][3][0] = vfmaq_laneq_f32(acc[0][3][0], vx, vw, 3);
  }
  UNROLL for (size_t n = 0; n < 4; n++) {
    UNROLL for (size_t v = 0; v < nv; v++) {
      float32x4_t sum = acc[0][n][v];
      if (sets == 2) {
        sum = vaddq_f32(sum, acc[1][n][v]);
      }
      vst1q_f32(out + 4 * v, clampq(sum, c));
    }
    out = next_channel(out, stride);
  }
  s->weights = w;
  s->offsets = o;
}

/* 2 pixels of a 4-channel block. */
INLINE void block_x4_d(struct stream* s, uint32_t ncols, float* out, size_t stride, struct clamp c) {
  const char* in = s->input;
  const float* w = s->weights;
  const int32_t* o = s->offsets;
  const float32x4_t vbias = vld1q_f32(s->bias);
  s->bias += 4;
  float32x2_t acc0 = vdup_laneq_f32(vbias, 0);
  float32x2_t acc1 = vdup_laneq_f32(vbias, 1);
  float32x2_t acc2 = vdup_laneq_f32(vbias, 2);
  float32x2_t acc3 = vdup_laneq_f32(vbias, 3);
  for (; ncols != 0; ncols--) {
    const float32x4_t vw = vld1q_f32(w);
    w += 4;
    const float32x2_t vx = vld1_f32(at(in, *o++));
    acc0 = vfma_laneq_f32(acc0, vx, vw, 0);
    acc1 = vfma_laneq_f32(acc1, vx, vw, 1);
    acc2 = vfma_laneq_f32(acc2, vx, vw, 2);
    acc3 = vfma_laneq_f32(acc3, vx, vw, 3);
  }
  vst1_f32(out, clampd(acc0, c));
  out = next_channel(out, stride);
  vst1_f32(out, clampd(acc1, c));
  out = next_channel(out, stride);
  vst1_f32(out, clampd(acc2, c));
  out = next_channel(out, stride);
  vst1_f32(out, clampd(acc3, c));
  s->weights = w;
  s->offsets = o;
}

/* 1 pixel of a 4-channel block: the accumulators hold the 4 channels. */
INLINE void block_x4_s(struct stream* s, uint32_t ncols, float* out, size_t stride, struct clamp c) {
  const char* in = s->input;
  const float* w = s->weights;
  const int32_t* o = s->offsets;
  float32x4_t acc0 = vld1q_f32(s->bias);
  float32x4_t acc1 = vdupq_n_f32(0.0f);
  s->bias += 4;
  for (; ncols >= 2; ncols -= 2) {
    const float32x4_t vw0 = vld1q_f32(w);
    const float32x4_t vw1 = vld1q_f32(w + 4);
    w += 8;
    acc0 = vfmaq_n_f32(acc0, vw0, *at(in, o[0]));
    acc1 = vfmaq_n_f32(acc1, vw1, *at(in, o[1]));
    o += 2;
  }
  if (ncols != 0) {
    acc0 = vfmaq_n_f32(acc0, vld1q_f32(w), *at(in, *o++));
    w += 4;
  }
  const float32x4_t sum = clampq(vaddq_f32(acc0, acc1), c);
  vst1q_lane_f32(out, sum, 0);
  out = next_channel(out, stride);
  vst1q_lane_f32(out, sum, 1);
  out = next_channel(out, stride);
  vst1q_lane_f32(out, sum, 2);
  out = next_channel(out, stride);
  vst1q_lane_f32(out, sum, 3);
  s->weights = w;
  s->offsets = o;
}

/* ---------------------------------------------------------------------------------------------
 * Drivers. `mr` and `nr` are constants at every call site, so each kernel keeps only its own tile
 * code.
 */

INLINE void channel_x1(size_t mr, bool inorder, struct stream* s, uint32_t nnz, float* out, struct clamp c) {
  if (mr == 32) {
    channel_32x1(inorder, s, nnz, out, c);
  } else if (mr >= 4) {
    channel_x1_q(mr / 4, s, nnz, out, c);
  } else if (mr == 2) {
    channel_x1_d(s, nnz, out, c);
  } else {
    channel_x1_s(s, nnz, out, c);
  }
}

INLINE void block_x4(size_t mr, struct stream* s, uint32_t ncols, float* out, size_t stride, struct clamp c) {
  if (mr >= 4) {
    block_x4_q(mr / 4, s, ncols, out, stride, c);
  } else if (mr == 2) {
    block_x4_d(s, ncols, out, stride, c);
  } else {
    block_x4_s(s, ncols, out, stride, c);
  }
}

/* All nc channels for the `mr` pixels starting at input / output (`inorder`: the 32x1 tile's loop
 * for in-order cores). */
INLINE void tile(size_t mr, size_t nr, bool inorder, size_t nc, const char* input, const float* bias,
                 const float* weights, const int32_t* offsets, const uint32_t* nnz, float* output, size_t stride,
                 struct clamp c) {
  struct stream s = {input, bias, weights, offsets};
  size_t n = nc;
  if (nr > 1) {
    for (; n >= nr; n -= nr) {
      block_x4(mr, &s, *nnz++, output, stride, c);
      for (size_t i = 0; i < nr; i++) {
        output = next_channel(output, stride);
      }
    }
  }
  for (; n != 0; n--) {
    channel_x1(mr, inorder, &s, *nnz++, output, c);
    output = next_channel(output, stride);
  }
}

/* One out-of-line function per tile shape, so that each inner loop gets the whole register file. */
#define DEFINE_TILE(MR, NR, INORDER, NAME)                                                                    \
  static __attribute__((noinline)) void NAME(size_t nc, const char* input, const float* bias,                 \
                                             const float* weights, const int32_t* offsets,                   \
                                             const uint32_t* nnz, float* output, size_t stride,             \
                                             const struct sprig_f32_minmax_params* params) {                 \
    const struct clamp c = {vld1q_dup_f32(&params->min), vld1q_dup_f32(&params->max)};                       \
    tile(MR, NR, INORDER, nc, input, bias, weights, offsets, nnz, output, stride, c);                        \
  }

DEFINE_TILE(1, 1, false, tile_1x1)
DEFINE_TILE(2, 1, false, tile_2x1)
DEFINE_TILE(4, 1, false, tile_4x1)
DEFINE_TILE(8, 1, false, tile_8x1)
DEFINE_TILE(16, 1, false, tile_16x1)
DEFINE_TILE(32, 1, false, tile_32x1)
DEFINE_TILE(32, 1, true, tile_32x1_inorder)
DEFINE_TILE(1, 4, false, tile_1x4)
DEFINE_TILE(2, 4, false, tile_2x4)
DEFINE_TILE(4, 4, false, tile_4x4)
DEFINE_TILE(8, 4, false, tile_8x4)
DEFINE_TILE(16, 4, false, tile_16x4)

#define TILE_ARGS nc, input + p * sizeof(float), bias, weights, offsets, nnz, output + p, stride, params

/* Runs the (mr, nr) tile at pixel p; mr, nr and inorder are constants, so one call remains. */
INLINE void run_tile(size_t mr, size_t nr, bool inorder, size_t p, size_t nc, const char* input, const float* bias,
                     const float* weights, const int32_t* offsets, const uint32_t* nnz, float* output, size_t stride,
                     const struct sprig_f32_minmax_params* params) {
  if (nr == 1) {
    switch (mr) {
      case 1: tile_1x1(TILE_ARGS); break;
      case 2: tile_2x1(TILE_ARGS); break;
      case 4: tile_4x1(TILE_ARGS); break;
      case 8: tile_8x1(TILE_ARGS); break;
      case 16: tile_16x1(TILE_ARGS); break;
      case 32:
        if (inorder) {
          tile_32x1_inorder(TILE_ARGS);
        } else {
          tile_32x1(TILE_ARGS);
        }
        break;
    }
  } else {
    switch (mr) {
      case 1: tile_1x4(TILE_ARGS); break;
      case 2: tile_2x4(TILE_ARGS); break;
      case 4: tile_4x4(TILE_ARGS); break;
      case 8: tile_8x4(TILE_ARGS); break;
      case 16: tile_16x4(TILE_ARGS); break;
    }
  }
}

#undef TILE_ARGS

/* Tiles of mr pixels, then one each of mr/2, mr/4, ... 1 as the remainder needs (`inorder`: the
 * full tiles take the in-order loop). */
INLINE void spconv(size_t mr, size_t nr, bool inorder, size_t mc, size_t nc, const float* input, const float* bias,
                   const float* weights, const int32_t* offsets, const uint32_t* nnz, float* output, size_t stride,
                   const struct sprig_f32_minmax_params* params) {
  const char* in = (const char*) input;
  size_t p = 0;
  for (; p + mr <= mc; p += mr) {
    run_tile(mr, nr, inorder, p, nc, in, bias, weights, offsets, nnz, output, stride, params);
  }
  /* mc - p < mr here; each smaller tile runs at most once (written out so that every call site
   * has a constant tile). */
  if (mr > 16 && mc - p >= 16) {
    run_tile(16, nr, false, p, nc, in, bias, weights, offsets, nnz, output, stride, params);
    p += 16;
  }
  if (mr > 8 && mc - p >= 8) {
    run_tile(8, nr, false, p, nc, in, bias, weights, offsets, nnz, output, stride, params);
    p += 8;
  }
  if (mr > 4 && mc - p >= 4) {
    run_tile(4, nr, false, p, nc, in, bias, weights, offsets, nnz, output, stride, params);
    p += 4;
  }
  if (mr > 2 && mc - p >= 2) {
    run_tile(2, nr, false, p, nc, in, bias, weights, offsets, nnz, output, stride, params);
    p += 2;
  }
  if (mr > 1 && mc - p >= 1) {
    run_tile(1, nr, false, p, nc, in, bias, weights, offsets, nnz, output, stride, params);
  }
}

#define DEFINE_NEONFMA_SPCONV(MR, NR, INORDER, SUFFIX)                                                          \
  _Static_assert(((MR) == 4 || (MR) == 8 || (MR) == 16 || (MR) == 32) &&                                         \
                     ((NR) == 1 || ((NR) == 4 && (MR) <= 16)) && (!(INORDER) || ((MR) == 32 && (NR) == 1)), \
                 "no neonfma tile for this MR x NR");                                                            \
  void sprig_f32_spconv_minmax_ukernel_##MR##x##NR##__aarch64_neonfma##SUFFIX(                                   \
      size_t mc, size_t nc, const float* input, const float* bias, const float* weights, const int32_t* offsets,  \
      const uint32_t* nnz, float* output, size_t output_stride, const struct sprig_f32_minmax_params* params) {  \
    spconv(MR, NR, INORDER, mc, nc, input, bias, weights, offsets, nnz, output, output_stride, params);          \
  }

DEFINE_NEONFMA_SPCONV(4, 1, false, )
DEFINE_NEONFMA_SPCONV(8, 1, false, )
DEFINE_NEONFMA_SPCONV(16, 1, false, )
DEFINE_NEONFMA_SPCONV(32, 1, false, )
DEFINE_NEONFMA_SPCONV(32, 1, true, _inorder)
DEFINE_NEONFMA_SPCONV(8, 4, false, )
DEFINE_NEONFMA_SPCONV(16, 4, false, )
