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

/* int8 (include/sprig.h, "int8"): the formulas written out, element by element. */
struct sprig_reference_qs8_quantization {
  int32_t input_zero_point;
  float input_scale;
  const float* weight_scales;  /* per output channel */
  const int32_t* bias;         /* per output channel, or NULL */
  int32_t output_zero_point;
  float output_scale;
  int32_t output_min, output_max;
};

/* y = clamp(rne((float) acc * (input_scale * weight_scales[o] / output_scale)) + output_zero_point),
 * acc = bias[o] + sum_i W[o][i] * (x[i] - input_zero_point) wrapped to int32. */
int8_t sprig_reference_qs8_requantize(int32_t acc, size_t o, const struct sprig_reference_qs8_quantization* q);
/* The same with the scale given: clamp(rne((float) acc * scale) + zero_point, output_min, output_max). */
int8_t sprig_reference_qs8_requantize_scaled(int32_t acc, float scale, int32_t zero_point, int32_t output_min,
                                             int32_t output_max);

/* The qs8 element-wise add (sprig.h, src/sprig/qs8-vadd.h): (a - a_zero_point) x a_multiplier
 * and (b - b_zero_point) x b_multiplier each rounded to f32, their sum rounded to f32, rounded to
 * nearest even, plus output_zero_point, clamped to [output_min, output_max]. */
int8_t sprig_reference_qs8_add(int8_t a, int8_t b, float a_multiplier, float b_multiplier, int32_t a_zero_point,
                               int32_t b_zero_point, int32_t output_zero_point, int32_t output_min,
                               int32_t output_max);

/* output[b][o] for input [batch][in], weights [out][in]. */
void sprig_reference_qs8_linear(
    size_t batch, size_t in_features, size_t out_features, const int8_t* input, const int8_t* weights,
    const struct sprig_reference_qs8_quantization* q, int8_t* output);

/* The convolution of sprig_reference_f32_conv2d_nchw on int8 (padding reads input_zero_point);
 * input_nhwc: input [batch][h][w][groups x cin] instead of NCHW. */
void sprig_reference_qs8_conv2d_nchw(
    const struct sprig_reference_conv2d* shape, int input_nhwc, const int8_t* input, const int8_t* weights,
    const struct sprig_reference_qs8_quantization* q, int8_t* output);

/* qd8 linear: per-row quantization, then the f32 output (see sprig_create_linear_qd8_f32). */
void sprig_reference_qd8_linear(
    size_t batch, size_t in_features, size_t out_features, const float* input, const int8_t* weights,
    const float* weight_scales, const float* bias, float output_min, float output_max, float* output);

/* f16 (include/sprig.h, "f16"): the exact result in double from the exact values of the halves,
 * clamped to the clamp rounded to halves, and the error bound the header gives for it:
 * tolerance = (2e + 2) x 2^-11 x S + (2e + 2) x 2^-24, with e the row's nonzero weights and
 * S = |bias| + sum |w x|. expected and tolerance are [batch][out_features] (linear) or NCHW
 * [batch][G*O][oh][ow] (conv); a non-finite sum gives expected NaN or +-Inf as double
 * arithmetic does over the dense weights, and tolerance 0. bias may be NULL. */
void sprig_reference_f16_linear(
    size_t batch, size_t in_features, size_t out_features, const uint16_t* input, const uint16_t* weights,
    const uint16_t* bias, float output_min, float output_max, double* expected, double* tolerance);
void sprig_reference_f16_conv2d_nchw(
    const struct sprig_reference_conv2d* shape, int input_nhwc, const uint16_t* input, const uint16_t* weights,
    const uint16_t* bias, float output_min, float output_max, double* expected, double* tolerance);

#endif /* SPRIG_REFERENCE_H */
