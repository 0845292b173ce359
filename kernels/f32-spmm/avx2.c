/*
 * x86 AVX2 + FMA3 f32 SpMM: 8 pixels per ymm register, V = MR / 8 accumulators per channel.
 *
 * Inner loop per nonzero of an MRx1 tile: V vfmadd231ps with the input load folded in as the
 * memory operand, one vbroadcastss of the weight from memory, one movsbq of the input-row step,
 * an imul by the row stride and an add to the input pointer, plus one prefetcht0 of the first
 * line of the input row PREFETCH_DISTANCE nonzeros ahead and the movsbq + imul + add that move
 * that pointer (the _prefetch kernels; tiles of up to 16 pixels also come without it, chosen
 * when the input fits the cache; wider tiles always prefetch, see docs/performance.md, "Small
 * batches on AMD Zen 4"). Limits:
 * - FMA latency: each accumulator is one dependency chain; 2 FMA ports x 4 cycles want 8
 *   chains. MR = 64 (V = 8, the default) has them in one set of accumulators; narrower tiles
 *   take the nonzeros in turn into 8 / V sets, summed at the end.
 * - Load ports: V + 2 loads and 2 prefetch-side loads per V FMAs, which with the per-channel
 *   work (bias broadcast, V clamps and stores, an unpredictable loop exit every ~25 nonzeros
 *   at 90% sparsity) holds 64x1 to about 45% of the FMA peak on MobileNet layers.
 * - Cache: the MR * 4 bytes of every touched input row are reused by all channels of a pixel
 *   tile; for MR = 64 and a few hundred rows they live in L2. The prefetch, which follows
 *   the delta stream ahead of the loads, hides that latency (5-20% on MobileNet layers).
 * MRxNR tiles (NR = 2, 4) load the V input vectors once per column into registers and reuse
 * them for NR broadcast weights: V + NR + 1 loads for V * NR FMAs.
 *
 * Pixel remainders: one pass over the last mc % MR pixels with as many vectors as they need,
 * the last one through vmaskmovps (masked-off lanes are neither read nor written and cannot
 * fault).
 */
#include <immintrin.h>

#include <isa/avx2.h>
#include <sprig/spmm.h>

/* What x86-template.h needs of the ISA beyond isa/avx2.h (see the list there). */
#define VBROADCAST(p) _mm256_broadcast_ss(p)

#include "x86-template.h"

/* Tiles of up to 16 pixels come without software prefetch too (for inputs that fit the cache);
 * wider tiles always prefetch. */
#define DEFINE_AVX2_SPMM_VARIANT(MR, NR, PREFETCH, SUFFIX)                                                     \
  void sprig_f32_spmm_minmax_ukernel_##MR##x##NR##__avx2##SUFFIX(                                              \
      size_t mc, size_t nc, const float* input, size_t input_stride, const float* bias, const float* weights, \
      const int8_t* input_deltas, const uint32_t* nnz, float* output, size_t output_stride,                   \
      const struct sprig_f32_minmax_params* params) {                                                         \
    spmm_all_tiles(MR / 8, NR, PREFETCH, mc, nc, input, input_stride, bias, weights, input_deltas, nnz,       \
                   output, output_stride, params);                                                            \
  }

#define DEFINE_AVX2_SPMM(MR, NR) DEFINE_AVX2_SPMM_VARIANT(MR, NR, 1, _prefetch)
#define DEFINE_AVX2_SPMM_BOTH(MR, NR)          \
  DEFINE_AVX2_SPMM_VARIANT(MR, NR, 0, )        \
  DEFINE_AVX2_SPMM_VARIANT(MR, NR, 1, _prefetch)

DEFINE_AVX2_SPMM_BOTH(8, 1)
DEFINE_AVX2_SPMM_BOTH(16, 1)
DEFINE_AVX2_SPMM(32, 1)
DEFINE_AVX2_SPMM(64, 1)
DEFINE_AVX2_SPMM_BOTH(8, 2)
DEFINE_AVX2_SPMM_BOTH(16, 2)
DEFINE_AVX2_SPMM(32, 2)
DEFINE_AVX2_SPMM_BOTH(8, 4)
DEFINE_AVX2_SPMM_BOTH(16, 4)
