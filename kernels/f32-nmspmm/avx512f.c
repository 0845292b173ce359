/*
 * x86 AVX-512F f32 N:M SpMM: 16 pixels per zmm register, V = MR / 16 accumulators per channel,
 * and C channels of the tile computed side by side (C = 4 for MR = 32 and 64, 2 for MR = 128).
 *
 * Inner loop per stored weight: one movzbl of the index byte and an imul by row_stride (row
 * address = run base + index * row_stride), V vfmadd231ps with the input load folded in as the
 * memory operand, and the weight broadcast: for n = 2 and 4 (2:4, 2:8, 4:8, 4:16) and the pairs
 * of other even n one vbroadcastsd of a weight pair plus two in-lane vpermilps per pair, else
 * one vbroadcastss. Per run one add of m * row_stride to the run base. n = 1, 2 and 4 are
 * compile-time constants (a run is straight-line code); any other n takes a loop over pairs.
 * Limits, as measured on a Zen 5 core (2 x 512-bit FMA, 2 x 512-bit loads per cycle):
 * - Vector loads: every FMA brings its own input load, plus 1/2 broadcast load per weight, so
 *   even with all inputs in L1 the loads cap the FMA rate at V / (V + 1/2) of peak; a 32x1
 *   tile whose input fits L1 runs at ~50% of the FMA peak. (The pair broadcast is worth ~5%; a
 *   table of the m row offsets instead of the imul, one more load per weight, cost 5-15%.)
 * - Dependency chains: the order bias + w0*x0 + w1*x1 ... is kept, so each accumulator is one
 *   FMA chain (4 cycles) and a single channel of MR = 32 would have only 2 of them. C channels
 *   at once give C * V chains and C independent rows in flight.
 * - Cache: a pixel tile reads MR * 4 bytes of each of K rows (K = 256: 64 KiB for MR = 64, more
 *   than L1) in random row order. 64x1 with 4 channels (16 accumulators) hides those misses best
 *   and is the default: ~42% of the FMA peak on 3136 pixels x 256 rows x 256 channels at 2:4,
 *   1.7x the 128x1 CSR kernel on the same weights. Software prefetch of the rows a few runs ahead
 *   made every variant slower. (128x1 with 4 channels is as fast as 64x1 but needs 32
 *   accumulators and spills.)
 *
 * Pixel remainders: one pass over the last mc % MR pixels with as many vectors as they need,
 * the last one masked (masked-off lanes are neither read nor written and cannot fault), with up
 * to 4 channels per block so that the narrow pass still has several chains. Channels: blocks of
 * C, then the nc % C left over in blocks of 2 and 1.
 */
#include <string.h>

#include <immintrin.h>

#include <sprig/nmspmm.h>

#define INLINE static inline __attribute__((always_inline))

/* Loops over compile-time counts (vectors, channels, slots of a run) must become straight-line
 * code so that the accumulators stay in registers; GCC's own heuristics stop short of that for
 * the larger blocks. */
#define UNROLL _Pragma("GCC unroll 16")

/* Largest V and C any kernel below instantiates (the accumulator array is sized by these). */
#define MAX_V 8
#define MAX_C 4

INLINE __m512 load16(const float* p, int masked, __mmask16 mask) {
  return masked ? _mm512_maskz_loadu_ps(mask, p) : _mm512_loadu_ps(p);
}

INLINE void store16(float* p, __m512 v, int masked, __mmask16 mask) {
  if (masked) {
    _mm512_mask_storeu_ps(p, mask, v);
  } else {
    _mm512_storeu_ps(p, v);
  }
}

INLINE __m512 clamp16(__m512 v, __m512 vmin, __m512 vmax) {
  /* The bound goes first: vmaxps/vminps return the second operand when either is NaN, so a
   * NaN result stays NaN as in the scalar kernel. */
  return _mm512_min_ps(vmax, _mm512_max_ps(vmin, v));
}

/* acc[0 .. nv) += vw * the nv vectors at x (the last one masked when `masked`). */
INLINE void madd_row(size_t nv, int masked, __mmask16 mask, __m512* acc, const float* x, __m512 vw) {
  UNROLL
  for (size_t i = 0; i < nv; i++) {
    acc[i] = _mm512_fmadd_ps(load16(x + 16 * i, masked && i == nv - 1, mask), vw, acc[i]);
  }
}

/* Slot s of nb channels: acc[b] += w_b[s] * row idx_b[s] of the run at base. */
INLINE void madd_slot(
    size_t nv, size_t nb, int masked, __mmask16 mask, __m512 acc[][MAX_V], const float* const* wb,
    const uint8_t* const* ib, size_t s, const char* base, size_t row_stride) {
  UNROLL
  for (size_t b = 0; b < nb; b++) {
    const float* x = (const float*) (base + (size_t) ib[b][s] * row_stride);
    madd_row(nv, masked, mask, acc[b], x, _mm512_set1_ps(wb[b][s]));
  }
}

/* Slots s and s + 1 of nb channels, the two weights of a channel broadcast from one load. */
INLINE void madd_pair(
    size_t nv, size_t nb, int masked, __mmask16 mask, __m512 acc[][MAX_V], const float* const* wb,
    const uint8_t* const* ib, size_t s, const char* base, size_t row_stride) {
  UNROLL
  for (size_t b = 0; b < nb; b++) {
    double pair;
    memcpy(&pair, wb[b] + s, sizeof(pair));
    const __m512 vpair = _mm512_castpd_ps(_mm512_set1_pd(pair));
    const float* x0 = (const float*) (base + (size_t) ib[b][s] * row_stride);
    const float* x1 = (const float*) (base + (size_t) ib[b][s + 1] * row_stride);
    madd_row(nv, masked, mask, acc[b], x0, _mm512_permute_ps(vpair, 0x00));
    madd_row(nv, masked, mask, acc[b], x1, _mm512_permute_ps(vpair, 0x55));
  }
}

/*
 * nb channels (nb <= MAX_C) of one tile of nv vectors. Channel b's stream starts at
 * w + b * w_stride (bias first) and idx + b * idx_stride. n_fixed is n as a compile-time
 * constant (1, 2 or 4: the run is straight-line code) or 0 (a loop over any n). nv, nb, masked
 * and n_fixed are constants at every call site, so acc[][] lives in registers.
 */
INLINE void nm_block(
    size_t nv, size_t nb, int masked, __mmask16 mask, size_t n_fixed, size_t n, size_t groups,
    const float* input, size_t row_stride, size_t group_stride, const float* w, size_t w_stride,
    const uint8_t* idx, size_t idx_stride, float* output, size_t output_stride, __m512 vmin,
    __m512 vmax) {
  __m512 acc[MAX_C][MAX_V];
  const float* wb[MAX_C];
  const uint8_t* ib[MAX_C];
  UNROLL
  for (size_t b = 0; b < nb; b++) {
    wb[b] = w + b * w_stride + 1;
    ib[b] = idx + b * idx_stride;
    const __m512 vbias = _mm512_set1_ps(w[b * w_stride]);
    UNROLL
    for (size_t i = 0; i < nv; i++) {
      acc[b][i] = vbias;
    }
  }
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
      store16(output + 16 * i, clamp16(acc[b][i], vmin, vmax), masked && i == nv - 1, mask);
    }
    output = (float*) ((uintptr_t) output + output_stride);
  }
}

/*
 * One tile of nv vectors over all nc channels: blocks of nb (1, 2 or 4) channels, then the
 * leftover nc % nb in blocks of 2 and 1. n_fixed is n as a compile-time constant, or 0.
 */
INLINE void nm_tile(
    size_t nv, size_t nb, int masked, __mmask16 mask, size_t n_fixed, size_t n, size_t nc,
    size_t groups, const float* input, size_t row_stride, size_t group_stride, const float* w,
    const uint8_t* idx, float* output, size_t output_stride, __m512 vmin, __m512 vmax) {
  if (n_fixed != 0) {
    n = n_fixed;
  }
  const size_t idx_stride = groups * n;
  const size_t w_stride = 1 + idx_stride;
  /* The block size must be a literal at each nm_block call for acc[][] to stay in registers. */
#define BLOCKS(BS)                                                                                 \
  if (nb >= BS) {                                                                                  \
    for (; nc >= BS; nc -= BS) {                                                                   \
      nm_block(nv, BS, masked, mask, n_fixed, n, groups, input, row_stride, group_stride, w,       \
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
 * Full tiles of nv vectors, then the remaining 1 .. nv * 16 - 1 pixels in one pass of
 * ceil(rest / 16) vectors, the last one masked: every pass streams all the weights again, so
 * one narrow pass beats halving tiles.
 */
INLINE void nm_all_tiles(
    size_t nv, size_t nb, size_t n_fixed, size_t n, size_t mc, size_t nc, size_t groups,
    const float* input, size_t row_stride, size_t group_stride, const float* w, const uint8_t* idx,
    float* output, size_t output_stride, __m512 vmin, __m512 vmax) {
  size_t p = 0;
  for (; p + nv * 16 <= mc; p += nv * 16) {
    nm_tile(nv, nb, 0, 0, n_fixed, n, nc, groups, input + p, row_stride, group_stride, w, idx, output + p,
            output_stride, vmin, vmax);
  }
  if (p == mc) {
    return;
  }
  const size_t rest = mc - p;
  const size_t rest_vectors = (rest + 15) / 16;
  /* The low rest - 16 * (rest_vectors - 1) lanes (1 to 16) of the last vector. */
  const __mmask16 mask = (__mmask16) ((1u << (rest - 16 * (rest_vectors - 1))) - 1u);
  input += p;
  output += p;
  /* rest_vectors <= nv; the `nv >= V` tests drop the impossible cases at compile time. */
  switch (rest_vectors) {
#define REST_CASE(V)                                                                                 \
    case V:                                                                                          \
      if (nv >= V) {                                                                                 \
        nm_tile(V, block_channels(nb * nv, V), 1, mask, n_fixed, n, nc, groups, input, row_stride,   \
                group_stride, w, idx, output, output_stride, vmin, vmax);                            \
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
    default:
      break;
  }
}

INLINE void nm_kernel(
    size_t nv, size_t nb, size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input,
    size_t row_stride, const float* weights, const uint8_t* indices, float* output,
    size_t output_stride, const struct sprig_f32_minmax_params* params) {
  const __m512 vmin = _mm512_set1_ps(params->min);
  const __m512 vmax = _mm512_set1_ps(params->max);
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

#define DEFINE_AVX512F_NMSPMM(MR, C)                                                                  \
  void sprig_f32_nmspmm_minmax_ukernel_##MR##x1__avx512f(                                             \
      size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t row_stride, \
      const float* weights, const uint8_t* indices, float* output, size_t output_stride,              \
      const struct sprig_f32_minmax_params* params) {                                                 \
    nm_kernel(MR / 16, C, mc, nc, groups, n, m, input, row_stride, weights, indices, output,          \
              output_stride, params);                                                                 \
  }

DEFINE_AVX512F_NMSPMM(32, 4)
DEFINE_AVX512F_NMSPMM(64, 4)
DEFINE_AVX512F_NMSPMM(128, 2)
