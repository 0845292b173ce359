/*
 * x86 AVX2 + FMA3 f32 sparse direct convolution (src/sprig/spconv.h): 8 pixels per ymm
 * register, V = MR / 8 accumulators per channel; the body is x86-template.h.
 *
 * Inner loop per stored value of an MRx1 tile: one movslq of its byte offset, one vbroadcastss
 * of its weight from memory, and V vfmadd231ps whose memory operand is the input vector at
 * input + offset + 32 i. Each accumulator is one dependency chain; 2 FMA ports x 4 cycles want
 * 8, which MR = 64 (V = 8) has in one set; narrower tiles take the stored values in turn into
 * 8 / V sets, summed once per channel. [GCC 12 -O3, objdump, 64x1: 15 instructions per stored
 * value: movslq, vbroadcastss, 3 add (two stream pointers, input + offset), 8 vfmadd231ps with
 * memory operand, cmp + jne.]
 * Default 64x1: with 32x1 the fastest on 56- and 112-pixel runs of a 3x3, 32-channel layer at
 * 70% sparsity (~40 GFLOP/s on this Xeon, shared and noisy), ahead on a 3246-pixel run.
 * MRx4 tiles (NR = 4: 8x4, 16x4) load the V input vectors of an offset once into registers and
 * multiply them by the block's 4 broadcast weights: V + 5 loads for 4 V FMAs.
 *
 * Pixel remainders: one pass over the last mc % MR pixels with as many vectors as they need,
 * the last one through vmaskmovps (masked-off lanes are neither read nor written and cannot
 * fault).
 */
#include <immintrin.h>

#include <isa/avx2.h>
#include <sprig/spconv.h>

#define VBROADCAST(p) _mm256_broadcast_ss(p)

#include "x86-template.h"

#define DEFINE_AVX2_SPCONV(MR, NR)                                                                             \
  void sprig_f32_spconv_minmax_ukernel_##MR##x##NR##__avx2(                                                    \
      size_t mc, size_t nc, const float* input, const float* bias, const float* weights, const int32_t* offsets, \
      const uint32_t* nnz, float* output, size_t output_stride, const struct sprig_f32_minmax_params* params) { \
    spconv_all_tiles(MR / 8, NR, mc, nc, input, bias, weights, offsets, nnz, output, output_stride, params);    \
  }

DEFINE_AVX2_SPCONV(8, 1)
DEFINE_AVX2_SPCONV(16, 1)
DEFINE_AVX2_SPCONV(32, 1)
DEFINE_AVX2_SPCONV(64, 1)
DEFINE_AVX2_SPCONV(8, 4)
DEFINE_AVX2_SPCONV(16, 4)
