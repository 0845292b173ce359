/* sprig's side: a 1x1 NCHW convolution, a general one (sprig_create_conv2d_nchw_from_weights_f32:
 * KxK, strides, padding, groups, NHWC image input) or a linear operator, weights packed in the
 * format (dense conv layers -- first, depthwise -- as CSR holding every weight). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <sprig.h>

#include "data.h"
#include "quant.h"
#include "runner.h"

struct sprig_impl {
  sprig_operator_t op;
  const float* input;
};

static bool sprig_setup(struct bench_runner* runner, pthreadpool_t pool) {
  (void) runner;
  (void) pool; /* sprig's plan does not depend on the pool */
  return true;
}

static bool sprig_run(struct bench_runner* runner, pthreadpool_t pool) {
  const struct sprig_impl* impl = runner->impl;
  return sprig_run_operator(impl->op, pool) == sprig_status_success;
}

static void sprig_destroy(struct bench_runner* runner) {
  struct sprig_impl* impl = runner->impl;
  if (impl != NULL) {
    sprig_delete_operator(impl->op);
    free(impl);
  }
}

static enum sprig_status create_operator(const struct bench_problem* p, sprig_weights_t weights, sprig_operator_t* op) {
  const struct bench_layer* layer = p->layer;
  if (layer->kind == bench_layer_linear) {
    return sprig_create_linear_from_weights_f32(weights, p->bias, -INFINITY, INFINITY, 0, op);
  }
  if (layer->kind == bench_layer_conv2d) {
    const uint32_t pad = layer->padding;
    const struct sprig_conv2d_params params = {
        .kernel_height = layer->kernel, .kernel_width = layer->kernel, .stride_height = layer->stride,
        .stride_width = layer->stride, .dilation_height = 1, .dilation_width = 1, .padding_top = pad,
        .padding_right = pad, .padding_bottom = pad, .padding_left = pad, .groups = layer->groups,
        .input_channels = layer->k / layer->groups, .output_channels = layer->n / layer->groups,
    };
    return sprig_create_conv2d_nchw_from_weights_f32(&params, weights, p->bias, -INFINITY, INFINITY,
                                                     layer->input_nhwc ? SPRIG_FLAG_INPUT_NHWC : 0, op);
  }
  const struct sprig_conv2d_params params = {
      .kernel_height = 1, .kernel_width = 1, .stride_height = 1, .stride_width = 1,
      .dilation_height = 1, .dilation_width = 1, .groups = 1,
      .input_channels = p->k, .output_channels = p->n,
  };
  return sprig_create_conv2d_nchw_from_weights_f32(&params, weights, p->bias, -INFINITY, INFINITY, 0, op);
}

static enum sprig_status bind_operator(const struct bench_problem* p, struct sprig_impl* impl, float* output) {
  const struct bench_layer* layer = p->layer;
  enum sprig_status status;
  if (layer->kind == bench_layer_linear) {
    status = sprig_reshape_linear_f32(impl->op, p->m);
    return status != sprig_status_success ? status : sprig_setup_linear_f32(impl->op, p->input_pm, output);
  }
  size_t height = 0, width = 0;
  status = sprig_reshape_conv2d_nchw_f32(impl->op, 1, layer->height, layer->width, &height, &width);
  if (status == sprig_status_success &&
      (height != bench_layer_output_height(layer) || width != bench_layer_output_width(layer))) {
    fprintf(stderr, "sprig-bench: sprig's %s gives a %zu x %zu output, expected %zu x %zu\n", layer->name, height,
            width, bench_layer_output_height(layer), bench_layer_output_width(layer));
    return sprig_status_invalid_parameter;
  }
  const float* input = layer->input_nhwc ? p->input_pm : p->input_cm;
  return status != sprig_status_success ? status : sprig_setup_conv2d_nchw_f32(impl->op, input, output);
}

/* Packs the weights in the problem's format; reports nonzeros and packed bytes. */
static enum sprig_status pack(const struct bench_problem* p, sprig_weights_t* weights, struct bench_sprig_info* info) {
  static const struct sprig_sparsity csr = {.format = SPRIG_FORMAT_CSR};
  const struct sprig_sparsity* pattern = p->layer->dense ? &csr : &p->format->pattern;
  enum sprig_status status = sprig_pack_weights_f32(p->n, p->k, p->weights, pattern, 0, weights);
  struct sprig_weights_info winfo;
  if (status == sprig_status_success && (status = sprig_get_weights_info(*weights, &winfo)) == sprig_status_success) {
    info->nnz = winfo.nnz;
    info->packed_bytes = winfo.packed_bytes;
  }
  return status;
}

bool bench_sprig_runner_create(const struct bench_problem* problem, struct bench_runner* runner,
                               struct bench_sprig_info* info) {
  *runner = (struct bench_runner){.name = "sprig", .setup = sprig_setup, .run = sprig_run, .destroy = sprig_destroy};
  *info = (struct bench_sprig_info){0};
  struct sprig_impl* impl = calloc(1, sizeof(struct sprig_impl));
  runner->impl = impl;
  runner->output = bench_alloc_floats(problem->m * problem->n);
  runner->output_pixel_major = problem->layer->kind == bench_layer_linear;
  if (impl == NULL || runner->output == NULL) {
    fprintf(stderr, "sprig-bench: out of memory\n");
    return false;
  }
  sprig_weights_t weights = NULL;
  enum sprig_status status = pack(problem, &weights, info);
  if (status == sprig_status_success) {
    status = create_operator(problem, weights, &impl->op);
  }
  sprig_release_weights(weights);
  if (status == sprig_status_success) {
    status = bind_operator(problem, impl, runner->output);
  }
  if (status != sprig_status_success) {
    fprintf(stderr, "sprig-bench: sprig refused %s: %s\n", problem->layer->name, sprig_status_string(status));
    return false;
  }
  info->kernel = sprig_operator_kernel_name(impl->op);
  info->operator_bytes = sprig_operator_weight_bytes(impl->op);
  runner->available = true;
  return true;
}

/* ---- int8 ---- */

static struct sprig_conv2d_params conv_params(const struct bench_problem* p) {
  const struct bench_layer* layer = p->layer;
  if (layer->kind == bench_layer_conv2d) {
    const uint32_t pad = layer->padding;
    return (struct sprig_conv2d_params){
        .kernel_height = layer->kernel, .kernel_width = layer->kernel, .stride_height = layer->stride,
        .stride_width = layer->stride, .dilation_height = 1, .dilation_width = 1, .padding_top = pad,
        .padding_right = pad, .padding_bottom = pad, .padding_left = pad, .groups = layer->groups,
        .input_channels = layer->k / layer->groups, .output_channels = layer->n / layer->groups,
    };
  }
  return (struct sprig_conv2d_params){
      .kernel_height = 1, .kernel_width = 1, .stride_height = 1, .stride_width = 1,
      .dilation_height = 1, .dilation_width = 1, .groups = 1,
      .input_channels = p->k, .output_channels = p->n,
  };
}

static enum sprig_status create_int8_operator(const struct bench_problem* p, const struct bench_quantized* q, bool qd8,
                                              sprig_weights_t weights, sprig_operator_t* op) {
  const struct bench_layer* layer = p->layer;
  if (qd8) {
    return sprig_create_linear_from_weights_qd8_f32(weights, q->weight_scales, p->bias, -INFINITY, INFINITY, 0, op);
  }
  if (layer->kind == bench_layer_linear) {
    return sprig_create_linear_from_weights_qs8(weights, q->input_zero_point, q->input_scale, q->weight_scales,
                                                q->bias, q->output_zero_point, q->output_scale, INT8_MIN, INT8_MAX, 0,
                                                op);
  }
  const struct sprig_conv2d_params params = conv_params(p);
  const uint32_t flags = layer->kind == bench_layer_conv2d && layer->input_nhwc ? SPRIG_FLAG_INPUT_NHWC : 0;
  return sprig_create_conv2d_nchw_from_weights_qs8(&params, weights, q->input_zero_point, q->input_scale,
                                                   q->weight_scales, q->bias, q->output_zero_point, q->output_scale,
                                                   INT8_MIN, INT8_MAX, flags, op);
}

static enum sprig_status bind_int8_operator(const struct bench_problem* p, const struct bench_quantized* q, bool qd8,
                                            sprig_operator_t op, struct bench_runner* runner) {
  const struct bench_layer* layer = p->layer;
  enum sprig_status status;
  if (qd8) {
    status = sprig_reshape_linear_qd8_f32(op, p->m);
    return status != sprig_status_success ? status : sprig_setup_linear_qd8_f32(op, p->input_pm, runner->output);
  }
  if (layer->kind == bench_layer_linear) {
    status = sprig_reshape_linear_qs8(op, p->m);
    return status != sprig_status_success ? status : sprig_setup_linear_qs8(op, q->input_pm, runner->output_q);
  }
  size_t out_height = 0, out_width = 0;
  status = sprig_reshape_conv2d_nchw_qs8(op, 1, layer->height, layer->width, &out_height, &out_width);
  if (status == sprig_status_success && out_height * out_width != p->m) {
    fprintf(stderr, "sprig-bench: sprig's qs8 %s gives a %zu x %zu output, expected %zu pixels\n", layer->name,
            out_height, out_width, p->m);
    return sprig_status_invalid_parameter;
  }
  const bool nhwc = layer->kind == bench_layer_conv2d && layer->input_nhwc;
  return status != sprig_status_success
             ? status
             : sprig_setup_conv2d_nchw_qs8(op, nhwc ? q->input_pm : q->input_cm, runner->output_q);
}

bool bench_sprig_int8_runner_create(const struct bench_problem* problem, const struct bench_quantized* q, bool qd8,
                                    struct bench_runner* runner, struct bench_sprig_info* info) {
  *runner = (struct bench_runner){.name = qd8 ? "sprig-qd8" : "sprig-qs8", .setup = sprig_setup, .run = sprig_run,
                                  .destroy = sprig_destroy};
  *info = (struct bench_sprig_info){0};
  struct sprig_impl* impl = calloc(1, sizeof(struct sprig_impl));
  runner->impl = impl;
  runner->output_pixel_major = problem->layer->kind == bench_layer_linear;
  if (qd8) {
    runner->output = bench_alloc_floats(problem->m * problem->n);
  } else {
    runner->output_q = malloc(problem->m * problem->n + 64);
  }
  if (impl == NULL || (runner->output == NULL && runner->output_q == NULL)) {
    fprintf(stderr, "sprig-bench: out of memory\n");
    return false;
  }
  static const struct sprig_sparsity csr = {.format = SPRIG_FORMAT_CSR};
  const struct sprig_sparsity* pattern = problem->layer->dense ? &csr : &problem->format->pattern;
  sprig_weights_t weights = NULL;
  const char* step = "sprig_pack_weights_qs8";
  enum sprig_status status = sprig_pack_weights_qs8(problem->n, problem->k, q->weights, pattern, 0, &weights);
  struct sprig_weights_info winfo;
  if (status == sprig_status_success && (status = sprig_get_weights_info(weights, &winfo)) == sprig_status_success) {
    info->nnz = winfo.nnz;
    info->packed_bytes = winfo.packed_bytes;
  }
  if (status == sprig_status_success) {
    step = qd8 ? "create qd8" : "create qs8";
    status = create_int8_operator(problem, q, qd8, weights, &impl->op);
  }
  sprig_release_weights(weights);
  if (status == sprig_status_success) {
    step = "reshape / setup";
    status = bind_int8_operator(problem, q, qd8, impl->op, runner);
  }
  if (status != sprig_status_success) {
    static char why[160];
    snprintf(why, sizeof(why), "sprig %s: %s", step, sprig_status_string(status));
    fprintf(stderr, "sprig-bench: sprig refused %s (%s): %s\n", problem->layer->name, qd8 ? "qd8" : "qs8", why);
    runner->note = why;
    return true;
  }
  info->kernel = sprig_operator_kernel_name(impl->op);
  info->operator_bytes = sprig_operator_weight_bytes(impl->op);
  runner->available = true;
  return true;
}

void bench_runner_destroy(struct bench_runner* runner) {
  if (runner->destroy != NULL) {
    runner->destroy(runner);
  }
  free(runner->output);
  free(runner->output_q);
  *runner = (struct bench_runner){0};
}
