/* sprig-bench's command line. */
#ifndef SPRIG_BENCH_OPTIONS_H
#define SPRIG_BENCH_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats.h"
#include "suites.h"
#include "timing.h"

#define BENCH_MAX_LIST 32

/* Data types a layer runs in: f32 (sprig vs XNNPACK sparse and dense, f32); qs8 (int8
 * activations, sprig's qs8 operator vs XNNPACK's per-channel int8 (qc8) dense convolution, with
 * sprig's f32 time beside it); qd8 (linear layers only: f32 input quantized per row at run time
 * by sprig's qd8 operator, the same peer). */
enum bench_dtype {
  bench_dtype_f32 = 0,
  bench_dtype_qs8 = 1,
  bench_dtype_qd8 = 2,
  /* IEEE half activations and weights: sprig's f16 operator vs sprig f32 and XNNPACK's dense f16
   * convolution (bench/layer-f16.c). */
  bench_dtype_f16 = 3,
  bench_dtype_count = 4,
};

/* "f32", "qs8", "qd8", "f16". */
const char* bench_dtype_name(enum bench_dtype dtype);

struct bench_options {
  const struct bench_suite* suites[BENCH_MAX_LIST];
  size_t suite_count;
  const char* layer_globs[BENCH_MAX_LIST]; /* "suite/layer" patterns; none = every layer */
  size_t layer_glob_count;
  double sparsities[BENCH_MAX_LIST];
  size_t sparsity_count;
  bool sparsity_given;
  const struct bench_format* formats[BENCH_MAX_LIST];
  size_t format_count;
  size_t threads[BENCH_MAX_LIST]; /* 0 = every core (resolved by main) */
  size_t thread_count;
  enum bench_dtype dtypes[bench_dtype_count]; /* each at most once, in the order given */
  size_t dtype_count;
  struct bench_timing_plan timing;
  bool kernels_mode;
  size_t kernel_m, kernel_k, kernel_n;
  bool kernel_rows_odd; /* --kernel-rows odd: input rows an odd number of cache lines apart */
  const char* json_path;
  const char* plot_dir;
  bool quiet;
  uint64_t seed;
};

enum bench_parse_result {
  bench_parse_ok,
  bench_parse_exit_success, /* --help, --list */
  bench_parse_error,
};

/* Fills `options` from argv (defaults first); prints help, lists or the error itself. */
enum bench_parse_result bench_parse_options(int argc, char** argv, struct bench_options* options);

/* "suite/layer" matches one of the --layers patterns (or there are none). */
bool bench_layer_selected(const struct bench_options* options, const char* suite, const char* layer);

#endif /* SPRIG_BENCH_OPTIONS_H */
