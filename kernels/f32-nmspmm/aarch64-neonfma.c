/*
 * aarch64 NEON+FMA f32 N:M SpMM microkernels (ISA tag neonfma). Inner-loop mix of the full MR
 * tile, V = MR / 4 vectors of 4 pixels; every trip takes 4 stored weights with one ldr q and uses
 * them by lane (no broadcast). Per stored weight: 1 ldrb of the index, 1 madd for the row address
 * (run base + index * row_stride), V input vector loads, V fmla by lane, 1/4 ldr q of weights.
 * Counts per trip of 4 weights, from objdump of GCC 12 -O3 (clang 14 in braces where it differs):
 *
 *   n == 2 (2:4, 2:8, ...)  two runs per trip; + 2 run-base adds, 1 index-pointer add, subs, b.
 *       16x1: 38 = 16 fmla + 8 ldp q + 1 ldr q + 4 ldrb + 4 madd + 5.
 *       8x1:  26 = 8 fmla + 4 ldp q + 1 ldr q + 4 + 4 + 5.
 *   n == 1 (1:2, 1:4, ...)  four runs per trip; 2 more run-base adds: 16x1 40, 8x1 28.
 *   n == 1, 2, 4 at 32x1: the assembly loop below.
 *   other n: run by run, 4 weights per trip while 4 are left in the run (32x1 61, 16x1 36 {37},
 *       8x1 24 {25}), then a pair, then a single (branches on n % 4, the same for the whole call).
 *   That is the CSR kernel's mix (kernels/f32-spmm: 32x1 62, 16x1 38, 8x1 26 per 4 nonzeros):
 *   the index byte + madd replaces the delta load + add. Limit: load bandwidth at MR = 32 and 16,
 *   every FMA needs its own input vector (V + 1/4 vector loads per V FMAs). MR = 32 and 16 keep
 *   two accumulator sets (the even and the odd slots of a trip: 16 / 8 FMA chains, enough for
 *   4 FMA pipes of latency 4), added before each store; in the 32-pixel tile's C loop (other n)
 *   an empty asm between rows keeps GCC from hoisting every load and spilling. MR = 8 keeps 2
 *   accumulators, so FMA latency bounds it (it is a remainder tile). Nothing in a tile function
 *   spills: its only stack accesses save and restore callee-saved registers (GCC: x19-x24,
 *   x19-x27 in the 1-pixel tile, and d8-d15 in the 32-pixel tiles, whose assembly loop keeps its
 *   second accumulator set there).
 *
 * 32x1, n == 1, 2 or 4: the trips run in an assembly loop (kernels/isa/neon-row32.h), the 4 rows of
 *   the next trip formed during the current one: one ldr w of its 4 index bytes, one add that
 *   moves slot k's byte by (k / n) * m (its run's offset in rows from the trip's first run), 4
 *   ubfx and 4 madd from the trip's run base (no chain), one add of the base; two trips per loop.
 *   The default (`paired` rows: vectors 0-1 and 4-5 of a row as one ldp q each) keeps two
 *   accumulator sets, the odd slots' in v8-v15 inside the asm (30 operands at most), added at
 *   the end. [142 instructions per 8 slots: 64 fmla, 32 ldr q + 16 ldp q, 2 ldr q of weights,
 *   2 ldr w of indices, 2 add, 8 ubfx, 8 madd, 2 base adds, 2 subs, 2 add, 2 branches.]
 * 32x1_inorder (chosen by src/configs when most cores are Cortex-A53 / A55 / A510 class): the
 *   same loop with every input vector a single ldr q issued 4 FMAs before its fmla and one set of
 *   8 accumulators. [158 instructions per 8 slots: 64 ldr q instead of 32 + 16 ldp q.] Other n
 *   (3:4, 8:16, ...) take the C loop in both.
 *
 * K-blocking: every channel of a tile re-reads the tile's input rows (MR * 4 bytes each, in
 * random order within a run), so at large K they would fall out of L1 (phone L1d is 32-64 KiB;
 * K = 256 rows of a 32-pixel tile is 32 KiB). The runs are cut into K-blocks whose rows fit in
 * NM_K_BLOCK_BYTES = 16 KiB, a row of fewer than 16 pixels counted as one 64-byte line, and all
 * channels of the tile finish one K-block before the next starts (one tile_MR call per K-block).
 * Between K-blocks the partial sums are parked, unclamped, in the output row: the first K-block
 * starts from the bias, later ones load the row (vectors, float32x2_t or a scalar, as the stores),
 * only the last clamps (the parked value is the sum of the two sets, and the next K-block starts
 * its first set from it). Results are deterministic for a given call; a call whose runs fit in
 * one K-block behaves exactly as without blocking.
 *
 * Remainder pixels go through tiles of MR/2, MR/4, ... 1 (float32x2_t for 2 pixels, scalar
 * lanes for 1), so no kernel reads or writes outside [0, mc) of a row, and weights and indices
 * are read only up to the last channel's last slot.
 */
#include <arm_neon.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <isa/neon-row32.h>
#include <isa/neon.h>
#include <sprig/nmspmm.h>

/* The weight layout and strides of a call, shared by all tiles. */
struct layout {
  size_t groups;
  size_t n;
  size_t m;
  size_t row_stride;    /* bytes between input rows */
  size_t group_stride;  /* bytes between runs: m * row_stride */
  size_t output_stride; /* bytes between output channels */
};

/* Where a channel's slots of the current K-block start in the weight and index streams. */
struct stream {
  const float* weights;
  const uint8_t* indices;
};

/* Bytes of a tile's input rows that one K-block may touch (see the header comment). */
#define NM_K_BLOCK_BYTES 16384
/* A row of fewer pixels still takes a whole line of L1. */
#define NM_CACHE_LINE 64

/* One K-block of a tile: `groups` consecutive runs. */
struct k_block {
  size_t groups;
  int first; /* the accumulators start from the bias (else from the partial sums in the output) */
  int last;  /* the results are clamped (else stored unclamped as partial sums) */
};

/* Runs per K-block for an mr-pixel tile: at least 1, and a multiple of 4 when there are 4 or
 * more so that the n == 1 and n == 2 loops run whole trips. */
INLINE size_t k_block_groups(size_t mr, size_t m) {
  const size_t row_bytes = mr * sizeof(float) > NM_CACHE_LINE ? mr * sizeof(float) : NM_CACHE_LINE;
  const size_t rows = NM_K_BLOCK_BYTES / row_bytes;
  const size_t groups = rows >= m ? rows / m : 1;
  return groups >= 4 ? groups & ~(size_t) 3 : groups;
}

/* The input row named by in-run index i of the run starting at `base` (an address). The empty
 * asm makes the compiler form the row address once (one madd) so that all the row's loads take
 * immediate offsets and pair into ldp q; without it GCC 12 folds the add into the first load
 * (ldr q, [x, x]) and then needs an extra add and unpaired ldr q for the rest. */
INLINE const float* row_at(uintptr_t base, uint8_t i, size_t row_stride) {
  const float* row = (const float*) (base + (uintptr_t) i * row_stride);
  __asm__("" : "+r"(row));
  return row;
}

/* Accumulators of one channel of an mr-pixel tile: q[0 .. mr/4) for mr >= 4, d for 2 pixels,
 * s for 1 (only the ones the tile uses survive compilation). */
struct acc {
  float32x4_t q[8];
  float32x4_t q1[8]; /* second set (SETS(mr) == 2): odd slots of a trip */
  float32x2_t d;
  float s;
};

/* Accumulator sets of an mr-pixel tile: two from 16 pixels up, so that 8 or more FMA chains
 * cover the FMA latency (the sets are added before a store). */
#define SETS(mr) ((mr) >= 16 ? 2 : 1)

/* In the 32-pixel tile, keeps the compiler from moving the next row's loads above this point (no
 * instruction): GCC otherwise hoists them all and spills accumulators. */
#define WIDE_ROW_FENCE(mr)               \
  do {                                   \
    if ((mr) >= 32) {                    \
      __asm__ volatile("" ::: "memory"); \
    }                                    \
  } while (0)

INLINE void acc_init(size_t mr, struct acc* a, float bias) {
  UNROLL for (size_t v = 0; v < mr / 4; v++) {
    a->q[v] = vdupq_n_f32(bias);
    a->q1[v] = vdupq_n_f32(0.0f);
  }
  a->d = vdup_n_f32(bias);
  a->s = bias;
}

/* Partial sums parked in or taken from the output row pass through here. The empty asm keeps
 * clang 14 from turning the load / store of a one-vector tile (mr == 4) into memcpy to and from
 * struct acc, after which it keeps that tile's accumulator on the stack, inner loop included. */
INLINE float32x4_t parked(float32x4_t x) {
  __asm__("" : "+w"(x));
  return x;
}

/* The partial sums an earlier K-block left in the output row. */
INLINE void acc_load(size_t mr, struct acc* a, const float* out) {
  UNROLL for (size_t v = 0; v < mr / 4; v++) {
    a->q[v] = parked(vld1q_f32(out + 4 * v));
    a->q1[v] = vdupq_n_f32(0.0f);
  }
  if (mr == 2) {
    a->d = vld1_f32(out);
  } else if (mr == 1) {
    a->s = *out;
  }
}

/* Clamped results after the last K-block, raw partial sums after the others. */
INLINE void acc_store(size_t mr, const struct acc* a, float* out, int last, struct clamp c) {
  if (mr >= 4) {
    UNROLL for (size_t v = 0; v < mr / 4; v++) {
      const float32x4_t sum = SETS(mr) == 2 ? vaddq_f32(a->q[v], a->q1[v]) : a->q[v];
      vst1q_f32(out + 4 * v, last ? clampq(sum, c) : parked(sum));
    }
  } else if (mr == 2) {
    vst1_f32(out, last ? clampd(a->d, c) : a->d);
  } else {
    *out = last ? clamps(a->s, c) : a->s;
  }
}

/* acc += row[0 .. mr) * vw[lane], vw a float32x4_t. */
#define FMA_ROW_LANEQ(mr, a, row, vw, lane)                                                  \
  do {                                                                                       \
    if ((mr) >= 4) {                                                                         \
      float32x4_t* q_ = SETS(mr) == 2 && ((lane) & 1) ? (a)->q1 : (a)->q;                    \
      UNROLL for (size_t v_ = 0; v_ < (mr) / 4; v_++) {                                      \
        q_[v_] = vfmaq_laneq_f32(q_[v_], vld1q_f32((row) + 4 * v_), (vw), (lane));           \
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
      float32x4_t* q_ = SETS(mr) == 2 && ((lane) & 1) ? (a)->q1 : (a)->q;                   \
      UNROLL for (size_t v_ = 0; v_ < (mr) / 4; v_++) {                                     \
        q_[v_] = vfmaq_lane_f32(q_[v_], vld1q_f32((row) + 4 * v_), (vw), (lane));           \
      }                                                                                     \
    } else if ((mr) == 2) {                                                                 \
      (a)->d = vfma_lane_f32((a)->d, vld1_f32(row), (vw), (lane));                          \
    } else {                                                                                \
      (a)->s = vfmas_lane_f32((a)->s, *(row), (vw), (lane));                                \
    }                                                                                       \
  } while (0)

/* Weights w[0 .. 4) times rows r0 .. r3, in that order. */
INLINE void fma4(size_t mr, struct acc* a, const float* w, const float* r0, const float* r1,
                       const float* r2, const float* r3) {
  const float32x4_t vw = vld1q_f32(w);
  FMA_ROW_LANEQ(mr, a, r0, vw, 0);
  WIDE_ROW_FENCE(mr);
  FMA_ROW_LANEQ(mr, a, r1, vw, 1);
  WIDE_ROW_FENCE(mr);
  FMA_ROW_LANEQ(mr, a, r2, vw, 2);
  WIDE_ROW_FENCE(mr);
  FMA_ROW_LANEQ(mr, a, r3, vw, 3);
  WIDE_ROW_FENCE(mr);
}

/* Weights w[0 .. 2) times rows r0, r1. */
INLINE void fma2(size_t mr, struct acc* a, const float* w, const float* r0, const float* r1) {
  const float32x2_t vw = vld1_f32(w);
  FMA_ROW_LANE(mr, a, r0, vw, 0);
  FMA_ROW_LANE(mr, a, r1, vw, 1);
}

/* Weight w[0] times row r0. */
INLINE void fma1(size_t mr, struct acc* a, const float* w, const float* r0) {
  const float32x2_t vw = vld1_dup_f32(w);
  FMA_ROW_LANE(mr, a, r0, vw, 0);
}

/* ---------------------------------------------------------------------------------------------
 * The 32x1 trip loops (n == 1, 2 or 4). Rows of the two trips in flight, the word of 4
 * index bytes and two extracted indices (all caller-saved registers, so clobbering them costs no
 * save).
 */
#define NI_A0 "x8"
#define NI_A1 "x9"
#define NI_A2 "x10"
#define NI_A3 "x11"
#define NI_B0 "x12"
#define NI_B1 "x13"
#define NI_B2 "x14"
#define NI_B3 "x15"
#define NI_WORD_W "w16"
#define NI_WORD "x16"
#define NI_IDX_A "x17"
#define NI_IDX_B "x7"

/* Index byte `bit / 8` of the word into `reg`. */
#define NI_INDEX(reg, bit) "ubfx " reg ", " NI_WORD ", #" #bit ", #8\n\t"

/* row = base + index * row stride. */
#define NI_ROW(row, idx) "madd " row ", " idx ", %[rs], %[base]\n\t"

/* Rows r0 .. r3 of the trip whose index bytes are at ix (post-incremented), and the next base. */
#define NI_ROWS_OF_FIRST_TRIP(r0, r1, r2, r3)                      \
  "ldr " NI_WORD_W ", [%[ix]], #4\n\t"                             \
  "add " NI_WORD_W ", " NI_WORD_W ", %w[runs]\n\t"                 \
  NI_INDEX(NI_IDX_A, 0)                                            \
  NI_ROW(r0, NI_IDX_A)                                             \
  NI_INDEX(NI_IDX_A, 8)                                            \
  NI_ROW(r1, NI_IDX_A)                                             \
  NI_INDEX(NI_IDX_A, 16)                                           \
  NI_ROW(r2, NI_IDX_A)                                             \
  NI_INDEX(NI_IDX_A, 24)                                           \
  NI_ROW(r3, NI_IDX_A)                                             \
  "add %[base], %[base], %[step]\n\t"

/* The trip in rows r0..r3 with weights `wv` and a successor: the successor's index bytes (at
 * ix + ioff) and weights (at w + woff, into `wn`) are loaded and its rows n0..n3 formed between
 * the FMAs, each madd well after its ubfx. The loop counter is decremented early so that the
 * branch after the trip finds its flags set. */
#define NI_TRIP(style, odd, r0, r1, r2, r3, n0, n1, n2, n3, wv, wn, ioff, woff) \
  IO_ROW_LO_X(style, c, r0, wv, 0)                                 \
  "ldr " NI_WORD_W ", [%[ix], #" #ioff "]\n\t"                     \
  "subs %[left], %[left], #1\n\t"                                  \
  IO_ROW_HI_X(style, c, r1, wv, 0)                                 \
  "ldr " wn ", [%[w], #" #woff "]\n\t"                             \
  IO_ROW_LO_X(style, odd, r1, wv, 1)                               \
  "add " NI_WORD_W ", " NI_WORD_W ", %w[runs]\n\t"                 \
  NI_INDEX(NI_IDX_A, 0)                                            \
  IO_ROW_HI_X(style, odd, r2, wv, 1)                               \
  NI_ROW(n0, NI_IDX_A)                                             \
  NI_INDEX(NI_IDX_B, 8)                                            \
  IO_ROW_LO_X(style, c, r2, wv, 2)                                 \
  NI_ROW(n1, NI_IDX_B)                                             \
  NI_INDEX(NI_IDX_A, 16)                                           \
  IO_ROW_HI_X(style, c, r3, wv, 2)                                 \
  NI_ROW(n2, NI_IDX_A)                                             \
  NI_INDEX(NI_IDX_B, 24)                                           \
  IO_ROW_LO_X(style, odd, r3, wv, 3)                               \
  NI_ROW(n3, NI_IDX_B)                                             \
  "add %[base], %[base], %[step]\n\t"                              \
  IO_ROW_HI_X(style, odd, n0, wv, 3)

/* The whole loop over `left + 1` trips at w / ix from run base `base` (all three advanced past
 * them); slots 0 and 2 of a trip go into set c, 1 and 3 into set `odd`. */
#define NI_LOOP(style, odd)                                                                               \
  NI_ROWS_OF_FIRST_TRIP(NI_A0, NI_A1, NI_A2, NI_A3)                                                       \
  "ldr q24, [%[w]], #16\n\t"                                                                              \
  IO_ROW_START(NI_A0)                                                                                     \
  IO_GROUP_LOOP(                                                                                          \
      NI_TRIP(style, odd, NI_A0, NI_A1, NI_A2, NI_A3, NI_B0, NI_B1, NI_B2, NI_B3, "v24", "q25", 0, 0),     \
      NI_TRIP(style, odd, NI_B0, NI_B1, NI_B2, NI_B3, NI_A0, NI_A1, NI_A2, NI_A3, "v25", "q24", 4, 16),    \
      "add %[ix], %[ix], #8\n\t" "add %[w], %[w], #32\n\t",                                            \
      "add %[ix], %[ix], #4\n\t" "add %[w], %[w], #16\n\t",                                            \
      IO_LAST_GROUP_X(style, odd, NI_A0, NI_A1, NI_A2, NI_A3, "v24"),                                    \
      IO_LAST_GROUP_X(style, odd, NI_B0, NI_B1, NI_B2, NI_B3, "v25"))

#define NI_CLOBBERS                                                                                        \
  "cc", "memory", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", "v16", "v17", \
      "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25"

/* acc[0..8) += the `trips` trips (>= 1) of 4 slots at *w / *ix from run base *base on (with
 * `two_sets`, the odd slots summed apart in v8-v15 and added at the end); all three move past
 * them. `runs` moves index byte k by (k / n) * m, `step` is the bytes of 4 / n runs. */
INLINE void trips_32x1(bool two_sets, float32x4_t acc[8], const float** w, const uint8_t** ix, uintptr_t* base,
                       size_t trips, uint32_t runs, size_t step, size_t rs) {
  float32x4_t c0 = acc[0], c1 = acc[1], c2 = acc[2], c3 = acc[3];
  float32x4_t c4 = acc[4], c5 = acc[5], c6 = acc[6], c7 = acc[7];
  const float* wp = *w;
  const uint8_t* ip = *ix;
  uintptr_t b = *base;
  size_t left = trips - 1; /* trips that follow the current one */
  if (two_sets) {
    __asm__ volatile(IO_ZERO_D NI_LOOP(paired, d) IO_ADD_D
                     : [c0] "+w"(c0), [c1] "+w"(c1), [c2] "+w"(c2), [c3] "+w"(c3), [c4] "+w"(c4), [c5] "+w"(c5),
                       [c6] "+w"(c6), [c7] "+w"(c7), [w] "+r"(wp), [ix] "+r"(ip), [base] "+r"(b), [left] "+r"(left)
                     : [runs] "r"(runs), [step] "r"(step), [rs] "r"(rs)
                     : NI_CLOBBERS, IO_D_CLOBBERS);
  } else {
    __asm__ volatile(NI_LOOP(single, c)
                     : [c0] "+w"(c0), [c1] "+w"(c1), [c2] "+w"(c2), [c3] "+w"(c3), [c4] "+w"(c4), [c5] "+w"(c5),
                       [c6] "+w"(c6), [c7] "+w"(c7), [w] "+r"(wp), [ix] "+r"(ip), [base] "+r"(b), [left] "+r"(left)
                     : [runs] "r"(runs), [step] "r"(step), [rs] "r"(rs)
                     : NI_CLOBBERS);
  }
  acc[0] = c0, acc[1] = c1, acc[2] = c2, acc[3] = c3;
  acc[4] = c4, acc[5] = c5, acc[6] = c6, acc[7] = c7;
  *w = wp;
  *ix = ip;
  *base = b;
}

/* The word that moves index byte k of a trip by (k / nn) * m (at most 3 * 16 + 15: still a byte). */
INLINE uint32_t runs_word(size_t nn, size_t m) {
  uint32_t word = 0;
  for (uint32_t k = 0; k < 4; k++) {
    word |= (uint32_t) ((k / nn) * m) << (8 * k);
  }
  return word;
}

/* `groups` runs from `base` on, n == nn, 1, 2 or 4 (a constant): 4 weights per trip from 4 / nn
 * consecutive runs (slot k of a trip is in run k / nn), then the 0 to 3 weights of the runs left.
 * At mr == 32 the trips take the assembly loop (`inorder`: its in-order flavour), into the first
 * accumulator set. */
INLINE void short_runs(size_t mr, size_t nn, bool inorder, struct acc* a, const struct layout* l, size_t groups,
                       struct stream st, uintptr_t base) {
  const size_t rs = l->row_stride;
  const size_t gs = l->group_stride;
  const size_t runs_per_trip = 4 / nn;
  const float* w = st.weights;
  const uint8_t* ix = st.indices;
  size_t t = groups / runs_per_trip;
  if (mr == 32 && t != 0) {
    trips_32x1(!inorder, a->q, &w, &ix, &base, t, runs_word(nn, l->m), runs_per_trip * gs, rs);
    t = 0;
  }
  for (; t != 0; t--) {
    const float* r0 = row_at(base, ix[0], rs);
    const float* r1 = row_at(base + (1 / nn) * gs, ix[1], rs);
    const float* r2 = row_at(base + (2 / nn) * gs, ix[2], rs);
    const float* r3 = row_at(base + (3 / nn) * gs, ix[3], rs);
    fma4(mr, a, w, r0, r1, r2, r3);
    w += 4;
    ix += 4;
    base += runs_per_trip * gs;
  }
  const size_t left = (groups % runs_per_trip) * nn;
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
  }
}

/* Any n: run by run, 4 weights at a time, then 2, then 1. */
INLINE void any_runs(size_t mr, struct acc* a, const struct layout* l, size_t groups, struct stream st,
                           uintptr_t base) {
  const size_t rs = l->row_stride;
  const size_t gs = l->group_stride;
  const size_t n = l->n;
  const float* w = st.weights;
  const uint8_t* ix = st.indices;
  for (size_t g = groups; g != 0; g--) {
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
}

/* One K-block of one output channel of an mr-pixel tile, n == nn (1, 2 or 4) or any n (nn == 0):
 * the K-block's first slot at st, its first run's row 0 at `base` (pixel 0 of the tile); the
 * first K-block starts from *bias. */
INLINE void channel(size_t mr, size_t nn, bool inorder, const struct layout* l, const struct k_block* kb,
                    const float* bias, struct stream st, uintptr_t base, float* out, struct clamp c) {
  struct acc a;
  if (kb->first) {
    acc_init(mr, &a, *bias);
  } else {
    acc_load(mr, &a, out);
  }
  if (nn != 0) {
    short_runs(mr, nn, inorder, &a, l, kb->groups, st, base);
  } else {
    any_runs(mr, &a, l, kb->groups, st, base);
  }
  acc_store(mr, &a, out, kb->last, c);
}

/* One K-block of all nc channels of an mr-pixel tile; st and out are channel 0's. One channel
 * loop per n case, so that a loop holds only its own case's invariants. */
INLINE void channels(size_t mr, size_t nn, bool inorder, const struct layout* l, const struct k_block* kb,
                     size_t nc, uintptr_t base, const float* bias, struct stream st, float* out, struct clamp c) {
  const size_t slots = l->groups * l->n;
  for (size_t ch = 0; ch < nc; ch++) {
    channel(mr, nn, inorder, l, kb, bias + ch, st, base, out, c);
    st.weights += slots;
    st.indices += slots;
    out = next_channel(out, l->output_stride);
  }
}

/* One out-of-line function per tile shape, so that each inner loop gets the whole register file
 * (the same reason as in the CSR kernels: inlined together, the remainder tiles' pointers would
 * compete with the full tile's loop for registers; the K-block loop stays outside, in run_tile). */
#define DEFINE_TILE(MR, INORDER, NAME)                                                                   \
  static __attribute__((noinline)) void NAME(const struct layout* l, const struct k_block* kb, size_t nc, \
                                             uintptr_t base, const float* bias, struct stream st,         \
                                             float* out, const struct sprig_f32_minmax_params* params) {  \
    const struct clamp c = {vld1q_dup_f32(&params->min), vld1q_dup_f32(&params->max)};                   \
    if (l->n == 2) {                                                                                     \
      channels(MR, 2, INORDER, l, kb, nc, base, bias, st, out, c);                                       \
    } else if (l->n == 1) {                                                                              \
      channels(MR, 1, INORDER, l, kb, nc, base, bias, st, out, c);                                       \
    } else if ((MR) == 32 && l->n == 4) {                                                                \
      channels(MR, 4, INORDER, l, kb, nc, base, bias, st, out, c);                                       \
    } else {                                                                                             \
      channels(MR, 0, false, l, kb, nc, base, bias, st, out, c);                                         \
    }                                                                                                    \
  }

DEFINE_TILE(1, false, tile_1)
DEFINE_TILE(2, false, tile_2)
DEFINE_TILE(4, false, tile_4)
DEFINE_TILE(8, false, tile_8)
DEFINE_TILE(16, false, tile_16)
DEFINE_TILE(32, false, tile_32)
DEFINE_TILE(32, true, tile_32_inorder)

#define TILE_ARGS l, &kb, nc, base, bias, st, output + p, params

/* The mr-pixel tile at pixel p, K-block by K-block: all nc channels finish a K-block before the
 * next one starts. At least one K-block, so that groups == 0 still stores the clamped bias. mr and
 * inorder are constants, so one call remains. */
INLINE void run_tile(size_t mr, bool inorder, size_t p, const struct layout* l, size_t nc, const float* input,
                           const float* bias, const float* weights, const uint8_t* indices, float* output,
                           const struct sprig_f32_minmax_params* params) {
  const size_t block_groups = k_block_groups(mr, l->m);
  size_t g = 0;
  do {
    const size_t left = l->groups - g;
    const struct k_block kb = {left < block_groups ? left : block_groups, g == 0, left <= block_groups};
    const uintptr_t base = (uintptr_t) (input + p) + g * l->group_stride;
    const struct stream st = {weights + g * l->n, indices + g * l->n};
    switch (mr) {
      case 1: tile_1(TILE_ARGS); break;
      case 2: tile_2(TILE_ARGS); break;
      case 4: tile_4(TILE_ARGS); break;
      case 8: tile_8(TILE_ARGS); break;
      case 16: tile_16(TILE_ARGS); break;
      case 32:
        if (inorder) {
          tile_32_inorder(TILE_ARGS);
        } else {
          tile_32(TILE_ARGS);
        }
        break;
    }
    g += kb.groups;
  } while (g < l->groups);
}

#undef TILE_ARGS

/* Tiles of mr pixels, then one each of mr/2, mr/4, ... 1 as the remainder needs (`inorder`: the
 * full tiles take the in-order loop). */
INLINE void nmspmm(size_t mr, bool inorder, size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input,
                         size_t row_stride, const float* bias, const float* weights, const uint8_t* indices,
                         float* output,
                         size_t stride, const struct sprig_f32_minmax_params* params) {
  const struct layout l = {groups, n, m, row_stride, m * row_stride, stride};
  size_t p = 0;
  for (; p + mr <= mc; p += mr) {
    run_tile(mr, inorder, p, &l, nc, input, bias, weights, indices, output, params);
  }
  /* mc - p < mr here; each smaller tile runs at most once (written out so that every call site
   * has a constant tile, whatever the optimization level decides to unroll). */
  if (mr > 16 && mc - p >= 16) {
    run_tile(16, false, p, &l, nc, input, bias, weights, indices, output, params);
    p += 16;
  }
  if (mr > 8 && mc - p >= 8) {
    run_tile(8, false, p, &l, nc, input, bias, weights, indices, output, params);
    p += 8;
  }
  if (mr > 4 && mc - p >= 4) {
    run_tile(4, false, p, &l, nc, input, bias, weights, indices, output, params);
    p += 4;
  }
  if (mr > 2 && mc - p >= 2) {
    run_tile(2, false, p, &l, nc, input, bias, weights, indices, output, params);
    p += 2;
  }
  if (mr > 1 && mc - p >= 1) {
    run_tile(1, false, p, &l, nc, input, bias, weights, indices, output, params);
  }
}

#define DEFINE_NEONFMA_NMSPMM(MR, INORDER, SUFFIX)                                                           \
  _Static_assert(((MR) == 8 || (MR) == 16 || (MR) == 32) && (!(INORDER) || (MR) == 32),                     \
                 "no neonfma N:M tile for this MR");                                                        \
  void sprig_f32_nmspmm_minmax_ukernel_##MR##x1__aarch64_neonfma##SUFFIX(                                   \
      size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t row_stride,       \
      const float* bias, const float* weights, const uint8_t* indices, float* output, size_t output_stride, \
      const struct sprig_f32_minmax_params* params) {                                                      \
    nmspmm(MR, INORDER, mc, nc, groups, n, m, input, row_stride, bias, weights, indices, output,            \
           output_stride, params);                                                                          \
  }

DEFINE_NEONFMA_NMSPMM(8, false, )
DEFINE_NEONFMA_NMSPMM(16, false, )
DEFINE_NEONFMA_NMSPMM(32, false, )
DEFINE_NEONFMA_NMSPMM(32, true, _inorder)

/*
 * 1x1 and nmspmv: one pixel per input row (matrix-vector products: linear layers), vectorized
 * over the stored weights instead of the pixels, on B = 1 .. 4 input vectors at once (1x1: B = 1;
 * nmspmv: the batch in groups of 4, then one group of the 1 .. 3 left). Taken when each vector's
 * rows are contiguous floats (1x1: mc == 1, row_stride 4) and R runs fill V whole quads of 4
 * slots within 16 rows (R * n = 4 * V, R * m <= 16; the largest such R): a step of 4 * V slots
 * picks its inputs from a 64-byte table, the 16 floats from its first run's row 0 on (one ld1 of
 * 4 q registers per vector). Per quad of 4 slots: a tbl spreads each slot's index byte (scaled
 * by 4 with one shl per 16 index bytes) to the 4 bytes of its lane, an add of the constant
 * 4 * run base + {0, 1, 2, 3} makes the byte indices; these and the quad's 4 weights (one ldr q)
 * serve all B vectors. Per vector and quad: a 4-register tbl picks the 4 floats from that
 * vector's table, and one fmla into that vector's accumulators. Steps per trip (B = 1):
 *   V = 2, 8 slots (2:4, 4:8, 8:16, 1:2, 2:3): 2 steps per trip, 4 accumulators.
 *   V = 1, 4 slots (1:4, 2:8, 4:16, 1:3, 2:5, 2:6): 4 steps per trip, 4 accumulators.
 *   V = 3, 12 slots (3:4, 4:5, 6:8, 12:16) and V = 4, 16 slots (n == m = 1, 2, 4, 8, 16): 1 step
 *   per trip, V accumulators.
 * B > 1 keeps at most 2 accumulators per vector (quad q of a trip into q % 2) and takes 2 steps
 * per trip at V = 1, else 1. At V < 4 a vector's table is loaded before the previous vector's
 * picks (two or more tables live: in-order cores wait less for the ld1), at V = 4 after them.
 * So B = 4 holds its 8 accumulators, the V byte-index and V weight vectors, the 2 * V
 * constants and its tables within the 32 q registers. (At V = 1 each table load is also ordered
 * after the picks of the table two before it: see struct mv_order.)
 * Counts per trip of 16 slots (V = 3: 12), B = 1, from objdump of GCC 12 -O3 (clang 14 in braces):
 *   all: 4 fmla + 4 tbl (4 registers) + 4 tbl (1 register) + 4 add + 1 shl = 17 vector ops
 *        (V = 3: 13), 1 ldr q of index bytes and 2 ldp q of weights (V = 3: ldr d + ldr s +
 *        ins, ldp q + ldr q).
 *   V = 2: 29 {29} = 17 + 5 loads (2 ld1 tables) + 7 pointer / counter adds, cmp, branch.
 *   V = 1: 33 {35} (4 ld1 tables, 9 scalar).  V = 4: 26 {24}.  V = 3: 25 {23}.
 *   B = 4 (GCC 12), per trip: V = 2: 35 for 8 slots (8 fmla, 8 tbl of 4 registers, 2 tbl + 2 add
 *   + 1 shl, 4 ld1 tables, ldr d + ldp q, 10 scalar); V = 1: 46 for 8 slots; V = 4: 64 for 16.
 * Limit: the vector pipes, not the loads: 17 vector ops for 16 slots where a dense product needs
 * 4 fmla for 16 weights, and the 4-register tbl is several micro-ops on current cores (not yet
 * measured on a phone; qemu only). Each further vector adds only its 4-register tbls, fmlas and
 * tables (per 16 slots: 8 vector ops and 4 / V ld1). Static estimate (llvm-mca 19), cycles per
 * 16 slots per vector at 2:4, B = 1 / B = 4: Neoverse N1 13.1 / 9.3, Cortex-X2 15.0 / 11.5,
 * Cortex-A55 51 / 29 (N1, X2: the 4-register tbl, 3 and 4 micro-ops on the 2 vector pipes;
 * A55: the 64-bit load path, 8 cycles per table). The scalar 1x1 kernel needs 3 loads per slot, this one
 * 5 to 7 per 16 at B = 1. No loop touches the stack with GCC 12 (which saves x19-x28 and some of
 * d8-d15 in the prologues); clang 19 spills a few registers at V >= 3 with B >= 3.
 * Steps stop where their 16 rows would pass the last full run ((groups - 1) * m: only rows that
 * surely exist are read, in each vector); the slots left take a scalar loop with four sums per
 * vector. Other patterns (1:8, 3:8, 5:8, 15:16, ...) go to the scalar kernels (1x1: also other
 * strides and pixel counts).
 */

/* The first `count` (4, 8, 12 or 16, a constant) index bytes at p, in the low lanes of a vector;
 * nothing past them is read (the last channel's indices may end there). */
INLINE uint8x16_t load_index_bytes(const uint8_t* p, size_t count) {
  if (count == 16) {
    return vld1q_u8(p);
  }
  if (count == 8) {
    return vcombine_u8(vld1_u8(p), vdup_n_u8(0));
  }
  uint32_t tail;
  memcpy(&tail, p + (count & 8), sizeof(tail));
  const uint8x8_t last = vreinterpret_u8_u32(vset_lane_u32(tail, vdup_n_u32(0), 0));
  return count == 4 ? vcombine_u8(last, vdup_n_u8(0)) : vcombine_u8(vld1_u8(p), last);
}

/* The constants of a call with R runs (S = 4 * V slots) per step. For quad q of a step (slots
 * 4q .. 4q + 3): base[q] holds, in the four bytes of slot k, the byte offset of its run in the
 * step's table plus the byte within a float: 4 * (k / n) * m + {0, 1, 2, 3}. spread[u][q] copies
 * byte u * S + k of the loaded index bytes (step u of an unrolled trip) to the four bytes of
 * slot k. */
struct mv_consts {
  uint8x16_t base[4];
  uint8x16_t spread[4][4];
};

INLINE void mv_consts_init(size_t quads, size_t unroll, size_t n, size_t m, struct mv_consts* k) {
  const size_t slots = 4 * quads;
  uint8_t bytes[16];
  for (size_t q = 0; q < quads; q++) {
    for (size_t b = 0; b < 16; b++) {
      bytes[b] = (uint8_t) (4 * (((4 * q + b / 4) / n) * m) + b % 4);
    }
    k->base[q] = vld1q_u8(bytes);
    for (size_t u = 0; u < unroll; u++) {
      for (size_t b = 0; b < 16; b++) {
        bytes[b] = (uint8_t) (u * slots + 4 * q + b / 4);
      }
      k->spread[u][q] = vld1q_u8(bytes);
    }
  }
}

#define MV_TABLE_FLOATS 16
#define MV_GROUP_SLOTS 4
#include "neon-mv.h"

/* Steps per trip: B = 1 as many as fill 16 index bytes (V * unroll = 4, V = 3: 1); B > 1 two at
 * V = 1, else one (see the comment above). */
#define MV_UNROLL(V, B) ((B) == 1 ? 4 / (V) : (V) == 1 ? 2 : 1)

/* Accumulators per input vector: B = 1 one per quad of a trip (U * V <= 4), B > 1 at most 2. */
INLINE size_t mv_accumulators(size_t vectors, size_t quads, size_t unroll) {
  return vectors == 1 || quads * unroll < 2 ? quads * unroll : 2;
}

/* With two steps per trip and more than one vector (V = 1), the compilers would load the tables
 * of the trip's second step early (clang 19 hoists all 8 of B = 4 and spills them): there each
 * table load is ordered after the picks of the table two before it, by an empty asm that makes
 * its address depend on them (no instruction: only the compiler's order changes). */
struct mv_order {
  float32x4_t older; /* the last picks of the table before the last */
  float32x4_t newer; /* the last picks of the last table */
};

INLINE const uint8_t* mv_after(const uint8_t* p, float32x4_t picked) {
  __asm__("" : "+r"(p) : "w"(picked));
  return p;
}

/* The 16 floats of vector b at x as a table (`ordered`: loaded after `after` is formed). */
INLINE uint8x16x4_t mv_table(const float* x, size_t b, size_t input_stride, bool ordered, float32x4_t after) {
  const uint8_t* p = (const uint8_t*) mv_vector(x, b, input_stride);
  return vld1q_u8_x4(ordered ? mv_after(p, after) : p);
}

/* One vector's part of step u: its inputs picked from `table` by the V quads' byte indices, times
 * their weights, into acc[(u * V + q) % accumulators]. Returns the last quad's picks. */
INLINE float32x4_t mv_picks(size_t quads, size_t u, size_t accumulators, float32x4_t* acc, uint8x16x4_t table,
                            const uint8x16_t* at, const float32x4_t* vw) {
  float32x4_t picked[4];
  UNROLL for (size_t q = 0; q < quads; q++) {
    const size_t a = (u * quads + q) % accumulators;
    picked[q] = vreinterpretq_f32_u8(vqtbl4q_u8(table, at[q]));
    acc[a] = vfmaq_f32(acc[a], vw[q], picked[q]);
  }
  return picked[quads - 1];
}

/* One step, step u of the trip, on `vectors` input vectors: the V quads' byte indices (from
 * their 4 * index bytes in `scaled`) and weights at w, once; then per vector b the 16 floats at
 * x (vector 0's; b at input_stride bytes further) as the table, and its picks. At V < 4 the
 * next vector's table is loaded before this one's picks; at V = 4 (4 byte-index, 4 weight and
 * 8 constant registers) each table just before its own picks. */
INLINE void mv_step(size_t vectors, size_t quads, size_t unroll, size_t u, float32x4_t acc[4][4],
                    struct mv_order* order, uint8x16_t scaled, const float* x, size_t input_stride, const float* w,
                    const struct mv_consts* k) {
  const size_t accumulators = mv_accumulators(vectors, quads, unroll);
  const bool ordered = vectors > 1 && unroll > 1;
  uint8x16_t at[4];
  float32x4_t vw[4];
  UNROLL for (size_t q = 0; q < quads; q++) {
    at[q] = vaddq_u8(vqtbl1q_u8(scaled, k->spread[u][q]), k->base[q]);
    vw[q] = vld1q_f32(w + 4 * q);
  }
  if (quads == 4) {
    UNROLL for (size_t b = 0; b < vectors; b++) {
      mv_picks(quads, u, accumulators, acc[b], vld1q_u8_x4((const uint8_t*) mv_vector(x, b, input_stride)), at, vw);
    }
  } else {
    uint8x16x4_t next = mv_table(x, 0, input_stride, ordered, order->older);
    UNROLL for (size_t b = 0; b < vectors; b++) {
      const uint8x16x4_t table = next;
      if (b + 1 < vectors) {
        next = mv_table(x, b + 1, input_stride, ordered, order->newer);
      }
      order->older = order->newer;
      order->newer = mv_picks(quads, u, accumulators, acc[b], table, at, vw);
    }
  }
}

/* The sum of the first `count` accumulators' lanes. */
INLINE float mv_sum(const float32x4_t* acc, size_t count) {
  switch (count) {
    case 1: return vaddvq_f32(acc[0]);
    case 2: return vaddvq_f32(vaddq_f32(acc[0], acc[1]));
    case 3: return vaddvq_f32(vaddq_f32(vaddq_f32(acc[0], acc[1]), acc[2]));
    default: return vaddvq_f32(vaddq_f32(vaddq_f32(acc[0], acc[1]), vaddq_f32(acc[2], acc[3])));
  }
}

/* All nc channels of B = vectors (a constant) input vectors, R = runs runs and V = quads quads
 * (4 * V slots) per step (neon-mv.h), MV_UNROLL steps per trip. Input vector b at input + b *
 * input_stride bytes; channel c of vector b's output at output + b * vector_stride + c *
 * channel_stride bytes. Steps read the 16 rows from their first run's row 0 on; only rows of full
 * runs (before the last run) surely exist, so they stop where that would pass (groups - 1) * m,
 * and the slots left take a scalar loop with four sums per vector. */
INLINE void mv_channels(size_t vectors, size_t quads, size_t runs, size_t nc, size_t groups, size_t n, size_t m,
                        const float* input, size_t input_stride, const float* bias, const float* weights,
                        const uint8_t* indices, float* output, size_t channel_stride, size_t vector_stride,
                        struct clamp c) {
  const size_t unroll = MV_UNROLL(quads, vectors);
  const size_t slots = groups * n;
  const size_t step_slots = 4 * quads;
  const size_t step_rows = runs * m;
  const size_t steps = mv_safe_steps(groups, m, step_rows);
  const size_t accumulators = mv_accumulators(vectors, quads, unroll);
  struct mv_consts k;
  mv_consts_init(quads, unroll, n, m, &k);
  for (size_t ch = 0; ch < nc; ch++) {
    const float* w = weights;
    const uint8_t* ix = indices;
    const float* x = input;
    float32x4_t acc[4][4];
    UNROLL for (size_t b = 0; b < vectors; b++) {
      UNROLL for (size_t a = 0; a < accumulators; a++) {
        acc[b][a] = vdupq_n_f32(0.0f);
      }
    }
    struct mv_order order = {acc[0][0], acc[0][0]};
    size_t step = 0;
    for (; step + unroll <= steps; step += unroll) {
      const uint8x16_t scaled = vshlq_n_u8(load_index_bytes(ix, unroll * step_slots), 2);
      UNROLL for (size_t u = 0; u < unroll; u++) {
        mv_step(vectors, quads, unroll, u, acc, &order, scaled, x + u * step_rows, input_stride, w + u * step_slots,
                &k);
      }
      w += unroll * step_slots;
      ix += unroll * step_slots;
      x += unroll * step_rows;
    }
    for (; step < steps; step++) {
      mv_step(vectors, quads, unroll, 0, acc, &order, vshlq_n_u8(load_index_bytes(ix, step_slots), 2), x,
              input_stride, w, &k);
      w += step_slots;
      ix += step_slots;
      x += step_rows;
    }
    const size_t left = slots - steps * runs * n;
    UNROLL for (size_t b = 0; b < vectors; b++) {
      *next_channel(output, b * vector_stride) =
          mv_finish(mv_sum(acc[b], accumulators), mv_vector(x, b, input_stride), w, ix, left, n, m, bias[ch], c);
    }
    weights += slots;
    indices += slots;
    output = next_channel(output, channel_stride);
  }
}

void sprig_f32_nmspmm_minmax_ukernel_1x1__aarch64_neonfma(
    size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t row_stride,
    const float* bias, const float* weights, const uint8_t* indices, float* output, size_t output_stride,
    const struct sprig_f32_minmax_params* params) {
  mv_one_pixel(mc, nc, groups, n, m, input, row_stride, bias, weights, indices, output, output_stride, params);
}

void sprig_f32_nmspmv_minmax_ukernel__aarch64_neonfma(
    size_t batch, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t input_stride,
    const float* bias, const float* weights, const uint8_t* indices, float* output, size_t output_stride,
    const struct sprig_f32_minmax_params* params) {
  mv_vectors(batch, nc, groups, n, m, input, input_stride, bias, weights, indices, output, output_stride, params);
}
