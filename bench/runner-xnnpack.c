/* XNNPACK's side (Debian's 2022-02 snapshot: create functions take no caches argument).
 * Sparse: a 1x1 NCHW convolution, which XNNPACK always runs with its SpMM microkernels
 * (it picks 4- or 2-channel blocks when the pattern has them, else single channels).
 * Dense: a 1x1 NHWC convolution, or a fully connected operator for linear layers.
 * For linear layers the sparse path sees the input transposed ([in_features][batch], as one
 * NCHW image of 1 x batch pixels) and writes [out_features][batch]: those transposes are the
 * caller's cost and are NOT in its time (sprig's linear operator transposes inside).
 * General convolutions (conv2d layers): "sparse" is XNNPACK's NCHW convolution where it has one
 * for the shape (1x1: SpMM; 3x3 s2 with 3 input channels and NHWC input; depthwise 3x3 / 5x5 s1 /
 * s2), null otherwise; dense is its NHWC convolution on the same weights (OHWI), NHWC input
 * converted before timing.
 * int8 (--dtypes qs8 / qd8): XNNPACK's dense per-channel int8 convolution
 * (xnn_create_convolution2d_nhwc_qc8, fp32 requantization with one scale per output channel,
 * int32 bias) on the same int8 weights (OHWI) and the NHWC int8 input: a 1x1 convolution for 1x1
 * and linear layers (batch rows as a batch of 1x1 images), the layer's own shape for conv2d. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <xnnpack.h>

#include "data.h"
#include "quant.h"
#include "runner.h"

struct xnn_impl {
  xnn_operator_t op;
  const struct bench_problem* problem;
  const struct bench_quantized* quantized; /* qc8 runners; else NULL */
  const uint16_t* input_f16;               /* f16 runners; else NULL */
  uint16_t* output_f16;
  bool sparse;
};

static bool xnn_ok(enum xnn_status status, const char* what, const struct bench_problem* p) {
  if (status != xnn_status_success) {
    fprintf(stderr, "sprig-bench: XNNPACK %s failed for %s (status %d)\n", what, p->layer->name, (int) status);
    return false;
  }
  return true;
}

/* NCHW geometry of the sparse path: conv images as they are; linear rows as 1 x m pixels. */
static void sparse_geometry(const struct bench_problem* p, size_t* height, size_t* width) {
  const bool conv = p->layer->kind == bench_layer_conv1x1;
  *height = conv ? p->layer->height : 1;
  *width = conv ? p->layer->width : p->m;
}

static bool xnn_setup(struct bench_runner* runner, pthreadpool_t pool) {
  const struct xnn_impl* impl = runner->impl;
  const struct bench_problem* p = impl->problem;
  enum xnn_status status;
  if (impl->input_f16 != NULL) {
    const bool linear = p->layer->kind == bench_layer_linear;
    status = xnn_setup_convolution2d_nhwc_f16(impl->op, linear ? p->m : 1, linear ? 1 : p->layer->height,
                                              linear ? 1 : p->layer->width, impl->input_f16, impl->output_f16, pool);
  } else if (impl->quantized != NULL) {
    const bool linear = p->layer->kind == bench_layer_linear;
    status = xnn_setup_convolution2d_nhwc_qc8(impl->op, linear ? p->m : 1, linear ? 1 : p->layer->height,
                                              linear ? 1 : p->layer->width, impl->quantized->input_pm,
                                              runner->output_q, pool);
  } else if (impl->sparse && p->layer->kind == bench_layer_conv2d) {
    status = xnn_setup_convolution2d_nchw_f32(impl->op, 1, p->layer->height, p->layer->width,
                                              p->layer->input_nhwc ? p->input_pm : p->input_cm, runner->output, pool);
  } else if (impl->sparse) {
    size_t height, width;
    sparse_geometry(p, &height, &width);
    status = xnn_setup_convolution2d_nchw_f32(impl->op, 1, height, width, p->input_cm, runner->output, pool);
  } else if (p->layer->kind == bench_layer_conv1x1 || p->layer->kind == bench_layer_conv2d) {
    status = xnn_setup_convolution2d_nhwc_f32(impl->op, 1, p->layer->height, p->layer->width, p->input_pm,
                                              runner->output, pool);
  } else {
    status = xnn_setup_fully_connected_nc_f32(impl->op, p->m, p->input_pm, runner->output, pool);
  }
  return xnn_ok(status, "setup", p);
}

static bool xnn_run(struct bench_runner* runner, pthreadpool_t pool) {
  const struct xnn_impl* impl = runner->impl;
  return xnn_run_operator(impl->op, pool) == xnn_status_success;
}

static void xnn_destroy(struct bench_runner* runner) {
  struct xnn_impl* impl = runner->impl;
  if (impl != NULL) {
    xnn_delete_operator(impl->op);
    free(impl);
  }
}

static bool start_runner(const struct bench_problem* p, struct bench_runner* runner, const char* name, bool sparse) {
  *runner = (struct bench_runner){.name = name, .setup = xnn_setup, .run = xnn_run, .destroy = xnn_destroy};
  struct xnn_impl* impl = calloc(1, sizeof(struct xnn_impl));
  runner->impl = impl;
  runner->output = bench_alloc_floats(p->m * p->n);
  runner->output_pixel_major = !sparse;
  if (impl == NULL || runner->output == NULL) {
    fprintf(stderr, "sprig-bench: out of memory\n");
    return false;
  }
  impl->problem = p;
  impl->sparse = sparse;
  return true;
}

bool bench_xnn_sparse_runner_create(const struct bench_problem* p, struct bench_runner* runner) {
  if (!start_runner(p, runner, "xnn-sparse", true)) {
    return false;
  }
  struct xnn_impl* impl = runner->impl;
  const struct bench_layer* l = p->layer;
  const enum xnn_status status =
      l->kind == bench_layer_conv2d
          ? xnn_create_convolution2d_nchw_f32(l->padding, l->padding, l->padding, l->padding, l->kernel, l->kernel,
                                              l->stride, l->stride, 1, 1, l->groups, l->k / l->groups,
                                              l->n / l->groups, l->k, l->n, p->weights_ohwi, p->bias, -INFINITY,
                                              INFINITY, l->input_nhwc ? XNN_FLAG_INPUT_NHWC : 0, &impl->op)
          : xnn_create_convolution2d_nchw_f32(0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, p->k, p->n, p->k, p->n, p->weights,
                                              p->bias, -INFINITY, INFINITY, 0, &impl->op);
  if (status == xnn_status_unsupported_parameter || status == xnn_status_unsupported_hardware) {
    runner->note = l->kind == bench_layer_conv2d ? "XNNPACK's NCHW convolution does not take this shape"
                                                 : "XNNPACK has no sparse NCHW path for this shape";
    return true;
  }
  runner->available = xnn_ok(status, "sparse create", p);
  return runner->available;
}

bool bench_xnn_dense_runner_create(const struct bench_problem* p, struct bench_runner* runner) {
  if (!start_runner(p, runner, "xnn-dense", false)) {
    return false;
  }
  struct xnn_impl* impl = runner->impl;
  enum xnn_status status;
  const struct bench_layer* l = p->layer;
  if (l->kind == bench_layer_conv2d) {
    status = xnn_create_convolution2d_nhwc_f32(l->padding, l->padding, l->padding, l->padding, l->kernel, l->kernel,
                                               l->stride, l->stride, 1, 1, l->groups, l->k / l->groups,
                                               l->n / l->groups, l->k, l->n, p->weights_ohwi, p->bias, -INFINITY,
                                               INFINITY, 0, &impl->op);
  } else if (l->kind == bench_layer_conv1x1) {
    status = xnn_create_convolution2d_nhwc_f32(0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, p->k, p->n, p->k, p->n, p->weights,
                                               p->bias, -INFINITY, INFINITY, 0, &impl->op);
  } else {
    status = xnn_create_fully_connected_nc_f32(p->k, p->n, p->k, p->n, p->weights, p->bias, -INFINITY, INFINITY, 0,
                                               &impl->op);
  }
  runner->available = xnn_ok(status, "dense create", p);
  return runner->available;
}

bool bench_xnn_qc8_runner_create(const struct bench_problem* p, const struct bench_quantized* q,
                                 struct bench_runner* runner) {
  *runner = (struct bench_runner){.name = "xnn-qc8", .setup = xnn_setup, .run = xnn_run, .destroy = xnn_destroy};
  struct xnn_impl* impl = calloc(1, sizeof(struct xnn_impl));
  runner->impl = impl;
  runner->output_q = malloc(p->m * p->n + 64);
  runner->output_pixel_major = true;
  if (impl == NULL || runner->output_q == NULL) {
    fprintf(stderr, "sprig-bench: out of memory\n");
    return false;
  }
  impl->problem = p;
  impl->quantized = q;
  const struct bench_layer* l = p->layer;
  const bool conv2d = l->kind == bench_layer_conv2d;
  const uint32_t pad = conv2d ? l->padding : 0, kernel = conv2d ? l->kernel : 1, stride = conv2d ? l->stride : 1;
  const uint32_t groups = conv2d ? l->groups : 1;
  const size_t cin = conv2d ? l->k : p->k;
  const enum xnn_status status = xnn_create_convolution2d_nhwc_qc8(
      pad, pad, pad, pad, kernel, kernel, stride, stride, 1, 1, groups, cin / groups, p->n / groups, cin, p->n,
      q->input_zero_point, q->input_scale, q->weight_scales, q->weights_ohwi != NULL ? q->weights_ohwi : q->weights,
      q->bias, q->output_zero_point, q->output_scale, INT8_MIN, INT8_MAX, 0, &impl->op);
  if (status == xnn_status_unsupported_parameter || status == xnn_status_unsupported_hardware ||
      status == xnn_status_invalid_parameter) {
    runner->note = "XNNPACK's qc8 convolution refused the layer";
    xnn_ok(status, "qc8 create", p);
    return true;
  }
  runner->available = xnn_ok(status, "qc8 create", p);
  return runner->available;
}

bool bench_xnnpack_initialize(void) {
  static int state = 0; /* 0 = not tried, 1 = ok, -1 = failed */
  if (state == 0) {
    state = xnn_initialize(NULL) == xnn_status_success ? 1 : -1;
  }
  return state == 1;
}

const char* bench_xnnpack_description(void) {
  return bench_xnnpack_initialize() ? "XNNPACK (system library)" : "XNNPACK failed to initialize";
}

bool bench_xnn_f16_runner_create(const struct bench_problem* p, const uint16_t* weights_ohwi, const uint16_t* bias,
                                 const uint16_t* input_pm, uint16_t* output, struct bench_runner* runner) {
  *runner = (struct bench_runner){.name = "xnn-f16", .setup = xnn_setup, .run = xnn_run, .destroy = xnn_destroy};
  struct xnn_impl* impl = calloc(1, sizeof(struct xnn_impl));
  runner->impl = impl;
  runner->output_pixel_major = true;
  if (impl == NULL) {
    fprintf(stderr, "sprig-bench: out of memory\n");
    return false;
  }
  impl->problem = p;
  impl->input_f16 = input_pm;
  impl->output_f16 = output;
  const struct bench_layer* l = p->layer;
  const bool conv2d = l->kind == bench_layer_conv2d;
  const uint32_t pad = conv2d ? l->padding : 0, kernel = conv2d ? l->kernel : 1, stride = conv2d ? l->stride : 1;
  const uint32_t groups = conv2d ? l->groups : 1;
  const size_t cin = conv2d ? l->k : p->k;
  const enum xnn_status status = xnn_create_convolution2d_nhwc_f16(
      pad, pad, pad, pad, kernel, kernel, stride, stride, 1, 1, groups, cin / groups, p->n / groups, cin, p->n,
      weights_ohwi, bias, -INFINITY, INFINITY, 0, &impl->op);
  if (status == xnn_status_unsupported_hardware) {
    runner->note = "XNNPACK's f16 convolution: unsupported hardware (this XNNPACK has no f16 kernels for this CPU)";
    return true;
  }
  if (status == xnn_status_unsupported_parameter || status == xnn_status_invalid_parameter) {
    runner->note = "XNNPACK's f16 convolution refused the layer";
    xnn_ok(status, "f16 create", p);
    return true;
  }
  runner->available = xnn_ok(status, "f16 create", p);
  return runner->available;
}
