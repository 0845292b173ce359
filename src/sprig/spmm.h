/*
 * The f32 SpMM microkernel family: one signature, implemented once per ISA and tile.
 *
 * Computes, for `nc` output channels and `mc` pixels (batch rows):
 *   output[n][p] = clamp(bias[n] + sum_j w[n][j] * input_row(n, j)[p], min, max)
 * Pixels are contiguous in both input and output (NCHW, or a transposed batch).
 *
 * bias:         nc floats, one per output channel in channel order (never NULL: operators pass
 *               zeros when there is no bias). Kept out of the weight stream, so that a stream
 *               holds only what the packed weights determine and can be shared.
 * weights:      for each output channel n: the values of its entries.
 * input_deltas: one per entry, in the same order: the signed distance in input rows from this
 *               entry's row to the next entry's row (anything after the last one), at most
 *               SPRIG_SPMM_MAX_STEP either way. A channel's entries may come in any row order,
 *               and zero-valued entries bridge longer steps (src/pack/spmm-stream.c), so that
 *               a weight costs 4 bytes plus 1 for its step.
 * input:        pixel 0 of the input row of the first entry of channel 0 (any valid pointer
 *               if there is no entry); input rows are input_stride bytes apart.
 * output:       pixel 0 of output channel 0; channels are output_stride bytes apart.
 *
 * A kernel processes pixels in tiles of MR, then smaller tiles for the remainder; it reads
 * only input[0 .. mc) of each row and writes only output[0 .. mc) of each channel.
 *
 * Kernels with NR > 1 (output-channel blocks) take the channels in blocks of NR, then the
 * nc % NR leftover channels one by one:
 *   for each of the nc / NR blocks: for each of its nnz[block] entries (stored columns) the NR
 *     values of that column (zeros stored where a channel of the block has none); one input
 *     delta per entry;
 *   then for each leftover channel: exactly the NR == 1 layout above.
 * nnz holds nc / NR block counts followed by nc % NR channel counts. (A stored zero, in a
 * block or a bridge, times an Inf or NaN input gives NaN, as in a dense product.)
 */
#ifndef SPRIG_SPMM_H
#define SPRIG_SPMM_H

#include <stddef.h>
#include <stdint.h>

#include <sprig/isa.h>

/* The output clamp: every kernel family takes it. */
struct sprig_f32_minmax_params {
  float min;
  float max;
};

/* The longest step between consecutive entries' input rows, either way. */
#define SPRIG_SPMM_MAX_STEP 127

/* The input row `delta` rows of `stride` bytes from `row` (the kernels' step between entries). */
static inline const float* sprig_spmm_next_row(const float* row, int8_t delta, size_t stride) {
  return (const float*) ((uintptr_t) row + (uintptr_t) ((intptr_t) delta * (intptr_t) stride));
}

typedef void (*sprig_f32_spmm_ukernel_fn)(
    size_t mc, size_t nc, const float* input, size_t input_stride, const float* bias, const float* weights,
    const int8_t* input_deltas, const uint32_t* nnz, float* output, size_t output_stride,
    const struct sprig_f32_minmax_params* params);

#define SPRIG_F32_SPMM_UKERNEL(isa, mr, nr, prefetch, is_default, fn)                                         \
  void fn(size_t mc, size_t nc, const float* input, size_t input_stride, const float* bias, const float* weights, \
          const int8_t* input_deltas, const uint32_t* nnz, float* output, size_t output_stride,                 \
          const struct sprig_f32_minmax_params* params);
#include <f32-spmm/list.inc>
#undef SPRIG_F32_SPMM_UKERNEL

struct sprig_f32_spmm_ukernel {
  const char* name;
  sprig_f32_spmm_ukernel_fn fn;
  enum sprig_isa isa;
  uint32_t mr;
  uint32_t nr;
  /* The kernel issues software prefetches of the input rows ahead of its loads (name suffix
   * _prefetch; see kernels/f32-spmm/list.inc). */
  bool prefetch;
  /* The kernel an operator uses when this ISA is the best one allowed. */
  bool is_default;
  /* A variant for in-order cores (SPRIG_F32_SPMM_UKERNEL_INORDER in kernels/f32-spmm/list.inc). */
  bool inorder;
};

/* Every kernel of this build, in list order (kernels/f32-spmm/list.inc). */
extern const struct sprig_f32_spmm_ukernel sprig_f32_spmm_ukernels[];
extern const size_t sprig_f32_spmm_ukernel_count;

#endif /* SPRIG_SPMM_H */
