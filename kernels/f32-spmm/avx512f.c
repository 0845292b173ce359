/*
 * x86 AVX-512F f32 SpMM: 16 pixels per zmm register, V = MR / 16 accumulators per channel.
 *
 * Inner loop per nonzero of an MRx1 tile: V vfmadd231ps with the input load folded in as the
 * memory operand, one vbroadcastss of the weight from memory, one movslq of the input delta and
 * an add to the input pointer, plus V prefetcht0 (one per 64-byte line) of the input row
 * PREFETCH_DISTANCE nonzeros ahead and the movslq + add that move that pointer. Limits:
 * - FMA latency: each accumulator is one dependency chain; 2 FMA ports x 4 cycles want 8
 *   chains, so MR = 128 (V = 8, the default) can reach the FMA rate and MR = 64 half of it.
 * - Cache and load ports: every nonzero reads MR * 4 bytes (8 lines for MR = 128) of an input
 *   row that, for a few hundred rows, lives in L2; the prefetch hides the L2 latency, the L2
 *   bandwidth and the per-channel work (bias, clamps, stores, an unpredictable loop exit every
 *   ~25 nonzeros at 90% sparsity) remain. On a core with full-width 512-bit FMAs this runs
 *   only ~10% ahead of the AVX2 64x1 kernel on MobileNet layers: the limit is not the FMAs.
 * MRxNR tiles (NR = 2, 4) load the V input vectors once per column into registers and reuse
 * them for NR broadcast weights: V + NR + 1 loads for V * NR FMAs (32 zmm registers hold
 * 16 accumulators + 4 inputs + 1 weight for 64x4).
 *
 * Pixel remainders: one pass over the last mc % MR pixels with as many vectors as they need,
 * the last one masked (masked-off lanes are neither read nor written and cannot fault).
 */
#include <immintrin.h>

#include <isa/avx512f.h>
#include <sprig/spmm.h>

/* What x86-template.h needs of the ISA beyond isa/avx512f.h (see the list there). */
#define VBROADCAST(p) _mm512_set1_ps(*(p))

#include "x86-template.h"

#define DEFINE_AVX512F_SPMM(MR, NR)                                                                \
  void sprig_f32_spmm_minmax_ukernel_##MR##x##NR##__avx512f(                                       \
      size_t mc, size_t nc, const float* input, const float* weights, const int32_t* input_deltas, \
      const uint32_t* nnz, float* output, size_t output_stride,                                    \
      const struct sprig_f32_minmax_params* params) {                                              \
    spmm_all_tiles(MR / 16, NR, mc, nc, input, weights, input_deltas, nnz, output, output_stride,  \
                   params);                                                                        \
  }

DEFINE_AVX512F_SPMM(16, 1)
DEFINE_AVX512F_SPMM(32, 1)
DEFINE_AVX512F_SPMM(64, 1)
DEFINE_AVX512F_SPMM(128, 1)
DEFINE_AVX512F_SPMM(256, 1)
DEFINE_AVX512F_SPMM(16, 2)
DEFINE_AVX512F_SPMM(32, 2)
DEFINE_AVX512F_SPMM(64, 2)
DEFINE_AVX512F_SPMM(16, 4)
DEFINE_AVX512F_SPMM(32, 4)
DEFINE_AVX512F_SPMM(64, 4)
