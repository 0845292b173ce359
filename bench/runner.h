/* The three ways sprig-bench runs one layer: sprig, XNNPACK sparse (NCHW SpMM), XNNPACK dense. */
#ifndef SPRIG_BENCH_RUNNER_H
#define SPRIG_BENCH_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pthreadpool.h>

#include "formats.h"
#include "suites.h"

struct bench_network;
struct bench_quantized;

/* Everything the runners of one case share. Tensors are owned by the caller. */
struct bench_problem {
  const struct bench_layer* layer;
  const struct bench_format* format;
  size_t m, k, n;             /* conv2d: output pixels, columns (input channels per group x kh x kw) */
  const float* weights;       /* pruned, dense [n][k] (conv2d: OIHW [n][cin/groups][kh][kw]) */
  const float* weights_ohwi;  /* the same as OHWI [n][kh][kw][cin/groups], XNNPACK's layout */
  const float* bias;          /* [n] */
  const float* input_cm;      /* channel-major [k][m]: NCHW, or a linear input transposed
                               * (conv2d: the input image [cin][h][w]) */
  const float* input_pm;      /* pixel-major [m][k]: NHWC, or a linear input as given
                               * (conv2d: [h][w][cin]) */
};

struct bench_runner {
  const char* name;
  bool available;             /* false: not applicable / not built; `note` says why */
  const char* note;
  float* output;              /* [n][m], or [m][n] when output_pixel_major (NULL for int8 output) */
  int8_t* output_q;           /* int8 output (qs8 runners), same layouts; else NULL */
  bool output_pixel_major;
  void* impl;
  /* Binds the pool (XNNPACK plans its tiling at setup from the thread count). */
  bool (*setup)(struct bench_runner* runner, pthreadpool_t pool);
  bool (*run)(struct bench_runner* runner, pthreadpool_t pool);
  void (*destroy)(struct bench_runner* runner);
  /* Networks only (else NULL): runs operator `index` of op_count alone (after setup). */
  bool (*run_op)(struct bench_runner* runner, pthreadpool_t pool, size_t index);
  size_t op_count;
};

/* What sprig reports about its operator. */
struct bench_sprig_info {
  const char* kernel;         /* sprig_operator_kernel_name (static storage) */
  size_t nnz;
  size_t packed_bytes;
  size_t operator_bytes;      /* sprig_operator_weight_bytes after reshape */
};

/* Each returns false only on a hard error (logged); an inapplicable runner comes back with
 * available == false. */
bool bench_sprig_runner_create(const struct bench_problem* problem, struct bench_runner* runner,
                               struct bench_sprig_info* info);
bool bench_xnn_sparse_runner_create(const struct bench_problem* problem, struct bench_runner* runner);
bool bench_xnn_dense_runner_create(const struct bench_problem* problem, struct bench_runner* runner);

/* int8 (bench/quant.h). sprig: its qs8 operator (linear, 1x1 or general NCHW convolution) on
 * the quantized problem, or with qd8 its linear qd8 operator (f32 input and output). XNNPACK:
 * its dense per-channel int8 convolution (xnn_create_convolution2d_nhwc_qc8; linear layers as a
 * 1x1 convolution of batch x 1 x 1 pixels) on the NHWC int8 input, output [m][n]. A runner sprig
 * or XNNPACK refuses comes back with available == false and the reason in `note` (static). */
bool bench_sprig_int8_runner_create(const struct bench_problem* problem, const struct bench_quantized* quantized,
                                    bool qd8, struct bench_runner* runner, struct bench_sprig_info* info);
bool bench_xnn_qc8_runner_create(const struct bench_problem* problem, const struct bench_quantized* quantized,
                                 struct bench_runner* runner);

/* f16 (--dtypes f16): XNNPACK's dense f16 convolution (xnn_create_convolution2d_nhwc_f16: a 1x1
 * convolution for 1x1 and linear layers, batch rows as 1x1 images; the layer's shape for conv2d)
 * on half weights (OHWI) and the NHWC half input, output [m][n] halves. A refusal (this CPU
 * lacks the f16 arithmetic XNNPACK needs) comes back with available == false and the reason. */
bool bench_xnn_f16_runner_create(const struct bench_problem* problem, const uint16_t* weights_ohwi,
                                 const uint16_t* bias, const uint16_t* input_pm, uint16_t* output,
                                 struct bench_runner* runner);

/* Whole networks (bench/network.h): all sprig; XNNPACK's NCHW (sparse) network; XNNPACK's NHWC
 * (dense) network. Each creates every operator once; setup binds the pool (XNNPACK) and run
 * runs the network; the output is the logits [classes]. */
bool bench_sprig_network_runner_create(const struct bench_network* network, struct bench_runner* runner,
                                       struct bench_sprig_info* info);
bool bench_xnn_sparse_network_runner_create(const struct bench_network* network, struct bench_runner* runner);
struct bench_net_q8;
/* The network's int8 version as sprig qs8 operators (bench/net-sprig-q8.c) and as XNNPACK's NHWC
 * qc8 / qs8 operators (bench/net-xnnpack.c); output_q: the int8 logits. */
bool bench_sprig_q8_network_runner_create(const struct bench_network* network, const struct bench_net_q8* q,
                                          struct bench_runner* runner, struct bench_sprig_info* info);
bool bench_xnn_qc8_network_runner_create(const struct bench_network* network, const struct bench_net_q8* q,
                                         struct bench_runner* runner);
bool bench_xnn_dense_network_runner_create(const struct bench_network* network, struct bench_runner* runner);

/* xnn_initialize(NULL) once; false when this build has no XNNPACK or it failed. */
bool bench_xnnpack_initialize(void);
/* "XNNPACK <version>" or why it is missing. */
const char* bench_xnnpack_description(void);

void bench_runner_destroy(struct bench_runner* runner);

#endif /* SPRIG_BENCH_RUNNER_H */
