/*
 * aarch64 NEON+FMA f32 N:M SpMM microkernels (ISA tag neonfma). Inner-loop mix of the full MR
 * tile, V = MR / 4 vectors of 4 pixels; every trip takes 4 stored weights with one ldr q and uses
 * them by lane (no broadcast). Per stored weight: 1 ldrb of the index, 1 madd for the row address
 * (run base + index * row_stride), V input vector loads, V fmla by lane, 1/4 ldr q of weights.
 * Counts per trip of 4 weights, from objdump of GCC 12 -O3 (clang 14 in braces where it differs):
 *
 *   n == 2 (2:4, 2:8, ...)  two runs per trip; + 2 run-base adds, 1 index-pointer add, subs, b.
 *       32x1: 64 = 32 fmla + 14 ldp q + 4 ldr q (32 vectors) + 1 ldr q + 4 ldrb + 4 madd + 5
 *             {62: 16 ldp q}.  16x1: 38 = 16 fmla + 8 ldp q + 1 ldr q + 4 + 4 + 5.
 *       8x1:  26 = 8 fmla + 4 ldp q + 1 ldr q + 4 + 4 + 5.
 *   n == 1 (1:2, 1:4, ...)  four runs per trip; 2 more run-base adds: 32x1 68 (GCC adds 2 vector
 *       moves), 16x1 40, 8x1 28.
 *   other n: run by run, 4 weights per trip while 4 are left in the run (32x1 63, 16x1 36, 8x1 24),
 *       then a pair, then a single (branches on n % 4, the same for the whole call).
 *   That is the CSR kernel's mix (kernels/f32-spmm: 32x1 62, 16x1 38, 8x1 26 per 4 nonzeros):
 *   the index byte + madd replaces the delta load + add. Limit: load bandwidth at MR = 32 and 16,
 *   every FMA needs its own input vector (V + 1/4 vector loads per V FMAs). MR = 8 keeps 2
 *   accumulators, so FMA latency bounds it: accumulators are never split, the sum order is
 *   bias + w0*x0 + w1*x1 ... as in the scalar model. No inner loop touches the stack (only
 *   callee-saved d8-d12 are saved in the 32-pixel tile's prologue).
 *
 * Remainder pixels go through tiles of MR/2, MR/4, ... 1 (float32x2_t for 2 pixels, scalar
 * lanes for 1), so no kernel reads or writes outside [0, mc) of a row, and weights and indices
 * are read only up to the last channel's last slot.
 */
#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>

#include <isa/neon.h>
#include <sprig/nmspmm.h>

/* The weight layout of a call, shared by all tiles. */
struct layout {
  size_t groups;
  size_t n;
  size_t row_stride;   /* bytes between input rows */
  size_t group_stride; /* bytes between runs: m * row_stride */
};

/* The kernel's position in the weight stream, shared by consecutive channels of one tile. */
struct stream {
  const float* weights;
  const uint8_t* indices;
};

/* The input row named by in-run index i of the run starting at `base` (an address). The empty
 * asm makes the compiler form the row address once (one madd) so that all the row's loads take
 * immediate offsets and pair into ldp q; without it GCC 12 folds the add into the first load
 * (ldr q, [x, x]) and then needs an extra add and unpaired ldr q for the rest. */
SPRIG_INLINE const float* row_at(uintptr_t base, uint8_t i, size_t row_stride) {
  const float* row = (const float*) (base + (uintptr_t) i * row_stride);
  __asm__("" : "+r"(row));
  return row;
}

/* Accumulators of one channel of an mr-pixel tile: q[0 .. mr/4) for mr >= 4, d for 2 pixels,
 * s for 1 (only the ones the tile uses survive compilation). */
struct acc {
  float32x4_t q[8];
  float32x2_t d;
  float s;
};

SPRIG_INLINE void acc_init(size_t mr, struct acc* a, float bias) {
  UNROLL for (size_t v = 0; v < mr / 4; v++) {
    a->q[v] = vdupq_n_f32(bias);
  }
  a->d = vdup_n_f32(bias);
  a->s = bias;
}

SPRIG_INLINE void acc_store(size_t mr, const struct acc* a, float* out, struct clamp c) {
  if (mr >= 4) {
    UNROLL for (size_t v = 0; v < mr / 4; v++) {
      vst1q_f32(out + 4 * v, clampq(a->q[v], c));
    }
  } else if (mr == 2) {
    vst1_f32(out, clampd(a->d, c));
  } else {
    *out = clamps(a->s, c);
  }
}

/* acc += row[0 .. mr) * vw[lane], vw a float32x4_t. */
#define FMA_ROW_LANEQ(mr, a, row, vw, lane)                                                  \
  do {                                                                                       \
    if ((mr) >= 4) {                                                                         \
      UNROLL for (size_t v_ = 0; v_ < (mr) / 4; v_++) {                                      \
        (a)->q[v_] = vfmaq_laneq_f32((a)->q[v_], vld1q_f32((row) + 4 * v_), (vw), (lane));   \
      }                                                                                      \
    } else if ((mr) == 2) {                                                                  \
      (a)->d = vfma_laneq_f32((a)->d, vld1_f32(row), (vw), (lane));                          \
    } else {                                                                                 \
      (a)->s = vfmas_laneq_f32((a)->s, *(row), (vw), (lane));                                \
    }                                                                                        \
  } while (0)

/* Same, vw a float32x2_t. */
#define FMA_ROW_LANE(mr, a, row, vw, lane)                                                  \
  do {                                                                                      \
    if ((mr) >= 4) {                                                                        \
      UNROLL for (size_t v_ = 0; v_ < (mr) / 4; v_++) {                                     \
        (a)->q[v_] = vfmaq_lane_f32((a)->q[v_], vld1q_f32((row) + 4 * v_), (vw), (lane));   \
      }                                                                                     \
    } else if ((mr) == 2) {                                                                 \
      (a)->d = vfma_lane_f32((a)->d, vld1_f32(row), (vw), (lane));                          \
    } else {                                                                                \
      (a)->s = vfmas_lane_f32((a)->s, *(row), (vw), (lane));                                \
    }                                                                                       \
  } while (0)

/* Weights w[0 .. 4) times rows r0 .. r3, in that order. */
SPRIG_INLINE void fma4(size_t mr, struct acc* a, const float* w, const float* r0, const float* r1,
                       const float* r2, const float* r3) {
  const float32x4_t vw = vld1q_f32(w);
  FMA_ROW_LANEQ(mr, a, r0, vw, 0);
  FMA_ROW_LANEQ(mr, a, r1, vw, 1);
  FMA_ROW_LANEQ(mr, a, r2, vw, 2);
  FMA_ROW_LANEQ(mr, a, r3, vw, 3);
}

/* Weights w[0 .. 2) times rows r0, r1. */
SPRIG_INLINE void fma2(size_t mr, struct acc* a, const float* w, const float* r0, const float* r1) {
  const float32x2_t vw = vld1_f32(w);
  FMA_ROW_LANE(mr, a, r0, vw, 0);
  FMA_ROW_LANE(mr, a, r1, vw, 1);
}

/* Weight w[0] times row r0. */
SPRIG_INLINE void fma1(size_t mr, struct acc* a, const float* w, const float* r0) {
  const float32x2_t vw = vld1_dup_f32(w);
  FMA_ROW_LANE(mr, a, r0, vw, 0);
}

/* n == nn, 1 or 2 (a constant): 4 weights per trip from 4 / nn consecutive runs (slot k of a
 * trip is in run k / nn), then the 0 to 3 weights of the runs left. */
SPRIG_INLINE void short_runs(size_t mr, size_t nn, struct acc* a, const struct layout* l, struct stream* st,
                             uintptr_t base) {
  const size_t rs = l->row_stride;
  const size_t gs = l->group_stride;
  const size_t runs_per_trip = 4 / nn;
  const float* w = st->weights;
  const uint8_t* ix = st->indices;
  for (size_t t = l->groups / runs_per_trip; t != 0; t--) {
    const float* r0 = row_at(base, ix[0], rs);
    const float* r1 = row_at(base + (1 / nn) * gs, ix[1], rs);
    const float* r2 = row_at(base + (2 / nn) * gs, ix[2], rs);
    const float* r3 = row_at(base + (3 / nn) * gs, ix[3], rs);
    fma4(mr, a, w, r0, r1, r2, r3);
    w += 4;
    ix += 4;
    base += runs_per_trip * gs;
  }
  const size_t left = (l->groups % runs_per_trip) * nn;
  if (left >= 2) {
    const float* r0 = row_at(base, ix[0], rs);
    const float* r1 = row_at(base + (1 / nn) * gs, ix[1], rs);
    fma2(mr, a, w, r0, r1);
    w += 2;
    ix += 2;
    base += (2 / nn) * gs;
  }
  if (left & 1) {
    fma1(mr, a, w, row_at(base, ix[0], rs));
    w += 1;
    ix += 1;
  }
  st->weights = w;
  st->indices = ix;
}

/* Any n: run by run, 4 weights at a time, then 2, then 1. */
SPRIG_INLINE void any_runs(size_t mr, struct acc* a, const struct layout* l, struct stream* st, uintptr_t base) {
  const size_t rs = l->row_stride;
  const size_t gs = l->group_stride;
  const size_t n = l->n;
  const float* w = st->weights;
  const uint8_t* ix = st->indices;
  for (size_t g = l->groups; g != 0; g--) {
    size_t j = n;
    for (; j >= 4; j -= 4) {
      fma4(mr, a, w, row_at(base, ix[0], rs), row_at(base, ix[1], rs), row_at(base, ix[2], rs),
           row_at(base, ix[3], rs));
      w += 4;
      ix += 4;
    }
    if (j >= 2) {
      fma2(mr, a, w, row_at(base, ix[0], rs), row_at(base, ix[1], rs));
      w += 2;
      ix += 2;
    }
    if (j & 1) {
      fma1(mr, a, w, row_at(base, ix[0], rs));
      w += 1;
      ix += 1;
    }
    base += gs;
  }
  st->weights = w;
  st->indices = ix;
}

/* One output channel of an mr-pixel tile whose pixel 0 is at `input`. */
SPRIG_INLINE void channel(size_t mr, const struct layout* l, struct stream* st, const float* input, float* out,
                          struct clamp c) {
  struct acc a;
  acc_init(mr, &a, *st->weights++);
  if (l->n == 2) {
    short_runs(mr, 2, &a, l, st, (uintptr_t) input);
  } else if (l->n == 1) {
    short_runs(mr, 1, &a, l, st, (uintptr_t) input);
  } else {
    any_runs(mr, &a, l, st, (uintptr_t) input);
  }
  acc_store(mr, &a, out, c);
}

/* One out-of-line function per tile shape, so that each inner loop gets the whole register file
 * (the same reason as in the CSR kernels: inlined together, the remainder tiles' pointers would
 * compete with the full tile's loop for registers). */
#define DEFINE_TILE(MR)                                                                                   \
  static __attribute__((noinline)) void tile_##MR(const struct layout* l, size_t nc, const float* input,  \
                                                  const float* weights, const uint8_t* indices,           \
                                                  float* output, size_t stride,                           \
                                                  const struct sprig_f32_minmax_params* params) {         \
    const struct clamp c = {vld1q_dup_f32(&params->min), vld1q_dup_f32(&params->max)};                    \
    struct stream st = {weights, indices};                                                                \
    for (size_t ch = 0; ch < nc; ch++) {                                                                  \
      channel(MR, l, &st, input, output, c);                                                              \
      output = next_channel(output, stride);                                                              \
    }                                                                                                     \
  }

DEFINE_TILE(1)
DEFINE_TILE(2)
DEFINE_TILE(4)
DEFINE_TILE(8)
DEFINE_TILE(16)
DEFINE_TILE(32)

#define TILE_ARGS l, nc, input + p, weights, indices, output + p, stride, params

/* Runs the mr-pixel tile at pixel p; mr is a constant, so one call remains. */
SPRIG_INLINE void run_tile(size_t mr, size_t p, const struct layout* l, size_t nc, const float* input,
                           const float* weights, const uint8_t* indices, float* output, size_t stride,
                           const struct sprig_f32_minmax_params* params) {
  switch (mr) {
    case 1: tile_1(TILE_ARGS); break;
    case 2: tile_2(TILE_ARGS); break;
    case 4: tile_4(TILE_ARGS); break;
    case 8: tile_8(TILE_ARGS); break;
    case 16: tile_16(TILE_ARGS); break;
    case 32: tile_32(TILE_ARGS); break;
  }
}

#undef TILE_ARGS

/* Tiles of mr pixels, then one each of mr/2, mr/4, ... 1 as the remainder needs. */
SPRIG_INLINE void nmspmm(size_t mr, size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input,
                         size_t row_stride, const float* weights, const uint8_t* indices, float* output,
                         size_t stride, const struct sprig_f32_minmax_params* params) {
  const struct layout l = {groups, n, row_stride, m * row_stride};
  size_t p = 0;
  for (; p + mr <= mc; p += mr) {
    run_tile(mr, p, &l, nc, input, weights, indices, output, stride, params);
  }
  /* mc - p < mr here; each smaller tile runs at most once (written out so that every call site
   * has a constant tile, whatever the optimization level decides to unroll). */
  if (mr > 16 && mc - p >= 16) {
    run_tile(16, p, &l, nc, input, weights, indices, output, stride, params);
    p += 16;
  }
  if (mr > 8 && mc - p >= 8) {
    run_tile(8, p, &l, nc, input, weights, indices, output, stride, params);
    p += 8;
  }
  if (mr > 4 && mc - p >= 4) {
    run_tile(4, p, &l, nc, input, weights, indices, output, stride, params);
    p += 4;
  }
  if (mr > 2 && mc - p >= 2) {
    run_tile(2, p, &l, nc, input, weights, indices, output, stride, params);
    p += 2;
  }
  if (mr > 1 && mc - p >= 1) {
    run_tile(1, p, &l, nc, input, weights, indices, output, stride, params);
  }
}

#define DEFINE_NEONFMA_NMSPMM(MR)                                                                       \
  _Static_assert((MR) == 8 || (MR) == 16 || (MR) == 32, "no neonfma N:M tile for this MR");            \
  void sprig_f32_nmspmm_minmax_ukernel_##MR##x1__aarch64_neonfma(                                       \
      size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t row_stride,    \
      const float* weights, const uint8_t* indices, float* output, size_t output_stride,                \
      const struct sprig_f32_minmax_params* params) {                                                   \
    nmspmm(MR, mc, nc, groups, n, m, input, row_stride, weights, indices, output, output_stride, params); \
  }

DEFINE_NEONFMA_NMSPMM(8)
DEFINE_NEONFMA_NMSPMM(16)
DEFINE_NEONFMA_NMSPMM(32)
