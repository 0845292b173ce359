/* One layer case of a suite: data, the three runners, the check, the timing, the result. */
#ifndef SPRIG_BENCH_LAYER_H
#define SPRIG_BENCH_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pthreadpool.h>

#include "check.h"
#include "formats.h"
#include "options.h"
#include "report.h"
#include "runner.h"
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

/* Runs (suite, layer, format, sparsity) in every dtype of the options that applies to the layer
 * (bench_dtype_applies) at every thread count of run->pools, appending one result per dtype and
 * thread count; the data are made once. False when a result failed (outputs disagree) or on an
 * error. */
bool bench_run_layer(struct bench_run* run, const struct bench_suite* suite, const struct bench_layer* layer,
                     const struct bench_format* format, double sparsity);

/* f32 and qs8: every layer; qd8: linear layers; f16: every layer but whole networks. */
bool bench_dtype_applies(const struct bench_layer* layer, enum bench_dtype dtype);

/* One int8 case (bench/layer-int8.c): quantizes the problem (bench/quant.h), runs sprig's int8
 * operator, sprig's f32 operator and XNNPACK's qc8 convolution, checks them, times them
 * interleaved and appends one result per thread count. f32_reference: the f32 problem's (NULL
 * when it could not be computed: the case is recorded as failed). */
bool bench_run_int8_case(struct bench_run* run, const struct bench_suite* suite, const struct bench_layer* layer,
                         const struct bench_format* format, double sparsity, enum bench_dtype dtype,
                         const struct bench_problem* problem, const struct bench_reference* f32_reference);

struct bench_network;
struct bench_net_range;
/* Runs each of the network's operators once on `runner` (set up), adding its time in µs to
 * sums[its class]; false when a run fails. */
bool bench_time_network_classes(const struct bench_network* net, struct bench_runner* runner, pthreadpool_t pool,
                                double* sums);
/* A network record's totals: parameters, pruned sparsity, image size, its operator classes. */
void bench_describe_network(const struct bench_network* net, struct bench_result* r);
/* A whole network in int8 (bench/layer-int8.c): sprig's qs8 operators (bench/net-sprig-q8.c,
 * activations quantized from the reference ranges) against sprig's f32 network, timed
 * interleaved; one result per thread count (dtype qs8, kind network; no XNNPACK column). */
bool bench_run_int8_network(struct bench_run* run, const struct bench_suite* suite, const struct bench_layer* layer,
                            const struct bench_format* format, double sparsity, const struct bench_network* net,
                            const struct bench_reference* reference, const struct bench_net_range* ranges);

/* One f16 case (bench/layer-f16.c): the problem rounded to halves, sprig's f16 operator, sprig's
 * f32 operator and XNNPACK's dense f16 convolution, checked against the f32 reference, timed
 * interleaved; one result per thread count. */
bool bench_run_f16_case(struct bench_run* run, const struct bench_suite* suite, const struct bench_layer* layer,
                        const struct bench_format* format, double sparsity, const struct bench_problem* problem,
                        const struct bench_reference* f32_reference);
/* The f16 table (sprig f16, sprig f32, XNNPACK f16 on the same layer). */
void bench_print_f16_table(FILE* out, const struct bench_results* results);

/* Shared by the f32 and int8 cases. The fields of a layer record (names, shapes, nonzeros,
 * macs = nnz x m, sparsity, bytes per nonzero, kernel and ISA, read rates, conv geometry). */
void bench_describe_layer(const struct bench_suite* suite, const struct bench_layer* layer,
                          const struct bench_format* format, double sparsity, size_t m, size_t k, size_t n, size_t nnz,
                          const struct bench_sprig_info* info, size_t threads, struct bench_result* r);
/* Linear layers at batch 1: the weight stream rate from r->us[bench_sprig] (see report.h). */
void bench_derive_weight_rate(struct bench_result* r, const struct bench_sprig_info* info);
/* One progress line on stderr unless --quiet. */
void bench_print_progress(const struct bench_run* run, const struct bench_result* r);

/* The ISA name of a listed kernel ("unknown" if it is not in the list). */
const char* bench_kernel_isa(const char* kernel_name);

#endif /* SPRIG_BENCH_LAYER_H */
