/*
 * The f32 block-sparse matrix-vector microkernel family: weights in 1 x C blocks along the
 * input (C consecutive input features of one output feature, C = 4 or 8) times one input
 * vector (one batch row of a linear layer):
 *   output[n] = clamp(bias[n] + sum over the blocks b of row n of
 *                     sum_{j < C} values[b][j] * input[block_cols[b] * C + j], min, max)
 *
 * bias:       nc values.
 * values:     C values per block, the blocks of row 0, then row 1, ... (no gaps).
 * block_cols: per block, its first input feature divided by C.
 * nblocks:    per row, its block count.
 * input:      every block reads C whole floats, so round_up(K, C) floats must be readable
 *             (operators copy the row to a zero-padded buffer when K % C != 0).
 * output:     nc floats, contiguous.
 *
 * Kernels add a row's products in C lanes (and several lane sets), then the lanes; the sum order
 * differs from the unblocked one within rounding.
 */
#ifndef SPRIG_BSPMV_H
#define SPRIG_BSPMV_H

#include <stddef.h>
#include <stdint.h>

#include <sprig/isa.h>
#include <sprig/spmm.h>

typedef void (*sprig_f32_bspmv_ukernel_fn)(
    size_t nc, const float* input, const float* bias, const float* values, const uint16_t* block_cols,
    const uint32_t* nblocks, float* output, const struct sprig_f32_minmax_params* params);

#define SPRIG_F32_BSPMV_UKERNEL(isa, c, is_default, fn)                                                    \
  void fn(size_t nc, const float* input, const float* bias, const float* values, const uint16_t* block_cols, \
          const uint32_t* nblocks, float* output, const struct sprig_f32_minmax_params* params);
#include <f32-bspmv/list.inc>
#undef SPRIG_F32_BSPMV_UKERNEL

struct sprig_f32_bspmv_ukernel {
  const char* name;
  sprig_f32_bspmv_ukernel_fn fn;
  enum sprig_isa isa;
  uint32_t block_width; /* C */
  bool is_default;
};

/* Every kernel of this build, in list order (kernels/f32-bspmv/list.inc). */
extern const struct sprig_f32_bspmv_ukernel sprig_f32_bspmv_ukernels[];
extern const size_t sprig_f32_bspmv_ukernel_count;

/*
 * The f16 family: the same products with the weights as IEEE halves (uint16_t bit patterns),
 * widened exactly to f32 in the kernel; input, bias, sums, clamp and output stay f32 (operators
 * widen the input vector once and round the outputs to halves once). The weights are read as
 * packed f16 1 x C weights store them:
 *   values:   C halves per block, the blocks of row 0, then row 1, ... (no gaps).
 *   col_gaps: per block, its block column minus the previous block's of the same row (a row's
 *             first block: its block column + 1), 1 to 255; all-zero blocks bridge longer steps.
 *   nblocks:  per row, its block count (bridges included).
 * input: round_up(K, C) readable floats, as above.
 */
typedef void (*sprig_f16_bspmv_ukernel_fn)(
    size_t nc, const float* input, const float* bias, const uint16_t* values, const uint8_t* col_gaps,
    const uint32_t* nblocks, float* output, const struct sprig_f32_minmax_params* params);

#define SPRIG_F16_BSPMV_UKERNEL(isa, c, is_default, fn)                                                      \
  void fn(size_t nc, const float* input, const float* bias, const uint16_t* values, const uint8_t* col_gaps, \
          const uint32_t* nblocks, float* output, const struct sprig_f32_minmax_params* params);
#include <f16-bspmv/list.inc>
#undef SPRIG_F16_BSPMV_UKERNEL

struct sprig_f16_bspmv_ukernel {
  const char* name;
  sprig_f16_bspmv_ukernel_fn fn;
  enum sprig_isa isa;
  uint32_t block_width; /* C */
  bool is_default;
};

/* Every kernel of this build, in list order (kernels/f16-bspmv/list.inc). */
extern const struct sprig_f16_bspmv_ukernel sprig_f16_bspmv_ukernels[];
extern const size_t sprig_f16_bspmv_ukernel_count;

#endif /* SPRIG_BSPMV_H */
