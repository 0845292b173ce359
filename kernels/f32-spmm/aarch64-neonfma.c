/*
 * aarch64 NEON+FMA f32 SpMM microkernels (ISA tag neonfma). Inner-loop mix of the full MR tile,
 * V = MR / 4 vectors of 4 pixels (GCC 12 -O3 counts from objdump in brackets):
 *
 *   MRx1           per nonzero: V input vector loads, V fmla by lane, 1/4 ldr q of weights (4
 *                  weights per load, used by lane: no broadcast), 1 ldrsb of the row step and
 *                  1 madd (pointer += step * row stride).
 *                  [32x1: 33 vectors in 13 ldp q + 7 ldr q for 32 fmla per 4 nonzeros; 4x1:
 *                  5 ldr q for 4 fmla.] Limit: load bandwidth -- every FMA needs its own input
 *                  vector, so (V + 1/4) vector loads per V FMAs. Small tiles keep 2 or 4
 *                  accumulator sets (nonzero j feeds set j % S) to hide FMA latency; the sets
 *                  are added once per channel.
 *   32x1_pipelined the default: the input rows of each group of 4 nonzeros are computed during
 *                  the group before (one ldr w of the 4 steps, prefix sums, smaddl from the
 *                  group's first row: no multiply on the loop-carried chain, which is one smaddl
 *                  per group), two groups per trip (no row pointer is copied between trips),
 *                  two sets of 8 accumulators (nonzeros alternate; 16 FMA chains). Per row: 2
 *                  ldp q + 4 single loads (vectors 4 and 6 through an opaque alias, so GCC
 *                  pairs no more). [157 instructions per 8 nonzeros: 64 fmla, 16 ldp q, 32 ldr
 *                  q, 2 ldr q of weights, 2 ldr w of steps, 8 adds for the aliases, 24 for
 *                  steps and rows, loop.] llvm-mca (scripts/neon-mca.sh, docs/neon-mca.md):
 *                  94% of the FMA bound on Neoverse-N1, 71% on V1, 100% on Cortex-X2, 72% on
 *                  Apple A13, 18% on Cortex-A55 (the old single-set loop: 76 / 50 / 100 / 71 /
 *                  15%). Row strides above INT32_MAX (never seen) take the 32x1 tile instead.
 *   32x1_inorder   for in-order cores (chosen by src/configs when most cores are Cortex-A53 /
 *                  A55 / A510 class): an assembly loop in which every input vector is a single
 *                  ldr q issued 4 FMAs before its fmla (vectors 0-3 of a row during the row
 *                  before), the rows of a group of 4 entries computed during the group before
 *                  (one ldr w of steps, sbfx and a chain of 4 madd spread over the group), two
 *                  groups per trip, one set of 8 accumulators. [154 instructions per 8
 *                  nonzeros: 64 fmla, 64 ldr q, 2 ldr q of weights, 2 ldr w of steps, 8 sbfx, 8
 *                  madd, 2 subs, 2 add, 2 branches.] llvm-mca: 41% of the FMA bound on
 *                  Cortex-A55 and 43% on A510 (the default: 18% / 36%).
 *   MRx2           per column: V input vector loads feed 2V fmla by lane (one per channel), so
 *                  half the input loads per FMA of x1; 8x2 and 16x2 take two columns per trip
 *                  with one ldr q of weights [16x2: 9 vectors in 3 ldp q + 3 ldr q for 16 fmla,
 *                  plus 2 register moves GCC adds], 32x2 takes one column per trip (two in
 *                  flight would need 33 registers) [4 ldp q + 2 ldr s of weights for 16 fmla].
 *                  Limit: FMA throughput.
 *   MRx4           per column: V input vector loads feed 4V fmla by lane, one ldr q of weights.
 *                  [16x4: 2 ldp q + 1 ldr q for 16 fmla.] Limit: FMA throughput and registers
 *                  (4V accumulators, so MR <= 16).
 *   No inner loop touches the stack (only callee-saved d8-d15 are saved in prologues).
 *
 * Remainder pixels go through tiles of MR/2, MR/4, ... 1 (float32x2_t for 2 pixels, scalar
 * lanes for 1), so no kernel reads or writes outside [0, mc) of a row. The 1-pixel tiles of
 * NR > 1 kernels keep the block's channels in one vector and FMA it with the input scalar.
 * Leftover nc % NR channels of NR > 1 kernels use the NR = 1 code of the same tile.
 */
#include <arm_neon.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <isa/neon-row32.h>
#include <isa/neon-rows4.h>
#include <isa/neon.h>
#include <sprig/spmm.h>

/* Moves `in` to the input row of the next entry (deltas are signed row steps, rows rs bytes apart). */
#define NEXT_ROW(in, d, rs) ((in) = sprig_spmm_next_row((in), *(d)++, (rs)))

/* The kernel's position in the biases and the weight stream, shared by consecutive channels of
 * one tile. */
struct stream {
  const float* input;
  const float* bias;
  const float* weights;
  const int8_t* deltas;
  size_t input_stride;
};

/* acc[v] += row[4v .. 4v+4) * vw[lane], for the nv vectors of one input row. */
#define FMA_ROW_Q(acc, in, nv, vw, lane)                                              \
  do {                                                                                \
    UNROLL for (size_t v_ = 0; v_ < (nv); v_++) {                                     \
      (acc)[v_] = vfmaq_laneq_f32((acc)[v_], vld1q_f32((in) + 4 * v_), (vw), (lane)); \
    }                                                                                 \
  } while (0)

/* Same, with a weight pair (float32x2_t). */
#define FMA_ROW_Q2(acc, in, nv, vw, lane)                                            \
  do {                                                                               \
    UNROLL for (size_t v_ = 0; v_ < (nv); v_++) {                                    \
      (acc)[v_] = vfmaq_lane_f32((acc)[v_], vld1q_f32((in) + 4 * v_), (vw), (lane)); \
    }                                                                                \
  } while (0)

/* Same, with a broadcast weight. */
#define FMA_ROW_QB(acc, in, nv, vw)                                     \
  do {                                                                  \
    UNROLL for (size_t v_ = 0; v_ < (nv); v_++) {                       \
      (acc)[v_] = vfmaq_f32((acc)[v_], vld1q_f32((in) + 4 * v_), (vw)); \
    }                                                                   \
  } while (0)

/* ---------------------------------------------------------------------------------------------
 * NR = 1: one output channel at a time.
 */

/* Accumulator sets for a tile of nv vectors: enough independent FMA chains to cover latency. */
#define X1_SETS(nv) ((nv) >= 8 ? 1 : (nv) >= 4 ? 2 : 4)

/* mr >= 4 pixels (nv = mr / 4 vectors) of one channel. */
INLINE void channel_x1_q(size_t nv, struct stream* s, uint32_t nnz, float* out, struct clamp c) {
  const size_t sets = X1_SETS(nv);
  const float* in = s->input;
  const float* w = s->weights;
  const int8_t* d = s->deltas;
  const size_t rs = s->input_stride;
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
    FMA_ROW_Q(acc[0], in, nv, vw, 0);
    NEXT_ROW(in, d, rs);
    FMA_ROW_Q(acc[1 % sets], in, nv, vw, 1);
    NEXT_ROW(in, d, rs);
    FMA_ROW_Q(acc[2 % sets], in, nv, vw, 2);
    NEXT_ROW(in, d, rs);
    FMA_ROW_Q(acc[3 % sets], in, nv, vw, 3);
    NEXT_ROW(in, d, rs);
  }
  if (nnz >= 2) {
    const float32x2_t vw = vld1_f32(w);
    w += 2;
    FMA_ROW_Q2(acc[0], in, nv, vw, 0);
    NEXT_ROW(in, d, rs);
    FMA_ROW_Q2(acc[1 % sets], in, nv, vw, 1);
    NEXT_ROW(in, d, rs);
    nnz -= 2;
  }
  if (nnz != 0) {
    const float32x4_t vw = vld1q_dup_f32(w);
    w += 1;
    FMA_ROW_QB(acc[2 % sets], in, nv, vw);
    NEXT_ROW(in, d, rs);
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
  s->input = in;
  s->weights = w;
  s->deltas = d;
}

/* 2 pixels of one channel. */
INLINE void channel_x1_d(struct stream* s, uint32_t nnz, float* out, struct clamp c) {
  const float* in = s->input;
  const float* w = s->weights;
  const int8_t* d = s->deltas;
  const size_t rs = s->input_stride;
  float32x2_t acc0 = vld1_dup_f32(s->bias);
  float32x2_t acc1 = vdup_n_f32(0.0f);
  float32x2_t acc2 = vdup_n_f32(0.0f);
  float32x2_t acc3 = vdup_n_f32(0.0f);
  s->bias += 1;
  for (; nnz >= 4; nnz -= 4) {
    const float32x4_t vw = vld1q_f32(w);
    w += 4;
    acc0 = vfma_laneq_f32(acc0, vld1_f32(in), vw, 0);
    NEXT_ROW(in, d, rs);
    acc1 = vfma_laneq_f32(acc1, vld1_f32(in), vw, 1);
    NEXT_ROW(in, d, rs);
    acc2 = vfma_laneq_f32(acc2, vld1_f32(in), vw, 2);
    NEXT_ROW(in, d, rs);
    acc3 = vfma_laneq_f32(acc3, vld1_f32(in), vw, 3);
    NEXT_ROW(in, d, rs);
  }
  if (nnz >= 2) {
    const float32x2_t vw = vld1_f32(w);
    w += 2;
    acc0 = vfma_lane_f32(acc0, vld1_f32(in), vw, 0);
    NEXT_ROW(in, d, rs);
    acc1 = vfma_lane_f32(acc1, vld1_f32(in), vw, 1);
    NEXT_ROW(in, d, rs);
    nnz -= 2;
  }
  if (nnz != 0) {
    acc2 = vfma_f32(acc2, vld1_f32(in), vld1_dup_f32(w));
    w += 1;
    NEXT_ROW(in, d, rs);
  }
  const float32x2_t sum = vadd_f32(vadd_f32(acc0, acc1), vadd_f32(acc2, acc3));
  vst1_f32(out, clampd(sum, c));
  s->input = in;
  s->weights = w;
  s->deltas = d;
}

/* 1 pixel of one channel. */
INLINE void channel_x1_s(struct stream* s, uint32_t nnz, float* out, struct clamp c) {
  const float* in = s->input;
  const float* w = s->weights;
  const int8_t* d = s->deltas;
  const size_t rs = s->input_stride;
  float acc0 = *s->bias;
  float acc1 = 0.0f;
  float acc2 = 0.0f;
  float acc3 = 0.0f;
  s->bias += 1;
  for (; nnz >= 4; nnz -= 4) {
    const float32x4_t vw = vld1q_f32(w);
    w += 4;
    acc0 = vfmas_laneq_f32(acc0, *in, vw, 0);
    NEXT_ROW(in, d, rs);
    acc1 = vfmas_laneq_f32(acc1, *in, vw, 1);
    NEXT_ROW(in, d, rs);
    acc2 = vfmas_laneq_f32(acc2, *in, vw, 2);
    NEXT_ROW(in, d, rs);
    acc3 = vfmas_laneq_f32(acc3, *in, vw, 3);
    NEXT_ROW(in, d, rs);
  }
  if (nnz >= 2) {
    acc0 = fmaf(w[0], *in, acc0);
    NEXT_ROW(in, d, rs);
    acc1 = fmaf(w[1], *in, acc1);
    NEXT_ROW(in, d, rs);
    w += 2;
    nnz -= 2;
  }
  if (nnz != 0) {
    acc2 = fmaf(*w, *in, acc2);
    w += 1;
    NEXT_ROW(in, d, rs);
  }
  *out = clamps((acc0 + acc1) + (acc2 + acc3), c);
  s->input = in;
  s->weights = w;
  s->deltas = d;
}

/* 32 pixels of one channel, with the input rows computed a group of 4 entries ahead. */

/* struct rows4 and rows4_at for float rows. */
SPRIG_DEFINE_ROWS4(float)

/* Keeps the compiler from moving the next row's loads above this point (no instruction): GCC
 * otherwise hoists them all and spills accumulators. */
#define ROW_FENCE() __asm__ volatile("" ::: "memory")

/* acc[0..8) += row[0..32) * vw[lane], vectors 4 and 6 through `hi`, an alias of row + 32 the
 * compiler cannot see through: GCC then pairs vectors 0-3 into two ldp q and loads 4-7 with
 * single ldr / ldur q. A compromise between llvm-mca's models (docs/neon-mca.md): Cortex-A55's
 * charges an ldp q 6 load cycles (an ldr q 1), Apple A13's issues an ldp q in one load slot
 * (two ldr q take two). */
#define FMA_ROW_32(acc, row, vw, lane)                                                      \
  do {                                                                                    \
    const float* hi_ = (row) + 32;                                                        \
    __asm__("" : "+r"(hi_));                                                              \
    UNROLL for (size_t v_ = 0; v_ < 8; v_++) {                                            \
      const float* x_ = (v_ == 4 || v_ == 6) ? hi_ - 32 + 4 * v_ : (row) + 4 * v_;         \
      (acc)[v_] = vfmaq_laneq_f32((acc)[v_], vld1q_f32(x_), (vw), (lane));                \
    }                                                                                     \
  } while (0)

/* The 4 entries of group g with weights w[0..4): rows 0 and 2 into acc0, 1 and 3 into acc1. */
#define GROUP_FMA(acc0, acc1, g, w)                \
  do {                                             \
    const float32x4_t vw_ = vld1q_f32(w);          \
    FMA_ROW_32(acc0, (g).row[0], vw_, 0);          \
    ROW_FENCE();                                   \
    FMA_ROW_32(acc1, (g).row[1], vw_, 1);          \
    ROW_FENCE();                                   \
    FMA_ROW_32(acc0, (g).row[2], vw_, 2);          \
    ROW_FENCE();                                   \
    FMA_ROW_32(acc1, (g).row[3], vw_, 3);          \
    ROW_FENCE();                                   \
  } while (0)

/* The rows of each group of 4 entries come from the group before (one word of steps, four
 * smull or smaddl, none on a chain but the next group's first row); the entries of a group
 * alternate between two sets of 8 accumulators (16 chains: enough for 4 FMA pipes of latency
 * 4), added once at the end. */
INLINE void channel_32x1_pipelined(struct stream* s, uint32_t nnz, float* out, struct clamp c) {
  const float* in = s->input;
  const float* w = s->weights;
  const int8_t* d = s->deltas;
  const size_t rs = s->input_stride;
  float32x4_t acc0[8];
  float32x4_t acc1[8];
  const float32x4_t vbias = vld1q_dup_f32(s->bias);
  s->bias += 1;
  UNROLL for (size_t v = 0; v < 8; v++) {
    acc0[v] = vbias;
    acc1[v] = vdupq_n_f32(0.0f);
  }
  if (nnz >= 4) {
    struct rows4 g = rows4_at(in, d, (int32_t) rs);
    d += 4;
    /* While a group follows the current one, its rows are computed before the current group's
     * FMAs. Two groups per trip, g then h, so that no row pointer is copied between trips. */
    while (nnz >= 8) {
      const struct rows4 h = rows4_at(g.next, d, (int32_t) rs);
      d += 4;
      GROUP_FMA(acc0, acc1, g, w);
      w += 4;
      nnz -= 4;
      if (nnz < 8) {
        g = h;
        break;
      }
      g = rows4_at(h.next, d, (int32_t) rs);
      d += 4;
      GROUP_FMA(acc0, acc1, h, w);
      w += 4;
      nnz -= 4;
    }
    GROUP_FMA(acc0, acc1, g, w);
    w += 4;
    in = g.next;
    nnz -= 4;
  }
  if (nnz >= 2) {
    const float32x2_t vw = vld1_f32(w);
    w += 2;
    FMA_ROW_Q2(acc0, in, 8, vw, 0);
    NEXT_ROW(in, d, rs);
    FMA_ROW_Q2(acc1, in, 8, vw, 1);
    NEXT_ROW(in, d, rs);
    nnz -= 2;
  }
  if (nnz != 0) {
    const float32x4_t vw = vld1q_dup_f32(w);
    w += 1;
    FMA_ROW_QB(acc0, in, 8, vw);
    NEXT_ROW(in, d, rs);
  }
  UNROLL for (size_t v = 0; v < 8; v++) {
    vst1q_f32(out + 4 * v, clampq(vaddq_f32(acc0[v], acc1[v]), c));
  }
  s->input = in;
  s->weights = w;
  s->deltas = d;
}

/* 32 pixels of one channel for in-order cores (Cortex-A53 / A55 / A510 class): the inner loop is
 * written in assembly because its value lies in the instruction order, which an in-order core
 * keeps and GCC does not (it hoists loads and pairs them into ldp q, which Cortex-A55 issues at a
 * third of the rate of single loads). Invariants of the loop:
 *   - every fmla is preceded, 4 pairs earlier, by the ldr q of its input (v16..v23 rotate: vectors
 *     0-3 of a row are loaded during the FMAs of the row before, vectors 4-7 during the row's own
 *     first 4 FMAs), so each load has 4 FMA slots to complete and the core issues one single
 *     ldr q and one fmla per cycle;
 *   - the rows of a group of 4 entries are computed during the group before from one 32-bit load
 *     of its 4 steps (prefix sums times the stride, one madd each, all from the group's first row)
 *     and the only loop-carried address chain is one madd per group;
 *   - two groups per trip with the row and weight registers swapping roles (a0..a3 / b0..b3,
 *     v24 / v25), so no register is copied between groups;
 *   - a group is entered only when the one after it is complete (4 steps and 4 weights exist),
 *     since each group preloads its successor's first row: the last group runs without preload.
 * One set of 8 accumulators: on an in-order core a row takes at least 8 cycles (8 loads on one
 * load pipe), more than the FMA latency. */

/* Registers of the assembly loop besides its operands (all caller-saved, so clobbering them
 * costs no save): the rows of the two groups in flight (a0 is the `in` operand), the word of 4
 * steps and two sign-extended steps. */
#define IO_A1 "x9"
#define IO_A2 "x10"
#define IO_A3 "x11"
#define IO_B0 "x12"
#define IO_B1 "x13"
#define IO_B2 "x14"
#define IO_B3 "x15"
#define IO_WORD_W "w16"
#define IO_WORD "x16"
#define IO_STEP_A "x17"
#define IO_STEP_B "x8"

/* The step in bits [bit, bit + 8) of the word, sign-extended, into `reg`. */
#define IO_STEP(reg, bit) "sbfx " reg ", " IO_WORD ", #" #bit ", #8\n\t"

/* row = prev + step * stride. */
#define IO_NEXT(row, step, prev) "madd " row ", " step ", %[rs], " prev "\n\t"

/* The group in rows r0..r3 with weights `wv`, whose successor starts at row n0: the successor's
 * steps (at d + doff) and weights (at w + woff, into `wn`) are loaded and its rows n1..n3 and
 * the row after it (into r0, free once row 0's loads are issued) computed between the FMAs, one
 * madd per quarter row so that each finds the one before complete. The loop counter is
 * decremented early so that the branch after the group finds its flags set. */
#define IO_GROUP(r0, r1, r2, r3, n0, n1, n2, n3, wv, wn, doff, woff) \
  IO_ROW_LO(r0, wv, 0)                                             \
  "ldr " IO_WORD_W ", [%[d], #" #doff "]\n\t"                      \
  "subs %[left], %[left], #1\n\t"                                  \
  IO_ROW_HI(r1, wv, 0)                                             \
  "ldr " wn ", [%[w], #" #woff "]\n\t"                             \
  IO_ROW_LO(r1, wv, 1)                                             \
  IO_STEP(IO_STEP_A, 0)                                            \
  IO_ROW_HI(r2, wv, 1)                                             \
  IO_NEXT(n1, IO_STEP_A, n0)                                       \
  IO_STEP(IO_STEP_B, 8)                                            \
  IO_ROW_LO(r2, wv, 2)                                             \
  IO_NEXT(n2, IO_STEP_B, n1)                                       \
  IO_STEP(IO_STEP_A, 16)                                            \
  IO_ROW_HI(r3, wv, 2)                                             \
  IO_NEXT(n3, IO_STEP_A, n2)                                       \
  IO_STEP(IO_STEP_B, 24)                                            \
  IO_ROW_LO(r3, wv, 3)                                             \
  IO_NEXT(r0, IO_STEP_B, n3)                                       \
  IO_ROW_HI(n0, wv, 3)

/* Rows r1..r3 of the group starting at r0 and the row after it (n0), from its 4 steps at d. */
#define IO_ROWS_OF_FIRST_GROUP(r0, r1, r2, r3, n0)                 \
  "ldr " IO_WORD_W ", [%[d]], #4\n\t"                              \
  IO_STEP(IO_STEP_A, 0)                                            \
  IO_NEXT(r1, IO_STEP_A, r0)                                       \
  IO_STEP(IO_STEP_A, 8)                                            \
  IO_NEXT(r2, IO_STEP_A, r1)                                       \
  IO_STEP(IO_STEP_A, 16)                                            \
  IO_NEXT(r3, IO_STEP_A, r2)                                       \
  IO_STEP(IO_STEP_A, 24)                                            \
  IO_NEXT(n0, IO_STEP_A, r3)

/* acc[0..8) += the 4 * groups entries at `*in` (groups >= 1); *in, *w and *d move past them. */
INLINE void groups_32x1_inorder(float32x4_t acc[8], const float** in, const float** w, const int8_t** d,
                                size_t rs, size_t groups) {
  float32x4_t c0 = acc[0], c1 = acc[1], c2 = acc[2], c3 = acc[3];
  float32x4_t c4 = acc[4], c5 = acc[5], c6 = acc[6], c7 = acc[7];
  const float* a0 = *in;
  const float* wp = *w;
  const int8_t* dp = *d;
  size_t left = groups - 1; /* groups that follow the current one */
  __asm__ volatile(
      IO_ROWS_OF_FIRST_GROUP("%[a0]", IO_A1, IO_A2, IO_A3, IO_B0)
      "ldr q24, [%[w]], #16\n\t"
      IO_ROW_START("%[a0]")
      IO_GROUP_LOOP(
          IO_GROUP("%[a0]", IO_A1, IO_A2, IO_A3, IO_B0, IO_B1, IO_B2, IO_B3, "v24", "q25", 0, 0),
          IO_GROUP(IO_B0, IO_B1, IO_B2, IO_B3, "%[a0]", IO_A1, IO_A2, IO_A3, "v25", "q24", 4, 16),
          "add %[d], %[d], #8\n\t" "add %[w], %[w], #32\n\t",
          "add %[d], %[d], #4\n\t" "add %[w], %[w], #16\n\t",
          IO_LAST_GROUP("%[a0]", IO_A1, IO_A2, IO_A3, "v24") "mov %[a0], " IO_B0 "\n\t",
          IO_LAST_GROUP(IO_B0, IO_B1, IO_B2, IO_B3, "v25"))
      : [c0] "+w"(c0), [c1] "+w"(c1), [c2] "+w"(c2), [c3] "+w"(c3), [c4] "+w"(c4), [c5] "+w"(c5),
        [c6] "+w"(c6), [c7] "+w"(c7), [a0] "+r"(a0), [w] "+r"(wp), [d] "+r"(dp), [left] "+r"(left)
      : [rs] "r"(rs)
      : "cc", "memory", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", "v16", "v17",
        "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25");
  acc[0] = c0, acc[1] = c1, acc[2] = c2, acc[3] = c3;
  acc[4] = c4, acc[5] = c5, acc[6] = c6, acc[7] = c7;
  *in = a0;
  *w = wp;
  *d = dp;
}

INLINE void channel_32x1_inorder(struct stream* s, uint32_t nnz, float* out, struct clamp c) {
  const float* in = s->input;
  const float* w = s->weights;
  const int8_t* d = s->deltas;
  const size_t rs = s->input_stride;
  float32x4_t acc[8];
  const float32x4_t vbias = vld1q_dup_f32(s->bias);
  s->bias += 1;
  UNROLL for (size_t v = 0; v < 8; v++) {
    acc[v] = vbias;
  }
  if (nnz >= 4) {
    groups_32x1_inorder(acc, &in, &w, &d, rs, nnz / 4);
    nnz %= 4;
  }
  if (nnz >= 2) {
    const float32x2_t vw = vld1_f32(w);
    w += 2;
    FMA_ROW_Q2(acc, in, 8, vw, 0);
    NEXT_ROW(in, d, rs);
    FMA_ROW_Q2(acc, in, 8, vw, 1);
    NEXT_ROW(in, d, rs);
    nnz -= 2;
  }
  if (nnz != 0) {
    const float32x4_t vw = vld1q_dup_f32(w);
    w += 1;
    FMA_ROW_QB(acc, in, 8, vw);
    NEXT_ROW(in, d, rs);
  }
  UNROLL for (size_t v = 0; v < 8; v++) {
    vst1q_f32(out + 4 * v, clampq(acc[v], c));
  }
  s->input = in;
  s->weights = w;
  s->deltas = d;
}

/* ---------------------------------------------------------------------------------------------
 * NR = 2: blocks of 2 channels sharing one delta per column; weights are (ch0, ch1) pairs.
 */

/* mr >= 4 pixels (nv vectors) of a 2-channel block. */
INLINE void block_x2_q(size_t nv, struct stream* s, uint32_t ncols, float* out, size_t stride,
                             struct clamp c) {
  const size_t sets = nv >= 4 ? 1 : 2;
  const float* in = s->input;
  const float* w = s->weights;
  const int8_t* d = s->deltas;
  const size_t rs = s->input_stride;
  float32x4_t acc[2][2][8]; /* [set][channel][vector] */
  const float32x2_t vbias = vld1_f32(s->bias);
  s->bias += 2;
  UNROLL for (size_t v = 0; v < nv; v++) {
    acc[0][0][v] = vdupq_lane_f32(vbias, 0);
    acc[0][1][v] = vdupq_lane_f32(vbias, 1);
    if (sets == 2) {
      acc[1][0][v] = vdupq_n_f32(0.0f);
      acc[1][1][v] = vdupq_n_f32(0.0f);
    }
  }
  /* Two columns per trip (one ldr q of weights), except with 8 vectors: there two columns in
   * flight (16 accumulators + 16 inputs) exceed the register file once the compiler hoists the
   * second column's loads, so that tile takes one column per trip. */
  if (nv < 8) {
    for (; ncols >= 2; ncols -= 2) {
      const float32x4_t vw = vld1q_f32(w); /* column j: lanes 0, 1; column j + 1: lanes 2, 3 */
      w += 4;
      UNROLL for (size_t v = 0; v < nv; v++) {
        const float32x4_t vx = vld1q_f32(in + 4 * v);
        acc[0][0][v] = vfmaq_laneq_f32(acc[0][0][v], vx, vw, 0);
        acc[0][1][v] = vfmaq_laneq_f32(acc[0][1][v], vx, vw, 1);
      }
      NEXT_ROW(in, d, rs);
      UNROLL for (size_t v = 0; v < nv; v++) {
        const float32x4_t vx = vld1q_f32(in + 4 * v);
        acc[sets - 1][0][v] = vfmaq_laneq_f32(acc[sets - 1][0][v], vx, vw, 2);
        acc[sets - 1][1][v] = vfmaq_laneq_f32(acc[sets - 1][1][v], vx, vw, 3);
      }
      NEXT_ROW(in, d, rs);
    }
  }
  for (; ncols != 0; ncols--) {
    const float32x2_t vw = vld1_f32(w);
    w += 2;
    UNROLL for (size_t v = 0; v < nv; v++) {
      const float32x4_t vx = vld1q_f32(in + 4 * v);
      acc[0][0][v] = vfmaq_lane_f32(acc[0][0][v], vx, vw, 0);
      acc[0][1][v] = vfmaq_lane_f32(acc[0][1][v], vx, vw, 1);
    }
    NEXT_ROW(in, d, rs);
  }
  float* out1 = next_channel(out, stride);
  UNROLL for (size_t v = 0; v < nv; v++) {
    float32x4_t sum0 = acc[0][0][v];
    float32x4_t sum1 = acc[0][1][v];
    if (sets == 2) {
      sum0 = vaddq_f32(sum0, acc[1][0][v]);
      sum1 = vaddq_f32(sum1, acc[1][1][v]);
    }
    vst1q_f32(out + 4 * v, clampq(sum0, c));
    vst1q_f32(out1 + 4 * v, clampq(sum1, c));
  }
  s->input = in;
  s->weights = w;
  s->deltas = d;
}

/* 2 pixels of a 2-channel block. */
INLINE void block_x2_d(struct stream* s, uint32_t ncols, float* out, size_t stride, struct clamp c) {
  const float* in = s->input;
  const float* w = s->weights;
  const int8_t* d = s->deltas;
  const size_t rs = s->input_stride;
  const float32x2_t vbias = vld1_f32(s->bias);
  s->bias += 2;
  float32x2_t acc00 = vdup_lane_f32(vbias, 0); /* [set][channel] */
  float32x2_t acc01 = vdup_lane_f32(vbias, 1);
  float32x2_t acc10 = vdup_n_f32(0.0f);
  float32x2_t acc11 = vdup_n_f32(0.0f);
  for (; ncols >= 2; ncols -= 2) {
    const float32x4_t vw = vld1q_f32(w);
    w += 4;
    const float32x2_t vx0 = vld1_f32(in);
    NEXT_ROW(in, d, rs);
    acc00 = vfma_laneq_f32(acc00, vx0, vw, 0);
    acc01 = vfma_laneq_f32(acc01, vx0, vw, 1);
    const float32x2_t vx1 = vld1_f32(in);
    NEXT_ROW(in, d, rs);
    acc10 = vfma_laneq_f32(acc10, vx1, vw, 2);
    acc11 = vfma_laneq_f32(acc11, vx1, vw, 3);
  }
  if (ncols != 0) {
    const float32x2_t vw = vld1_f32(w);
    w += 2;
    const float32x2_t vx = vld1_f32(in);
    NEXT_ROW(in, d, rs);
    acc00 = vfma_lane_f32(acc00, vx, vw, 0);
    acc01 = vfma_lane_f32(acc01, vx, vw, 1);
  }
  vst1_f32(out, clampd(vadd_f32(acc00, acc10), c));
  vst1_f32(next_channel(out, stride), clampd(vadd_f32(acc01, acc11), c));
  s->input = in;
  s->weights = w;
  s->deltas = d;
}

/* 1 pixel of a 2-channel block: the accumulator holds the 2 channels. */
INLINE void block_x2_s(struct stream* s, uint32_t ncols, float* out, size_t stride, struct clamp c) {
  const float* in = s->input;
  const float* w = s->weights;
  const int8_t* d = s->deltas;
  const size_t rs = s->input_stride;
  float32x2_t acc0 = vld1_f32(s->bias);
  float32x2_t acc1 = vdup_n_f32(0.0f);
  s->bias += 2;
  for (; ncols >= 2; ncols -= 2) {
    const float32x4_t vw = vld1q_f32(w);
    w += 4;
    const float x0 = *in;
    NEXT_ROW(in, d, rs);
    const float x1 = *in;
    NEXT_ROW(in, d, rs);
    acc0 = vfma_n_f32(acc0, vget_low_f32(vw), x0);
    acc1 = vfma_n_f32(acc1, vget_high_f32(vw), x1);
  }
  if (ncols != 0) {
    acc0 = vfma_n_f32(acc0, vld1_f32(w), *in);
    w += 2;
    NEXT_ROW(in, d, rs);
  }
  const float32x2_t sum = clampd(vadd_f32(acc0, acc1), c);
  vst1_lane_f32(out, sum, 0);
  vst1_lane_f32(next_channel(out, stride), sum, 1);
  s->input = in;
  s->weights = w;
  s->deltas = d;
}

/* ---------------------------------------------------------------------------------------------
 * NR = 4: blocks of 4 channels sharing one delta per column; one ldr q of weights per column.
 */

/* mr >= 4 pixels (nv <= 4 vectors) of a 4-channel block. */
INLINE void block_x4_q(size_t nv, struct stream* s, uint32_t ncols, float* out, size_t stride,
                             struct clamp c) {
  const float* in = s->input;
  const float* w = s->weights;
  const int8_t* d = s->deltas;
  const size_t rs = s->input_stride;
  float32x4_t acc[4][4]; /* [channel][vector] */
  const float32x4_t vbias = vld1q_f32(s->bias);
  s->bias += 4;
  UNROLL for (size_t v = 0; v < nv; v++) {
    acc[0][v] = vdupq_laneq_f32(vbias, 0);
    acc[1][v] = vdupq_laneq_f32(vbias, 1);
    acc[2][v] = vdupq_laneq_f32(vbias, 2);
    acc[3][v] = vdupq_laneq_f32(vbias, 3);
  }
  for (; ncols != 0; ncols--) {
    const float32x4_t vw = vld1q_f32(w);
    w += 4;
    UNROLL for (size_t v = 0; v < nv; v++) {
      const float32x4_t vx = vld1q_f32(in + 4 * v);
      acc[0][v] = vfmaq_laneq_f32(acc[0][v], vx, vw, 0);
      acc[1][v] = vfmaq_laneq_f32(acc[1][v], vx, vw, 1);
      acc[2][v] = vfmaq_laneq_f32(acc[2][v], vx, vw, 2);
      acc[3][v] = vfmaq_laneq_f32(acc[3][v], vx, vw, 3);
    }
    NEXT_ROW(in, d, rs);
  }
  UNROLL for (size_t n = 0; n < 4; n++) {
    UNROLL for (size_t v = 0; v < nv; v++) {
      vst1q_f32(out + 4 * v, clampq(acc[n][v], c));
    }
    out = next_channel(out, stride);
  }
  s->input = in;
  s->weights = w;
  s->deltas = d;
}

/* 2 pixels of a 4-channel block. */
INLINE void block_x4_d(struct stream* s, uint32_t ncols, float* out, size_t stride, struct clamp c) {
  const float* in = s->input;
  const float* w = s->weights;
  const int8_t* d = s->deltas;
  const size_t rs = s->input_stride;
  const float32x4_t vbias = vld1q_f32(s->bias);
  s->bias += 4;
  float32x2_t acc0 = vdup_laneq_f32(vbias, 0);
  float32x2_t acc1 = vdup_laneq_f32(vbias, 1);
  float32x2_t acc2 = vdup_laneq_f32(vbias, 2);
  float32x2_t acc3 = vdup_laneq_f32(vbias, 3);
  for (; ncols != 0; ncols--) {
    const float32x4_t vw = vld1q_f32(w);
    w += 4;
    const float32x2_t vx = vld1_f32(in);
    NEXT_ROW(in, d, rs);
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
  s->input = in;
  s->weights = w;
  s->deltas = d;
}

/* 1 pixel of a 4-channel block: the accumulators hold the 4 channels. */
INLINE void block_x4_s(struct stream* s, uint32_t ncols, float* out, size_t stride, struct clamp c) {
  const float* in = s->input;
  const float* w = s->weights;
  const int8_t* d = s->deltas;
  const size_t rs = s->input_stride;
  float32x4_t acc0 = vld1q_f32(s->bias);
  float32x4_t acc1 = vdupq_n_f32(0.0f);
  s->bias += 4;
  for (; ncols >= 2; ncols -= 2) {
    const float32x4_t vw0 = vld1q_f32(w);
    const float32x4_t vw1 = vld1q_f32(w + 4);
    w += 8;
    const float x0 = *in;
    NEXT_ROW(in, d, rs);
    const float x1 = *in;
    NEXT_ROW(in, d, rs);
    acc0 = vfmaq_n_f32(acc0, vw0, x0);
    acc1 = vfmaq_n_f32(acc1, vw1, x1);
  }
  if (ncols != 0) {
    acc0 = vfmaq_n_f32(acc0, vld1q_f32(w), *in);
    w += 4;
    NEXT_ROW(in, d, rs);
  }
  const float32x4_t sum = clampq(vaddq_f32(acc0, acc1), c);
  vst1q_lane_f32(out, sum, 0);
  out = next_channel(out, stride);
  vst1q_lane_f32(out, sum, 1);
  out = next_channel(out, stride);
  vst1q_lane_f32(out, sum, 2);
  out = next_channel(out, stride);
  vst1q_lane_f32(out, sum, 3);
  s->input = in;
  s->weights = w;
  s->deltas = d;
}

/* The inner loop of the 32x1 tile: plain (channel_x1_q), rows a group ahead for out-of-order cores,
 * or the assembly loop for in-order cores. */
enum loop32 { loop32_plain, loop32_pipelined, loop32_inorder };

/* ---------------------------------------------------------------------------------------------
 * Drivers. `mr`, `nr` and `loop` are constants at every call site, so each kernel keeps only
 * its own tile code.
 */

INLINE void channel_x1(size_t mr, enum loop32 loop, struct stream* s, uint32_t nnz, float* out,
                             struct clamp c) {
  if (mr == 32 && loop == loop32_pipelined) {
    channel_32x1_pipelined(s, nnz, out, c);
  } else if (mr == 32 && loop == loop32_inorder) {
    channel_32x1_inorder(s, nnz, out, c);
  } else if (mr >= 4) {
    channel_x1_q(mr / 4, s, nnz, out, c);
  } else if (mr == 2) {
    channel_x1_d(s, nnz, out, c);
  } else {
    channel_x1_s(s, nnz, out, c);
  }
}

INLINE void block(size_t mr, size_t nr, struct stream* s, uint32_t ncols, float* out, size_t stride,
                        struct clamp c) {
  if (nr == 2) {
    if (mr >= 4) {
      block_x2_q(mr / 4, s, ncols, out, stride, c);
    } else if (mr == 2) {
      block_x2_d(s, ncols, out, stride, c);
    } else {
      block_x2_s(s, ncols, out, stride, c);
    }
  } else {
    if (mr >= 4) {
      block_x4_q(mr / 4, s, ncols, out, stride, c);
    } else if (mr == 2) {
      block_x4_d(s, ncols, out, stride, c);
    } else {
      block_x4_s(s, ncols, out, stride, c);
    }
  }
}

/* All nc channels for the `mr` pixels starting at input / output. */
INLINE void tile(size_t mr, size_t nr, enum loop32 loop, size_t nc, const float* input, size_t input_stride,
                       const float* bias, const float* weights, const int8_t* deltas, const uint32_t* nnz,
                       float* output, size_t stride, struct clamp c) {
  struct stream s = {input, bias, weights, deltas, input_stride};
  size_t n = 0;
  if (nr > 1) {
    for (; n + nr <= nc; n += nr) {
      block(mr, nr, &s, *nnz++, output, stride, c);
      for (size_t i = 0; i < nr; i++) {
        output = next_channel(output, stride);
      }
    }
  }
  for (; n < nc; n++) {
    channel_x1(mr, loop, &s, *nnz++, output, c);
    output = next_channel(output, stride);
  }
}

/* One out-of-line function per tile shape, so that each inner loop gets the whole register file
 * (inlined together, the remainder tiles' pointers pushed the full tile's loop counters to the
 * stack). */
#define DEFINE_TILE(MR, NR, LOOP, NAME)                                                                     \
  static __attribute__((noinline)) void NAME(size_t nc, const float* input, size_t input_stride,            \
                                             const float* bias, const float* weights,                       \
                                             const int8_t* deltas, const uint32_t* nnz, float* output,     \
                                             size_t stride, const struct sprig_f32_minmax_params* params) { \
    const struct clamp c = {vld1q_dup_f32(&params->min), vld1q_dup_f32(&params->max)};                      \
    tile(MR, NR, LOOP, nc, input, input_stride, bias, weights, deltas, nnz, output, stride, c);        \
  }

DEFINE_TILE(1, 1, loop32_plain, tile_1x1)
DEFINE_TILE(2, 1, loop32_plain, tile_2x1)
DEFINE_TILE(4, 1, loop32_plain, tile_4x1)
DEFINE_TILE(8, 1, loop32_plain, tile_8x1)
DEFINE_TILE(16, 1, loop32_plain, tile_16x1)
DEFINE_TILE(32, 1, loop32_plain, tile_32x1)
DEFINE_TILE(32, 1, loop32_pipelined, tile_32x1_pipelined)
DEFINE_TILE(32, 1, loop32_inorder, tile_32x1_inorder)
DEFINE_TILE(1, 2, loop32_plain, tile_1x2)
DEFINE_TILE(2, 2, loop32_plain, tile_2x2)
DEFINE_TILE(4, 2, loop32_plain, tile_4x2)
DEFINE_TILE(8, 2, loop32_plain, tile_8x2)
DEFINE_TILE(16, 2, loop32_plain, tile_16x2)
DEFINE_TILE(32, 2, loop32_plain, tile_32x2)
DEFINE_TILE(1, 4, loop32_plain, tile_1x4)
DEFINE_TILE(2, 4, loop32_plain, tile_2x4)
DEFINE_TILE(4, 4, loop32_plain, tile_4x4)
DEFINE_TILE(8, 4, loop32_plain, tile_8x4)
DEFINE_TILE(16, 4, loop32_plain, tile_16x4)

#define TILE_ARGS nc, input + p, input_stride, bias, weights, deltas, nnz, output + p, stride, params

/* Runs the (mr, nr) tile at pixel p; mr, nr and loop are constants, so one call remains. */
INLINE void run_tile(size_t mr, size_t nr, enum loop32 loop, size_t p, size_t nc, const float* input,
                           size_t input_stride, const float* bias, const float* weights, const int8_t* deltas,
                           const uint32_t* nnz, float* output,
                           size_t stride, const struct sprig_f32_minmax_params* params) {
  if (nr == 1) {
    switch (mr) {
      case 1: tile_1x1(TILE_ARGS); break;
      case 2: tile_2x1(TILE_ARGS); break;
      case 4: tile_4x1(TILE_ARGS); break;
      case 8: tile_8x1(TILE_ARGS); break;
      case 16: tile_16x1(TILE_ARGS); break;
      case 32:
        if (loop == loop32_pipelined && input_stride <= (size_t) INT32_MAX) { /* int8 x int32 offsets */
          tile_32x1_pipelined(TILE_ARGS);
        } else if (loop == loop32_inorder) {
          tile_32x1_inorder(TILE_ARGS);
        } else {
          tile_32x1(TILE_ARGS);
        }
        break;
    }
  } else if (nr == 2) {
    switch (mr) {
      case 1: tile_1x2(TILE_ARGS); break;
      case 2: tile_2x2(TILE_ARGS); break;
      case 4: tile_4x2(TILE_ARGS); break;
      case 8: tile_8x2(TILE_ARGS); break;
      case 16: tile_16x2(TILE_ARGS); break;
      case 32: tile_32x2(TILE_ARGS); break;
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

/* Tiles of mr pixels, then one each of mr/2, mr/4, ... 1 as the remainder needs. */
INLINE void spmm(size_t mr, size_t nr, enum loop32 loop, size_t mc, size_t nc, const float* input,
                       size_t input_stride, const float* bias, const float* weights, const int8_t* deltas,
                       const uint32_t* nnz, float* output,
                       size_t stride, const struct sprig_f32_minmax_params* params) {
  size_t p = 0;
  for (; p + mr <= mc; p += mr) {
    run_tile(mr, nr, loop, p, nc, input, input_stride, bias, weights, deltas, nnz, output, stride, params);
  }
  /* mc - p < mr here; each smaller tile runs at most once (written out so that every call site
   * has a constant tile, whatever the optimization level decides to unroll). */
  if (mr > 16 && mc - p >= 16) {
    run_tile(16, nr, loop32_plain, p, nc, input, input_stride, bias, weights, deltas, nnz, output, stride, params);
    p += 16;
  }
  if (mr > 8 && mc - p >= 8) {
    run_tile(8, nr, loop32_plain, p, nc, input, input_stride, bias, weights, deltas, nnz, output, stride, params);
    p += 8;
  }
  if (mr > 4 && mc - p >= 4) {
    run_tile(4, nr, loop32_plain, p, nc, input, input_stride, bias, weights, deltas, nnz, output, stride, params);
    p += 4;
  }
  if (mr > 2 && mc - p >= 2) {
    run_tile(2, nr, loop32_plain, p, nc, input, input_stride, bias, weights, deltas, nnz, output, stride, params);
    p += 2;
  }
  if (mr > 1 && mc - p >= 1) {
    run_tile(1, nr, loop32_plain, p, nc, input, input_stride, bias, weights, deltas, nnz, output, stride, params);
  }
}

#define DEFINE_NEONFMA_SPMM(MR, NR, LOOP, SUFFIX)                                                      \
  _Static_assert(((MR) == 4 || (MR) == 8 || (MR) == 16 || (MR) == 32) &&                               \
                     ((NR) == 1 || (NR) == 2 || ((NR) == 4 && (MR) <= 16)) &&                          \
                     ((LOOP) == loop32_plain || ((MR) == 32 && (NR) == 1)),                            \
                 "no neonfma tile for this MR x NR");                                                  \
  void sprig_f32_spmm_minmax_ukernel_##MR##x##NR##__aarch64_neonfma##SUFFIX(                           \
      size_t mc, size_t nc, const float* input, size_t input_stride, const float* bias, const float* weights, \
      const int8_t* input_deltas, const uint32_t* nnz, float* output, size_t output_stride,            \
      const struct sprig_f32_minmax_params* params) {                                                  \
    spmm(MR, NR, LOOP, mc, nc, input, input_stride, bias, weights, input_deltas, nnz, output,          \
         output_stride, params);                                                                       \
  }

DEFINE_NEONFMA_SPMM(4, 1, loop32_plain, )
DEFINE_NEONFMA_SPMM(8, 1, loop32_plain, )
DEFINE_NEONFMA_SPMM(16, 1, loop32_plain, )
DEFINE_NEONFMA_SPMM(32, 1, loop32_plain, )
DEFINE_NEONFMA_SPMM(32, 1, loop32_pipelined, _pipelined)
DEFINE_NEONFMA_SPMM(32, 1, loop32_inorder, _inorder)
DEFINE_NEONFMA_SPMM(8, 2, loop32_plain, )
DEFINE_NEONFMA_SPMM(16, 2, loop32_plain, )
DEFINE_NEONFMA_SPMM(32, 2, loop32_plain, )
DEFINE_NEONFMA_SPMM(8, 4, loop32_plain, )
DEFINE_NEONFMA_SPMM(16, 4, loop32_plain, )
