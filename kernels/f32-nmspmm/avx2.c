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
 * - Cache: a pixel tile reads MR * 4 bytes of each of K rows in random row order, for every
 *   channel; the runs are taken in K-blocks of at most 16 KiB of rows so that they stay in L1
 *   (x86-template.h). With that, 64x1 is the default: ~68% of the AVX2 FMA peak on 784 or 3136
 *   pixels at 2:4 (32x1: 52-60%); on 192 pixels x 512 rows 32x1 was ahead (58% against 51%).
 *   The pair broadcast is worth 0-6%.
 *
 * Pixel remainders: one pass over the last mc % MR pixels with as many vectors as they need,
 * the last one through vmaskmovps (masked-off lanes are neither read nor written and cannot
 * fault), with up to 4 channels per block so that the narrow pass still has several chains.
 * Channels: blocks of C, then the nc % C left over in blocks of 2 and 1.
 */
#include <string.h>

#include <immintrin.h>

#include <isa/avx2.h>
#include <sprig/nmspmm.h>

/* What x86-template.h needs of the ISA beyond isa/avx2.h (see the list there). */
#define VLOAD_PAIR(p) load_pair(p)
#define VPAIR_LO(v) _mm256_permute_ps(v, 0x00)
#define VPAIR_HI(v) _mm256_permute_ps(v, 0x55)

/* The weight pair as one double, broadcast: vbroadcastsd. */
INLINE __m256 load_pair(const float* p) {
  double pair;
  memcpy(&pair, p, sizeof(pair));
  return _mm256_castpd_ps(_mm256_set1_pd(pair));
}

#include "x86-template.h"

#define DEFINE_AVX2_NMSPMM(MR, C)                                                                     \
  void sprig_f32_nmspmm_minmax_ukernel_##MR##x1__avx2(                                                \
      size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t row_stride, \
      const float* weights, const uint8_t* indices, float* output, size_t output_stride,              \
      const struct sprig_f32_minmax_params* params) {                                                 \
    nm_kernel(MR / 8, C, mc, nc, groups, n, m, input, row_stride, weights, indices, output,           \
              output_stride, params);                                                                 \
  }

DEFINE_AVX2_NMSPMM(16, 4)
DEFINE_AVX2_NMSPMM(32, 2)
DEFINE_AVX2_NMSPMM(64, 1)
