/*
 * The f16 SpMM kernel body shared by the SIMD kernels (avx2.c, avx512f.c, avx512fp16.c,
 * aarch64-neonfma.c, aarch64-neonfp16arith.c, wasmsimd.c), which differ in vector width, in how
 * halves become accumulator lanes (converted to f32, or kept as halves) and in partial vectors.
 * Not compiled on its own: each of those files defines the names below, includes this header
 * once, then defines its kernels with SPMM_KERNEL(function, MR / LANES).
 *
 *   INLINE                  static inline __attribute__((always_inline))
 *   VEC                     the accumulator vector type; LANES pixels per vector
 *   VLOAD_X(p)              LANES input halves from p as a VEC
 *   VLOAD_X_PART(p, k)      the first k (1 <= k < LANES) halves from p, the other lanes zero;
 *                           reads nothing past p[k - 1]
 *   VSTORE_Y(p, v)          v as LANES halves to p (rounded to nearest even)
 *   VSTORE_Y_PART(p, v, k)  the first k lanes of v as halves to p; writes nothing else
 *   VMADD(acc, x, w)        acc + x * w, fused
 *   VADD(a, b), VZERO()
 *   VBROADCAST_HALF(h)      the half with bits h in every lane (the bias)
 *   WGROUP                  GROUP (8) weights of a channel, as lanes of one register
 *   VLOAD_WGROUP(p)         the GROUP halves at p as a WGROUP (reads exactly those)
 *   VPERM_W(g, l)           weight l of g in every lane (l a compile-time constant)
 *   VCLAMP_MIN(params), VCLAMP_MAX(params)  the clamp bounds as VECs
 *   VMIN(a, b), VMAX(a, b)  lane-wise minimum and maximum, b when either is NaN
 *
 * Optional, for ISAs without masked loads (a kernel defines all three or none):
 *   TAIL                    what moving a row's last k halves into lanes 0 .. k-1 takes (a
 *                           shuffle index), the same for every row of a call
 *   VTAIL_INIT(k)           the TAIL for k (1 <= k < LANES)
 *   VLOAD_X_TAIL(p, t)      the LANES halves at p (p + LANES is the row's end), their last k in
 *                           lanes 0 .. k-1 and zeros above, by the TAIL t for k
 * With them a partial last vector of a row of at least LANES pixels is one full load ending at
 * the row's last pixel plus a shuffle (inside input[0 .. mc): the pixels before the partial
 * vector are the row's own); VLOAD_X_PART is then used only for rows shorter than one vector.
 */
#if !defined(LANES) || !defined(INLINE)
#error "simd-template.h is included by the SIMD kernel files after they define INLINE, VEC, LANES, ..."
#endif

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sprig/f16-spmm.h>

/* Largest number of vectors per tile any kernel instantiates. */
#define MAX_V 4

/* Accumulator dependency chains a single-channel tile keeps in flight: at least FMA latency x
 * FMA pipes (8: a 4-cycle FMA on 2 pipes). Narrow tiles take the nonzeros in turn into
 * ACC_CHAINS / V accumulator sets, summed at the end of the channel. */
#define ACC_CHAINS 8

/* Nonzeros taken GROUP at a time: one load of their weights and one of their row steps. */
#define GROUP 8

INLINE const uint16_t* next_row(const uint16_t* row, int8_t delta, size_t stride) {
  return (const uint16_t*) ((uintptr_t) row + (uintptr_t) ((intptr_t) delta * (intptr_t) stride));
}

#ifdef VLOAD_X_TAIL
#define HAS_TAIL 1
#else
#define HAS_TAIL 0
#define TAIL int
#define VTAIL_INIT(k) 0
#define VLOAD_X_TAIL(p, t) VLOAD_X(p)
#endif

/* How the last vector of a tile is loaded and stored (a compile-time constant in every tile). */
enum part {
  PART_NONE,   /* LANES pixels: full loads and stores */
  PART_MASKED, /* k < LANES pixels: VLOAD_X_PART, VSTORE_Y_PART */
  PART_TAIL,   /* k < LANES pixels of a row of at least LANES: VLOAD_X_TAIL, VSTORE_Y_PART */
};

/* The partial last vector of a tile: its pixel count and its TAIL (PART_TAIL only). */
struct partial {
  size_t k;
  TAIL tail;
};

/* The vector at p: LANES halves, or (`part` != PART_NONE) only the first k, the others zero. */
INLINE VEC load_x(const uint16_t* p, enum part part, struct partial last) {
  switch (part) {
    case PART_MASKED:
      return VLOAD_X_PART(p, last.k);
    case PART_TAIL:
      return VLOAD_X_TAIL(p - (LANES - last.k), last.tail);
    default:
      return VLOAD_X(p);
  }
}

/* v as LANES halves to p, or (`part` != PART_NONE) only its first k lanes. */
INLINE void store_y(uint16_t* p, VEC v, enum part part, size_t k) {
  if (part != PART_NONE) {
    VSTORE_Y_PART(p, v, k);
  } else {
    VSTORE_Y(p, v);
  }
}

/* acc += the nv vectors of the input row * vw; then moves the input `delta` rows on. */
INLINE void row_madd(size_t nv, enum part part, struct partial last, VEC* acc, const uint16_t** input, VEC vw,
                     int8_t delta, size_t stride) {
  for (size_t i = 0; i < nv; i++) {
    acc[i] = VMADD(acc[i], load_x(*input + LANES * i, i == nv - 1 ? part : PART_NONE, last), vw);
  }
  *input = next_row(*input, delta, stride);
}

/* GROUP nonzeros, nonzero l into accumulator set l % sets (sets divides GROUP). */
INLINE void spmm_group(size_t sets, size_t nv, enum part part, struct partial last, VEC acc[][MAX_V],
                       const uint16_t** input, const uint16_t** w, const int8_t** deltas, size_t stride) {
  const WGROUP weights = VLOAD_WGROUP(*w);
  uint64_t steps;
  memcpy(&steps, *deltas, sizeof(steps));
#pragma GCC unroll 8
  for (size_t l = 0; l < GROUP; l++) {
    /* Step l is byte l of the little-endian word. */
    row_madd(nv, part, last, acc[l % sets], input, VPERM_W(weights, l), (int8_t) (steps >> (8 * l)), stride);
  }
  *w += GROUP;
  *deltas += GROUP;
}

/* One nonzero: its weight broadcast on its own. */
INLINE void spmm_step(size_t nv, enum part part, struct partial last, VEC* acc, const uint16_t** input,
                      const uint16_t** w, const int8_t** deltas, size_t stride) {
  const VEC vw = VBROADCAST_HALF(**w);
  *w += 1;
  row_madd(nv, part, last, acc, input, vw, *(*deltas)++, stride);
}

/* One channel over one tile of nv vectors: its `count` nonzeros in `sets` accumulator sets, then
 * the clamped output row. */
INLINE void spmm_channel(size_t nv, enum part part, struct partial last, uint32_t count, uint16_t bias,
                         const uint16_t** input, size_t stride, const uint16_t** w, const int8_t** deltas,
                         uint16_t* output, VEC vmin, VEC vmax) {
  const size_t sets = nv >= ACC_CHAINS ? 1 : ACC_CHAINS / nv;
  VEC acc[ACC_CHAINS][MAX_V];
  const VEC vbias = VBROADCAST_HALF(bias);
  for (size_t i = 0; i < nv; i++) {
    acc[0][i] = vbias;
    for (size_t s = 1; s < sets; s++) {
      acc[s][i] = VZERO();
    }
  }
  uint32_t j = count;
  for (; j >= GROUP; j -= GROUP) {
    spmm_group(sets, nv, part, last, acc, input, w, deltas, stride);
  }
  /* The last count % GROUP nonzeros, in turn into the sets. Every accumulator index is a
   * compile-time constant, so that the accumulators stay in registers. */
#pragma GCC unroll 8
  for (size_t l = 0; l < GROUP - 1; l++) {
    if (l < j) {
      spmm_step(nv, part, last, acc[l % sets], input, w, deltas, stride);
    }
  }
  for (size_t s = 1; s < sets; s++) {
    for (size_t i = 0; i < nv; i++) {
      acc[0][i] = VADD(acc[0][i], acc[s][i]);
    }
  }
  for (size_t i = 0; i < nv; i++) {
    /* The bound goes first: min/max return their second operand when either is NaN. */
    store_y(output + LANES * i, VMIN(vmax, VMAX(vmin, acc[0][i])), i == nv - 1 ? part : PART_NONE, last.k);
  }
}

/* One tile of nv vectors (the last one partial unless `part` is PART_NONE) over all nc channels. */
INLINE void spmm_tile(size_t nv, enum part part, struct partial last, size_t nc, const uint16_t* input,
                      size_t stride, const uint16_t* bias, const uint16_t* w, const int8_t* deltas,
                      const uint32_t* nnz, uint16_t* output, size_t output_stride, VEC vmin, VEC vmax) {
  for (size_t n = 0; n < nc; n++) {
    spmm_channel(nv, part, last, nnz[n], bias[n], &input, stride, &w, &deltas, output, vmin, vmax);
    output = (uint16_t*) ((uintptr_t) output + output_stride);
  }
}

/* The first `full` pixels (a multiple of nv * LANES) in full tiles of nv vectors. */
INLINE void spmm_full_tiles(size_t nv, size_t full, size_t nc, const uint16_t* input, size_t stride,
                            const uint16_t* bias, const uint16_t* w, const int8_t* deltas, const uint32_t* nnz,
                            uint16_t* output, size_t output_stride, const struct sprig_f16_minmax_params* params) {
  const VEC vmin = VCLAMP_MIN(params);
  const VEC vmax = VCLAMP_MAX(params);
  const struct partial none = {LANES, VTAIL_INIT(1)};
  for (size_t p = 0; p < full; p += nv * LANES) {
    spmm_tile(nv, PART_NONE, none, nc, input + p, stride, bias, w, deltas, nnz, output + p, output_stride, vmin,
              vmax);
  }
}

/*
 * The remaining 1 .. nv * LANES - 1 pixels from pixel p of rows of mc pixels, in one pass of
 * ceil(rest / LANES) vectors, the last one partial: every pass streams all the weights again.
 */
INLINE void spmm_rest(size_t nv, size_t p, size_t mc, size_t nc, const uint16_t* input, size_t stride,
                      const uint16_t* bias, const uint16_t* w, const int8_t* deltas, const uint32_t* nnz,
                      uint16_t* output, size_t output_stride, const struct sprig_f16_minmax_params* params) {
  const VEC vmin = VCLAMP_MIN(params);
  const VEC vmax = VCLAMP_MAX(params);
  const size_t rest = mc - p;
  const size_t rest_vectors = (rest + LANES - 1) / LANES;
  const size_t k = rest - LANES * (rest_vectors - 1);
  const enum part part = k == LANES ? PART_NONE : HAS_TAIL && mc >= LANES ? PART_TAIL : PART_MASKED;
  const struct partial last = {k, VTAIL_INIT(k == LANES ? 1 : k)};
  input += p;
  output += p;
  /* rest_vectors <= nv; the `nv >= V` tests drop the impossible cases at compile time, and with
   * HAS_TAIL, PART_MASKED (rows shorter than LANES) has a single vector. */
  switch (rest_vectors) {
#define REST_CASE(V)                                                                                         \
    case V:                                                                                                  \
      if (nv >= V) {                                                                                         \
        if (part == PART_TAIL) {                                                                             \
          if (HAS_TAIL) {                                                                                    \
            spmm_tile(V, PART_TAIL, last, nc, input, stride, bias, w, deltas, nnz, output, output_stride,    \
                      vmin, vmax);                                                                           \
          }                                                                                                  \
        } else if (part == PART_MASKED) {                                                                    \
          if (!HAS_TAIL || V == 1) {                                                                         \
            spmm_tile(V, PART_MASKED, last, nc, input, stride, bias, w, deltas, nnz, output, output_stride,  \
                      vmin, vmax);                                                                           \
          }                                                                                                  \
        } else {                                                                                             \
          spmm_tile(V, PART_NONE, last, nc, input, stride, bias, w, deltas, nnz, output, output_stride,      \
                    vmin, vmax);                                                                             \
        }                                                                                                    \
      }                                                                                                      \
      break;
    REST_CASE(1)
    REST_CASE(2)
    REST_CASE(3)
    REST_CASE(4)
#undef REST_CASE
    default:
      break;
  }
}

/*
 * Defines the kernel `fn` for tiles of nv vectors. Its full tiles run in fn##_main_tiles, a
 * function of its own: scripts/neon-mca.sh measures the loops of the functions named
 * *_main_tiles when a kernel has one (the remainder tiles' loops look alike and are not the
 * steady state).
 */
#define SPMM_KERNEL(fn, nv)                                                                                  \
  static __attribute__((noinline)) void fn##_main_tiles(                                                    \
      size_t full, size_t nc, const uint16_t* input, size_t input_stride, const uint16_t* bias,              \
      const uint16_t* weights, const int8_t* input_deltas, const uint32_t* nnz, uint16_t* output,            \
      size_t output_stride, const struct sprig_f16_minmax_params* params) {                                  \
    spmm_full_tiles(nv, full, nc, input, input_stride, bias, weights, input_deltas, nnz, output, output_stride, \
                    params);                                                                                 \
  }                                                                                                          \
  void fn(size_t mc, size_t nc, const uint16_t* input, size_t input_stride, const uint16_t* bias,            \
          const uint16_t* weights, const int8_t* input_deltas, const uint32_t* nnz, uint16_t* output,        \
          size_t output_stride, const struct sprig_f16_minmax_params* params) {                              \
    const size_t full = mc - mc % ((nv) * LANES);                                                            \
    if (full != 0) {                                                                                         \
      fn##_main_tiles(full, nc, input, input_stride, bias, weights, input_deltas, nnz, output, output_stride, \
                      params);                                                                               \
    }                                                                                                        \
    if (full != mc) {                                                                                        \
      spmm_rest(nv, full, mc, nc, input, input_stride, bias, weights, input_deltas, nnz, output,             \
                output_stride, params);                                                                      \
    }                                                                                                        \
  }
