/* int8 data of a case (--dtypes qs8 / qd8): the pruned f32 weights quantized per output channel,
 * the inputs quantized once, and plain-C references of sprig's qs8 and qd8 formulas (sprig.h). */
#ifndef SPRIG_BENCH_QUANT_H
#define SPRIG_BENCH_QUANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "runner.h"

/* The int8 version of a bench_problem (same layer, shapes and layouts). */
struct bench_quantized {
  size_t m, k, n, nnz;          /* nnz: nonzero int8 weights (rounding may zero a few tiny ones) */
  int8_t* weights;              /* [n][k] (conv2d: OIHW), symmetric: w = weight_scales[o] x q */
  int8_t* weights_ohwi;         /* conv2d: OHWI (XNNPACK's layout); else NULL (use weights) */
  float* weight_scales;         /* [n]: max |w[o][:]| / 127 (1/127 for an all-zero channel) */
  int32_t* bias;                /* [n]: rne(bias / (input_scale x weight_scales[o])) */
  int8_t input_zero_point;
  float input_scale;
  int8_t output_zero_point;
  float output_scale;
  int8_t* input_cm;             /* as the f32 problem's input_cm (NCHW image / [k][m]), quantized */
  int8_t* input_pm;             /* as input_pm ([m][k] / NHWC image), quantized */
  size_t input_elements;
};

/* Quantizes the problem: weights per channel; the input (values in [-1, 1)) with scale 2/255 and
 * zero point -1; the output with zero point 0 and scale max |f32 reference output| / 127.
 * Returns 0, or -1 when out of memory. */
int bench_quantize_problem(const struct bench_problem* problem, const struct bench_reference* f32_reference,
                           struct bench_quantized* q);
void bench_quantized_free(struct bench_quantized* q);

/* int8 weights OIHW [rows][cin][taps] (cols = cin x taps) -> OHWI [rows][taps][cin], as
 * bench_conv_data_make does for floats (taps 1: a copy). */
void bench_int8_ohwi_from_oihw(const int8_t* oihw, size_t rows, size_t taps, size_t cols, int8_t* ohwi);

/* The qs8 reference, [n][m] int8 (channel-major): acc = bias + sum w (x - input_zero_point)
 * (padding contributes 0), y = clamp(rne((float) acc x s[o]) + output_zero_point, -128, 127),
 * s[o] = input_scale x weight_scales[o] / output_scale in float. Returns 0 or -1. */
int bench_qs8_reference(const struct bench_problem* problem, const struct bench_quantized* q, int8_t* output);

/* The qd8 reference (linear layers), [n][m] float plus per-element magnitude |bias| + sum
 * |w x| of the dequantized terms: each input row quantized as sprig.h says (scale (hi - lo) /
 * 255 over [min(0, min x), max(0, max x)], zero point clamp(rne(-128 - lo / scale)), q =
 * clamp(rne(x x (1 / scale)) + zero point)), then y = (float) acc x (scale x weight_scales[o]) +
 * bias[o]. Returns 0, or -1 when out of memory. */
int bench_qd8_reference(const struct bench_problem* problem, const struct bench_quantized* q,
                        struct bench_reference* reference);

/* Max |a - b| over [n][m] int8 tensors, either of them channel-major ([n][m]) or pixel-major
 * ([m][n]); *count_out (may be NULL) receives how many elements differ. */
int bench_int8_max_diff(const int8_t* a, bool a_pixel_major, const int8_t* b, bool b_pixel_major, size_t m, size_t n,
                        long long* count_out);

/* Max over elements of |output_scale x (y - output_zero_point) - f32 reference| / magnitude:
 * what quantization costs against the unquantized layer. */
double bench_int8_dequantized_error(const struct bench_reference* f32_reference, const int8_t* y, bool pixel_major,
                                    const struct bench_quantized* q);

#endif /* SPRIG_BENCH_QUANT_H */
