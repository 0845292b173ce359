/*
 * The int8 requantization microkernel family: int32 sums of the int8 SpMM kernels
 * (src/sprig/qs8-spmm.h) to int8 outputs, the qs8 operators' last step.
 *
 * A kernel converts a block of `rows` x `cols` int32 sums (row r at sums + r * sums_stride bytes,
 * its columns contiguous) into int8 (row r at output + r * output_stride bytes):
 *   y[r][c] = rne(clamp((float) sums[r][c] * scale, params->lowest, params->highest))
 *             + params->zero_point
 * where rne rounds to nearest with ties to even and scale is scales[r] for the `rows` entry point
 * (one scale per row: a channel's pixels, convolution outputs) or scales[c] for the `columns`
 * one (one per column: a linear layer's channels). The product is one f32 multiply; lowest and
 * highest are integers (the output clamp minus the zero point) so the clamp and the rounding
 * commute, and every ISA gives bit-identical results. A kernel reads only the rows x cols sums,
 * writes only the rows x cols outputs, and needs no alignment.
 */
#ifndef SPRIG_QS8_REQUANT_H
#define SPRIG_QS8_REQUANT_H

#include <stddef.h>
#include <stdint.h>

#include <sprig/isa.h>

struct sprig_qs8_requant_params {
  float lowest;       /* output_min - zero_point */
  float highest;      /* output_max - zero_point */
  int32_t zero_point; /* with lowest and highest: lowest + zero_point >= -128, highest + zero_point <= 127 */
};

typedef void (*sprig_qs8_requant_ukernel_fn)(size_t rows, size_t cols, const int32_t* sums, size_t sums_stride,
                                             const float* scales, int8_t* output, size_t output_stride,
                                             const struct sprig_qs8_requant_params* params);

#define SPRIG_QS8_REQUANT_UKERNEL(isa, suffix)                                                            \
  void sprig_qs8_requant_rows_ukernel__##suffix(size_t rows, size_t cols, const int32_t* sums,             \
                                               size_t sums_stride, const float* scales, int8_t* output,   \
                                               size_t output_stride,                                      \
                                               const struct sprig_qs8_requant_params* params);            \
  void sprig_qs8_requant_columns_ukernel__##suffix(size_t rows, size_t cols, const int32_t* sums,          \
                                                  size_t sums_stride, const float* scales, int8_t* output, \
                                                  size_t output_stride,                                   \
                                                  const struct sprig_qs8_requant_params* params);
#include <qs8-requant/list.inc>
#undef SPRIG_QS8_REQUANT_UKERNEL

struct sprig_qs8_requant_ukernel {
  const char* name;
  sprig_qs8_requant_ukernel_fn rows;    /* scales[r] */
  sprig_qs8_requant_ukernel_fn columns; /* scales[c] */
  enum sprig_isa isa;
};

/* Every kernel of this build, in list order (kernels/qs8-requant/list.inc). */
extern const struct sprig_qs8_requant_ukernel sprig_qs8_requant_ukernels[];
extern const size_t sprig_qs8_requant_ukernel_count;

#endif /* SPRIG_QS8_REQUANT_H */
