/* Plain-C ground truth for tests and benchmarks. Never tuned, never shipped. */
#ifndef SPRIG_REFERENCE_H
#define SPRIG_REFERENCE_H

#include <stddef.h>
#include <stdint.h>

/* output[n][p] = clamp(bias[n] + sum over CSR row n of value * input[col][p]) for p < m.
 * input rows are input_stride floats apart, output rows output_stride floats apart. */
void sprig_reference_f32_spmm(
    size_t m, size_t n, const float* input, size_t input_stride, const uint32_t* row_ptr,
    const uint32_t* col_idx, const float* values, const float* bias, float* output,
    size_t output_stride, float output_min, float output_max);

/* output[b][o] = clamp(bias[o] + sum_i weights[o][i] * input[b][i]); bias may be NULL. */
void sprig_reference_f32_linear(
    size_t batch, size_t in_features, size_t out_features, const float* input, const float* weights,
    const float* bias, float* output, float output_min, float output_max);

/* Dense NCHW convolution with groups (0 counts as 1; channel counts are per group): input
 * [batch][groups x cin][h][w], weights [groups x cout][cin][kh][kw], output
 * [batch][groups x cout][oh][ow]; bias may be NULL. Sums in double. */
struct sprig_reference_conv2d {
  size_t batch, height, width, input_channels, output_channels, groups;
  size_t kernel_height, kernel_width, stride_height, stride_width, dilation_height, dilation_width;
  size_t padding_top, padding_left, output_height, output_width;
};
void sprig_reference_f32_conv2d_nchw(
    const struct sprig_reference_conv2d* shape, const float* input, const float* weights,
    const float* bias, float* output, float output_min, float output_max);

#endif /* SPRIG_REFERENCE_H */
