/*
 * armv7 NEON f32 SpMM microkernels, written once for both armv7 ISAs: armv7-neon.c includes this
 * with ARMV7_FMA 0 (ISA tag neon: vmla.f32, multiply then add, two roundings) and
 * armv7-neonvfpv4.c with ARMV7_FMA 1 (ISA tag neonvfpv4: VFPv4's vfma.f32, one rounding). Not
 * compiled on its own.
 *
 * armv7 has 16 q registers (d0-d31) and no FMA by lane: vmla.f32 q, q, d[x] multiplies by a
 * lane directly, vfma.f32 needs the weight broadcast first (vdup.32 q, d[x], one NEON op per
 * stored weight, shared by the V FMAs of a row). Inner-loop mix of the full MR tile, V = MR / 4
 * vectors of 4 pixels:
 *
 *   MRx1   per nonzero: V input vector loads, V vmla by lane (vfma after a dup), 1/4 vld1 q of
 *          weights (4 weights per load, used by lane), 1 ldrsb of the row step and 1 mla
 *          (pointer += step * row stride). 4x1 keeps 4 accumulator sets (nonzero j feeds
 *          set j % 4), 8x1 2 sets, 16x1 and 32x1 one (4 and 8 vectors), so that 4 or more
 *          independent chains hide the multiply-add latency; the sets are added once per
 *          channel. 32x1: 8 accumulators + the 8 input vectors of a row + weights = 17 q, one
 *          more than armv7 has: the compiler streams the inputs through the 7 free registers.
 *   MRx2   per column: V input loads feed 2V multiply-adds (one per channel); two columns per
 *          trip (one vld1 q of weights) and 2 sets below MR = 16, one column per trip at 16.
 *   MRx4   per column: V input loads feed 4V multiply-adds, one vld1 q of weights; MR <= 8
 *          (4V accumulators).
 *
 * Remainder pixels go through tiles of MR/2, MR/4, ... 1 (float32x2_t for 2 pixels, scalar
 * VFP for 1), so no kernel reads or writes outside [0, mc) of a row (contract:
 * src/sprig/spmm.h). The 1-pixel tiles of NR > 1 kernels keep the block's channels in one vector
 * and multiply it by the input scalar. Leftover nc % NR channels of NR > 1 kernels use the
 * NR = 1 code of the same tile.
 *
 * NEON on armv7 flushes subnormal inputs and results to zero (the VFP scalar code of the
 * 1-pixel tiles does not): a difference of at most 2^-126 per term from the scalar kernels.
 */
#ifndef ARMV7_FMA
#error "armv7-template.h is included by armv7-neon.c / armv7-neonvfpv4.c after they define ARMV7_FMA"
#endif

#include <arm_neon.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <isa/armv7.h>
#include <isa/neon.h>
#include <sprig/spmm.h>

/* Moves `in` to the input row of the next entry (deltas are signed row steps, rows rs bytes apart). */
#define NEXT_ROW(in, d, rs) ((in) = sprig_spmm_next_row((in), *(d)++, (rs)))

/* Where a tile is in the biases and the weight stream, shared by consecutive channels. */
struct stream {
  const float* input;
  const float* bias;
  const float* weights;
  const int8_t* deltas;
  size_t input_stride;
};

/* acc[v] += row[4v .. 4v+4) * wd[lane], for the nv vectors of one input row. The loads walk a
 * pointer: vld1 has no immediate offset, and without the empty asm GCC 12 recomputes every
 * vector's address from the row (an add per load) instead of post-incrementing. */
#define MLA_ROW_LANE(acc, in, nv, wd, lane)                                 \
  do {                                                                      \
    const float* p_ = (in);                                                 \
    UNROLL for (size_t v_ = 0; v_ < (nv); v_++) {                           \
      (acc)[v_] = MLAQ_LANE((acc)[v_], vld1q_f32(p_), (wd), (lane));        \
      p_ += 4;                                                              \
      __asm__("" : "+r"(p_));                                               \
    }                                                                       \
  } while (0)

/* The vector at p, then p moves 4 floats on (a post-increment load, as in MLA_ROW_LANE). */
INLINE float32x4_t load_next(const float** p) {
  const float32x4_t x = vld1q_f32(*p);
  const float* next = *p + 4;
  __asm__("" : "+r"(next));
  *p = next;
  return x;
}

/* ---------------------------------------------------------------------------------------------
 * NR = 1: one output channel at a time.
 */

/* Accumulator sets for nv vectors: at least 4 independent accumulator vectors. */
#define X1_SETS(nv) ((nv) >= 4 ? 1 : 4 / (nv))

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
    const float32x2_t wlo = vget_low_f32(vw);
    const float32x2_t whi = vget_high_f32(vw);
    MLA_ROW_LANE(acc[0], in, nv, wlo, 0);
    NEXT_ROW(in, d, rs);
    MLA_ROW_LANE(acc[1 % sets], in, nv, wlo, 1);
    NEXT_ROW(in, d, rs);
    MLA_ROW_LANE(acc[2 % sets], in, nv, whi, 0);
    NEXT_ROW(in, d, rs);
    MLA_ROW_LANE(acc[3 % sets], in, nv, whi, 1);
    NEXT_ROW(in, d, rs);
  }
  if (nnz >= 2) {
    const float32x2_t vw = vld1_f32(w);
    w += 2;
    MLA_ROW_LANE(acc[0], in, nv, vw, 0);
    NEXT_ROW(in, d, rs);
    MLA_ROW_LANE(acc[1 % sets], in, nv, vw, 1);
    NEXT_ROW(in, d, rs);
    nnz -= 2;
  }
  if (nnz != 0) {
    const float32x4_t vw = vld1q_dup_f32(w);
    w += 1;
    UNROLL for (size_t v = 0; v < nv; v++) {
      acc[2 % sets][v] = MLAQ(acc[2 % sets][v], vld1q_f32(in + 4 * v), vw);
    }
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

/* 2 pixels of one channel: four float32x2_t chains. */
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
    acc0 = MLAD_LANE(acc0, vld1_f32(in), vget_low_f32(vw), 0);
    NEXT_ROW(in, d, rs);
    acc1 = MLAD_LANE(acc1, vld1_f32(in), vget_low_f32(vw), 1);
    NEXT_ROW(in, d, rs);
    acc2 = MLAD_LANE(acc2, vld1_f32(in), vget_high_f32(vw), 0);
    NEXT_ROW(in, d, rs);
    acc3 = MLAD_LANE(acc3, vld1_f32(in), vget_high_f32(vw), 1);
    NEXT_ROW(in, d, rs);
  }
  if (nnz >= 2) {
    const float32x2_t vw = vld1_f32(w);
    w += 2;
    acc0 = MLAD_LANE(acc0, vld1_f32(in), vw, 0);
    NEXT_ROW(in, d, rs);
    acc1 = MLAD_LANE(acc1, vld1_f32(in), vw, 1);
    NEXT_ROW(in, d, rs);
    nnz -= 2;
  }
  if (nnz != 0) {
    acc2 = MLAD(acc2, vld1_f32(in), vld1_dup_f32(w));
    w += 1;
    NEXT_ROW(in, d, rs);
  }
  const float32x2_t sum = vadd_f32(vadd_f32(acc0, acc1), vadd_f32(acc2, acc3));
  vst1_f32(out, clampd(sum, c));
  s->input = in;
  s->weights = w;
  s->deltas = d;
}

/* 1 pixel of one channel: four scalar (VFP) chains. */
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
    acc0 = MLAS(acc0, w[0], *in);
    NEXT_ROW(in, d, rs);
    acc1 = MLAS(acc1, w[1], *in);
    NEXT_ROW(in, d, rs);
    acc2 = MLAS(acc2, w[2], *in);
    NEXT_ROW(in, d, rs);
    acc3 = MLAS(acc3, w[3], *in);
    NEXT_ROW(in, d, rs);
    w += 4;
  }
  if (nnz >= 2) {
    acc0 = MLAS(acc0, w[0], *in);
    NEXT_ROW(in, d, rs);
    acc1 = MLAS(acc1, w[1], *in);
    NEXT_ROW(in, d, rs);
    w += 2;
    nnz -= 2;
  }
  if (nnz != 0) {
    acc2 = MLAS(acc2, *w, *in);
    w += 1;
    NEXT_ROW(in, d, rs);
  }
  *out = clamps((acc0 + acc1) + (acc2 + acc3), c);
  s->input = in;
  s->weights = w;
  s->deltas = d;
}

/* ---------------------------------------------------------------------------------------------
 * NR = 2: blocks of 2 channels sharing one delta per column; weights are (ch0, ch1) pairs.
 */

/* mr >= 4 pixels (nv <= 4 vectors) of a 2-channel block. */
INLINE void block_x2_q(size_t nv, struct stream* s, uint32_t ncols, float* out, size_t stride, struct clamp c) {
  const size_t sets = nv >= 4 ? 1 : 2;
  const float* in = s->input;
  const float* w = s->weights;
  const int8_t* d = s->deltas;
  const size_t rs = s->input_stride;
  float32x4_t acc[2][2][4]; /* [set][channel][vector] */
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
  /* Two columns per trip below 4 vectors (16 accumulators + inputs would not fit at 4). */
  if (nv < 4) {
    for (; ncols >= 2; ncols -= 2) {
      const float32x4_t vw = vld1q_f32(w); /* column j: low half; column j + 1: high half */
      w += 4;
      const float32x2_t wlo = vget_low_f32(vw);
      const float32x2_t whi = vget_high_f32(vw);
      const float* p = in;
      UNROLL for (size_t v = 0; v < nv; v++) {
        const float32x4_t vx = load_next(&p);
        acc[0][0][v] = MLAQ_LANE(acc[0][0][v], vx, wlo, 0);
        acc[0][1][v] = MLAQ_LANE(acc[0][1][v], vx, wlo, 1);
      }
      NEXT_ROW(in, d, rs);
      p = in;
      UNROLL for (size_t v = 0; v < nv; v++) {
        const float32x4_t vx = load_next(&p);
        acc[sets - 1][0][v] = MLAQ_LANE(acc[sets - 1][0][v], vx, whi, 0);
        acc[sets - 1][1][v] = MLAQ_LANE(acc[sets - 1][1][v], vx, whi, 1);
      }
      NEXT_ROW(in, d, rs);
    }
  }
  for (; ncols != 0; ncols--) {
    const float32x2_t vw = vld1_f32(w);
    w += 2;
    const float* p = in;
    UNROLL for (size_t v = 0; v < nv; v++) {
      const float32x4_t vx = load_next(&p);
      acc[0][0][v] = MLAQ_LANE(acc[0][0][v], vx, vw, 0);
      acc[0][1][v] = MLAQ_LANE(acc[0][1][v], vx, vw, 1);
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
    const float32x2_t x0 = vld1_f32(in);
    NEXT_ROW(in, d, rs);
    const float32x2_t x1 = vld1_f32(in);
    NEXT_ROW(in, d, rs);
    acc00 = MLAD_LANE(acc00, x0, vget_low_f32(vw), 0);
    acc01 = MLAD_LANE(acc01, x0, vget_low_f32(vw), 1);
    acc10 = MLAD_LANE(acc10, x1, vget_high_f32(vw), 0);
    acc11 = MLAD_LANE(acc11, x1, vget_high_f32(vw), 1);
  }
  if (ncols != 0) {
    const float32x2_t vw = vld1_f32(w);
    w += 2;
    const float32x2_t vx = vld1_f32(in);
    NEXT_ROW(in, d, rs);
    acc00 = MLAD_LANE(acc00, vx, vw, 0);
    acc01 = MLAD_LANE(acc01, vx, vw, 1);
  }
  vst1_f32(out, clampd(vadd_f32(acc00, acc10), c));
  vst1_f32(next_channel(out, stride), clampd(vadd_f32(acc01, acc11), c));
  s->input = in;
  s->weights = w;
  s->deltas = d;
}

/* 1 pixel of a 2-channel block: the accumulators hold the 2 channels. */
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
    acc0 = MLAD_N(acc0, vget_low_f32(vw), x0);
    acc1 = MLAD_N(acc1, vget_high_f32(vw), x1);
  }
  if (ncols != 0) {
    acc0 = MLAD_N(acc0, vld1_f32(w), *in);
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
 * NR = 4: blocks of 4 channels sharing one delta per column; one vld1 q of weights per column.
 */

/* mr >= 4 pixels (nv <= 2 vectors) of a 4-channel block. */
INLINE void block_x4_q(size_t nv, struct stream* s, uint32_t ncols, float* out, size_t stride, struct clamp c) {
  const float* in = s->input;
  const float* w = s->weights;
  const int8_t* d = s->deltas;
  const size_t rs = s->input_stride;
  float32x4_t acc[4][2]; /* [channel][vector] */
  const float32x4_t vbias = vld1q_f32(s->bias);
  s->bias += 4;
  UNROLL for (size_t v = 0; v < nv; v++) {
    acc[0][v] = vdupq_lane_f32(vget_low_f32(vbias), 0);
    acc[1][v] = vdupq_lane_f32(vget_low_f32(vbias), 1);
    acc[2][v] = vdupq_lane_f32(vget_high_f32(vbias), 0);
    acc[3][v] = vdupq_lane_f32(vget_high_f32(vbias), 1);
  }
  for (; ncols != 0; ncols--) {
    const float32x4_t vw = vld1q_f32(w);
    w += 4;
    const float32x2_t wlo = vget_low_f32(vw);
    const float32x2_t whi = vget_high_f32(vw);
    const float* p = in;
    UNROLL for (size_t v = 0; v < nv; v++) {
      const float32x4_t vx = load_next(&p);
      acc[0][v] = MLAQ_LANE(acc[0][v], vx, wlo, 0);
      acc[1][v] = MLAQ_LANE(acc[1][v], vx, wlo, 1);
      acc[2][v] = MLAQ_LANE(acc[2][v], vx, whi, 0);
      acc[3][v] = MLAQ_LANE(acc[3][v], vx, whi, 1);
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
  float32x2_t acc0 = vdup_lane_f32(vget_low_f32(vbias), 0);
  float32x2_t acc1 = vdup_lane_f32(vget_low_f32(vbias), 1);
  float32x2_t acc2 = vdup_lane_f32(vget_high_f32(vbias), 0);
  float32x2_t acc3 = vdup_lane_f32(vget_high_f32(vbias), 1);
  for (; ncols != 0; ncols--) {
    const float32x4_t vw = vld1q_f32(w);
    w += 4;
    const float32x2_t vx = vld1_f32(in);
    NEXT_ROW(in, d, rs);
    acc0 = MLAD_LANE(acc0, vx, vget_low_f32(vw), 0);
    acc1 = MLAD_LANE(acc1, vx, vget_low_f32(vw), 1);
    acc2 = MLAD_LANE(acc2, vx, vget_high_f32(vw), 0);
    acc3 = MLAD_LANE(acc3, vx, vget_high_f32(vw), 1);
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
    acc0 = MLAQ_N(acc0, vw0, x0);
    acc1 = MLAQ_N(acc1, vw1, x1);
  }
  if (ncols != 0) {
    acc0 = MLAQ_N(acc0, vld1q_f32(w), *in);
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

/* ---------------------------------------------------------------------------------------------
 * Drivers. `mr` and `nr` are constants at every call site, so each kernel keeps only its own
 * tile code.
 */

INLINE void channel_x1(size_t mr, struct stream* s, uint32_t nnz, float* out, struct clamp c) {
  if (mr >= 4) {
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
INLINE void tile(size_t mr, size_t nr, size_t nc, const float* input, size_t input_stride, const float* bias,
                 const float* weights, const int8_t* deltas, const uint32_t* nnz, float* output, size_t stride,
                 struct clamp c) {
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
    channel_x1(mr, &s, *nnz++, output, c);
    output = next_channel(output, stride);
  }
}

/* One out-of-line function per tile shape, so that each inner loop gets the whole register file. */
#define DEFINE_TILE(MR, NR)                                                                                  \
  static __attribute__((noinline)) void tile_##MR##x##NR(                                                   \
      size_t nc, const float* input, size_t input_stride, const float* bias, const float* weights,           \
      const int8_t* deltas, const uint32_t* nnz, float* output, size_t stride,                               \
      const struct sprig_f32_minmax_params* params) {                                                        \
    const struct clamp c = {vld1q_dup_f32(&params->min), vld1q_dup_f32(&params->max)};                       \
    tile(MR, NR, nc, input, input_stride, bias, weights, deltas, nnz, output, stride, c);                    \
  }

DEFINE_TILE(1, 1)
DEFINE_TILE(2, 1)
DEFINE_TILE(4, 1)
DEFINE_TILE(8, 1)
DEFINE_TILE(16, 1)
DEFINE_TILE(32, 1)
DEFINE_TILE(1, 2)
DEFINE_TILE(2, 2)
DEFINE_TILE(4, 2)
DEFINE_TILE(8, 2)
DEFINE_TILE(16, 2)
DEFINE_TILE(1, 4)
DEFINE_TILE(2, 4)
DEFINE_TILE(4, 4)
DEFINE_TILE(8, 4)

#define TILE_ARGS nc, input + p, input_stride, bias, weights, deltas, nnz, output + p, stride, params

/* Runs the (mr, nr) tile at pixel p; mr and nr are constants, so one call remains. */
INLINE void run_tile(size_t mr, size_t nr, size_t p, size_t nc, const float* input, size_t input_stride,
                     const float* bias, const float* weights, const int8_t* deltas, const uint32_t* nnz,
                     float* output, size_t stride, const struct sprig_f32_minmax_params* params) {
  if (nr == 1) {
    switch (mr) {
      case 1: tile_1x1(TILE_ARGS); break;
      case 2: tile_2x1(TILE_ARGS); break;
      case 4: tile_4x1(TILE_ARGS); break;
      case 8: tile_8x1(TILE_ARGS); break;
      case 16: tile_16x1(TILE_ARGS); break;
      case 32: tile_32x1(TILE_ARGS); break;
    }
  } else if (nr == 2) {
    switch (mr) {
      case 1: tile_1x2(TILE_ARGS); break;
      case 2: tile_2x2(TILE_ARGS); break;
      case 4: tile_4x2(TILE_ARGS); break;
      case 8: tile_8x2(TILE_ARGS); break;
      case 16: tile_16x2(TILE_ARGS); break;
    }
  } else {
    switch (mr) {
      case 1: tile_1x4(TILE_ARGS); break;
      case 2: tile_2x4(TILE_ARGS); break;
      case 4: tile_4x4(TILE_ARGS); break;
      case 8: tile_8x4(TILE_ARGS); break;
    }
  }
}

#undef TILE_ARGS

/* Tiles of mr pixels, then one each of mr/2, mr/4, ... 1 as the remainder needs. */
INLINE void spmm(size_t mr, size_t nr, size_t mc, size_t nc, const float* input, size_t input_stride,
                 const float* bias, const float* weights, const int8_t* deltas, const uint32_t* nnz, float* output,
                 size_t stride, const struct sprig_f32_minmax_params* params) {
  size_t p = 0;
  for (; p + mr <= mc; p += mr) {
    run_tile(mr, nr, p, nc, input, input_stride, bias, weights, deltas, nnz, output, stride, params);
  }
  /* mc - p < mr here; each smaller tile runs at most once. */
  if (mr > 16 && mc - p >= 16) {
    run_tile(16, nr, p, nc, input, input_stride, bias, weights, deltas, nnz, output, stride, params);
    p += 16;
  }
  if (mr > 8 && mc - p >= 8) {
    run_tile(8, nr, p, nc, input, input_stride, bias, weights, deltas, nnz, output, stride, params);
    p += 8;
  }
  if (mr > 4 && mc - p >= 4) {
    run_tile(4, nr, p, nc, input, input_stride, bias, weights, deltas, nnz, output, stride, params);
    p += 4;
  }
  if (mr > 2 && mc - p >= 2) {
    run_tile(2, nr, p, nc, input, input_stride, bias, weights, deltas, nnz, output, stride, params);
    p += 2;
  }
  if (mr > 1 && mc - p >= 1) {
    run_tile(1, nr, p, nc, input, input_stride, bias, weights, deltas, nnz, output, stride, params);
  }
}

/* The exported kernel sprig_f32_spmm_minmax_ukernel_<MR>x<NR>__<NAME>. */
#define DEFINE_ARMV7_SPMM(MR, NR, NAME)                                                                       \
  _Static_assert(((MR) == 4 || (MR) == 8 || (MR) == 16 || (MR) == 32) &&                                      \
                     ((NR) == 1 || ((NR) == 2 && (MR) <= 16) || ((NR) == 4 && (MR) <= 8)),                    \
                 "no armv7 tile for this MR x NR");                                                           \
  void sprig_f32_spmm_minmax_ukernel_##MR##x##NR##__##NAME(                                                   \
      size_t mc, size_t nc, const float* input, size_t input_stride, const float* bias, const float* weights, \
      const int8_t* input_deltas, const uint32_t* nnz, float* output, size_t output_stride,                   \
      const struct sprig_f32_minmax_params* params) {                                                         \
    spmm(MR, NR, mc, nc, input, input_stride, bias, weights, input_deltas, nnz, output, output_stride, params); \
  }
