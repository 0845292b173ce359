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

/* One case. Times are medians in microseconds; NAN means "not applicable" (null in JSON). */
struct bench_result {
  char suite[32];
  char layer[64];
  char format[16];
  char kernel[96];
  char isa[16];
  size_t m, k, n, nnz, threads, in_net, reps;
  unsigned mr, nr;                    /* --kernels rows only */
  double target_sparsity, sparsity;   /* requested; achieved = 1 - nnz / (k n) */
  double us[bench_contender_count];
  double rel_err[bench_contender_count];
  double gflops, peak_gflops, peak_pct, bytes_per_nnz, operator_bytes_per_nnz;
  bool ok;
  char note[128];
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
void bench_print_kernel_header(FILE* out);
void bench_print_kernel_row(FILE* out, const struct bench_result* r, double default_us);
/* Per suite, format and thread count: the median speed-up over the suite's layers at each
 * swept sparsity and the lowest sparsity where sprig beats XNNPACK dense; then per layer. */
void bench_print_break_even(FILE* out, const struct bench_results* results);

/* Returns 0, or -1 (and says why on stderr). */
int bench_write_json(const char* path, const struct bench_results* results);
/* DIR/speedup-<suite>.dat (sprig) and DIR/speedup-<suite>-xnn-sparse.dat: gnuplot data
 * blocks, one per format and thread count, of median speed-up over XNNPACK dense. */
int bench_write_plot_data(const char* dir, const struct bench_results* results);

#endif /* SPRIG_BENCH_REPORT_H */
