/*
 * x86 AVX-512F f32 SpMM: 16 pixels per zmm register, V = MR / 16 accumulators per channel.
 *
 * Inner loop per nonzero of an MRx1 tile, for a channel's nonzeros 8 at a time (spmm_group):
 * V vfmadd231ps with the input load folded in as the memory operand, one vpermps that puts the
 * weight in every lane (1/8 of a 32-byte load of 8 weights), a shr + movsbq of the input-row
 * step out of one 8-byte load per 8 nonzeros, an imul by the row stride and an add to the input
 * pointer; in the _prefetch kernels, one prefetcht0 of the first line of the input row
 * PREFETCH_DISTANCE nonzeros ahead and the movsbq + imul + add that move that pointer. A
 * channel's last (count % 8) nonzeros take one vbroadcastss load of the weight and one movsbq
 * load of the step each. Side by side against XNNPACK sparse, grouping made the
 * MobileNet layers from 28x28 to 14x14 8-10% faster (a broadcast load takes an FMA-pipe slot on
 * Zen 5, the permute does not), and the kernels without prefetch 4-13% faster on pw6 and pw12,
 * whose input fits in cache (src/configs takes them when one image's input fits in a quarter
 * of L2). Limits:
 * - FMA latency: each accumulator is one dependency chain; 2 FMA ports x 4 cycles want 8
 *   chains. Narrow tiles take the nonzeros in turn into 8 / V sets (summed at the end), which
 *   made 16x1 and 32x1 20-35% faster; the pass over a row's last mc % MR pixels uses 16 / V
 *   sets (REST_ACC_CHAINS). MR = 112 (V = 7) is the default: 784- and 3136-pixel maps split
 *   into whole 112-pixel tiles (128x1 left a one-vector pass over all the weights), 14x14 maps
 *   into 112 + 84 pixels. Side by side with 128x1 as the default (sprig-bench, MobileNet v1 at
 *   90%, three alternating runs, ratio to XNNPACK sparse): 28x28 layers +4-6%, 56x56 +2.5%,
 *   14x14 and 7x7 +2-4%, 112x112 and pw2 within the noise. MR = 128 and 256 cover rows a little
 *   longer than 112 pixels in one pass over the weights (see sprig_fit_ukernel).
 * - Cache: every nonzero reads MR * 4 bytes of an input row. When a tile's rows exceed L1
 *   (K = 128 rows of 512 bytes already do) the loads come from L2; with every load an L1 hit a
 *   14x14 layer runs ~20% faster (kernel harness: ~59% of the FMA peak in L1, ~49% at the real
 *   stride). Prefetching only the first line of each row was 3-11% faster than one prefetch per
 *   line: the hardware prefetchers follow it.
 * - Per channel: bias, clamps, stores and an unpredictable loop exit every ~25 nonzeros at 90%.
 * MRxNR tiles (NR = 2, 4) load the V input vectors once per column into registers and reuse
 * them for NR broadcast weights: V + NR + 1 loads for V * NR FMAs (32 zmm registers hold
 * 16 accumulators + 4 inputs + 1 weight for 64x4).
 *
 * Pixel remainders: one pass over the last mc % MR pixels with as many vectors as they need,
 * the last one masked (masked-off lanes are neither read nor written and cannot fault); a
 * one-vector pass of at most 8 pixels loads 256 bits (isa/x86-vector.h, MASKED_LOW / MASKED_HALF).
 */
#include <immintrin.h>

#include <isa/avx512f.h>
#include <sprig/spmm.h>

/* What x86-template.h needs of the ISA beyond isa/avx512f.h (see the list there). */
#define VBROADCAST(p) _mm512_set1_ps(*(p))
/* The remainder pass (e.g. the last 84 pixels of a 14x14 map, or all 49 of a 7x7 one) takes
 * the nonzeros in turn into 16 / V accumulator sets instead of 8 / V (32 zmm registers hold
 * them); see the measurements at the top. */
#define REST_ACC_CHAINS 16
/* Weights GROUP at a time, each broadcast by vpermps (see spmm_group in x86-template.h). */
#define LANE_INDEX __m512i
#define LANE_INDEX_SET(l) _mm512_set1_epi32((int) (l))
#define VLOAD_GROUP(p) _mm512_castps256_ps512(_mm256_loadu_ps(p))
#define VPERMUTE(index, v) _mm512_permutexvar_ps(index, v)

#include "x86-template.h"

/* Two kernels per tile: without software prefetch, and with it (_prefetch). */
#define DEFINE_AVX512F_SPMM_VARIANT(MR, NR, PREFETCH, SUFFIX)                                                   \
  void sprig_f32_spmm_minmax_ukernel_##MR##x##NR##__avx512f##SUFFIX(                                            \
      size_t mc, size_t nc, const float* input, size_t input_stride, const float* bias, const float* weights,   \
      const int8_t* input_deltas, const uint32_t* nnz, float* output, size_t output_stride,                     \
      const struct sprig_f32_minmax_params* params) {                                                           \
    spmm_all_tiles(MR / 16, NR, PREFETCH, mc, nc, input, input_stride, bias, weights, input_deltas, nnz, output, \
                   output_stride, params);                                                                      \
  }
#define DEFINE_AVX512F_SPMM(MR, NR)              \
  DEFINE_AVX512F_SPMM_VARIANT(MR, NR, 0, )        \
  DEFINE_AVX512F_SPMM_VARIANT(MR, NR, 1, _prefetch)

DEFINE_AVX512F_SPMM(16, 1)
DEFINE_AVX512F_SPMM(32, 1)
DEFINE_AVX512F_SPMM(64, 1)
DEFINE_AVX512F_SPMM(112, 1)
DEFINE_AVX512F_SPMM(128, 1)
DEFINE_AVX512F_SPMM(256, 1)
DEFINE_AVX512F_SPMM(16, 2)
DEFINE_AVX512F_SPMM(32, 2)
DEFINE_AVX512F_SPMM(64, 2)
DEFINE_AVX512F_SPMM(16, 4)
DEFINE_AVX512F_SPMM(32, 4)
DEFINE_AVX512F_SPMM(64, 4)
