/*
 * The x86 f32 N:M SpMM kernel body shared by sse2.c, avx2.c and avx512f.c, which differ only in
 * vector width, intrinsics and the pixel remainder. Not compiled on its own: each of those files
 * includes its intrinsics header, defines the names below, includes this header once, then
 * defines its kernels with nm_kernel(MR / LANES, C, ...). The names both families share come from
 * kernels/isa/sse2.h, avx2.h or avx512f.h, and vload, vstore and vclamp from isa/x86-vector.h.
 *
 *   INLINE                 static inline __attribute__((always_inline)), for the functions
 *                          here and the including file's own helpers
 *   VEC                    the vector type; LANES floats (pixels) per vector
 *   MASK                   what selects the pixels of a partial last vector (a lane mask, or
 *                          for SSE2 a pixel count)
 *   VLOADU(p)              LANES floats from p (no alignment)
 *   VMASKLOAD(p, mask)     the lanes of `mask` from p, the others zero; reads nothing else
 *   VSTOREU(p, v)          LANES floats to p
 *   VMASKSTORE(p, mask, v) the lanes of `mask` to p; writes nothing else
 *   VMADD(acc, x, w)       acc + x * w (fused where the ISA has FMA)
 *   VSET1(f)               f in every lane
 *   VMIN(a, b), VMAX(a, b) lane-wise minimum and maximum, b when either is NaN
 *   VLOAD_PAIR(p)          p[0], p[1] in every pair of lanes (one load for two weights)
 *   VPAIR_LO(v)            lane 0 of every pair of lanes of v, in both lanes of the pair
 *   VPAIR_HI(v)            lane 1 of every pair of lanes of v, in both lanes of the pair
 *   TAIL_MASK(k)           optional: the mask of the low k lanes (1 <= k <= LANES). With it, this
 *                          header defines nm_all_tiles: one pass over the last mc % MR pixels,
 *                          the last vector masked. Without it, the including file defines
 *                          nm_all_tiles (declared below) after this header.
 */
#if !defined(LANES) || !defined(INLINE)
#error "x86-template.h is included by sse2.c, avx2.c and avx512f.c after they define INLINE, VEC, LANES, ..."
#endif

#include <stddef.h>
#include <stdint.h>

#include <sprig/nmspmm.h>

/* Loops over compile-time counts (vectors, channels, slots of a run) must become straight-line
 * code so that the accumulators stay in registers; GCC's own heuristics stop short of that for
 * the larger blocks. */
#define UNROLL _Pragma("GCC unroll 16")

/* Largest V and C any kernel instantiates (the accumulator array is sized by these). */
#define MAX_V 8
#define MAX_C 4

#include <isa/x86-vector.h>

/* acc[0 .. nv) += vw * the nv vectors at x (the last one masked when `masked`). */
INLINE void madd_row(size_t nv, int masked, MASK mask, VEC* acc, const float* x, VEC vw) {
  UNROLL
  for (size_t i = 0; i < nv; i++) {
    acc[i] = VMADD(acc[i], vload(x + LANES * i, LAST_MASKED(masked, i, nv), mask), vw);
  }
}

/* Slot s of nb channels: acc[b] += w_b[s] * row idx_b[s] of the run at base. */
INLINE void madd_slot(
    size_t nv, size_t nb, int masked, MASK mask, VEC acc[][MAX_V], const float* const* wb,
    const uint8_t* const* ib, size_t s, const char* base, size_t row_stride) {
  UNROLL
  for (size_t b = 0; b < nb; b++) {
    const float* x = (const float*) (base + (size_t) ib[b][s] * row_stride);
    madd_row(nv, masked, mask, acc[b], x, VSET1(wb[b][s]));
  }
}

/* Slots s and s + 1 of nb channels, the two weights of a channel broadcast from one load. */
INLINE void madd_pair(
    size_t nv, size_t nb, int masked, MASK mask, VEC acc[][MAX_V], const float* const* wb,
    const uint8_t* const* ib, size_t s, const char* base, size_t row_stride) {
  UNROLL
  for (size_t b = 0; b < nb; b++) {
    const VEC vpair = VLOAD_PAIR(wb[b] + s);
    const float* x0 = (const float*) (base + (size_t) ib[b][s] * row_stride);
    const float* x1 = (const float*) (base + (size_t) ib[b][s + 1] * row_stride);
    madd_row(nv, masked, mask, acc[b], x0, VPAIR_LO(vpair));
    madd_row(nv, masked, mask, acc[b], x1, VPAIR_HI(vpair));
  }
}

/*
 * K-blocking: a tile's input rows (nv * LANES * 4 bytes each, in random order within a run)
 * are re-read by every channel, so the runs are cut into K-blocks of at most this many bytes of
 * rows and all channels finish one K-block before the next starts: the rows stay in L1 (K = 256
 * rows of a 64-pixel tile would be 64 KiB). Between K-blocks the partial sums live in the
 * output rows (unclamped), which costs one load and one store per accumulator per K-block.
 */
#define NM_K_BLOCK_BYTES 16384
/* Passes of at most this many pixels take all runs in one K-block: their rows are short, and
 * cutting every channel's stream into K-blocks costs more than the rows' reuse gains (each
 * K-block walks every channel's weights again, thousands of short streams). */
#define NM_UNBLOCKED_PIXELS 16

struct k_block {
  size_t first_slot;  /* slot (run * n) of the K-block's first run in every channel's stream */
  size_t groups;      /* runs in this K-block */
  int first;          /* the accumulators start from the bias (else from the output rows) */
  int last;           /* the results are clamped (else stored as partial sums) */
};

/* Runs per K-block for a tile of nv vectors and runs of m rows (at least one). */
INLINE size_t k_block_groups(size_t nv, size_t m) {
  const size_t rows = NM_K_BLOCK_BYTES / (nv * LANES * sizeof(float));
  return rows >= m ? rows / m : 1;
}

/*
 * nb channels (nb <= MAX_C) of one tile of nv vectors. Channel b's bias is bias[b], its values
 * start at w + b * w_stride and its indices at idx + b * idx_stride. n_fixed is n as a compile-time
 * constant (1, 2 or 4: the run is straight-line code) or 0 (a loop over any n). nv, nb, masked
 * (and for SSE2 mask) and n_fixed are constants at every call site, so acc[][] lives in
 * registers.
 */
INLINE void nm_block(
    size_t nv, size_t nb, int masked, MASK mask, size_t n_fixed, size_t n, struct k_block kb,
    const float* input, size_t row_stride, size_t group_stride, const float* bias, const float* w,
    size_t w_stride, const uint8_t* idx, size_t idx_stride, float* output, size_t output_stride, VEC vmin,
    VEC vmax) {
  VEC acc[MAX_C][MAX_V];
  const float* wb[MAX_C];
  const uint8_t* ib[MAX_C];
  UNROLL
  for (size_t b = 0; b < nb; b++) {
    wb[b] = w + b * w_stride + kb.first_slot;
    ib[b] = idx + b * idx_stride + kb.first_slot;
    /* Two pointers per channel, kept apart: a channel's values and indices have the same stride,
     * and GCC 12 otherwise rewrites them as shared offsets from two bases, with which its
     * register allocator moved more of the run loop's pointers through xmm registers (AVX-512
     * 32x1 at 4:8: 34 vmovq per 8 slots instead of 8; objdump). */
    __asm__("" : "+r"(wb[b]), "+r"(ib[b]));
    const VEC vbias = VSET1(bias[b]);
    const float* partial = (const float*) ((uintptr_t) output + b * output_stride);
    UNROLL
    for (size_t i = 0; i < nv; i++) {
      acc[b][i] = kb.first ? vbias : vload(partial + LANES * i, LAST_MASKED(masked, i, nv), mask);
    }
  }
  const size_t groups = kb.groups;
  const char* base = (const char*) input;
  /* s: slot offset of the current run in every channel's value and index streams. */
  for (size_t g = groups, s = 0; g != 0; g--, s += n) {
    if (n_fixed == 1) {
      madd_slot(nv, nb, masked, mask, acc, wb, ib, s, base, row_stride);
    } else if (n_fixed != 0) {
      UNROLL
      for (size_t j = 0; j < n_fixed; j += 2) {
        madd_pair(nv, nb, masked, mask, acc, wb, ib, s + j, base, row_stride);
      }
    } else {
      size_t j = 0;
      for (; j + 2 <= n; j += 2) {
        madd_pair(nv, nb, masked, mask, acc, wb, ib, s + j, base, row_stride);
      }
      if (j != n) {
        madd_slot(nv, nb, masked, mask, acc, wb, ib, s + j, base, row_stride);
      }
    }
    base += group_stride;
  }
  UNROLL
  for (size_t b = 0; b < nb; b++) {
    UNROLL
    for (size_t i = 0; i < nv; i++) {
      const VEC v = kb.last ? vclamp(acc[b][i], vmin, vmax) : acc[b][i];
      vstore(output + LANES * i, v, LAST_MASKED(masked, i, nv), mask);
    }
    output = (float*) ((uintptr_t) output + output_stride);
  }
}

/*
 * One tile of nv vectors over all nc channels: blocks of nb (1, 2 or 4) channels, then the
 * leftover nc % nb in blocks of 2 and 1. n_fixed is n as a compile-time constant, or 0.
 * The runs are taken in K-blocks whose input rows for this tile fit in NM_K_BLOCK_BYTES (see
 * struct k_block), every channel of the tile finishing one K-block before the next starts.
 */
INLINE void nm_tile(
    size_t nv, size_t nb, int masked, MASK mask, size_t n_fixed, size_t n, size_t nc,
    size_t groups, const float* input, size_t row_stride, size_t group_stride, const float* bias, const float* w,
    const uint8_t* idx, float* output, size_t output_stride, VEC vmin, VEC vmax) {
  if (n_fixed != 0) {
    n = n_fixed;
  }
  const size_t idx_stride = groups * n;
  const size_t w_stride = idx_stride;
  const size_t block_groups = nv * LANES <= NM_UNBLOCKED_PIXELS
                                  ? groups
                                  : k_block_groups(nv, row_stride != 0 ? group_stride / row_stride : 1);
  /* At least one K-block, so that groups == 0 still writes the clamped bias. */
  size_t g = 0;
  do {
    const struct k_block kb = {
        .first_slot = g * n,
        .groups = groups - g < block_groups ? groups - g : block_groups,
        .first = g == 0,
        .last = groups - g <= block_groups,
    };
    const float* kb_input = (const float*) ((uintptr_t) input + g * group_stride);
    const float* cbias = bias;
    const float* cw = w;
    const uint8_t* cidx = idx;
    float* cout = output;
    size_t left = nc;
    /* The block size must be a literal at each nm_block call for acc[][] to stay in registers. */
#define BLOCKS(BS)                                                                                 \
    if (nb >= BS) {                                                                                \
      for (; left >= BS; left -= BS) {                                                             \
        nm_block(nv, BS, masked, mask, n_fixed, n, kb, kb_input, row_stride, group_stride, cbias,  \
                 cw, w_stride, cidx, idx_stride, cout, output_stride, vmin, vmax);                 \
        cbias += BS;                                                                               \
        cw += BS * w_stride;                                                                       \
        cidx += BS * idx_stride;                                                                   \
        cout = (float*) ((uintptr_t) cout + BS * output_stride);                                   \
      }                                                                                            \
    }
    BLOCKS(4)
    BLOCKS(2)
    BLOCKS(1)
#undef BLOCKS
    g += block_groups;
  } while (g < groups);
}

/*
 * Channels per block for a pass of v vectors, given `accumulators` registers for the block: as
 * many as fit, up to 4, so a narrow remainder pass keeps several dependency chains.
 */
INLINE size_t block_channels(size_t accumulators, size_t v) {
  return accumulators >= 4 * v ? 4 : accumulators >= 2 * v ? 2 : 1;
}

#ifdef TAIL_MASK
/*
 * Full tiles of nv vectors, then the remaining 1 .. nv * LANES - 1 pixels in one pass of
 * ceil(rest / LANES) vectors, the last one masked: every pass streams all the weights again, so
 * one narrow pass beats halving tiles.
 */
INLINE void nm_all_tiles(
    size_t nv, size_t nb, size_t n_fixed, size_t n, size_t mc, size_t nc, size_t groups,
    const float* input, size_t row_stride, size_t group_stride, const float* bias, const float* w,
    const uint8_t* idx, float* output, size_t output_stride, VEC vmin, VEC vmax) {
  size_t p = 0;
  for (; p + nv * LANES <= mc; p += nv * LANES) {
    nm_tile(nv, nb, 0, TAIL_MASK(LANES), n_fixed, n, nc, groups, input + p, row_stride,
            group_stride, bias, w, idx, output + p, output_stride, vmin, vmax);
  }
  if (p == mc) {
    return;
  }
  const size_t rest = mc - p;
  const size_t rest_vectors = (rest + LANES - 1) / LANES;
  /* The low rest - LANES * (rest_vectors - 1) lanes (1 to LANES) of the last vector. */
  const size_t last_lanes = rest - LANES * (rest_vectors - 1);
  const MASK mask = TAIL_MASK(last_lanes);
  const int tail_kind = TAIL_KIND(last_lanes);
  input += p;
  output += p;
  /* rest_vectors <= nv; the `nv >= V` tests drop the impossible cases at compile time. */
  switch (rest_vectors) {
#define REST_TILE(V, KIND)                                                                           \
  nm_tile(V, block_channels(nb * nv, V), KIND, mask, n_fixed, n, nc, groups, input, row_stride,      \
          group_stride, bias, w, idx, output, output_stride, vmin, vmax)
#define REST_CASE(V)                                                                                 \
    case V:                                                                                          \
      if (nv >= V) {                                                                                 \
        CALL_REST_TILE(V, tail_kind, REST_TILE);                                                     \
      }                                                                                              \
      break;
    REST_CASE(1)
    REST_CASE(2)
    REST_CASE(3)
    REST_CASE(4)
    REST_CASE(5)
    REST_CASE(6)
    REST_CASE(7)
    REST_CASE(8)
#undef REST_CASE
#undef REST_TILE
    default:
      break;
  }
}
#else
/* Full tiles and the pixel remainder: defined by the including file, after this header. */
INLINE void nm_all_tiles(
    size_t nv, size_t nb, size_t n_fixed, size_t n, size_t mc, size_t nc, size_t groups,
    const float* input, size_t row_stride, size_t group_stride, const float* bias, const float* w,
    const uint8_t* idx, float* output, size_t output_stride, VEC vmin, VEC vmax);
#endif

/* All tiles of an MRx1 kernel (MR = nv * LANES) with nb channels per block; n as a constant
 * for the common n = 1, 2, 4. */
INLINE void nm_kernel(
    size_t nv, size_t nb, size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input,
    size_t row_stride, const float* bias, const float* weights, const uint8_t* indices, float* output,
    size_t output_stride, const struct sprig_f32_minmax_params* params) {
  const VEC vmin = VSET1(params->min);
  const VEC vmax = VSET1(params->max);
  const size_t group_stride = m * row_stride;
  switch (n) {
    case 1:
      nm_all_tiles(nv, nb, 1, n, mc, nc, groups, input, row_stride, group_stride, bias, weights, indices,
                   output, output_stride, vmin, vmax);
      break;
    case 2:
      nm_all_tiles(nv, nb, 2, n, mc, nc, groups, input, row_stride, group_stride, bias, weights, indices,
                   output, output_stride, vmin, vmax);
      break;
    case 4:
      nm_all_tiles(nv, nb, 4, n, mc, nc, groups, input, row_stride, group_stride, bias, weights, indices,
                   output, output_stride, vmin, vmax);
      break;
    default:
      nm_all_tiles(nv, nb, 0, n, mc, nc, groups, input, row_stride, group_stride, bias, weights, indices,
                   output, output_stride, vmin, vmax);
      break;
  }
}
