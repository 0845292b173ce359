/* --kernels: every microkernel this CPU runs of the lists that take the format (f32-spmm and
 * f32-bspmv, or f32-nmspmm for N:M formats), then of f32-spconv, f32-dwconv and f32-dwconv2d-chw
 * (kernels/<family>/list.inc), called directly on one shape, so that a kernel is benchmarked the
 * moment it is listed. */
#ifndef SPRIG_BENCH_KERNELS_H
#define SPRIG_BENCH_KERNELS_H

#include <stdbool.h>

#include "options.h"
#include "report.h"

/* The rows of a per-family kernel table (after the caller's title line): each kernel's name,
 * median µs, ns per unit for `units` units per call (`unit_label`, e.g. "ns/byte") and the first
 * kernel's median over its own. Nothing when count is 0. */
void bench_print_kernel_medians(const char* const* names, const double* medians, size_t count, double units,
                                const char* unit_label);

/* Appends one result per kernel and sparsity; false when a kernel disagrees with the reference.
 * Ends with bench_run_conv_kernels. */
bool bench_run_kernels(const struct bench_options* options, struct bench_results* results);

/* The convolution families (bench/kernels-conv.c): every f32-spconv kernel on a 3x3 s1 pad 1
 * convolution of a sqrt(M) x sqrt(M) image, K -> N channels, pruned by the first format to each
 * sparsity; every f32-dwconv kernel on a depthwise 3x3 and 5x5 layer of N channels (dense);
 * every f32-dwconv2d-chw kernel on its K x K stride-S depthwise shape of N channels. */
bool bench_run_conv_kernels(const struct bench_options* options, struct bench_results* results);

/* The f16 SpMM family (bench/kernels-f16.c): every kernel of kernels/f16-spmm/list.inc this CPU
 * runs, on the --kernels shape at each sparsity (random unstructured weights); prints medians. */
bool bench_run_f16_kernels(const struct bench_options* options);

/* The int8 requantization family (bench/kernels-int8.c): every kernel of
 * kernels/qs8-requant/list.inc this CPU runs, both entry points, on N x M int32 sums; prints
 * medians and fails when a kernel's output differs from the scalar one's. */
bool bench_run_qs8_requant_kernels(const struct bench_options* options);

/* The qd8 row quantization family (bench/kernels-int8.c): every kernel of
 * kernels/qd8-quantize/list.inc this CPU runs on M rows of K floats; prints medians and fails
 * when a kernel's bytes differ from the scalar one's. */
bool bench_run_qd8_quantize_kernels(const struct bench_options* options);

/* The byte-quad interleave family (bench/kernels-int8.c): every kernel of kernels/x8-zip4/list.inc
 * this CPU runs on K rows of M bytes, four rows per call; prints medians and fails when a kernel's
 * bytes differ from the scalar one's. */
bool bench_run_x8_zip4_kernels(const struct bench_options* options);

/* The int8 element-wise add family (bench/kernels-int8.c): every kernel of
 * kernels/qs8-vadd/list.inc this CPU runs on two tensors of N x M int8 values; prints medians and
 * fails when a kernel's output differs from the scalar one's. */
bool bench_run_qs8_vadd_kernels(const struct bench_options* options);

/* The layout conversion operators (bench/kernels-transpose.c): f32, x16 and x8, NHWC -> NCHW and
 * back on one image of M pixels x N channels, beside a memcpy of the same bytes; prints medians
 * and fails when a round trip changes a byte. */
bool bench_run_convert_operators(const struct bench_options* options);

/* The transpose families (bench/kernels-transpose.c): every kernel of kernels/xN-transpose/list.inc
 * this CPU runs on M rows of K elements and back (a linear layer's batch transposes; an image's
 * layout conversion); prints medians and fails when a kernel's output differs from the first one's. */
bool bench_run_x32_transpose_kernels(const struct bench_options* options);
bool bench_run_x16_transpose_kernels(const struct bench_options* options);
bool bench_run_x8_transpose_kernels(const struct bench_options* options);

/* --kernels with an N:M format (--formats nmN:M): the f32 N:M matrix-times-vectors kernels on
 * kernel_m vectors (1 to 8) x kernel_k x kernel_n, beside the one-vector kernel once per vector;
 * true when every kernel agreed with the reference (or the format is not N:M). */
bool bench_run_f32_nmspmv_kernels(const struct bench_options* options);

/* The f32 batch-1 kernels (bench/kernels-sellmv.c): every kernel of kernels/f32-sellmv/list.inc
 * this CPU runs, on an N x K layer of unstructured weights at each sparsity and one input vector;
 * prints medians and weight-stream rates, fails when a kernel's outputs differ from a plain
 * evaluation beyond rounding. */
bool bench_run_f32_sellmv_kernels(const struct bench_options* options);

/* The int8 batch-1 kernels (bench/kernels-sellmv-int8.c): every kernel of
 * kernels/qs8-sellmv/list.inc and every MR = 1 kernel of kernels/qs8-spmm/list.inc this CPU runs,
 * on an N x K int8 layer at each sparsity, unstructured and in 1x4 blocks, and one input vector;
 * prints medians and fails when a kernel's sums differ from a plain evaluation. */
bool bench_run_qs8_sellmv_kernels(const struct bench_options* options);

#endif /* SPRIG_BENCH_KERNELS_H */
