/*
 * The f32 SpMM microkernel family: one signature, implemented once per ISA and tile.
 *
 * Computes, for `nc` output channels and `mc` pixels (batch rows):
 *   output[n][p] = clamp(bias[n] + sum_j w[n][j] * input_row(n, j)[p], min, max)
 * Pixels are contiguous in both input and output (NCHW, or a transposed batch).
 *
 * weights:      for each output channel n: bias[n], then its nnz[n] nonzero values.
 * input_deltas: one per nonzero, in the same order: the byte distance from this nonzero's
 *               input row to the next nonzero's input row (anything after the last one).
 * input:        pixel 0 of the input row of the first nonzero of channel 0 (any valid
 *               pointer if there is no nonzero).
 * output:       pixel 0 of output channel 0; channels are output_stride bytes apart.
 *
 * A kernel processes pixels in tiles of MR, then smaller tiles for the remainder; it reads
 * only input[0 .. mc) of each row and writes only output[0 .. mc) of each channel.
 *
 * Kernels with NR > 1 (output-channel blocks) take the channels in blocks of NR, then the
 * nc % NR leftover channels one by one:
 *   for each of the nc / NR blocks: bias[NR], then for each of its nnz[block] nonzero columns
 *     the NR values of that column (zeros stored where a channel of the block has none);
 *     one input delta per column;
 *   then for each leftover channel: exactly the NR == 1 layout above.
 * nnz holds nc / NR block counts followed by nc % NR channel counts. (A stored zero times an
 * Inf or NaN input gives NaN, where the unblocked layout would skip that input.)
 */
#ifndef SPRIG_SPMM_H
#define SPRIG_SPMM_H

#include <stddef.h>
#include <stdint.h>

#include <sprig/isa.h>

struct sprig_f32_minmax_params {
  float min;
  float max;
};

typedef void (*sprig_f32_spmm_ukernel_fn)(
    size_t mc, size_t nc, const float* input, const float* weights, const int32_t* input_deltas,
    const uint32_t* nnz, float* output, size_t output_stride,
    const struct sprig_f32_minmax_params* params);

#define SPRIG_F32_SPMM_UKERNEL(isa, mr, nr, is_default, fn) \
  void fn(size_t mc, size_t nc, const float* input, const float* weights,   \
          const int32_t* input_deltas, const uint32_t* nnz, float* output, \
          size_t output_stride, const struct sprig_f32_minmax_params* params);
#include <f32-spmm/list.inc>
#undef SPRIG_F32_SPMM_UKERNEL

struct sprig_f32_spmm_ukernel {
  const char* name;
  sprig_f32_spmm_ukernel_fn fn;
  enum sprig_isa isa;
  uint32_t mr;
  uint32_t nr;
  /* The kernel an operator uses when this ISA is the best one allowed. */
  bool is_default;
};

/* Every kernel of this build, in list order (kernels/f32-spmm/list.inc). */
extern const struct sprig_f32_spmm_ukernel sprig_f32_spmm_ukernels[];
extern const size_t sprig_f32_spmm_ukernel_count;

#endif /* SPRIG_SPMM_H */
