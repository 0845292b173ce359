/*
 * The x86 f32 SpMM kernel body shared by sse2.c, avx2.c and avx512f.c, which differ only in
 * vector width, intrinsics and the pixel remainder. Not compiled on its own: each of those files
 * includes its intrinsics header, defines the names below, includes this header once, then
 * defines its kernels with spmm_all_tiles(MR / LANES, NR, prefetch, ...): prefetch is 1 for
 * the _prefetch kernels of kernels/f32-spmm/list.inc, 0 for the others (the prefetch
 * instructions and the walk ahead then compile away). The ISA's names come from
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
 *   VBROADCAST(p)          *p in every lane (the weights)
 *   VSET1(f)               f in every lane (the clamp bounds)
 *   VMIN(a, b), VMAX(a, b) lane-wise minimum and maximum, b when either is NaN
 *   LANE_INDEX             optional, with the next three: a vector of lane numbers
 *   LANE_INDEX_SET(l)      l in every lane of a LANE_INDEX
 *   VLOAD_GROUP(p)         GROUP (8) floats from p in the low lanes, the others undefined
 *   VPERMUTE(index, v)     the lanes of v chosen by index. With these, single-channel tiles
 *                          take a channel's nonzeros GROUP at a time (see spmm_group)
 *   TAIL_MASK(k)           optional: the mask of the low k lanes (1 <= k <= LANES). With it, this
 *                          header defines spmm_all_tiles: one pass over the last mc % MR pixels,
 *                          the last vector masked. Without it, the including file defines its
 *                          own spmm_all_tiles after this header.
 */
#if !defined(LANES) || !defined(INLINE)
#error "x86-template.h is included by sse2.c, avx2.c and avx512f.c after they define INLINE, VEC, LANES, ..."
#endif

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sprig/spmm.h>

/* Largest V and NR any kernel instantiates (register arrays are sized by these). */
#define MAX_V 16
#define MAX_NR 4

/* How many nonzeros ahead of the loads the input prefetch runs. 16 rather than 8: side by side
 * on Zen 5 with the caches flushed between runs (input in DRAM/L3), 1-18% faster on MobileNet
 * v1 shapes (most on the 112x112 and 56x56 ones), and 0-2% with warm caches. */
#define PREFETCH_DISTANCE 16

#include <isa/x86-vector.h>

/*
 * A pointer that walks the input rows PREFETCH_DISTANCE nonzeros ahead of the loads. It
 * consumes at most `left` deltas (all the call has), so it never reads past input_deltas; past
 * the last nonzero it may point anywhere, which prefetcht0 tolerates (it never faults).
 */
struct prefetcher {
  const float* row;
  const int8_t* deltas;
  size_t left;
  size_t stride;
  /* 0: issue no prefetches (a compile-time constant at every spmm_tile call, so the walk and
   * the prefetch instructions compile away). */
  int on;
};

/* One delta on; `checked` (a compile-time constant): only if one is left. Unchecked steps are for
 * stretches that end before the last delta (see spmm_tile). */
INLINE void prefetcher_step(struct prefetcher* pf, int checked) {
  if (!checked || pf->left != 0) {
    pf->row = sprig_spmm_next_row(pf->row, *pf->deltas++, pf->stride);
    pf->left--;
  }
}

INLINE struct prefetcher prefetcher_start(const float* input, size_t stride, const int8_t* deltas, size_t total,
                                          int on) {
  struct prefetcher pf = {input, deltas, total, stride, on};
  for (size_t i = 0; on && i < PREFETCH_DISTANCE; i++) {
    prefetcher_step(&pf, 1);
  }
  return pf;
}

/* Prefetches the first 64-byte line of a row and moves to the next row. Prefetching every line
 * of the row (up to 16 for 256x1) measured 3-11% slower on Zen 5: the explicit prefetches
 * compete with the loads for load ports, and the hardware's adjacent-line and stream
 * prefetchers follow the first line. */
INLINE void prefetcher_next(struct prefetcher* pf, int checked) {
  if (pf->on) {
    _mm_prefetch((const char*) pf->row, _MM_HINT_T0);
    prefetcher_step(pf, checked);
  }
}

/* Accumulator dependency chains a single-channel tile keeps in flight: at least FMA latency x
 * FMA ports (8 on the x86 cores we measure). REST_ACC_CHAINS is for the pass over a row's last
 * mc % MR pixels; an including file with registers to spare may raise it (see avx512f.c). */
#define ACC_CHAINS 8
#ifndef REST_ACC_CHAINS
#define REST_ACC_CHAINS ACC_CHAINS
#endif
#define MAX_ACC_CHAINS 16

/* acc += the nv vectors of the input row * vw (the weight in every lane); then moves the input
 * `delta` rows on. The FMAs of one nonzero of a single-channel tile. */
INLINE void spmm_row_madd(size_t nv, int masked, MASK mask, VEC* acc, const float** input, VEC vw, int8_t delta,
                          size_t stride) {
  for (size_t i = 0; i < nv; i++) {
    acc[i] = VMADD(acc[i], vload(*input + LANES * i, LAST_MASKED(masked, i, nv), mask), vw);
  }
  *input = sprig_spmm_next_row(*input, delta, stride);
}

/* One nonzero of a single-channel tile: acc += its input row * its weight; moves to the next row. */
INLINE void spmm_step(size_t nv, int masked, MASK mask, int checked, VEC* acc, const float** input, const float** w,
                      const int8_t** deltas, struct prefetcher* pf) {
  const int8_t delta = *(*deltas)++;
  const VEC vw = VBROADCAST((*w)++);
  prefetcher_next(pf, checked);
  spmm_row_madd(nv, masked, mask, acc, input, vw, delta, pf->stride);
}

#ifdef VPERMUTE
/*
 * GROUP nonzeros of a single-channel tile, nonzero l into accumulator set l % sets (sets divides
 * GROUP): one load of their GROUP weights, each put in every lane by a permute, and one load of
 * their GROUP row steps. Measured on Zen 5 with everything in L1: 7 FMAs with a broadcast load
 * of the weight ran at 84% of the FMA peak, with a permute instead at 95% (the broadcast load
 * takes an FMA-pipe slot, the permute does not), and a one-byte step load per nonzero that the
 * next input loads depend on cost ~20% more. Reads only the GROUP weights and steps it consumes.
 */
#define GROUP 8
INLINE void spmm_group(size_t sets, size_t nv, int masked, MASK mask, int checked, VEC acc[][MAX_V],
                       const float** input, const float** w, const int8_t** deltas, struct prefetcher* pf,
                       const LANE_INDEX* lanes) {
  const VEC weights = VLOAD_GROUP(*w);
  uint64_t steps;
  memcpy(&steps, *deltas, sizeof(steps));
  /* Unrolled so that acc[l % sets] names registers (GCC keeps a rolled loop's sets in memory). */
#pragma GCC unroll 8
  for (size_t l = 0; l < GROUP; l++) {
    const VEC vw = VPERMUTE(lanes[l], weights);
    prefetcher_next(pf, checked);
    /* Step l is byte l of the little-endian word. */
    spmm_row_madd(nv, masked, mask, acc[l % sets], input, vw, (int8_t) (steps >> (8 * l)), pf->stride);
  }
  *w += GROUP;
  *deltas += GROUP;
}
#endif

/* One block of nr channels over one tile of nv vectors: its `columns` stored columns, the nv
 * input vectors of a column loaded once and multiplied by the nr weights, then the nr clamped
 * output rows. `checked` as for prefetcher_step. */
INLINE void spmm_block(size_t nv, size_t nr, int masked, MASK mask, int checked, uint32_t columns, const float* bias,
                       const float** input, size_t stride, const float** w, const int8_t** deltas,
                       struct prefetcher* pf, float* output, size_t output_stride, VEC vmin, VEC vmax) {
  VEC acc[MAX_NR][MAX_V];
  for (size_t r = 0; r < nr; r++) {
    const VEC vbias = VBROADCAST(bias + r);
    for (size_t i = 0; i < nv; i++) {
      acc[r][i] = vbias;
    }
  }
  for (uint32_t j = columns; j != 0; j--) {
    const int8_t delta = *(*deltas)++;
    prefetcher_next(pf, checked);
    VEC x[MAX_V];
    for (size_t i = 0; i < nv; i++) {
      x[i] = vload(*input + LANES * i, LAST_MASKED(masked, i, nv), mask);
    }
    for (size_t r = 0; r < nr; r++) {
      const VEC vw = VBROADCAST(*w + r);
      for (size_t i = 0; i < nv; i++) {
        acc[r][i] = VMADD(acc[r][i], x[i], vw);
      }
    }
    *w += nr;
    *input = sprig_spmm_next_row(*input, delta, stride);
  }
  for (size_t r = 0; r < nr; r++) {
    for (size_t i = 0; i < nv; i++) {
      vstore(output + LANES * i, vclamp(acc[r][i], vmin, vmax), LAST_MASKED(masked, i, nv), mask);
    }
    output = (float*) ((uintptr_t) output + output_stride);
  }
}

#ifdef VPERMUTE
#define LANES_PARAM , const LANE_INDEX* lanes
#define LANES_ARG , lanes
#else
#define LANES_PARAM , const void* lanes
#define LANES_ARG , NULL
#endif

/* One channel over one tile of nv vectors: its `count` nonzeros taken in turn by `sets`
 * independent accumulator sets (summed at the end, so that a narrow tile still has `chains`
 * dependency chains in flight), then the clamped output row. `checked` as for prefetcher_step. */
INLINE void spmm_channel(size_t chains, size_t nv, int masked, MASK mask, int checked, uint32_t count, float bias,
                         const float** input, const float** w, const int8_t** deltas, struct prefetcher* pf,
                         float* output, VEC vmin, VEC vmax LANES_PARAM) {
  VEC acc[MAX_ACC_CHAINS][MAX_V];
  const size_t sets = nv >= chains ? 1 : chains / nv;
  const VEC vbias = VSET1(bias);
  for (size_t i = 0; i < nv; i++) {
    acc[0][i] = vbias;
    for (size_t s = 1; s < sets; s++) {
      acc[s][i] = VZERO();
    }
  }
  uint32_t j = count;
#ifdef VPERMUTE
  /* Checked channels (a call's last few) take the nonzeros one by one: the same accumulator for
   * every nonzero, so the same results, and half the code. */
  if (!checked && GROUP % sets == 0) {
    for (; j >= GROUP; j -= GROUP) {
      spmm_group(sets, nv, masked, mask, checked, acc, input, w, deltas, pf, lanes);
    }
  }
#else
  (void) lanes;
#endif
  for (; j >= sets; j -= sets) {
    for (size_t s = 0; s < sets; s++) {
      spmm_step(nv, masked, mask, checked, acc[s], input, w, deltas, pf);
    }
  }
  for (size_t s = 0; s + 1 < sets; s++) {
    if (j > s) {
      spmm_step(nv, masked, mask, checked, acc[s], input, w, deltas, pf);
    }
  }
  for (size_t s = 1; s < sets; s++) {
    for (size_t i = 0; i < nv; i++) {
      acc[0][i] = VADD(acc[0][i], acc[s][i]);
    }
  }
  for (size_t i = 0; i < nv; i++) {
    vstore(output + LANES * i, vclamp(acc[0][i], vmin, vmax), LAST_MASKED(masked, i, nv), mask);
  }
}

/*
 * One tile of nv vectors over all nc channels: nc / nr blocks of nr channels, then nc % nr
 * single channels, each of these with `chains` (<= MAX_ACC_CHAINS) accumulator chains. With
 * `masked`, the last vector covers only the lanes in `mask`; with `prefetch`, the input rows are
 * prefetched PREFETCH_DISTANCE nonzeros ahead. chains, nv, nr, masked and prefetch (and for SSE2
 * mask) are compile-time constants at every call site, so the arrays below are registers.
 */
INLINE void spmm_tile(
    size_t chains, size_t nv, size_t nr, int masked, MASK mask, int prefetch, size_t nc, const float* input,
    size_t stride, const float* bias, const float* w, const int8_t* deltas, const uint32_t* nnz, size_t total_nnz,
    float* output, size_t output_stride, VEC vmin, VEC vmax) {
  struct prefetcher pf = prefetcher_start(input, stride, deltas, total_nnz, prefetch);
  size_t n = nc;
  if (nr > 1) {
    for (; n >= nr; n -= nr) {
      spmm_block(nv, nr, masked, mask, 1, *nnz++, bias, &input, stride, &w, &deltas, &pf, output, output_stride,
                 vmin, vmax);
      bias += nr;
      output = (float*) ((uintptr_t) output + nr * output_stride);
    }
  }
#ifdef VPERMUTE
  LANE_INDEX lanes[GROUP];
  for (size_t l = 0; l < GROUP; l++) {
    lanes[l] = LANE_INDEX_SET(l);
  }
#endif
  for (; n != 0; n--) {
    const uint32_t count = *nnz++;
    /* The prefetcher runs out of deltas only within the call's last PREFETCH_DISTANCE nonzeros:
     * a channel that ends before that steps it without checking, so its loops have no branch
     * per nonzero for it. With the branches, GCC 12 kept the accumulators of the 112x1 _prefetch
     * kernel moving between registers once it was a function of its own (10 more vmovaps per 8
     * nonzeros, 14% slower on 3136 x 64 x 128); unchecked, its loop is 138 instructions per 8
     * nonzeros against 172 before, at the same speed. (Blocks of NR channels keep the checked
     * steps: their loops compiled as before.) */
    if (prefetch && pf.left < count) {
      spmm_channel(chains, nv, masked, mask, 1, count, *bias, &input, &w, &deltas, &pf, output, vmin, vmax LANES_ARG);
    } else {
      spmm_channel(chains, nv, masked, mask, 0, count, *bias, &input, &w, &deltas, &pf, output, vmin, vmax LANES_ARG);
    }
    bias++;
    output = (float*) ((uintptr_t) output + output_stride);
  }
}

/* The deltas of one call: nnz has nc / nr block counts, then nc % nr channel counts, and there is
 * one delta per count. */
INLINE size_t total_nnz(size_t nc, size_t nr, const uint32_t* nnz) {
  size_t total = 0;
  for (size_t i = 0; i < nc / nr + nc % nr; i++) {
    total += nnz[i];
  }
  return total;
}

#ifdef TAIL_MASK
/*
 * Full tiles of nv vectors, then the remaining 1 .. nv * LANES - 1 pixels in one pass of
 * ceil(rest / LANES) vectors, the last one masked. One pass rather than halving tiles: every
 * pass streams all the weights again, and a narrow pass is as slow per nonzero as a wide one (it
 * is bound by the FMA latency of its few accumulators), which matters for 7x7 and 14x14 layers.
 */
INLINE void spmm_all_tiles(
    size_t nv, size_t nr, int prefetch, size_t mc, size_t nc, const float* input, size_t stride, const float* bias,
    const float* w, const int8_t* deltas, const uint32_t* nnz, float* output, size_t output_stride,
    const struct sprig_f32_minmax_params* params) {
  const VEC vmin = VSET1(params->min);
  const VEC vmax = VSET1(params->max);
  const size_t total = total_nnz(nc, nr, nnz);
  size_t p = 0;
  for (; p + nv * LANES <= mc; p += nv * LANES) {
    spmm_tile(ACC_CHAINS, nv, nr, 0, TAIL_MASK(LANES), prefetch, nc, input + p, stride, bias, w, deltas, nnz,
              total, output + p, output_stride, vmin, vmax);
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
#define REST_TILE(V, KIND)                                                                            \
  spmm_tile(REST_ACC_CHAINS, V, nr, KIND, mask, prefetch, nc, input, stride, bias, w, deltas, nnz,    \
            total, output, output_stride, vmin, vmax)
#define REST_CASE(V)                                                                                  \
    case V:                                                                                           \
      if (nv >= V) {                                                                                  \
        CALL_REST_TILE(V, tail_kind, REST_TILE);                                                      \
      }                                                                                               \
      break;
    REST_CASE(1)
    REST_CASE(2)
    REST_CASE(3)
    REST_CASE(4)
    REST_CASE(5)
    REST_CASE(6)
    REST_CASE(7)
    REST_CASE(8)
    REST_CASE(9)
    REST_CASE(10)
    REST_CASE(11)
    REST_CASE(12)
    REST_CASE(13)
    REST_CASE(14)
    REST_CASE(15)
    REST_CASE(16)
#undef REST_CASE
#undef REST_TILE
    default:
      break;
  }
}
#endif
