/*
 * x86 AVX2 + FMA3 f32 N:M SpMM: 8 pixels per ymm register, V = MR / 8 accumulators per channel,
 * and C channels of the tile computed side by side (C = 4, 2, 1 for MR = 16, 32, 64: always
 * 8 accumulators, which with the weights and temporaries fill the 16 ymm registers).
 *
 * Inner loop per stored weight: one movzbl of the index byte and an imul by row_stride (row
 * address = run base + index * row_stride), V vfmadd231ps with the input load folded in as the
 * memory operand, and the weight broadcast: for n = 2 and 4 (2:4, 2:8, 4:8, 4:16) and the pairs
 * of other even n one vbroadcastsd of a weight pair plus two in-lane vpermilps per pair, else
 * one vbroadcastss. Per run one add of m * row_stride to the run base. n = 1, 2 and 4 are
 * compile-time constants (a run is straight-line code); any other n takes a loop over pairs.
 * Limits, as measured on a Zen 5 core:
 * - Dependency chains: the order bias + w0*x0 + w1*x1 ... is kept, so each accumulator is one
 *   FMA chain; 2 FMA pipes x 4 cycles want 8, which the C channels at once provide for every
 *   MR (a single channel of MR = 16 or 32 would have 2 or 4).
 * - Loads: V input loads (one per FMA) plus 1/2 broadcast load per weight.
 * - Cache: a pixel tile reads MR * 4 bytes of each of K rows in random row order. 32x1 is the
 *   default: ~52% of the FMA peak on 3136 pixels x 256 rows x 256 channels at 2:4 (the 64x1 CSR
 *   kernel on the same weights: ~55%), and the steadiest across shapes. 64x1 is faster when the
 *   K x 256-byte tile is near L1 (K = 256: 59%) but slower from K = 512 on (45% against 53%).
 *   The pair broadcast is worth 0-6%.
 *
 * Pixel remainders: one pass over the last mc % MR pixels with as many vectors as they need,
 * the last one through vmaskmovps (masked-off lanes are neither read nor written and cannot
 * fault), with up to 4 channels per block so that the narrow pass still has several chains.
 * Channels: blocks of C, then the nc % C left over in blocks of 2 and 1.
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

INLINE __m256 load8(const float* p, int masked, __m256i mask) {
  return masked ? _mm256_maskload_ps(p, mask) : _mm256_loadu_ps(p);
}

INLINE void store8(float* p, __m256 v, int masked, __m256i mask) {
  if (masked) {
    _mm256_maskstore_ps(p, mask, v);
  } else {
    _mm256_storeu_ps(p, v);
  }
}

INLINE __m256 clamp8(__m256 v, __m256 vmin, __m256 vmax) {
  /* The bound goes first: vmaxps/vminps return the second operand when either is NaN, so a
   * NaN result stays NaN as in the scalar kernel. */
  return _mm256_min_ps(vmax, _mm256_max_ps(vmin, v));
}

/* acc[0 .. nv) += vw * the nv vectors at x (the last one masked when `masked`). */
INLINE void madd_row(size_t nv, int masked, __m256i mask, __m256* acc, const float* x, __m256 vw) {
  UNROLL
  for (size_t i = 0; i < nv; i++) {
    acc[i] = _mm256_fmadd_ps(load8(x + 8 * i, masked && i == nv - 1, mask), vw, acc[i]);
  }
}

/* Slot s of nb channels: acc[b] += w_b[s] * row idx_b[s] of the run at base. */
INLINE void madd_slot(
    size_t nv, size_t nb, int masked, __m256i mask, __m256 acc[][MAX_V], const float* const* wb,
    const uint8_t* const* ib, size_t s, const char* base, size_t row_stride) {
  UNROLL
  for (size_t b = 0; b < nb; b++) {
    const float* x = (const float*) (base + (size_t) ib[b][s] * row_stride);
    madd_row(nv, masked, mask, acc[b], x, _mm256_set1_ps(wb[b][s]));
  }
}

/* Slots s and s + 1 of nb channels, the two weights of a channel broadcast from one load. */
INLINE void madd_pair(
    size_t nv, size_t nb, int masked, __m256i mask, __m256 acc[][MAX_V], const float* const* wb,
    const uint8_t* const* ib, size_t s, const char* base, size_t row_stride) {
  UNROLL
  for (size_t b = 0; b < nb; b++) {
    double pair;
    memcpy(&pair, wb[b] + s, sizeof(pair));
    const __m256 vpair = _mm256_castpd_ps(_mm256_set1_pd(pair));
    const float* x0 = (const float*) (base + (size_t) ib[b][s] * row_stride);
    const float* x1 = (const float*) (base + (size_t) ib[b][s + 1] * row_stride);
    madd_row(nv, masked, mask, acc[b], x0, _mm256_permute_ps(vpair, 0x00));
    madd_row(nv, masked, mask, acc[b], x1, _mm256_permute_ps(vpair, 0x55));
  }
}

/*
 * nb channels (nb <= MAX_C) of one tile of nv vectors. Channel b's stream starts at
 * w + b * w_stride (bias first) and idx + b * idx_stride. n_fixed is n as a compile-time
 * constant (1, 2 or 4: the run is straight-line code) or 0 (a loop over any n). nv, nb, masked
 * and n_fixed are constants at every call site, so acc[][] lives in registers.
 */
INLINE void nm_block(
    size_t nv, size_t nb, int masked, __m256i mask, size_t n_fixed, size_t n, size_t groups,
    const float* input, size_t row_stride, size_t group_stride, const float* w, size_t w_stride,
    const uint8_t* idx, size_t idx_stride, float* output, size_t output_stride, __m256 vmin,
    __m256 vmax) {
  __m256 acc[MAX_C][MAX_V];
  const float* wb[MAX_C];
  const uint8_t* ib[MAX_C];
  UNROLL
  for (size_t b = 0; b < nb; b++) {
    wb[b] = w + b * w_stride + 1;
    ib[b] = idx + b * idx_stride;
    const __m256 vbias = _mm256_set1_ps(w[b * w_stride]);
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
      store8(output + 8 * i, clamp8(acc[b][i], vmin, vmax), masked && i == nv - 1, mask);
    }
    output = (float*) ((uintptr_t) output + output_stride);
  }
}

/*
 * One tile of nv vectors over all nc channels: blocks of nb (1, 2 or 4) channels, then the
 * leftover nc % nb in blocks of 2 and 1. n_fixed is n as a compile-time constant, or 0.
 */
INLINE void nm_tile(
    size_t nv, size_t nb, int masked, __m256i mask, size_t n_fixed, size_t n, size_t nc,
    size_t groups, const float* input, size_t row_stride, size_t group_stride, const float* w,
    const uint8_t* idx, float* output, size_t output_stride, __m256 vmin, __m256 vmax) {
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
 * Full tiles of nv vectors, then the remaining 1 .. nv * 8 - 1 pixels in one pass of
 * ceil(rest / 8) vectors, the last one through vmaskmovps: every pass streams all the weights
 * again, so one narrow pass beats halving tiles.
 */
INLINE void nm_all_tiles(
    size_t nv, size_t nb, size_t n_fixed, size_t n, size_t mc, size_t nc, size_t groups,
    const float* input, size_t row_stride, size_t group_stride, const float* w, const uint8_t* idx,
    float* output, size_t output_stride, __m256 vmin, __m256 vmax) {
  size_t p = 0;
  for (; p + nv * 8 <= mc; p += nv * 8) {
    nm_tile(nv, nb, 0, _mm256_setzero_si256(), n_fixed, n, nc, groups, input + p, row_stride,
            group_stride, w, idx, output + p, output_stride, vmin, vmax);
  }
  if (p == mc) {
    return;
  }
  const size_t rest = mc - p;
  const size_t rest_vectors = (rest + 7) / 8;
  /* Lanes 0 .. rest - 8 * (rest_vectors - 1) - 1 of the last vector are active (1 to 8). */
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i last = _mm256_set1_epi32((int) (rest - 8 * (rest_vectors - 1)));
  const __m256i mask = _mm256_cmpgt_epi32(last, lanes);
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
  const __m256 vmin = _mm256_set1_ps(params->min);
  const __m256 vmax = _mm256_set1_ps(params->max);
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

#define DEFINE_AVX2_NMSPMM(MR, C)                                                                     \
  void sprig_f32_nmspmm_minmax_ukernel_##MR##x1__avx2(                                                \
      size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t row_stride, \
      const float* weights, const uint8_t* indices, float* output, size_t output_stride,              \
      const struct sprig_f32_minmax_params* params) {                                                 \
    nm_kernel(MR / 8, C,  mc, nc, groups, n, m, input, row_stride, weights, indices, output,          \
              output_stride, params);                                                                 \
  }

DEFINE_AVX2_NMSPMM(16, 4)
DEFINE_AVX2_NMSPMM(32, 2)
DEFINE_AVX2_NMSPMM(64, 1)
