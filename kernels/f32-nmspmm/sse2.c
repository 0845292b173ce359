/*
 * x86 SSE2 f32 N:M SpMM: 4 pixels per xmm register, V = MR / 4 accumulators per channel, and C
 * channels of the tile computed side by side (C = 4, 2, 1 for MR = 8, 16, 32: always 8
 * accumulators, which with the weights and temporaries fill the 16 xmm registers).
 *
 * Inner loop per stored weight: one movzbl of the index byte and an imul by row_stride (row
 * address = run base + index * row_stride), V movups input loads, V mulps + V addps (no FMA in
 * SSE2: the product is rounded before the add), and the weight broadcast: for n = 2 and 4
 * (2:4, 2:8, 4:8, 4:16) and the pairs of other even n one movq of a weight pair plus two shufps
 * per pair, else movss + shufps. Per run one add of m * row_stride to the run base. n = 1, 2
 * and 4 are compile-time constants (a run is straight-line code); any other n takes a loop.
 * Limits:
 * - Issue: a 4-lane multiply-add is three instructions (movups, mulps, addps; SSE memory
 *   operands must be aligned, so the load is not folded), so this kernel needs ~4x the
 *   instructions per flop of the AVX2 one. Measured on a Zen 5 core: 32x1 (the default) runs
 *   at ~60% of a mulps + addps peak on 3136 pixels x 256 rows x 256 channels at 2:4, ~10%
 *   ahead of the 32x1 CSR kernel on the same weights.
 * - Dependency chains: the order bias + w0*x0 + w1*x1 ... is kept, so each accumulator is one
 *   chain of addps; the C channels at once give 8 chains for every MR.
 *
 * Pixel remainders: one pass over the whole vectors of the last mc % MR pixels, then one pass
 * over the last 1..3 pixels (movq and/or movss), with up to 4 channels per block so that a
 * narrow pass still has several chains; nothing is read or written outside input[0, mc) and
 * output[0, mc). Channels: blocks of C, then the nc % C left over in blocks of 2 and 1.
 */
#include <emmintrin.h>

#include <sprig/nmspmm.h>

#define INLINE static inline __attribute__((always_inline))

/* Loops over compile-time counts (vectors, channels, slots of a run) must become straight-line
 * code so that the accumulators stay in registers; GCC's own heuristics stop short of that for
 * the larger blocks. */
#define UNROLL _Pragma("GCC unroll 16")

/* Largest V and C any kernel below instantiates (the accumulator array is sized by these). */
#define MAX_V 8
#define MAX_C 4

/* How many lanes of the last vector of a tile are pixels. */
enum width {
  width_full = 4,
  width_triple = 3,
  width_pair = 2,
  width_single = 1,
};

/* Loads `width` floats into the low lanes (the others are zero). */
INLINE __m128 load4(const float* p, enum width width) {
  switch (width) {
    case width_single:
      return _mm_load_ss(p);
    case width_pair:
      return _mm_castsi128_ps(_mm_loadl_epi64((const __m128i*) p));
    case width_triple:
      return _mm_movelh_ps(_mm_castsi128_ps(_mm_loadl_epi64((const __m128i*) p)), _mm_load_ss(p + 2));
    default:
      return _mm_loadu_ps(p);
  }
}

INLINE void store4(float* p, __m128 v, enum width width) {
  switch (width) {
    case width_single:
      _mm_store_ss(p, v);
      break;
    case width_pair:
      _mm_storel_epi64((__m128i*) p, _mm_castps_si128(v));
      break;
    case width_triple:
      _mm_storel_epi64((__m128i*) p, _mm_castps_si128(v));
      _mm_store_ss(p + 2, _mm_movehl_ps(v, v));
      break;
    default:
      _mm_storeu_ps(p, v);
      break;
  }
}

INLINE __m128 clamp4(__m128 v, __m128 vmin, __m128 vmax) {
  /* The bound goes first: maxps/minps return the second operand when either is NaN, so a NaN
   * result stays NaN as in the scalar kernel. */
  return _mm_min_ps(vmax, _mm_max_ps(vmin, v));
}

/* acc[0 .. nv) += vw * the nv vectors at x (the last one holding `width` pixels). */
INLINE void madd_row(size_t nv, enum width width, __m128* acc, const float* x, __m128 vw) {
  UNROLL
  for (size_t i = 0; i < nv; i++) {
    acc[i] = _mm_add_ps(acc[i], _mm_mul_ps(load4(x + 4 * i, i == nv - 1 ? width : width_full), vw));
  }
}

/* Slot s of nb channels: acc[b] += w_b[s] * row idx_b[s] of the run at base. */
INLINE void madd_slot(
    size_t nv, size_t nb, enum width width, __m128 acc[][MAX_V], const float* const* wb,
    const uint8_t* const* ib, size_t s, const char* base, size_t row_stride) {
  UNROLL
  for (size_t b = 0; b < nb; b++) {
    const float* x = (const float*) (base + (size_t) ib[b][s] * row_stride);
    madd_row(nv, width, acc[b], x, _mm_load1_ps(wb[b] + s));
  }
}

/* Slots s and s + 1 of nb channels, the two weights of a channel broadcast from one load. */
INLINE void madd_pair(
    size_t nv, size_t nb, enum width width, __m128 acc[][MAX_V], const float* const* wb,
    const uint8_t* const* ib, size_t s, const char* base, size_t row_stride) {
  UNROLL
  for (size_t b = 0; b < nb; b++) {
    const __m128 vpair = _mm_castsi128_ps(_mm_loadl_epi64((const __m128i*) (wb[b] + s)));
    const float* x0 = (const float*) (base + (size_t) ib[b][s] * row_stride);
    const float* x1 = (const float*) (base + (size_t) ib[b][s + 1] * row_stride);
    madd_row(nv, width, acc[b], x0, _mm_shuffle_ps(vpair, vpair, 0x00));
    madd_row(nv, width, acc[b], x1, _mm_shuffle_ps(vpair, vpair, 0x55));
  }
}

/*
 * nb channels (nb <= MAX_C) of one tile of nv vectors. Channel b's stream starts at
 * w + b * w_stride (bias first) and idx + b * idx_stride. n_fixed is n as a compile-time
 * constant (1, 2 or 4: the run is straight-line code) or 0 (a loop over any n). nv, nb, width
 * and n_fixed are constants at every call site, so acc[][] lives in registers.
 */
INLINE void nm_block(
    size_t nv, size_t nb, enum width width, size_t n_fixed, size_t n, size_t groups,
    const float* input, size_t row_stride, size_t group_stride, const float* w, size_t w_stride,
    const uint8_t* idx, size_t idx_stride, float* output, size_t output_stride, __m128 vmin,
    __m128 vmax) {
  __m128 acc[MAX_C][MAX_V];
  const float* wb[MAX_C];
  const uint8_t* ib[MAX_C];
  UNROLL
  for (size_t b = 0; b < nb; b++) {
    wb[b] = w + b * w_stride + 1;
    ib[b] = idx + b * idx_stride;
    const __m128 vbias = _mm_load1_ps(w + b * w_stride);
    UNROLL
    for (size_t i = 0; i < nv; i++) {
      acc[b][i] = vbias;
    }
  }
  const char* base = (const char*) input;
  /* s: slot offset of the current run in every channel's value and index streams. */
  for (size_t g = groups, s = 0; g != 0; g--, s += n) {
    if (n_fixed == 1) {
      madd_slot(nv, nb, width, acc, wb, ib, s, base, row_stride);
    } else if (n_fixed != 0) {
      UNROLL
      for (size_t j = 0; j < n_fixed; j += 2) {
        madd_pair(nv, nb, width, acc, wb, ib, s + j, base, row_stride);
      }
    } else {
      size_t j = 0;
      for (; j + 2 <= n; j += 2) {
        madd_pair(nv, nb, width, acc, wb, ib, s + j, base, row_stride);
      }
      if (j != n) {
        madd_slot(nv, nb, width, acc, wb, ib, s + j, base, row_stride);
      }
    }
    base += group_stride;
  }
  UNROLL
  for (size_t b = 0; b < nb; b++) {
    UNROLL
    for (size_t i = 0; i < nv; i++) {
      store4(output + 4 * i, clamp4(acc[b][i], vmin, vmax), i == nv - 1 ? width : width_full);
    }
    output = (float*) ((uintptr_t) output + output_stride);
  }
}

/*
 * One tile of nv vectors over all nc channels: blocks of nb (1, 2 or 4) channels, then the
 * leftover nc % nb in blocks of 2 and 1. n_fixed is n as a compile-time constant, or 0.
 */
INLINE void nm_tile(
    size_t nv, size_t nb, enum width width, size_t n_fixed, size_t n, size_t nc,
    size_t groups, const float* input, size_t row_stride, size_t group_stride, const float* w,
    const uint8_t* idx, float* output, size_t output_stride, __m128 vmin, __m128 vmax) {
  if (n_fixed != 0) {
    n = n_fixed;
  }
  const size_t idx_stride = groups * n;
  const size_t w_stride = 1 + idx_stride;
  /* The block size must be a literal at each nm_block call for acc[][] to stay in registers. */
#define BLOCKS(BS)                                                                                 \
  if (nb >= BS) {                                                                                  \
    for (; nc >= BS; nc -= BS) {                                                                   \
      nm_block(nv, BS, width, n_fixed, n, groups, input, row_stride, group_stride, w,              \
               w_stride, idx, idx_stride, output, output_stride, vmin, vmax);                      \
      w += BS * w_stride;                                                                          \
      idx += BS * idx_stride;                                                                      \
      output = (float*) ((uintptr_t) output + BS * output_stride);                                 \
    }                                                                                              \
  }
  BLOCKS(4)
  BLOCKS(2)
  BLOCKS(1)
#undef BLOCKS
}

/*
 * Channels per block for a pass of v vectors, given `accumulators` registers for the block: as
 * many as fit, up to 4, so a narrow remainder pass keeps several dependency chains.
 */
INLINE size_t block_channels(size_t accumulators, size_t v) {
  return accumulators >= 4 * v ? 4 : accumulators >= 2 * v ? 2 : 1;
}

/*
 * Full tiles of nv vectors, then the whole vectors of the rest in one pass, then the last
 * 1..3 pixels in one pass: every pass streams all the weights again, so few passes beat
 * halving tiles.
 */
INLINE void nm_all_tiles(
    size_t nv, size_t nb, size_t n_fixed, size_t n, size_t mc, size_t nc, size_t groups,
    const float* input, size_t row_stride, size_t group_stride, const float* w, const uint8_t* idx,
    float* output, size_t output_stride, __m128 vmin, __m128 vmax) {
  size_t p = 0;
  for (; p + nv * 4 <= mc; p += nv * 4) {
    nm_tile(nv, nb, width_full, n_fixed, n, nc, groups, input + p, row_stride, group_stride, w, idx,
            output + p, output_stride, vmin, vmax);
  }
  /* rest / 4 < nv; the `nv > V` tests drop the impossible cases at compile time. */
  const size_t rest_vectors = (mc - p) / 4;
  switch (rest_vectors) {
#define REST_CASE(V)                                                                                 \
    case V:                                                                                          \
      if (nv > V) {                                                                                  \
        nm_tile(V, block_channels(nb * nv, V), width_full, n_fixed, n, nc, groups, input + p,        \
                row_stride, group_stride, w, idx, output + p, output_stride, vmin, vmax);            \
      }                                                                                              \
      break;
    REST_CASE(1)
    REST_CASE(2)
    REST_CASE(3)
    REST_CASE(4)
    REST_CASE(5)
    REST_CASE(6)
    REST_CASE(7)
#undef REST_CASE
    default:
      break;
  }
  p += rest_vectors * 4;
  input += p;
  output += p;
  switch (mc - p) {
    case 1:
      nm_tile(1, block_channels(nb * nv, 1), width_single, n_fixed, n, nc, groups, input, row_stride,
              group_stride, w, idx, output, output_stride, vmin, vmax);
      break;
    case 2:
      nm_tile(1, block_channels(nb * nv, 1), width_pair, n_fixed, n, nc, groups, input, row_stride,
              group_stride, w, idx, output, output_stride, vmin, vmax);
      break;
    case 3:
      nm_tile(1, block_channels(nb * nv, 1), width_triple, n_fixed, n, nc, groups, input, row_stride,
              group_stride, w, idx, output, output_stride, vmin, vmax);
      break;
    default:
      break;
  }
}

INLINE void nm_kernel(
    size_t nv, size_t nb, size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input,
    size_t row_stride, const float* weights, const uint8_t* indices, float* output,
    size_t output_stride, const struct sprig_f32_minmax_params* params) {
  const __m128 vmin = _mm_set1_ps(params->min);
  const __m128 vmax = _mm_set1_ps(params->max);
  const size_t group_stride = m * row_stride;
  switch (n) {
    case 1:
      nm_all_tiles(nv, nb, 1, n, mc, nc, groups, input, row_stride, group_stride, weights, indices, output,
                   output_stride, vmin, vmax);
      break;
    case 2:
      nm_all_tiles(nv, nb, 2, n, mc, nc, groups, input, row_stride, group_stride, weights, indices, output,
                   output_stride, vmin, vmax);
      break;
    case 4:
      nm_all_tiles(nv, nb, 4, n, mc, nc, groups, input, row_stride, group_stride, weights, indices, output,
                   output_stride, vmin, vmax);
      break;
    default:
      nm_all_tiles(nv, nb, 0, n, mc, nc, groups, input, row_stride, group_stride, weights, indices, output,
                   output_stride, vmin, vmax);
      break;
  }
}

#define DEFINE_SSE2_NMSPMM(MR, C)                                                                     \
  void sprig_f32_nmspmm_minmax_ukernel_##MR##x1__sse2(                                                \
      size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t row_stride, \
      const float* weights, const uint8_t* indices, float* output, size_t output_stride,              \
      const struct sprig_f32_minmax_params* params) {                                                 \
    nm_kernel(MR / 4, C,  mc, nc, groups, n, m, input, row_stride, weights, indices, output,          \
              output_stride, params);                                                                 \
  }

DEFINE_SSE2_NMSPMM(8, 4)
DEFINE_SSE2_NMSPMM(16, 2)
DEFINE_SSE2_NMSPMM(32, 1)
