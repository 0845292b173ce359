/* One layer case of a suite: data, the three runners, the check, the timing, the result. */
#ifndef SPRIG_BENCH_LAYER_H
#define SPRIG_BENCH_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pthreadpool.h>

#include "formats.h"
#include "options.h"
#include "report.h"
#include "suites.h"

struct bench_pool {
  pthreadpool_t pool;  /* shared by sprig and XNNPACK */
  size_t threads;
};

struct bench_run {
  const struct bench_options* options;
  const struct bench_pool* pools;
  size_t pool_count;
  struct bench_results* results;
  size_t cases_done;
  size_t cases_total;
};

/* The random data of a case, deterministic for (seed, name). */
struct bench_case_data {
  size_t m, k, n, nnz;
  float* weights;     /* pruned dense [n][k] */
  float* bias;        /* [n] */
  float* input_cm;    /* [k][m] (conv2d: the input image [cin][h][w]) */
  float* input_pm;    /* [m][k] (conv2d: [h][w][cin]) */
  float* weights_ohwi; /* conv2d: the weights as OHWI (NULL otherwise) */
};

/* Random weights pruned by `format` to `sparsity`, bias and input. Returns 0 or -1. */
int bench_case_data_make(const struct bench_format* format, size_t m, size_t k, size_t n, double sparsity,
                         uint64_t seed, const char* name, struct bench_case_data* data);
/* The same for a conv2d layer: m = output pixels, k = its weight matrix's columns; weights
 * pruned unless the layer is dense. Returns 0 or -1. */
int bench_conv_data_make(const struct bench_layer* layer, const struct bench_format* format, double sparsity,
                         uint64_t seed, const char* name, struct bench_case_data* data);
void bench_case_data_free(struct bench_case_data* data);

/* Runs (suite, layer, format, sparsity) at every thread count of run->pools, appending one
 * result per thread count. False when a result failed (outputs disagree) or on an error. */
bool bench_run_layer(struct bench_run* run, const struct bench_suite* suite, const struct bench_layer* layer,
                     const struct bench_format* format, double sparsity);

/* The ISA name of a listed kernel ("unknown" if it is not in the list). */
const char* bench_kernel_isa(const char* kernel_name);

#endif /* SPRIG_BENCH_LAYER_H */
