/*
 * aarch64 NEON dot-product int8 c4 SpMM microkernels (ISA tag neondot, -march=armv8.2-a+dotprod),
 * and the quartet layout's 64x1q4 kernel with its input packer (at the end of the file).
 *
 * One sdot does 4 pixels x 4 input channels: the 16 input bytes of pixels 4v .. 4v + 3 of a quad
 * row against one entry's 4-byte weight word, taken by lane (sdot v.4s, v.16b, v.4b[lane]) from
 * a q register holding 4 entries' weights, so no broadcast is needed.
 *
 *   MRx1c4 (MR >= 4, V = MR / 4 vectors) per entry: V ldr q of input, V sdot by lane, 1/4 ldr q
 *          of weights, 1 ldr w of the quad row (GCC pairs them: ldp w) and 1 madd (row address,
 *          independent of the previous entry's, so loads of 4 entries overlap). The source loads
 *          each row before the previous entry's sdots and the next group's addresses a group
 *          ahead; GCC 12 still sinks the loads of entries 2 and 3 next to their sdots (one
 *          register), which in-order cores pay. Small tiles keep 2 or 4 accumulator sets
 *          (entry j feeds set j % S) to cover the sdot latency; the sets are added once per
 *          channel.
 *   32x1c4 (quad rows of 128 bytes, as the f32 32x1 rows): the groups of 4 entries run in the
 *          assembly loop of kernels/isa/neon-row32.h (IO_IDX_LOOP, form `quads`): the next
 *          group's 4 rows from two ldp w of indices and 4 umaddl (index x stride + input)
 *          between the current group's sdots, two groups per trip; the default keeps two
 *          accumulator sets (entries 1 and 3 in v8-v15) and loads vectors 0-1 and 4-5 of a row
 *          as ldp q, the _inorder variant (in-order cores) single ldr q each 4 sdots ahead and
 *          one set. [132 / 148 instructions per 8 entries, 64 sdot.] Row strides above
 *          UINT32_MAX take the C loop. llvm-mca figures: docs/neon-mca.md.
 *   2 pixels: per entry 1 ldr d of input and 1 64-bit sdot by lane, 4 accumulator sets.
 *   1 pixel:  4 entries per sdot: the 4 entries' input words are gathered into one q register
 *          (lane loads), dotted with the 4 entries' weights (lane j += entry j), summed across
 *          lanes once per channel; 1 to 3 leftover entries use lane loads of inputs and weights
 *          (zeros elsewhere), so nothing past the last entry's weights is read.
 *
 * Remainder pixels go through tiles of MR/2, ..., 4, 2, 1 (each a pass over the weights), so no
 * kernel reads beyond byte 4 mc of a quad row or writes beyond pixel mc of an output channel.
 * Sums wrap in int32 as sdot / add do.
 */
#include <arm_neon.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <isa/neon-row32.h>
#include <isa/neon.h>
#include <sprig/qs8-spmm.h>

#include "neon-plain-pack.h"

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

/* x[v] = row[16v .. 16v+16), for the nv vectors of a quad row. */
#define LOAD_ROW(x, row, nv)                      \
  do {                                            \
    UNROLL for (size_t v_ = 0; v_ < (nv); v_++) { \
      (x)[v_] = vld1q_s8((row) + 16 * v_);        \
    }                                             \
  } while (0)

/* acc[v] += x[v] . vw[lane], for the nv vectors of a loaded row. */
#define DOT_REG(acc, x, nv, vw, lane)                                  \
  do {                                                                 \
    UNROLL for (size_t v_ = 0; v_ < (nv); v_++) {                      \
      (acc)[v_] = vdotq_laneq_s32((acc)[v_], (x)[v_], (vw), (lane));   \
    }                                                                  \
  } while (0)

/* Same, with an 8-byte weight vector (2 entries). */
#define DOT_ROW_D(acc, x, nv, vw, lane)                                             \
  do {                                                                              \
    UNROLL for (size_t v_ = 0; v_ < (nv); v_++) {                                   \
      (acc)[v_] = vdotq_lane_s32((acc)[v_], vld1q_s8((x) + 16 * v_), (vw), (lane)); \
    }                                                                               \
  } while (0)

/* Accumulator sets for a tile of nv vectors: enough independent sdot chains to cover latency. */
#define DOT_SETS(nv) ((nv) >= 4 ? 1 : (nv) >= 2 ? 2 : 4)

/* The inner loop of the 32-pixel tile: C (any row stride), or the assembly loop of
 * kernels/isa/neon-row32.h (rows of at most UINT32_MAX bytes) with two accumulator sets for
 * out-of-order cores or one for in-order cores. */
enum loop32 { loop32_plain, loop32_paired, loop32_inorder };

/* acc[0..8) += the 4 * groups entries at *w / *q (groups >= 1) over 32-pixel quad rows `rs`
 * bytes apart from `in`; *w and *q move past them. With `two_sets`, entries 1 and 3 of each group
 * are summed apart in v8-v15 and added at the end. */
INLINE void groups_32(bool two_sets, int32x4_t acc[8], const int8_t* in, uint32_t rs, const int8_t** w,
                      const uint32_t** q, size_t groups) {
  int32x4_t c0 = acc[0], c1 = acc[1], c2 = acc[2], c3 = acc[3];
  int32x4_t c4 = acc[4], c5 = acc[5], c6 = acc[6], c7 = acc[7];
  const int8_t* wp = *w;
  const uint32_t* op = *q;
  size_t left = groups - 1; /* groups that follow the current one */
  if (two_sets) {
    __asm__ volatile(IO_ZERO_D IO_IDX_LOOP(quads, paired_sdot, d) IO_ADD_D_I32
                     : IO_IDX_OUTPUTS
                     : [in] "r"(in), [rs] "r"(rs)
                     : IO_IDX_CLOBBERS, IO_D_CLOBBERS);
  } else {
    __asm__ volatile(IO_IDX_LOOP(quads, single_sdot, c)
                     : IO_IDX_OUTPUTS
                     : [in] "r"(in), [rs] "r"(rs)
                     : IO_IDX_CLOBBERS);
  }
  acc[0] = c0, acc[1] = c1, acc[2] = c2, acc[3] = c3;
  acc[4] = c4, acc[5] = c5, acc[6] = c6, acc[7] = c7;
  *w = wp;
  *q = op;
}

/* mr >= 4 pixels (nv = mr / 4 vectors) of one channel; `loop` other than plain only for nv = 8. */
INLINE void channel_q(size_t nv, enum loop32 loop, struct stream* s, uint32_t nnz, int32_t* out) {
  const size_t sets = DOT_SETS(nv);
  const int8_t* in = s->input;
  const size_t rs = s->input_stride;
  const int8_t* w = s->weights;
  const uint32_t* q = s->quads;
  int32x4_t acc[4][8];
  const int32x4_t vbias = vld1q_dup_s32(s->bias);
  s->bias += 1;
  UNROLL for (size_t v = 0; v < nv; v++) {
    acc[0][v] = vbias;
    UNROLL for (size_t k = 1; k < sets; k++) {
      acc[k][v] = vdupq_n_s32(0);
    }
  }
  if (nnz >= 4 && loop != loop32_plain) {
    groups_32(loop == loop32_paired, acc[0], in, (uint32_t) rs, &w, &q, nnz / 4);
    nnz %= 4;
  } else if (nnz >= 4) {
    /* Software-pipelined: each entry's row is loaded (into x or y) before
     * the previous entry's sdots. Entering a trip, x holds the row of the group's entry 0 and
     * a1 .. a3 are the addresses of entries 1 .. 3; the next group's addresses are computed a
     * group ahead (from this group's quads again after the last group: a harmless reload). */
    int8x16_t x[8], y[8];
    LOAD_ROW(x, ROW(in, q[0], rs), nv);
    const int8_t* a1 = ROW(in, q[1], rs);
    const int8_t* a2 = ROW(in, q[2], rs);
    const int8_t* a3 = ROW(in, q[3], rs);
    do {
      const int8x16_t vw = vld1q_s8(w);
      w += 16;
      const uint32_t* qn = nnz >= 8 ? q + 4 : q;
      const int8_t* n0 = ROW(in, qn[0], rs);
      const int8_t* n1 = ROW(in, qn[1], rs);
      const int8_t* n2 = ROW(in, qn[2], rs);
      const int8_t* n3 = ROW(in, qn[3], rs);
      q += 4;
      LOAD_ROW(y, a1, nv);
      DOT_REG(acc[0], x, nv, vw, 0);
      LOAD_ROW(x, a2, nv);
      DOT_REG(acc[1 % sets], y, nv, vw, 1);
      LOAD_ROW(y, a3, nv);
      DOT_REG(acc[2 % sets], x, nv, vw, 2);
      LOAD_ROW(x, n0, nv);
      DOT_REG(acc[3 % sets], y, nv, vw, 3);
      a1 = n1;
      a2 = n2;
      a3 = n3;
      nnz -= 4;
    } while (nnz >= 4);
  }
  if (nnz >= 2) {
    const int8x8_t vw = vld1_s8(w);
    w += 8;
    const int8_t* x0 = ROW(in, q[0], rs);
    const int8_t* x1 = ROW(in, q[1], rs);
    q += 2;
    DOT_ROW_D(acc[0], x0, nv, vw, 0);
    DOT_ROW_D(acc[1 % sets], x1, nv, vw, 1);
    nnz -= 2;
  }
  if (nnz != 0) {
    const int8x16_t vw = vreinterpretq_s8_s32(vld1q_dup_s32((const int32_t*) w));
    w += 4;
    const int8_t* x0 = ROW(in, *q++, rs);
    UNROLL for (size_t v = 0; v < nv; v++) {
      acc[2 % sets][v] = vdotq_s32(acc[2 % sets][v], vld1q_s8(x0 + 16 * v), vw);
    }
  }
  UNROLL for (size_t v = 0; v < nv; v++) {
    int32x4_t sum = acc[0][v];
    if (sets == 4) {
      sum = vaddq_s32(vaddq_s32(sum, acc[1][v]), vaddq_s32(acc[2][v], acc[3][v]));
    } else if (sets == 2) {
      sum = vaddq_s32(sum, acc[1][v]);
    }
    vst1q_s32(out + 4 * v, sum);
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
  int32x2_t acc0 = vld1_dup_s32(s->bias);
  int32x2_t acc1 = vdup_n_s32(0);
  int32x2_t acc2 = vdup_n_s32(0);
  int32x2_t acc3 = vdup_n_s32(0);
  s->bias += 1;
  for (; nnz >= 4; nnz -= 4) {
    const int8x16_t vw = vld1q_s8(w);
    w += 16;
    const int8_t* x0 = ROW(in, q[0], rs);
    const int8_t* x1 = ROW(in, q[1], rs);
    const int8_t* x2 = ROW(in, q[2], rs);
    const int8_t* x3 = ROW(in, q[3], rs);
    q += 4;
    acc0 = vdot_laneq_s32(acc0, vld1_s8(x0), vw, 0);
    acc1 = vdot_laneq_s32(acc1, vld1_s8(x1), vw, 1);
    acc2 = vdot_laneq_s32(acc2, vld1_s8(x2), vw, 2);
    acc3 = vdot_laneq_s32(acc3, vld1_s8(x3), vw, 3);
  }
  if (nnz >= 2) {
    const int8x8_t vw = vld1_s8(w);
    w += 8;
    const int8_t* x0 = ROW(in, q[0], rs);
    const int8_t* x1 = ROW(in, q[1], rs);
    q += 2;
    acc0 = vdot_lane_s32(acc0, vld1_s8(x0), vw, 0);
    acc1 = vdot_lane_s32(acc1, vld1_s8(x1), vw, 1);
    nnz -= 2;
  }
  if (nnz != 0) {
    const int8x8_t vw = vreinterpret_s8_s32(vld1_dup_s32((const int32_t*) w));
    w += 4;
    acc2 = vdot_s32(acc2, vld1_s8(ROW(in, *q++, rs)), vw);
  }
  vst1_s32(out, vadd_s32(vadd_s32(acc0, acc1), vadd_s32(acc2, acc3)));
  s->weights = w;
  s->quads = q;
}

/* 1 pixel of one channel: lane j of the accumulators sums the entries j mod 4. */
INLINE void channel_s(struct stream* s, uint32_t nnz, int32_t* out) {
  const int8_t* in = s->input;
  const size_t rs = s->input_stride;
  const int8_t* w = s->weights;
  const uint32_t* q = s->quads;
  int32x4_t acc0 = vdupq_n_s32(0);
  int32x4_t acc1 = vdupq_n_s32(0);
  const int32_t bias = *s->bias;
  s->bias += 1;
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
    acc0 = vdotq_s32(acc0, vreinterpretq_s8_s32(vx0), vw0);
    acc1 = vdotq_s32(acc1, vreinterpretq_s8_s32(vx1), vw1);
  }
  if (nnz >= 4) {
    const int8x16_t vw = vld1q_s8(w);
    w += 16;
    int32x4_t vx = vld1q_dup_s32((const int32_t*) ROW(in, q[0], rs));
    vx = vld1q_lane_s32((const int32_t*) ROW(in, q[1], rs), vx, 1);
    vx = vld1q_lane_s32((const int32_t*) ROW(in, q[2], rs), vx, 2);
    vx = vld1q_lane_s32((const int32_t*) ROW(in, q[3], rs), vx, 3);
    q += 4;
    acc0 = vdotq_s32(acc0, vreinterpretq_s8_s32(vx), vw);
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
    acc1 = vdotq_s32(acc1, vreinterpretq_s8_s32(vx), vreinterpretq_s8_s32(vw));
  }
  *out = (int32_t) ((uint32_t) bias + (uint32_t) vaddvq_s32(vaddq_s32(acc0, acc1)));
  s->weights = w;
  s->quads = q;
}

INLINE void channel(size_t mr, enum loop32 loop, struct stream* s, uint32_t nnz, int32_t* out) {
  if (mr >= 4) {
    channel_q(mr / 4, loop, s, nnz, out);
  } else if (mr == 2) {
    channel_d(s, nnz, out);
  } else {
    channel_s(s, nnz, out);
  }
}

/* All nc channels for the `mr` pixels starting at input / output (one out-of-line function per
 * tile, so that each inner loop has the whole register file). */
#define DEFINE_TILE(MR, LOOP, NAME)                                                                       \
  static __attribute__((noinline)) void NAME(size_t nc, const int8_t* input, size_t input_stride,         \
                                                  const int32_t* bias, const int8_t* weights,            \
                                                  const uint32_t* quads, const uint32_t* nnz,            \
                                                  int32_t* output, size_t output_stride) {               \
    struct stream s = {input, input_stride, bias, weights, quads};                                       \
    for (size_t n = 0; n < nc; n++) {                                                                     \
      channel(MR, LOOP, &s, nnz[n], output);                                                              \
      output = next_output(output, output_stride);                                                       \
    }                                                                                                     \
  }

DEFINE_TILE(1, loop32_plain, tile_1)
DEFINE_TILE(2, loop32_plain, tile_2)
DEFINE_TILE(4, loop32_plain, tile_4)
DEFINE_TILE(8, loop32_plain, tile_8)
DEFINE_TILE(16, loop32_plain, tile_16)
DEFINE_TILE(32, loop32_plain, tile_32)
DEFINE_TILE(32, loop32_paired, tile_32_paired)
DEFINE_TILE(32, loop32_inorder, tile_32_inorder)

#define TILE_ARGS nc, input + 4 * p, input_stride, bias, weights, quads, nnz, output + p, output_stride

INLINE void run_tile(size_t mr, enum loop32 loop, size_t p, size_t nc, const int8_t* input, size_t input_stride,
                     const int32_t* bias, const int8_t* weights, const uint32_t* quads, const uint32_t* nnz,
                     int32_t* output, size_t output_stride) {
  switch (mr) {
    case 1: tile_1(TILE_ARGS); break;
    case 2: tile_2(TILE_ARGS); break;
    case 4: tile_4(TILE_ARGS); break;
    case 8: tile_8(TILE_ARGS); break;
    case 16: tile_16(TILE_ARGS); break;
    case 32:
      if (loop == loop32_plain || input_stride > UINT32_MAX) {
        tile_32(TILE_ARGS);
      } else if (loop == loop32_paired) {
        tile_32_paired(TILE_ARGS);
      } else {
        tile_32_inorder(TILE_ARGS);
      }
      break;
  }
}

#undef TILE_ARGS

/* Tiles of mr pixels, then one each of mr/2, mr/4, ... 1 as the remainder needs. */
INLINE void spmm(size_t mr, enum loop32 loop, size_t mc, size_t nc, const int8_t* input, size_t input_stride, const int32_t* bias,
                 const int8_t* weights, const uint32_t* quads, const uint32_t* nnz, int32_t* output,
                 size_t output_stride) {
  size_t p = 0;
  for (; p + mr <= mc; p += mr) {
    run_tile(mr, loop, p, nc, input, input_stride, bias, weights, quads, nnz, output, output_stride);
  }
  if (mr > 16 && mc - p >= 16) {
    run_tile(16, loop32_plain, p, nc, input, input_stride, bias, weights, quads, nnz, output, output_stride);
    p += 16;
  }
  if (mr > 8 && mc - p >= 8) {
    run_tile(8, loop32_plain, p, nc, input, input_stride, bias, weights, quads, nnz, output, output_stride);
    p += 8;
  }
  if (mr > 4 && mc - p >= 4) {
    run_tile(4, loop32_plain, p, nc, input, input_stride, bias, weights, quads, nnz, output, output_stride);
    p += 4;
  }
  if (mr > 2 && mc - p >= 2) {
    run_tile(2, loop32_plain, p, nc, input, input_stride, bias, weights, quads, nnz, output, output_stride);
    p += 2;
  }
  if (mr > 1 && mc - p >= 1) {
    run_tile(1, loop32_plain, p, nc, input, input_stride, bias, weights, quads, nnz, output, output_stride);
  }
}

#define DEFINE_NEONDOT_SPMM(MR, LOOP, SUFFIX)                                                                \
  _Static_assert(((MR) == 1 || (MR) == 4 || (MR) == 8 || (MR) == 16 || (MR) == 32) &&                        \
                     ((LOOP) == loop32_plain || (MR) == 32),                                                 \
                 "no neondot tile for this MR");                                                             \
  void sprig_qs8_spmm_ukernel_##MR##x1c4__neondot##SUFFIX(size_t mc, size_t nc, const int8_t* input,        \
                                                  size_t input_stride, const int32_t* bias,                 \
                                                  const int8_t* weights, const uint32_t* quads,             \
                                                  const uint32_t* nnz, int32_t* output,                     \
                                                  size_t output_stride) {                                   \
    spmm(MR, LOOP, mc, nc, input, input_stride, bias, weights, quads, nnz, output, output_stride);          \
  }

/* MR = 1 (batch-1 linear layers): the 1-pixel tile, vectorized over the entries, per pixel. */
DEFINE_NEONDOT_SPMM(1, loop32_plain, )
DEFINE_NEONDOT_SPMM(4, loop32_plain, )
DEFINE_NEONDOT_SPMM(8, loop32_plain, )
DEFINE_NEONDOT_SPMM(16, loop32_plain, )
DEFINE_NEONDOT_SPMM(32, loop32_paired, )
DEFINE_NEONDOT_SPMM(32, loop32_inorder, _inorder)

/*
 * The quartet layout (src/sprig/qs8-spmm.h; signed input, sdot, plain blocks): a channel's
 * nonzeros four at a time, each input channel a row of its own, in 64-pixel blocks in pixel
 * order. Lane L (bytes 16L .. 16L + 15) of a block holds pixels 16L .. 16L + 15, so for one
 * quartet and lane L the 4 rows' q registers (a0 .. a3), zipped by bytes (a0 with a1, a2 with a3)
 * and the results by halfwords, give 4 registers, register i holding the 4 rows' bytes of pixel
 * 16L + 4i + j in 32-bit lane j: one sdot each (by element: the quartet's weight word) into
 * accumulator 4L + i, which holds pixels 16L + 4i .. 16L + 4i + 3 and is stored at
 * out + 16L + 4i. Per quartet and 64 pixels: 16 ldr q of input, 16 zip .16b, 16 zip .8h, 16 sdot
 * -- per nonzero and 64 pixels one 64-byte load, where the c4 kernels load 64 bytes per entry and
 * 16 pixels. A partial last block of `last` pixels runs only its first ceil(last / 16) lanes
 * (quartet_lanes): a 14x14 map's 196 pixels are 3 blocks and 1 lane, not 4 blocks.
 *
 * A whole block's channel is one assembly statement (Q4_CHANNEL), one quartet per trip in two
 * steps: lanes 0-1, then lanes 2-3. 16 accumulators, a weight and two lanes' rows plus a scratch
 * register each (10) leave no room for a second set of rows, so each step loads the rows of the
 * step after it into the registers its own shuffles and sdots free: the lanes 2-3 of the quartet
 * during lanes 0-1, the lanes 0-1 of the next quartet during lanes 2-3 (its indices loaded
 * during lanes 0-1, its row addresses formed by madd -- any 64-bit stride -- early in lanes
 * 2-3). Which register holds which row therefore alternates between the two steps (Q4_STEP's
 * arguments). Dependent instructions are 4+ instructions apart, so that in-order cores
 * (Cortex-A55 / A510) issue them as written. In C, GCC hoists a quartet's 16 loads above its
 * shuffles (spilling accumulators) and keeps no rows in flight from one quartet to the next; with
 * at most 3 lanes (12 accumulators) nothing spills, so partial blocks are C.
 * [76 instructions per quartet: 16 ldr q, 32 zip, 16 sdot, 12 others.]
 */

#define Q4_B(r) "v" #r ".16b"
#define Q4_H(r) "v" #r ".8h"
#define Q4_S(r) "v" #r ".4s"

/* One step: lane A rows in a0..a3, lane B rows in b0..b3 (register numbers), scratch s and t,
 * into accumulators cA0..cA3 / cB0..cB3 (register numbers) with the weight in v10 lane 0;
 * meanwhile the next step's rows, at byte `off` (lane A) and off + 16 (lane B) of the rows at
 * x12 .. x15, are loaded into the registers freed: row 0 into a2 / b2, row 1 into a3 / b3, row 2
 * into a0 / b0, row 3 into a1 / b1. o0 .. o7: other instructions, one after each pair of
 * shuffles. */
#define Q4_STEP(a0, a1, a2, a3, s, b0, b1, b2, b3, t, cA0, cA1, cA2, cA3, cB0, cB1, cB2, cB3, off, o0, o1, o2, o3, \
                o4, o5, o6, o7)                                                                                   \
  "zip1 " Q4_B(s) ", " Q4_B(a0) ", " Q4_B(a1) "\n\t"                                                             \
  "zip1 " Q4_B(t) ", " Q4_B(b0) ", " Q4_B(b1) "\n\t"                                                             \
  o0                                                                                                              \
  "zip2 " Q4_B(a0) ", " Q4_B(a0) ", " Q4_B(a1) "\n\t"                                                            \
  "zip2 " Q4_B(b0) ", " Q4_B(b0) ", " Q4_B(b1) "\n\t"                                                            \
  o1                                                                                                              \
  "zip1 " Q4_B(a1) ", " Q4_B(a2) ", " Q4_B(a3) "\n\t"                                                            \
  "zip1 " Q4_B(b1) ", " Q4_B(b2) ", " Q4_B(b3) "\n\t"                                                            \
  o2                                                                                                              \
  "zip2 " Q4_B(a2) ", " Q4_B(a2) ", " Q4_B(a3) "\n\t"                                                            \
  "zip2 " Q4_B(b2) ", " Q4_B(b2) ", " Q4_B(b3) "\n\t"                                                            \
  o3                                                                                                              \
  "zip1 " Q4_H(a3) ", " Q4_H(s) ", " Q4_H(a1) "\n\t"                                                             \
  "zip1 " Q4_H(b3) ", " Q4_H(t) ", " Q4_H(b1) "\n\t"                                                             \
  o4                                                                                                              \
  "zip2 " Q4_H(s) ", " Q4_H(s) ", " Q4_H(a1) "\n\t"                                                              \
  "zip2 " Q4_H(t) ", " Q4_H(t) ", " Q4_H(b1) "\n\t"                                                              \
  o5                                                                                                              \
  "zip1 " Q4_H(a1) ", " Q4_H(a0) ", " Q4_H(a2) "\n\t"                                                            \
  "zip1 " Q4_H(b1) ", " Q4_H(b0) ", " Q4_H(b2) "\n\t"                                                            \
  o6                                                                                                              \
  "zip2 " Q4_H(a0) ", " Q4_H(a0) ", " Q4_H(a2) "\n\t"                                                            \
  "zip2 " Q4_H(b0) ", " Q4_H(b0) ", " Q4_H(b2) "\n\t"                                                            \
  o7                                                                                                              \
  "ldr q" #a2 ", [x12, #" #off "]\n\t"                                                                           \
  "ldr q" #b2 ", [x12, #(" #off " + 16)]\n\t"                                                                    \
  "sdot " Q4_S(cA0) ", " Q4_B(a3) ", v10.4b[0]\n\t"                                                              \
  "sdot " Q4_S(cB0) ", " Q4_B(b3) ", v10.4b[0]\n\t"                                                              \
  "ldr q" #a3 ", [x13, #" #off "]\n\t"                                                                           \
  "ldr q" #b3 ", [x13, #(" #off " + 16)]\n\t"                                                                    \
  "sdot " Q4_S(cA1) ", " Q4_B(s) ", v10.4b[0]\n\t"                                                               \
  "sdot " Q4_S(cB1) ", " Q4_B(t) ", v10.4b[0]\n\t"                                                               \
  "sdot " Q4_S(cA2) ", " Q4_B(a1) ", v10.4b[0]\n\t"                                                              \
  "sdot " Q4_S(cB2) ", " Q4_B(b1) ", v10.4b[0]\n\t"                                                              \
  "ldr q" #a1 ", [x15, #" #off "]\n\t"                                                                           \
  "ldr q" #b1 ", [x15, #(" #off " + 16)]\n\t"                                                                    \
  "sdot " Q4_S(cA3) ", " Q4_B(a0) ", v10.4b[0]\n\t"                                                              \
  "sdot " Q4_S(cB3) ", " Q4_B(b0) ", v10.4b[0]\n\t"                                                              \
  "ldr q" #a0 ", [x14, #" #off "]\n\t"                                                                           \
  "ldr q" #b0 ", [x14, #(" #off " + 16)]\n\t"

/* One channel: the 16 accumulators v16 .. v31 (pixels 4m .. 4m + 3 in v(16 + m)) from the bias
 * at %[bias], plus the %[left] quartets at %[w] and %[rp] (both moved on), stored at %[dst]
 * (64 int32). x8 .. x11 hold the next quartet's row indices, x12 .. x15 the addresses of the
 * rows being loaded. The next quartet's indices are read at %[rp], which moves on only while a
 * quartet after that one exists: the last trip reads its own quartet's indices and rows again,
 * nothing past them. Lanes 0-1 enter each trip in v0-v3 (lane 0) and v5-v8 (lane 1), lanes 2-3
 * the second step in v2, v3, v0, v1 and v7, v8, v5, v6; scratch v4, v9; weight v10. */
#define Q4_CHANNEL                                                                                                \
  "ld1r {v16.4s}, [%[bias]]\n\t"                                                                                  \
  "mov v17.16b, v16.16b\n\t" "mov v18.16b, v16.16b\n\t" "mov v19.16b, v16.16b\n\t"                                \
  "mov v20.16b, v16.16b\n\t" "mov v21.16b, v16.16b\n\t" "mov v22.16b, v16.16b\n\t"                                \
  "mov v23.16b, v16.16b\n\t" "mov v24.16b, v16.16b\n\t" "mov v25.16b, v16.16b\n\t"                                \
  "mov v26.16b, v16.16b\n\t" "mov v27.16b, v16.16b\n\t" "mov v28.16b, v16.16b\n\t"                                \
  "mov v29.16b, v16.16b\n\t" "mov v30.16b, v16.16b\n\t" "mov v31.16b, v16.16b\n\t"                                \
  "cbz %[left], .Lsprig_q4_done%=\n\t"                                                                            \
  "ldp w8, w9, [%[rp]]\n\t"                                                                                       \
  "ldp w10, w11, [%[rp], #8]\n\t"                                                                                 \
  "cmp %[left], #1\n\t"                                                                                           \
  "madd x12, x8, %[rs], %[in]\n\t"                                                                                \
  "madd x13, x9, %[rs], %[in]\n\t"                                                                                \
  "madd x14, x10, %[rs], %[in]\n\t"                                                                               \
  "madd x15, x11, %[rs], %[in]\n\t"                                                                               \
  "cset x8, hi\n\t"                                                                                               \
  "add %[rp], %[rp], x8, lsl #4\n\t"                                                                              \
  "ldr q0, [x12]\n\t"                                                                                             \
  "ldr q5, [x12, #16]\n\t"                                                                                        \
  "ldr q1, [x13]\n\t"                                                                                             \
  "ldr q6, [x13, #16]\n\t"                                                                                        \
  "ldr q2, [x14]\n\t"                                                                                             \
  "ldr q7, [x14, #16]\n\t"                                                                                        \
  "ldr q3, [x15]\n\t"                                                                                             \
  "ldr q8, [x15, #16]\n"                                                                                          \
  ".Lsprig_q4_loop%=:\n\t"                                                                                        \
  Q4_STEP(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 18, 19, 20, 21, 22, 23, 32,                                       \
          "ldr s10, [%[w]], #4\n\t", "ldp w8, w9, [%[rp]]\n\t", "ldp w10, w11, [%[rp], #8]\n\t", "", "", "",      \
          "", "")                                                                                                 \
  Q4_STEP(2, 3, 0, 1, 4, 7, 8, 5, 6, 9, 24, 25, 26, 27, 28, 29, 30, 31, 0,                                        \
          "madd x12, x8, %[rs], %[in]\n\t", "madd x13, x9, %[rs], %[in]\n\t", "madd x14, x10, %[rs], %[in]\n\t",  \
          "madd x15, x11, %[rs], %[in]\n\t", "cmp %[left], #2\n\t", "cset x8, hi\n\t",                            \
          "add %[rp], %[rp], x8, lsl #4\n\t", "subs %[left], %[left], #1\n\t")                                    \
  "b.ne .Lsprig_q4_loop%=\n"                                                                                      \
  ".Lsprig_q4_done%=:\n\t"                                                                                        \
  "stp q16, q17, [%[dst]]\n\t"                                                                                    \
  "stp q18, q19, [%[dst], #32]\n\t"                                                                               \
  "stp q20, q21, [%[dst], #64]\n\t"                                                                               \
  "stp q22, q23, [%[dst], #96]\n\t"                                                                               \
  "stp q24, q25, [%[dst], #128]\n\t"                                                                              \
  "stp q26, q27, [%[dst], #160]\n\t"                                                                              \
  "stp q28, q29, [%[dst], #192]\n\t"                                                                              \
  "stp q30, q31, [%[dst], #224]\n\t"

/* One whole 64-pixel block at `input` for all nc channels. */
static __attribute__((noinline)) void quartet_tile(size_t nc, const int8_t* input, size_t input_stride,
                                                   const int32_t* bias, const uint32_t* weights, const uint32_t* rows,
                                                   const uint32_t* quartets, int32_t* output, size_t output_stride) {
  for (size_t n = 0; n < nc; n++) {
    int32_t* dst = (int32_t*) ((uintptr_t) output + n * output_stride);
    size_t left = quartets[n];
    const uint32_t* rp = rows;
    rows += 4 * left;
    __asm__ volatile(Q4_CHANNEL
                     : [w] "+r"(weights), [rp] "+r"(rp), [left] "+r"(left)
                     : [bias] "r"(bias + n), [dst] "r"(dst), [in] "r"(input), [rs] "r"(input_stride)
                     : "cc", "memory", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "v0", "v1", "v2", "v3",
                       "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v16", "v17", "v18", "v19", "v20", "v21", "v22",
                       "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31");
  }
}

INLINE int8x16_t zip_halves_lo(int8x16_t a, int8x16_t b) {
  return vreinterpretq_s8_s16(vzip1q_s16(vreinterpretq_s16_s8(a), vreinterpretq_s16_s8(b)));
}

INLINE int8x16_t zip_halves_hi(int8x16_t a, int8x16_t b) {
  return vreinterpretq_s8_s16(vzip2q_s16(vreinterpretq_s16_s8(a), vreinterpretq_s16_s8(b)));
}

/* Row r of the input; `narrow` (compile-time): the stride fits 32 bits, so one umaddl (GCC
 * multiplies the zero-extended operands in 64 bits, a mul that issues every few cycles on
 * Neoverse N1 class cores). */
INLINE const int8_t* row_at(bool narrow, const int8_t* input, uint32_t r, size_t stride) {
  if (narrow) {
    const int8_t* row;
    __asm__("umaddl %0, %w1, %w2, %3" : "=r"(row) : "r"(r), "r"((uint32_t) stride), "r"(input));
    return row;
  }
  return input + (size_t) r * stride;
}

/* The first `lanes` (compile-time 1 to 3) lanes of one 64-pixel block for all nc channels, the
 * block's pixels below `last` (at most 16 x lanes) stored; `narrow` as for row_at. */
INLINE void quartet_lanes(size_t lanes, bool narrow, size_t last, size_t nc, const int8_t* input,
                          size_t input_stride, const int32_t* bias, const uint32_t* weights, const uint32_t* rows,
                          const uint32_t* quartets, int32_t* output, size_t output_stride) {
  for (size_t n = 0; n < nc; n++) {
    int32x4_t acc[12];
    const int32x4_t vbias = vld1q_dup_s32(bias + n);
    UNROLL for (size_t i = 0; i < 4 * lanes; i++) {
      acc[i] = vbias;
    }
    /* The rows a quartet ahead, so that in-order cores do not wait on the address; the last
     * quartet's are formed again instead of reading past them. */
    const int8_t* x[4] = {NULL, NULL, NULL, NULL};
    if (quartets[n] != 0) {
      UNROLL for (size_t t = 0; t < 4; t++) {
        x[t] = row_at(narrow, input, rows[t], input_stride);
      }
    }
    for (uint32_t q = quartets[n]; q != 0; q--) {
      const int8x16_t w = vreinterpretq_s8_u32(vld1q_dup_u32(weights++));
      const int8_t* x0 = x[0];
      const int8_t* x1 = x[1];
      const int8_t* x2 = x[2];
      const int8_t* x3 = x[3];
      rows += q > 1 ? 4 : 0;
      UNROLL for (size_t t = 0; t < 4; t++) {
        x[t] = row_at(narrow, input, rows[t], input_stride);
      }
      UNROLL for (size_t l = 0; l < lanes; l++) {
        const int8x16_t a0 = vld1q_s8(x0 + 16 * l), a1 = vld1q_s8(x1 + 16 * l);
        const int8x16_t a2 = vld1q_s8(x2 + 16 * l), a3 = vld1q_s8(x3 + 16 * l);
        const int8x16_t lo01 = vzip1q_s8(a0, a1), lo23 = vzip1q_s8(a2, a3);
        const int8x16_t hi01 = vzip2q_s8(a0, a1), hi23 = vzip2q_s8(a2, a3);
        acc[4 * l] = vdotq_s32(acc[4 * l], zip_halves_lo(lo01, lo23), w);
        acc[4 * l + 1] = vdotq_s32(acc[4 * l + 1], zip_halves_hi(lo01, lo23), w);
        acc[4 * l + 2] = vdotq_s32(acc[4 * l + 2], zip_halves_lo(hi01, hi23), w);
        acc[4 * l + 3] = vdotq_s32(acc[4 * l + 3], zip_halves_hi(hi01, hi23), w);
      }
    }
    rows += quartets[n] != 0 ? 4 : 0; /* past the last quartet */
    int32_t* out = (int32_t*) ((uintptr_t) output + n * output_stride);
    UNROLL for (size_t i = 0; i < 4 * lanes; i++) {
      sprig_qs8_neon_store_below(out, 4 * i, last, acc[i]);
    }
  }
}

#define QUARTET_LANES(lanes, last, ...)                               \
  do {                                                                \
    if (input_stride <= UINT32_MAX) {                                 \
      quartet_lanes(lanes, true, last, __VA_ARGS__);                  \
    } else {                                                          \
      quartet_lanes(lanes, false, last, __VA_ARGS__);                 \
    }                                                                 \
  } while (0)

/* The last partial block of `last` (1 .. 63) pixels: only the lanes that hold them. */
static __attribute__((noinline)) void quartet_partial(size_t last, size_t nc, const int8_t* input,
                                                      size_t input_stride, const int32_t* bias,
                                                      const uint32_t* weights, const uint32_t* rows,
                                                      const uint32_t* quartets, int32_t* output,
                                                      size_t output_stride) {
  switch ((last + 15) / 16) {
    case 1:
      QUARTET_LANES(1, last, nc, input, input_stride, bias, weights, rows, quartets, output, output_stride);
      break;
    case 2:
      QUARTET_LANES(2, last, nc, input, input_stride, bias, weights, rows, quartets, output, output_stride);
      break;
    case 3:
      QUARTET_LANES(3, last, nc, input, input_stride, bias, weights, rows, quartets, output, output_stride);
      break;
    default: {
      /* 49 to 63 pixels: the whole block's assembly through a buffer. */
      int32_t block[64];
      for (size_t n = 0; n < nc; n++) {
        quartet_tile(1, input, input_stride, bias + n, weights, rows, quartets + n, block, 0);
        memcpy((int32_t*) ((uintptr_t) output + n * output_stride), block, last * sizeof(int32_t));
        weights += quartets[n];
        rows += 4 * (size_t) quartets[n];
      }
      break;
    }
  }
}

/* Whole 64-pixel blocks, then the last partial one. */
void sprig_qs8_spmm_ukernel_64x1q4__neondot(size_t mc, size_t nc, const int8_t* input, size_t input_stride,
                                            const int32_t* bias, const uint32_t* weights, const uint32_t* rows,
                                            const uint32_t* quartets, int32_t* output, size_t output_stride) {
  size_t p = 0;
  for (; p + 64 <= mc; p += 64) {
    quartet_tile(nc, input + p, input_stride, bias, weights, rows, quartets, output + p, output_stride);
  }
  if (p < mc) {
    quartet_partial(mc - p, nc, input + p, input_stride, bias, weights, rows, quartets, output + p, output_stride);
  }
}

void sprig_qs8_spmm_ukernel_64x1q4__neondot_pack(size_t pixels, const int8_t* src, uint8_t flip, int8_t* dst) {
  sprig_qs8_neon_plain_pack(pixels, src, flip, dst);
}
