/* Results of sprig-bench: the table, the break-even summary, JSON and gnuplot data. */
#ifndef SPRIG_BENCH_REPORT_H
#define SPRIG_BENCH_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum bench_contender_id {
  bench_sprig = 0,
  bench_xnn_sparse = 1,
  bench_xnn_dense = 2,
  bench_contender_count = 3,
};

/* Per-operator-class times of a network (bench/network.h: first_conv, depthwise, ...), medians
 * over BENCH_PROFILE_ROUNDS rounds in which every operator is timed alone. */
#define BENCH_MAX_BREAKDOWN 8
#define BENCH_PROFILE_ROUNDS 7

/* One case. Times are medians in microseconds; NAN means "not applicable" (null in JSON).
 * int8 cases (dtype qs8 / qd8): us[bench_sprig] is sprig's int8 operator, us[bench_xnn_dense]
 * XNNPACK's dense per-channel int8 (qc8) convolution, us[bench_xnn_sparse] NAN (XNNPACK has no
 * sparse int8 path); f32_us is sprig's f32 operator on the same layer, timed in the same rounds. */
struct bench_result {
  char dtype[8];                      /* "f32", "qs8", "qd8" */
  char suite[32];
  char layer[64];
  char format[16];                    /* "dense" for layers whose weights are not pruned */
  char kernel[96];
  char isa[16];
  char kind[16];                      /* conv1x1, linear, conv2d, network; kernel (--kernels) */
  char xnn_sparse_path[32];           /* what XNNPACK's NCHW (sparse) contender ran */
  size_t m, k, n, nnz, threads, in_net, reps;
  unsigned mr, nr;                    /* --kernels rows only */
  double target_sparsity, sparsity;   /* requested; achieved = 1 - nnz / (k n) (networks: over the
                                       * pruned layers) */
  double us[bench_contender_count];
  double min_us[bench_contender_count];  /* fastest round (layer and network cases) */
  double rel_err[bench_contender_count];
  double gflops, peak_gflops, peak_pct, bytes_per_nnz, operator_bytes_per_nnz;
  double macs;                        /* useful multiply-adds (nonzeros only) per run */
  /* conv2d: square kernel, stride, symmetric padding, groups, input and output sizes */
  unsigned conv_kernel, stride, padding, groups;
  size_t in_height, in_width, in_channels, out_height, out_width;
  bool dense_weights;
  bool input_nhwc;
  /* networks: weights of every layer / of the pruned ones, their nonzeros; dense multiply-adds;
   * median per operator class (one run per round, each operator timed alone) */
  size_t params, pruned_params, pruned_nnz;
  double dense_macs;
  size_t breakdown_count;
  const char* const* breakdown_names;
  double breakdown_us[bench_contender_count][BENCH_MAX_BREAKDOWN];
  double breakdown_min_us[bench_contender_count][BENCH_MAX_BREAKDOWN];  /* fastest round */
  /* int8 cases: sprig's f32 operator on the same layer (median, fastest round, its check) */
  double f32_us, f32_min_us, f32_rel_err;
  /* int8 cases: max |sprig - XNNPACK qc8| over the int8 outputs and how many differ (qs8; -1 /
   * NAN when XNNPACK did not run or the dtype is qd8); max |sprig - reference| and |XNNPACK -
   * reference| in quantized units against a plain-C evaluation of the qs8 formulas */
  double int8_max_diff, xnn_ref_max_diff, sprig_ref_max_diff;
  long long int8_diff_count;
  /* int8 cases: outputs of sprig's int8 operator that differ at all from the plain-C evaluation
   * of its formulas (qs8 and qd8) */
  long long ref_diff_count;
  /* int8 cases: the dequantized output's max error over |bias| + sum |w x| against the f32
   * reference of the unquantized layer (what quantization costs; informational) */
  double quant_rel_err;
  /* int8 quantization used: input / output scale and zero point (qd8: output not quantized) */
  double input_scale, output_scale;
  int input_zero_point, output_zero_point;
  /* linear layers at batch 1: weight bytes sprig's operator streams per run
   * (sprig_operator_weight_bytes, else the packed bytes) / time, and its share of the measured
   * single-core read rate from L3 (weights that fit in L3) or DRAM; NAN otherwise */
  double weight_bytes, weight_gbs, weight_read_pct;
  const char* weight_read_level;      /* "l3", "dram" or NULL */
  /* the read-bandwidth probe (bench/peak.h), copied into every record: GB/s */
  double read_l3_gbs, read_dram_gbs;
  bool ok;
  char note[256];
};

struct bench_results {
  struct bench_result* items;
  size_t count;
  size_t capacity;
};

/* A zeroed new result (times and errors NAN), or NULL when out of memory. */
struct bench_result* bench_results_add(struct bench_results* results);
void bench_results_free(struct bench_results* results);

void bench_print_table_header(FILE* out);
void bench_print_table_row(FILE* out, const struct bench_result* r);
/* The int8 (qs8 / qd8) table: sprig int8, sprig f32, XNNPACK qc8 on the same layer. */
void bench_print_int8_table_header(FILE* out);
void bench_print_int8_table_row(FILE* out, const struct bench_result* r);
void bench_print_kernel_header(FILE* out);
void bench_print_kernel_row(FILE* out, const struct bench_result* r, double default_us);
/* Per suite, format and thread count: the median speed-up over the suite's layers at each
 * swept sparsity and the lowest sparsity where sprig beats XNNPACK dense; then per layer. */
void bench_print_break_even(FILE* out, const struct bench_results* results);

/* The e2e suite: per network, format and thread count, the whole-network times at each swept
 * sparsity, the break-even sparsity against XNNPACK dense and the per-operator-class times. */
void bench_print_networks(FILE* out, const struct bench_results* results);

/* Returns 0, or -1 (and says why on stderr). */
int bench_write_json(const char* path, const struct bench_results* results);
/* DIR/speedup-<suite>.dat (sprig) and DIR/speedup-<suite>-xnn-sparse.dat: gnuplot data
 * blocks, one per format and thread count, of median speed-up over XNNPACK dense. */
int bench_write_plot_data(const char* dir, const struct bench_results* results);

#endif /* SPRIG_BENCH_REPORT_H */
