/* The all-sprig int8 network (e2e with --dtypes qs8): the f32 network's operators as sprig qs8
 * operators (convolutions, residual adds, global average pooling, the pruned classifier), every
 * operator created, reshaped and set up once; a run runs them in order on the caller's pool.
 *
 * Quantization (post-training, from the f32 reference run): each activation tensor asymmetric
 * over [min(0, lo), max(0, hi)] of its reference values (scale (hi - lo) / 255, zero point
 * rne(-128 - lo / scale)); weights per output channel, symmetric (max |w| / 127); int32 biases
 * in units of input scale x weight scale; ReLU6 as the int8 clamp of 0 and 6. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sprig.h>

#include "data.h"
#include "network.h"
#include "runner.h"

static int8_t clamp_q(double v) {
  return (int8_t) (v < -128.0 ? -128.0 : (v > 127.0 ? 127.0 : v));
}

void bench_network_quantize_activations(const struct bench_network* net, const struct bench_net_range* ranges,
                                        struct bench_net_quant* quant) {
  for (size_t t = 0; t < net->tensor_count; t++) {
    const float lo = fminf(ranges[t].lo, 0.0f), hi = fmaxf(ranges[t].hi, 0.0f);
    const float scale = hi > lo ? (float) (((double) hi - (double) lo) / 255.0) : 1.0f;
    quant->scale[t] = scale;
    quant->zero_point[t] = clamp_q(nearbyint(-128.0 - (double) lo / (double) scale));
  }
}

/* The int8 value of `v` in tensor t's quantization (+-Inf: the ends of the range). */
static int8_t quantize(const struct bench_net_quant* quant, size_t t, float v) {
  if (isinf(v)) {
    return v > 0.0f ? 127 : -128;
  }
  return clamp_q(nearbyint((double) v / (double) quant->scale[t]) + quant->zero_point[t]);
}

struct q8_net {
  const struct bench_network* net;
  const struct bench_net_quant* quant;
  sprig_operator_t ops[BENCH_NET_MAX_OPS];
  int8_t* slots[BENCH_NET_MAX_TENSORS];
  int8_t* image;  /* the quantized NHWC image */
};

static int8_t* tensor_q(const struct q8_net* impl, size_t t, int8_t* output) {
  if (t == 0) {
    return impl->image;
  }
  return t == impl->net->tensor_count - 1 ? output : impl->slots[impl->net->tensors[t].slot];
}

static bool net_setup(struct bench_runner* runner, pthreadpool_t pool) {
  (void) runner;
  (void) pool;
  return true;
}

static bool net_run_op(struct bench_runner* runner, pthreadpool_t pool, size_t index) {
  const struct q8_net* impl = runner->impl;
  return sprig_run_operator(impl->ops[index], pool) == sprig_status_success;
}

static bool net_run(struct bench_runner* runner, pthreadpool_t pool) {
  const struct q8_net* impl = runner->impl;
  for (size_t i = 0; i < impl->net->op_count; i++) {
    if (sprig_run_operator(impl->ops[i], pool) != sprig_status_success) {
      return false;
    }
  }
  return true;
}

static void net_destroy(struct bench_runner* runner) {
  struct q8_net* impl = runner->impl;
  if (impl != NULL) {
    for (size_t i = 0; i < impl->net->op_count; i++) {
      sprig_delete_operator(impl->ops[i]);
    }
    for (size_t s = 0; s < BENCH_NET_MAX_TENSORS; s++) {
      free(impl->slots[s]);
    }
    free(impl->image);
    free(impl);
  }
}

/* A layer's weights quantized per output channel (weights [rows][cols]), its int32 bias for an
 * input of scale input_scale, packed in the run's format (pruned layers) or CSR. */
struct q8_weights {
  sprig_weights_t packed;
  float* scales;
  int32_t* bias;
};

static void q8_weights_free(struct q8_weights* w) {
  sprig_release_weights(w->packed);
  free(w->scales);
  free(w->bias);
}

static enum sprig_status quantize_weights(const struct bench_network* net, const struct bench_net_op* op,
                                          float input_scale, struct bench_sprig_info* info, struct q8_weights* w) {
  static const struct sprig_sparsity csr = {.format = SPRIG_FORMAT_CSR};
  const size_t rows = op->rows, cols = op->cols;
  int8_t* q = malloc(rows * cols);
  w->scales = malloc(rows * sizeof(float));
  w->bias = malloc(rows * sizeof(int32_t));
  if (q == NULL || w->scales == NULL || w->bias == NULL) {
    free(q);
    return sprig_status_out_of_memory;
  }
  for (size_t o = 0; o < rows; o++) {
    const float* row = op->weights + o * cols;
    float max_abs = 0.0f;
    for (size_t i = 0; i < cols; i++) {
      max_abs = fmaxf(max_abs, fabsf(row[i]));
    }
    const float scale = max_abs > 0.0f ? max_abs / 127.0f : 1.0f / 127.0f;
    w->scales[o] = scale;
    for (size_t i = 0; i < cols; i++) {
      q[o * cols + i] = clamp_q(nearbyint((double) row[i] / (double) scale));
    }
    const double b = nearbyint((double) op->bias[o] / ((double) input_scale * (double) scale));
    w->bias[o] = (int32_t) (b < -2147483647.0 ? -2147483647.0 : (b > 2147483647.0 ? 2147483647.0 : b));
  }
  enum sprig_status status =
      sprig_pack_weights_qs8(rows, cols, q, op->pruned ? &net->format->pattern : &csr, 0, &w->packed);
  free(q);
  struct sprig_weights_info winfo;
  if (status == sprig_status_success && (status = sprig_get_weights_info(w->packed, &winfo)) == sprig_status_success) {
    info->nnz += winfo.nnz;
    info->packed_bytes += winfo.packed_bytes;
  }
  return status;
}

static enum sprig_status create_conv(const struct q8_net* impl, const struct bench_net_op* op, const int8_t* x,
                                     int8_t* y, struct bench_sprig_info* info, sprig_operator_t* out) {
  const struct bench_network* net = impl->net;
  const struct bench_net_quant* quant = impl->quant;
  const struct bench_net_tensor* in = &net->tensors[op->input];
  const struct bench_net_tensor* result = &net->tensors[op->output];
  const size_t taps = (size_t) op->kernel * op->kernel;
  const struct sprig_conv2d_params params = {
      .kernel_height = op->kernel, .kernel_width = op->kernel, .stride_height = op->stride,
      .stride_width = op->stride, .dilation_height = 1, .dilation_width = 1, .padding_top = op->padding,
      .padding_right = op->padding, .padding_bottom = op->padding, .padding_left = op->padding,
      .groups = op->groups, .input_channels = op->cols / taps, .output_channels = op->rows / op->groups,
  };
  struct q8_weights w = {0};
  enum sprig_status status = quantize_weights(net, op, quant->scale[op->input], info, &w);
  if (status == sprig_status_success) {
    status = sprig_create_conv2d_nchw_from_weights_qs8(
        &params, w.packed, quant->zero_point[op->input], quant->scale[op->input], w.scales, w.bias,
        quant->zero_point[op->output], quant->scale[op->output], quantize(quant, op->output, op->output_min),
        quantize(quant, op->output, op->output_max), op->input_nhwc ? SPRIG_FLAG_INPUT_NHWC : 0, out);
  }
  q8_weights_free(&w);
  size_t height = 0, width = 0;
  if (status == sprig_status_success) {
    status = sprig_reshape_conv2d_nchw_qs8(*out, 1, in->height, in->width, &height, &width);
  }
  if (status == sprig_status_success && (height != result->height || width != result->width)) {
    return sprig_status_invalid_parameter;
  }
  return status != sprig_status_success ? status : sprig_setup_conv2d_nchw_qs8(*out, x, y);
}

static enum sprig_status create_op(const struct q8_net* impl, size_t index, int8_t* output,
                                   struct bench_sprig_info* info, sprig_operator_t* out) {
  const struct bench_network* net = impl->net;
  const struct bench_net_quant* quant = impl->quant;
  const struct bench_net_op* op = &net->ops[index];
  const struct bench_net_tensor* in = &net->tensors[op->input];
  const int8_t* x = tensor_q(impl, op->input, output);
  int8_t* y = tensor_q(impl, op->output, output);
  const size_t o = op->output;
  const int8_t lo = quantize(quant, o, op->output_min), hi = quantize(quant, o, op->output_max);
  enum sprig_status status;
  switch (op->kind) {
    case bench_net_conv:
      return create_conv(impl, op, x, y, info, out);
    case bench_net_add:
      status = sprig_create_add_qs8(quant->zero_point[op->input], quant->scale[op->input],
                                    quant->zero_point[op->input2], quant->scale[op->input2], quant->zero_point[o],
                                    quant->scale[o], lo, hi, 0, out);
      if (status == sprig_status_success) {
        status = sprig_reshape_add_qs8(*out, in->channels * in->height * in->width);
      }
      return status != sprig_status_success ? status
                                            : sprig_setup_add_qs8(*out, x, tensor_q(impl, op->input2, output), y);
    case bench_net_pool:
      status = sprig_create_global_average_pooling_nchw_qs8(in->channels, quant->zero_point[op->input],
                                                            quant->scale[op->input], quant->zero_point[o],
                                                            quant->scale[o], lo, hi, 0, out);
      if (status == sprig_status_success) {
        status = sprig_reshape_global_average_pooling_nchw_qs8(*out, 1, in->height, in->width);
      }
      return status != sprig_status_success ? status : sprig_setup_global_average_pooling_nchw_qs8(*out, x, y);
    case bench_net_linear: {
      struct q8_weights w = {0};
      status = quantize_weights(net, op, quant->scale[op->input], info, &w);
      if (status == sprig_status_success) {
        status = sprig_create_linear_from_weights_qs8(w.packed, quant->zero_point[op->input], quant->scale[op->input],
                                                      w.scales, w.bias, quant->zero_point[o], quant->scale[o], lo, hi,
                                                      0, out);
      }
      q8_weights_free(&w);
      if (status == sprig_status_success) {
        status = sprig_reshape_linear_qs8(*out, 1);
      }
      return status != sprig_status_success ? status : sprig_setup_linear_qs8(*out, x, y);
    }
  }
  return sprig_status_invalid_parameter;
}

bool bench_sprig_q8_network_runner_create(const struct bench_network* net, const struct bench_net_quant* quant,
                                          struct bench_runner* runner, struct bench_sprig_info* info) {
  *runner = (struct bench_runner){.name = "sprig qs8", .setup = net_setup, .run = net_run, .destroy = net_destroy,
                                  .run_op = net_run_op, .op_count = net->op_count};
  *info = (struct bench_sprig_info){0};
  struct q8_net* impl = calloc(1, sizeof(struct q8_net));
  runner->impl = impl;
  const size_t classes = net->tensors[net->tensor_count - 1].channels;
  const struct bench_net_tensor* image = &net->tensors[0];
  const size_t image_elements = image->channels * image->height * image->width;
  runner->output_q = malloc(classes);
  if (impl == NULL || runner->output_q == NULL || (impl->image = malloc(image_elements)) == NULL) {
    fprintf(stderr, "sprig-bench: out of memory\n");
    return false;
  }
  impl->net = net;
  impl->quant = quant;
  for (size_t s = 0; s < net->slot_count; s++) {
    if ((impl->slots[s] = malloc(net->slot_floats[s])) == NULL) {
      fprintf(stderr, "sprig-bench: out of memory for %s's int8 activations\n", net->name);
      return false;
    }
  }
  for (size_t i = 0; i < image_elements; i++) {
    impl->image[i] = quantize(quant, 0, net->input[i]);
  }
  for (size_t i = 0; i < net->op_count; i++) {
    const enum sprig_status status = create_op(impl, i, runner->output_q, info, &impl->ops[i]);
    if (status != sprig_status_success) {
      fprintf(stderr, "sprig-bench: sprig refused %s's qs8 operator %zu (%s): %s\n", net->name, i,
              bench_net_class_names[net->ops[i].op_class], sprig_status_string(status));
      return false;
    }
    info->operator_bytes += sprig_operator_weight_bytes(impl->ops[i]);
    const struct bench_net_op* op = &net->ops[i];
    if (op->op_class == bench_net_class_pointwise && info->kernel == NULL) {
      info->kernel = sprig_operator_kernel_name(impl->ops[i]);
    }
  }
  runner->available = true;
  return true;
}
