/* Correctness check of every contender against sprig's plain-C reference. */
#ifndef SPRIG_BENCH_CHECK_H
#define SPRIG_BENCH_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "data.h"

/* Outputs agree when no element's error exceeds this fraction of its magnitude. */
#define BENCH_MAX_REL_ERR 1e-4

/* Reference output [n][m] and, per element, the magnitude |bias| + sum |w| |x| of its sum:
 * the scale float rounding errors grow with. */
struct bench_reference {
  size_t m, n;
  float* output;
  float* magnitude;
};

/* weights: the pruned CSR [n][k]; input: channel-major [k][m]. Returns 0, or -1 when out of
 * memory. */
int bench_reference_compute(const struct bench_csr* weights, const float* bias, const float* input, size_t m,
                            struct bench_reference* reference);
void bench_reference_free(struct bench_reference* reference);

/* A convolution's geometry for the plain-C reference: square kernel, symmetric zero padding,
 * channel counts over all groups. */
struct bench_conv_geometry {
  size_t in_channels, out_channels, groups;
  size_t height, width, out_height, out_width;
  size_t kernel, stride, padding;
  bool input_nhwc;  /* input [h][w][c] instead of [c][h][w] */
};

/* output [out_channels][out_height][out_width] = clamp(bias + sum of weights (OIHW, zeros skipped)
 * times input, summed in double); magnitude (may be NULL): |bias| + sum |w| |x|, unclamped.
 * Returns 0, or -1 when out of memory. */
int bench_conv_forward(const struct bench_conv_geometry* geometry, const float* weights, const float* bias,
                        const float* input, float output_min, float output_max, float* output, float* magnitude);

/* The reference of a convolution layer (no clamp). Returns 0, or -1 when out of memory. */
int bench_reference_compute_conv(const struct bench_conv_geometry* geometry, const float* weights,
                                 const float* bias, const float* input, struct bench_reference* reference);

/* max over elements of |actual - reference| / magnitude; `actual` is [n][m] (channel-major)
 * or [m][n] (pixel_major). INFINITY for a NaN or an error where the magnitude is 0. */
double bench_max_relative_error(const struct bench_reference* reference, const float* actual, bool pixel_major);

#endif /* SPRIG_BENCH_CHECK_H */
