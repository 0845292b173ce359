/*
 * armv7 NEON f32 N:M SpMM microkernels, written once for both armv7 ISAs: armv7-neon.c includes
 * this with ARMV7_FMA 0 (ISA tag neon: vmla.f32) and armv7-neonvfpv4.c with ARMV7_FMA 1 (ISA tag
 * neonvfpv4: vfma.f32, after a vdup of the weight: armv7 has no FMA by lane). Not compiled on
 * its own. Contract: src/sprig/nmspmm.h.
 *
 * Per stored weight: 1 ldrb of the in-run index, 1 mla for the row address (run base + index *
 * row stride), V = MR / 4 post-incremented vld1 q of the row, V multiply-adds by lane, 1/4 vld1 q
 * of weights (4 slots per trip, used by lane). n == 1, 2 and 4 (1:m, 2:m, 4:m) take 4 slots from
 * 4 / n runs per trip; other n go run by run, 4 slots at a time, then 2, then 1. One accumulator
 * per vector, so the sum order is bias + w0*x0 + w1*x1 ... as in the scalar kernel.
 *
 * K-blocking: every channel of a tile re-reads the tile's rows, so the runs are cut into blocks
 * whose rows (MR floats, at least a 64-byte line each) fit in 16 KiB, half of a Cortex-A7 / A9 /
 * A15 L1d. All channels finish a block before the next starts; between blocks the unclamped
 * partial sums wait in the output row (first block: from the bias; last: clamped). Storing and
 * reloading a float is exact and each accumulator's sum order is unchanged, so the result is
 * bitwise that of one pass.
 *
 * Remainder pixels: tiles of MR/2, ... 4, then a float32x2_t tile for 2 pixels, then the scalar
 * 1x1 kernel for the last one; nothing outside [0, mc) of a row is read or written.
 */
#ifndef ARMV7_FMA
#error "armv7-template.h is included by armv7-neon.c / armv7-neonvfpv4.c after they define ARMV7_FMA"
#endif

#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <isa/armv7.h>
#include <isa/neon.h>
#include <sprig/nmspmm.h>

/* The layout of a call, shared by all tiles. */
struct layout {
  size_t groups;
  size_t n;
  size_t m;
  size_t row_stride;    /* bytes between input rows */
  size_t group_stride;  /* bytes between runs: m * row_stride */
  size_t output_stride; /* bytes between output channels */
};

/* One K-block: `groups` consecutive runs. */
struct k_block {
  size_t groups;
  int first; /* start from the bias (else from the partial sums in the output row) */
  int last;  /* clamp (else store the partial sums) */
};

#define NM_K_BLOCK_BYTES 16384
#define NM_CACHE_LINE 64

/* Runs per K-block for an mr-pixel tile: at least 1, a multiple of 4 from 4 on (whole trips for
 * n == 1 and 2). */
INLINE size_t k_block_groups(size_t mr, size_t m) {
  const size_t row_bytes = mr * sizeof(float) < NM_CACHE_LINE ? NM_CACHE_LINE : mr * sizeof(float);
  const size_t groups = NM_K_BLOCK_BYTES / row_bytes / m;
  if (groups == 0) {
    return 1;
  }
  return groups >= 4 ? groups - groups % 4 : groups;
}

/* Accumulators of one channel: q[0 .. mr/4) for mr >= 4, d for mr == 2. */
struct acc {
  float32x4_t q[8];
  float32x2_t d;
};

/* The vector at p, then p moves 4 floats on (post-increment: vld1 has no immediate offset, and
 * without the empty asm GCC 12 recomputes each vector's address from the row). */
INLINE float32x4_t load_next(const float** p) {
  const float32x4_t x = vld1q_f32(*p);
  const float* next = *p + 4;
  __asm__("" : "+r"(next));
  *p = next;
  return x;
}

/* acc += row[0 .. mr) * wd[lane]. */
INLINE void mla_row(size_t mr, struct acc* a, const float* row, float32x2_t wd, int lane) {
  if (mr >= 4) {
    const float* p = row;
    UNROLL for (size_t v = 0; v < mr / 4; v++) {
      a->q[v] = lane == 0 ? MLAQ_LANE(a->q[v], load_next(&p), wd, 0) : MLAQ_LANE(a->q[v], load_next(&p), wd, 1);
    }
  } else {
    a->d = lane == 0 ? MLAD_LANE(a->d, vld1_f32(row), wd, 0) : MLAD_LANE(a->d, vld1_f32(row), wd, 1);
  }
}

/* The input row of in-run index i of the run starting at `run` (an address). */
INLINE const float* row_at(uintptr_t run, uint8_t i, size_t row_stride) {
  return (const float*) (run + (uintptr_t) i * row_stride);
}

/* Slots w[0 .. 4) times rows r0 .. r3, in that order. */
INLINE void mla4(size_t mr, struct acc* a, const float* w, const float* r0, const float* r1, const float* r2,
                 const float* r3) {
  const float32x4_t vw = vld1q_f32(w);
  mla_row(mr, a, r0, vget_low_f32(vw), 0);
  mla_row(mr, a, r1, vget_low_f32(vw), 1);
  mla_row(mr, a, r2, vget_high_f32(vw), 0);
  mla_row(mr, a, r3, vget_high_f32(vw), 1);
}

/* Slots w[0 .. 2) times rows r0, r1. */
INLINE void mla2(size_t mr, struct acc* a, const float* w, const float* r0, const float* r1) {
  const float32x2_t vw = vld1_f32(w);
  mla_row(mr, a, r0, vw, 0);
  mla_row(mr, a, r1, vw, 1);
}

/* Slot w[0] times row r0. */
INLINE void mla1(size_t mr, struct acc* a, const float* w, const float* r0) {
  mla_row(mr, a, r0, vld1_dup_f32(w), 0);
}

/* `groups` runs from `run` on with n == nn (1, 2 or 4): 4 slots from 4 / nn runs per trip, then
 * the slots of the 0 to 3 runs left (nn < 4). */
INLINE void runs_short(size_t mr, size_t nn, struct acc* a, const struct layout* l, size_t groups,
                       const float* w, const uint8_t* ix, uintptr_t run) {
  const size_t rs = l->row_stride;
  const size_t gs = l->group_stride;
  const size_t per_trip = 4 / nn;
  for (size_t t = groups / per_trip; t != 0; t--) {
    mla4(mr, a, w, row_at(run, ix[0], rs), row_at(run + (1 / nn) * gs, ix[1], rs),
         row_at(run + (2 / nn) * gs, ix[2], rs), row_at(run + (3 / nn) * gs, ix[3], rs));
    w += 4;
    ix += 4;
    run += per_trip * gs;
  }
  const size_t left = (groups % per_trip) * nn; /* 0 to 3 slots */
  if (left >= 2) {
    mla2(mr, a, w, row_at(run, ix[0], rs), row_at(run + (1 / nn) * gs, ix[1], rs));
    w += 2;
    ix += 2;
    run += (2 / nn) * gs;
  }
  if (left & 1) {
    mla1(mr, a, w, row_at(run, ix[0], rs));
  }
}

/* Any n: run by run, 4 slots at a time, then 2, then 1. */
INLINE void runs_any(size_t mr, struct acc* a, const struct layout* l, size_t groups, const float* w,
                     const uint8_t* ix, uintptr_t run) {
  const size_t rs = l->row_stride;
  const size_t n = l->n;
  for (size_t g = groups; g != 0; g--) {
    size_t j = n;
    for (; j >= 4; j -= 4) {
      mla4(mr, a, w, row_at(run, ix[0], rs), row_at(run, ix[1], rs), row_at(run, ix[2], rs),
           row_at(run, ix[3], rs));
      w += 4;
      ix += 4;
    }
    if (j >= 2) {
      mla2(mr, a, w, row_at(run, ix[0], rs), row_at(run, ix[1], rs));
      w += 2;
      ix += 2;
    }
    if (j & 1) {
      mla1(mr, a, w, row_at(run, ix[0], rs));
      w += 1;
      ix += 1;
    }
    run += l->group_stride;
  }
}

/* One K-block of all nc channels of an mr-pixel tile (mr >= 2), n == nn (1, 2, 4) or any
 * (nn == 0). w / ix: channel 0's first slot of the block; run: the block's first run, pixel 0. */
INLINE void channels(size_t mr, size_t nn, const struct layout* l, const struct k_block* kb, size_t nc,
                     uintptr_t run, const float* bias, const float* w, const uint8_t* ix, float* out,
                     struct clamp c) {
  const size_t slots = l->groups * l->n;
  for (size_t ch = 0; ch < nc; ch++) {
    struct acc a;
    if (mr >= 4) {
      UNROLL for (size_t v = 0; v < mr / 4; v++) {
        a.q[v] = kb->first ? vld1q_dup_f32(bias + ch) : vld1q_f32(out + 4 * v);
      }
    } else {
      a.d = kb->first ? vld1_dup_f32(bias + ch) : vld1_f32(out);
    }
    if (nn != 0) {
      runs_short(mr, nn, &a, l, kb->groups, w, ix, run);
    } else {
      runs_any(mr, &a, l, kb->groups, w, ix, run);
    }
    if (mr >= 4) {
      UNROLL for (size_t v = 0; v < mr / 4; v++) {
        vst1q_f32(out + 4 * v, kb->last ? clampq(a.q[v], c) : a.q[v]);
      }
    } else {
      vst1_f32(out, kb->last ? clampd(a.d, c) : a.d);
    }
    w += slots;
    ix += slots;
    out = next_channel(out, l->output_stride);
  }
}

/* One out-of-line function per tile width, so that each inner loop gets the registers. */
#define DEFINE_TILE(MR)                                                                                  \
  static __attribute__((noinline)) void tile_##MR(const struct layout* l, const struct k_block* kb,      \
                                                  size_t nc, uintptr_t run, const float* bias,           \
                                                  const float* w, const uint8_t* ix, float* out,         \
                                                  const struct sprig_f32_minmax_params* params) {        \
    const struct clamp c = {vld1q_dup_f32(&params->min), vld1q_dup_f32(&params->max)};                   \
    switch (l->n) {                                                                                      \
      case 1: channels(MR, 1, l, kb, nc, run, bias, w, ix, out, c); break;                              \
      case 2: channels(MR, 2, l, kb, nc, run, bias, w, ix, out, c); break;                              \
      case 4: channels(MR, 4, l, kb, nc, run, bias, w, ix, out, c); break;                              \
      default: channels(MR, 0, l, kb, nc, run, bias, w, ix, out, c); break;                             \
    }                                                                                                    \
  }

DEFINE_TILE(2)
DEFINE_TILE(4)
DEFINE_TILE(8)
DEFINE_TILE(16)
DEFINE_TILE(32)

/* The mr-pixel tile (mr >= 2) at pixel p, K-block by K-block. At least one K-block, so that
 * groups == 0 still stores the clamped bias. */
INLINE void run_tile(size_t mr, size_t p, const struct layout* l, size_t nc, const float* input, const float* bias,
                     const float* weights, const uint8_t* indices, float* output,
                     const struct sprig_f32_minmax_params* params) {
  const size_t block_groups = k_block_groups(mr, l->m);
  size_t g = 0;
  do {
    const size_t left = l->groups - g;
    const struct k_block kb = {left < block_groups ? left : block_groups, g == 0, left <= block_groups};
    const uintptr_t run = (uintptr_t) (input + p) + g * l->group_stride;
    const float* w = weights + g * l->n;
    const uint8_t* ix = indices + g * l->n;
    switch (mr) {
      case 2: tile_2(l, &kb, nc, run, bias, w, ix, output + p, params); break;
      case 4: tile_4(l, &kb, nc, run, bias, w, ix, output + p, params); break;
      case 8: tile_8(l, &kb, nc, run, bias, w, ix, output + p, params); break;
      case 16: tile_16(l, &kb, nc, run, bias, w, ix, output + p, params); break;
      case 32: tile_32(l, &kb, nc, run, bias, w, ix, output + p, params); break;
    }
    g += kb.groups;
  } while (g < l->groups);
}

/* Tiles of mr pixels, then one each of mr/2, ... 2, then the scalar kernel for a last pixel. */
INLINE void nmspmm(size_t mr, size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input,
                   size_t row_stride, const float* bias, const float* weights, const uint8_t* indices, float* output,
                   size_t output_stride, const struct sprig_f32_minmax_params* params) {
  const struct layout l = {groups, n, m, row_stride, m * row_stride, output_stride};
  size_t p = 0;
  for (; p + mr <= mc; p += mr) {
    run_tile(mr, p, &l, nc, input, bias, weights, indices, output, params);
  }
  if (mr > 16 && mc - p >= 16) {
    run_tile(16, p, &l, nc, input, bias, weights, indices, output, params);
    p += 16;
  }
  if (mr > 8 && mc - p >= 8) {
    run_tile(8, p, &l, nc, input, bias, weights, indices, output, params);
    p += 8;
  }
  if (mr > 4 && mc - p >= 4) {
    run_tile(4, p, &l, nc, input, bias, weights, indices, output, params);
    p += 4;
  }
  if (mc - p >= 2) {
    run_tile(2, p, &l, nc, input, bias, weights, indices, output, params);
    p += 2;
  }
  if (mc - p == 1) {
    sprig_f32_nmspmm_minmax_ukernel_1x1__scalar(1, nc, groups, n, m, input + p, row_stride, bias, weights, indices,
                                                output + p, output_stride, params);
  }
}

/* The exported kernel sprig_f32_nmspmm_minmax_ukernel_<MR>x1__<NAME>. */
#define DEFINE_ARMV7_NMSPMM(MR, NAME)                                                                      \
  _Static_assert((MR) == 4 || (MR) == 8 || (MR) == 16 || (MR) == 32, "no armv7 N:M tile for this MR");    \
  void sprig_f32_nmspmm_minmax_ukernel_##MR##x1__##NAME(                                                   \
      size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t row_stride,      \
      const float* bias, const float* weights, const uint8_t* indices, float* output, size_t output_stride, \
      const struct sprig_f32_minmax_params* params) {                                                      \
    nmspmm(MR, mc, nc, groups, n, m, input, row_stride, bias, weights, indices, output, output_stride, params); \
  }

/*
 * 1x1 and nmspmv: one pixel per input row (matrix-vector products: linear layers), vectorized
 * over the stored weights, on B = 1 .. 4 input vectors at once (1x1: B = 1; nmspmv: the batch in
 * groups of 4, then one group of the 1 .. 3 left). Taken when each vector's rows are contiguous
 * floats (1x1: mc == 1, row_stride 4) and R runs fill P pairs of slots within 8 rows (R * n =
 * 2 * P, R * m <= 8; the largest such R): a step picks its inputs from a 32-byte table, the 8
 * floats from its first run's row 0 on (one vld1 of 4 d registers per vector), with vtbl of 4 d
 * registers, armv7's widest lookup: 2 floats (a pair of slots) per vtbl. A trip takes U steps,
 * T = U * P pairs (P = 1: U = 4, 1:4, 2:8, 1:3; P = 2: U = 2, 2:4, 4:8, 1:2, 2:3; P = 3: U = 1,
 * 3:4, 6:8, T = 3; P = 4: U = 1, n == m). Per trip: one d register of 2 * T index bytes scaled
 * by 4 (vshl); per pair a vtbl of 1 register spreads its two index bytes to the 4 bytes of their
 * lanes and a vadd of the constant 4 * run base + {0, 1, 2, 3} makes its byte indices; those and
 * the trip's 2 * T weights (vld1 q) serve all B vectors. Per vector: its U tables, and per pair
 * one vtbl of 4 registers and one multiply-add of d registers (B = 1: one accumulator per pair,
 * B > 1: two per vector, within the 16 q registers).
 * Counts per trip of 8 slots, B = 1 (P = 2, GCC 12): 2 vld1 q of weights, 2 vld1 tables, 1 vld1 d
 * of index bytes, 1 vshl, 4 vtbl + 4 vadd (byte indices), 4 vtbl of 4 registers, 4 vmla d, and
 * the pointer and counter updates (docs/neon-mca.md has the cycles).
 * Trips stop where their tables would pass the last full run ((groups - 1) * m: only rows that
 * surely exist are read, in each vector); the slots left take a scalar loop with four sums per
 * vector. Other patterns (1:8, 3:8, m = 16, ...) go to the scalar kernels (1x1: also other
 * strides and pixel counts).
 */

#define MV_TABLE_FLOATS 8
#define MV_GROUP_SLOTS 2
#include "neon-mv.h"

/* The first `count` (6 or 8, a constant) index bytes at p, in the low lanes of a d register;
 * nothing past them is read (the last channel's indices may end there). */
INLINE uint8x8_t mv_index_bytes(const uint8_t* p, size_t count) {
  if (count == 8) {
    return vld1_u8(p);
  }
  uint64_t bytes = 0;
  memcpy(&bytes, p, 6);
  return vcreate_u8(bytes);
}

/* Per pair k of a trip: spread[k] copies index bytes 2k, 2k + 1 to the four bytes of lanes 0 and
 * 1; base[k] holds each lane's run offset in its step's table, in bytes, plus {0, 1, 2, 3}. */
struct mv_consts {
  uint8x8_t spread[4];
  uint8x8_t base[4];
};

INLINE void mv_consts_init(size_t pairs, size_t step_pairs, size_t n, size_t m, struct mv_consts* k) {
  uint8_t bytes[8];
  for (size_t p = 0; p < pairs; p++) {
    for (size_t b = 0; b < 8; b++) {
      bytes[b] = (uint8_t) (2 * p + b / 4);
    }
    k->spread[p] = vld1_u8(bytes);
    for (size_t b = 0; b < 8; b++) {
      const size_t slot = 2 * (p % step_pairs) + b / 4; /* in its step */
      bytes[b] = (uint8_t) (sizeof(float) * ((slot / n) * m) + b % 4);
    }
    k->base[p] = vld1_u8(bytes);
  }
}

/* The 8 floats at x as a table of 4 d registers. GCC (no vld1_u8_x4 for armv7): one vld1 into
 * the four registers vtbl reads (%h: a register list). Clang: two q loads (its vld1_u8_x4 claims
 * 32-byte alignment, which x does not have). */
INLINE uint8x8x4_t mv_table(const float* x) {
#if defined(__GNUC__) && !defined(__clang__)
  uint8x8x4_t table;
  __asm__("vld1.8 %h0, [%1]" : "=w"(table) : "r"(x), "m"(*(const uint8_t(*)[32]) x));
#else
  const uint8x16_t lo = vld1q_u8((const uint8_t*) x);
  const uint8x16_t hi = vld1q_u8((const uint8_t*) x + 16);
  const uint8x8x4_t table = {{vget_low_u8(lo), vget_high_u8(lo), vget_low_u8(hi), vget_high_u8(hi)}};
#endif
  return table;
}

/* One input vector's sums, per pair of slots (d registers: a q multiply-add would need the two
 * pairs' picks moved next to each other first): B = 1 pair p into d[p], B > 1 into d[p % 2]. */
struct mv_acc {
  float32x2_t d[4];
};

INLINE size_t mv_accumulator(size_t vectors, size_t p) {
  return vectors == 1 ? p : p % 2;
}

/* One trip of T = pairs pairs (steps of step_pairs pairs, step_rows rows) on `vectors` vectors:
 * byte indices from the index bytes at ix, weights at w, vector 0's rows at x. */
INLINE void mv_trip(size_t vectors, size_t pairs, size_t step_pairs, size_t step_rows, struct mv_acc* acc,
                    const uint8_t* ix, const float* w, const float* x, size_t input_stride,
                    const struct mv_consts* k) {
  const uint8x8_t index_bytes = vshl_n_u8(mv_index_bytes(ix, 2 * pairs), 2);
  uint8x8_t at[4];
  float32x2_t vw[4];
  const float32x4_t w0 = vld1q_f32(w);
  const float32x4_t w1 = pairs == 4 ? vld1q_f32(w + 4) : vcombine_f32(vld1_f32(w + 4), vdup_n_f32(0.0f));
  vw[0] = vget_low_f32(w0);
  vw[1] = vget_high_f32(w0);
  vw[2] = vget_low_f32(w1);
  vw[3] = vget_high_f32(w1);
  UNROLL for (size_t p = 0; p < pairs; p++) {
    at[p] = vadd_u8(vtbl1_u8(index_bytes, k->spread[p]), k->base[p]);
  }
  UNROLL for (size_t b = 0; b < vectors; b++) {
    const float* xb = mv_vector(x, b, input_stride);
    uint8x8x4_t table = mv_table(xb);
    UNROLL for (size_t p = 0; p < pairs; p++) {
      if (p != 0 && p % step_pairs == 0) {
        table = mv_table(xb + (p / step_pairs) * step_rows);
      }
      const size_t a = mv_accumulator(vectors, p);
      acc[b].d[a] = MLAD(acc[b].d[a], vw[p], vreinterpret_f32_u8(vtbl4_u8(table, at[p])));
    }
  }
}

/* The sum of a vector's accumulators' lanes. */
INLINE float mv_sum(const struct mv_acc* a) {
  const float32x2_t d = vadd_f32(vadd_f32(a->d[0], a->d[1]), vadd_f32(a->d[2], a->d[3]));
  return vget_lane_f32(vpadd_f32(d, d), 0);
}

/* All nc channels of B = vectors (a constant) input vectors, R = runs runs and P = step_pairs
 * pairs per step (neon-mv.h). Input vector b at input + b * input_stride bytes; channel c of
 * vector b's output at output + b * vector_stride + c * channel_stride bytes. */
INLINE void mv_channels(size_t vectors, size_t step_pairs, size_t runs, size_t nc, size_t groups, size_t n,
                        size_t m, const float* input, size_t input_stride, const float* bias, const float* weights,
                        const uint8_t* indices, float* output, size_t channel_stride, size_t vector_stride,
                        struct clamp c) {
  const size_t unroll = step_pairs == 3 ? 1 : 4 / step_pairs;
  const size_t pairs = unroll * step_pairs;
  const size_t slots = groups * n;
  const size_t step_rows = runs * m;
  const size_t trips = mv_safe_steps(groups, m, step_rows) / unroll;
  struct mv_consts k;
  mv_consts_init(pairs, step_pairs, n, m, &k);
  for (size_t ch = 0; ch < nc; ch++) {
    const float* w = weights;
    const uint8_t* ix = indices;
    const float* x = input;
    struct mv_acc acc[4];
    UNROLL for (size_t b = 0; b < vectors; b++) {
      UNROLL for (size_t a = 0; a < 4; a++) {
        acc[b].d[a] = vdup_n_f32(0.0f);
      }
    }
    for (size_t t = 0; t < trips; t++) {
      mv_trip(vectors, pairs, step_pairs, step_rows, acc, ix, w, x, input_stride, &k);
      w += 2 * pairs;
      ix += 2 * pairs;
      x += unroll * step_rows;
    }
    const size_t left = slots - trips * 2 * pairs;
    UNROLL for (size_t b = 0; b < vectors; b++) {
      *next_channel(output, b * vector_stride) =
          mv_finish(mv_sum(&acc[b]), mv_vector(x, b, input_stride), w, ix, left, n, m, bias[ch], c);
    }
    weights += slots;
    indices += slots;
    output = next_channel(output, channel_stride);
  }
}

/* The exported kernels sprig_f32_nmspmm_minmax_ukernel_1x1__<NAME> and sprig_f32_nmspmv_minmax_ukernel__<NAME>. */
#define DEFINE_ARMV7_NMSPMV(NAME)                                                                          \
  void sprig_f32_nmspmm_minmax_ukernel_1x1__##NAME(                                                        \
      size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t row_stride,      \
      const float* bias, const float* weights, const uint8_t* indices, float* output, size_t output_stride, \
      const struct sprig_f32_minmax_params* params) {                                                      \
    mv_one_pixel(mc, nc, groups, n, m, input, row_stride, bias, weights, indices, output, output_stride, params); \
  }                                                                                                        \
  void sprig_f32_nmspmv_minmax_ukernel__##NAME(                                                            \
      size_t batch, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t input_stride, \
      const float* bias, const float* weights, const uint8_t* indices, float* output, size_t output_stride, \
      const struct sprig_f32_minmax_params* params) {                                                      \
    mv_vectors(batch, nc, groups, n, m, input, input_stride, bias, weights, indices, output, output_stride, params); \
  }
