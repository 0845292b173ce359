/*
 * The f16 SpMM microkernel family: the f32 family's contract (src/sprig/spmm.h, NR = 1) on IEEE
 * half-precision data, passed as uint16_t bit patterns.
 *
 * Computes, for `nc` output channels and `mc` pixels:
 *   output[n][p] = half(clamp(bias[n] + sum_j w[n][j] * input_row(n, j)[p], min, max))
 * bias:         nc halves, one per output channel (never NULL: operators pass zeros).
 * weights:      for each output channel n: the half values of its entries.
 * input_deltas: one per entry: the signed distance in input rows from this entry's row to the
 *               next entry's row (anything after the last one), at most SPRIG_SPMM_MAX_STEP
 *               either way (the same stream as the f32 NR = 1 kernels, src/pack/spmm-stream.c).
 * nnz:          nc entry counts.
 * input:        pixel 0 of the input row of the first entry of channel 0; rows input_stride
 *               bytes apart. output: pixel 0 of channel 0; channels output_stride bytes apart.
 *
 * Accumulation: kernels of the half-precision arithmetic ISAs (neonfp16arith, avx512fp16) keep
 * their sums in half precision (one rounding per fused multiply-add, as XNNPACK's f16 kernels
 * do); every other kernel converts to f32, accumulates in f32 and rounds once when storing.
 * Kernels process pixels in tiles of MR, then smaller tiles; they read only input[0 .. mc) of
 * each row and write only output[0 .. mc) of each channel.
 */
#ifndef SPRIG_F16_SPMM_H
#define SPRIG_F16_SPMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sprig/isa.h>

/* The output clamp, in both precisions (the same values: min and max are representable as
 * halves; operators fill both). */
struct sprig_f16_minmax_params {
  float min;
  float max;
  uint16_t min_f16;
  uint16_t max_f16;
};

typedef void (*sprig_f16_spmm_ukernel_fn)(
    size_t mc, size_t nc, const uint16_t* input, size_t input_stride, const uint16_t* bias,
    const uint16_t* weights, const int8_t* input_deltas, const uint32_t* nnz, uint16_t* output,
    size_t output_stride, const struct sprig_f16_minmax_params* params);

#define SPRIG_F16_SPMM_UKERNEL(isa, mr, is_default, fn)                                                   \
  void fn(size_t mc, size_t nc, const uint16_t* input, size_t input_stride, const uint16_t* bias,       \
          const uint16_t* weights, const int8_t* input_deltas, const uint32_t* nnz, uint16_t* output,   \
          size_t output_stride, const struct sprig_f16_minmax_params* params);
#include <f16-spmm/list.inc>
#undef SPRIG_F16_SPMM_UKERNEL

struct sprig_f16_spmm_ukernel {
  const char* name;
  sprig_f16_spmm_ukernel_fn fn;
  enum sprig_isa isa;
  uint32_t mr;
  /* The kernel an operator uses when this ISA is the best one allowed. */
  bool is_default;
};

/* Every kernel of this build, in list order (kernels/f16-spmm/list.inc). */
extern const struct sprig_f16_spmm_ukernel sprig_f16_spmm_ukernels[];
extern const size_t sprig_f16_spmm_ukernel_count;

#endif /* SPRIG_F16_SPMM_H */
