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
 * - Cache: a pixel tile reads MR * 4 bytes of each of K rows in random row order, again for
 *   every channel. The runs are therefore taken in K-blocks of at most 16 KiB of rows
 *   (x86-template.h), all channels of the tile finishing one K-block before the next, with the
 *   partial sums parked in the output rows between K-blocks. That keeps the rows in L1 and took
 *   128x1 (2 channels, 16 accumulators; the default) from ~26% to ~55% of the FMA peak on
 *   784 pixels x 256 rows x 256 channels at 2:4, and 64x1 from 38% to ~50%. (16 and 32 KiB
 *   K-blocks measured within noise of each other; 12 KiB was slower.)
 *
 * Pixel remainders: one pass over the last mc % MR pixels with as many vectors as they need,
 * the last one masked (masked-off lanes are neither read nor written and cannot fault), with up
 * to 4 channels per block so that the narrow pass still has several chains. Channels: blocks of
 * C, then the nc % C left over in blocks of 2 and 1.
 */
#include <string.h>

#include <immintrin.h>

#include <isa/avx512f.h>
#include <sprig/nmspmm.h>

/* What x86-template.h needs of the ISA beyond isa/avx512f.h (see the list there). */
#define VLOAD_PAIR(p) load_pair(p)
#define VPAIR_LO(v) _mm512_permute_ps(v, 0x00)
#define VPAIR_HI(v) _mm512_permute_ps(v, 0x55)

/* The weight pair as one double, broadcast: vbroadcastsd. */
INLINE __m512 load_pair(const float* p) {
  double pair;
  memcpy(&pair, p, sizeof(pair));
  return _mm512_castpd_ps(_mm512_set1_pd(pair));
}

#include "x86-template.h"

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
