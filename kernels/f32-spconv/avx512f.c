/*
 * x86 AVX-512F f32 sparse direct convolution (src/sprig/spconv.h): 16 pixels per zmm register,
 * V = MR / 16 accumulators per channel; the body is x86-template.h.
 *
 * Inner loop per stored value of an MRx1 tile: one movslq of its byte offset, one vbroadcastss
 * of its weight from memory, and V vfmadd231ps whose memory operand is the input vector at
 * input + offset + 64 i. Each accumulator is one dependency chain; 2 FMA ports x 4 cycles want
 * 8, which MR = 128 (V = 8) has in one set; narrower tiles take the stored values in turn into
 * 8 / V sets, summed once per channel. [GCC 12 -O3, objdump, 128x1 (the default): 14
 * instructions per stored value: movslq, vbroadcastss, add (index), add (input + offset), 8
 * vfmadd231ps with the input as memory operand (displacements 0 .. 0x1c0), cmp + jne; 10 loads
 * for 8 FMAs. 16x1 / 32x1: 8 / 4 values per trip, the input addressed as base + index, so 2 +
 * V instructions per value plus 3 per trip.]
 * Default 128x1: on this Xeon (shared, noisy) 128x1 ran at or above 64x1 on 56- and 112-pixel
 * runs of a 3x3, 32-channel layer at 70% sparsity (53-60 vs 48-54 GFLOP/s), and within the noise
 * on a 3246-pixel run.
 * MRx4 tiles (NR = 4: 16x4, 32x4, 64x4) load the V input vectors of an offset once into
 * registers and multiply them by the block's 4 broadcast weights (32 zmm registers hold the 16
 * accumulators, 4 inputs and a weight of 64x4).
 *
 * Pixel remainders: one pass over the last mc % MR pixels with as many vectors as they need,
 * the last one masked (masked-off lanes are neither read nor written and cannot fault).
 */
#include <immintrin.h>

#include <isa/avx512f.h>
#include <sprig/spconv.h>

#define VBROADCAST(p) _mm512_set1_ps(*(p))

#include "x86-template.h"

#define DEFINE_AVX512F_SPCONV(MR, NR)                                                                          \
  void sprig_f32_spconv_minmax_ukernel_##MR##x##NR##__avx512f(                                                 \
      size_t mc, size_t nc, const float* input, const float* bias, const float* weights, const int32_t* offsets, \
      const uint32_t* nnz, float* output, size_t output_stride, const struct sprig_f32_minmax_params* params) { \
    spconv_all_tiles(MR / 16, NR, mc, nc, input, bias, weights, offsets, nnz, output, output_stride, params);   \
  }

DEFINE_AVX512F_SPCONV(16, 1)
DEFINE_AVX512F_SPCONV(32, 1)
DEFINE_AVX512F_SPCONV(64, 1)
DEFINE_AVX512F_SPCONV(128, 1)
DEFINE_AVX512F_SPCONV(16, 4)
DEFINE_AVX512F_SPCONV(32, 4)
DEFINE_AVX512F_SPCONV(64, 4)
