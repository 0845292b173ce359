/* The all-sprig network: sprig convolutions (first, depthwise, pruned 1x1), sprig residual adds,
 * global average pooling and the pruned classifier, every operator created, reshaped and set up
 * once, the convolutions and the classifier sharing one workspace; a run runs them in order on
 * the caller's pool. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <sprig.h>

#include "data.h"
#include "network.h"
#include "runner.h"

struct sprig_net {
  const struct bench_network* net;
  sprig_operator_t ops[BENCH_NET_MAX_OPS];
  float* slots[BENCH_NET_MAX_TENSORS];
  sprig_workspace_t workspace;
};

static bool net_setup(struct bench_runner* runner, pthreadpool_t pool) {
  (void) runner;
  (void) pool; /* sprig's plans do not depend on the pool */
  return true;
}

static bool net_run_op(struct bench_runner* runner, pthreadpool_t pool, size_t index) {
  const struct sprig_net* impl = runner->impl;
  return sprig_run_operator(impl->ops[index], pool) == sprig_status_success;
}

static bool net_run(struct bench_runner* runner, pthreadpool_t pool) {
  const struct sprig_net* impl = runner->impl;
  for (size_t i = 0; i < impl->net->op_count; i++) {
    if (sprig_run_operator(impl->ops[i], pool) != sprig_status_success) {
      return false;
    }
  }
  return true;
}

static void net_destroy(struct bench_runner* runner) {
  struct sprig_net* impl = runner->impl;
  if (impl != NULL) {
    for (size_t i = 0; i < impl->net->op_count; i++) {
      sprig_delete_operator(impl->ops[i]);
    }
    bench_network_free_slots(impl->net, impl->slots);
    sprig_release_workspace(impl->workspace);
    free(impl);
  }
}

/* Packs the layer's weights: the run's format for pruned layers, CSR (every weight stored) for
 * the dense ones. Adds their nonzeros and packed bytes to `info`. */
static enum sprig_status pack(const struct bench_network* net, const struct bench_net_op* op, sprig_weights_t* weights,
                              struct bench_sprig_info* info) {
  static const struct sprig_sparsity csr = {.format = SPRIG_FORMAT_CSR};
  enum sprig_status status =
      sprig_pack_weights_f32(op->rows, op->cols, op->weights, op->pruned ? &net->format->pattern : &csr, 0, weights);
  struct sprig_weights_info winfo;
  if (status == sprig_status_success && (status = sprig_get_weights_info(*weights, &winfo)) == sprig_status_success) {
    info->nnz += winfo.nnz;
    info->packed_bytes += winfo.packed_bytes;
  }
  return status;
}

static enum sprig_status create_conv(const struct bench_network* net, const struct bench_net_op* op, const float* x,
                                     float* y, sprig_workspace_t workspace, struct bench_sprig_info* info,
                                     sprig_operator_t* out) {
  const struct bench_net_tensor* in = &net->tensors[op->input];
  const struct bench_net_tensor* result = &net->tensors[op->output];
  const size_t taps = (size_t) op->kernel * op->kernel;
  const struct sprig_conv2d_params params = {
      .kernel_height = op->kernel, .kernel_width = op->kernel, .stride_height = op->stride,
      .stride_width = op->stride, .dilation_height = 1, .dilation_width = 1, .padding_top = op->padding,
      .padding_right = op->padding, .padding_bottom = op->padding, .padding_left = op->padding,
      .groups = op->groups, .input_channels = op->cols / taps, .output_channels = op->rows / op->groups,
  };
  sprig_weights_t weights = NULL;
  enum sprig_status status = pack(net, op, &weights, info);
  if (status == sprig_status_success) {
    status = sprig_create_conv2d_nchw_from_weights_f32(&params, weights, op->bias, op->output_min, op->output_max,
                                                       op->input_nhwc ? SPRIG_FLAG_INPUT_NHWC : 0, out);
  }
  sprig_release_weights(weights);
  size_t height = 0, width = 0;
  if (status == sprig_status_success) {
    status = sprig_set_operator_workspace(*out, workspace);
  }
  if (status == sprig_status_success) {
    status = sprig_reshape_conv2d_nchw_f32(*out, 1, in->height, in->width, &height, &width);
  }
  if (status == sprig_status_success && (height != result->height || width != result->width)) {
    fprintf(stderr, "sprig-bench: sprig's convolution gives %zu x %zu, the network expects %zu x %zu\n", height, width,
            result->height, result->width);
    return sprig_status_invalid_parameter;
  }
  return status != sprig_status_success ? status : sprig_setup_conv2d_nchw_f32(*out, x, y);
}

static enum sprig_status create_op(const struct sprig_net* impl, size_t index, float* output,
                                   struct bench_sprig_info* info, sprig_operator_t* out) {
  const struct bench_network* net = impl->net;
  const struct bench_net_op* op = &net->ops[index];
  const struct bench_net_tensor* in = &net->tensors[op->input];
  const float* x = bench_network_tensor(net, op->input, impl->slots, output);
  float* y = bench_network_tensor(net, op->output, impl->slots, output);
  enum sprig_status status;
  switch (op->kind) {
    case bench_net_conv:
      return create_conv(net, op, x, y, impl->workspace, info, out);
    case bench_net_add:
      status = sprig_create_add_f32(op->output_min, op->output_max, 0, out);
      if (status == sprig_status_success) {
        status = sprig_reshape_add_f32(*out, in->channels * in->height * in->width);
      }
      return status != sprig_status_success
                 ? status
                 : sprig_setup_add_f32(*out, x, bench_network_tensor(net, op->input2, impl->slots, output), y);
    case bench_net_pool:
      status = sprig_create_global_average_pooling_nchw_f32(in->channels, op->output_min, op->output_max, 0, out);
      if (status == sprig_status_success) {
        status = sprig_reshape_global_average_pooling_nchw_f32(*out, 1, in->height, in->width);
      }
      return status != sprig_status_success ? status : sprig_setup_global_average_pooling_nchw_f32(*out, x, y);
    case bench_net_linear: {
      sprig_weights_t weights = NULL;
      status = pack(net, op, &weights, info);
      if (status == sprig_status_success) {
        status = sprig_create_linear_from_weights_f32(weights, op->bias, op->output_min, op->output_max, 0, out);
      }
      sprig_release_weights(weights);
      if (status == sprig_status_success) {
        status = sprig_set_operator_workspace(*out, impl->workspace);
      }
      if (status == sprig_status_success) {
        status = sprig_reshape_linear_f32(*out, 1);
      }
      return status != sprig_status_success ? status : sprig_setup_linear_f32(*out, x, y);
    }
  }
  return sprig_status_invalid_parameter;
}

bool bench_sprig_network_runner_create(const struct bench_network* net, struct bench_runner* runner,
                                       struct bench_sprig_info* info) {
  *runner = (struct bench_runner){.name = "sprig", .setup = net_setup, .run = net_run, .destroy = net_destroy,
                                  .run_op = net_run_op, .op_count = net->op_count};
  *info = (struct bench_sprig_info){0};
  struct sprig_net* impl = calloc(1, sizeof(struct sprig_net));
  runner->impl = impl;
  const size_t classes = net->tensors[net->tensor_count - 1].channels;
  runner->output = bench_alloc_floats(classes);
  if (impl == NULL || runner->output == NULL) {
    fprintf(stderr, "sprig-bench: out of memory\n");
    return false;
  }
  impl->net = net;
  if (sprig_create_workspace(&impl->workspace) != sprig_status_success) {
    fprintf(stderr, "sprig-bench: out of memory\n");
    return false;
  }
  if (!bench_network_alloc_slots(net, impl->slots)) {
    fprintf(stderr, "sprig-bench: out of memory for %s's activations\n", net->name);
    return false;
  }
  double most_macs = -1.0;
  for (size_t i = 0; i < net->op_count; i++) {
    const enum sprig_status status = create_op(impl, i, runner->output, info, &impl->ops[i]);
    if (status != sprig_status_success) {
      fprintf(stderr, "sprig-bench: sprig refused %s operator %zu (%s): %s\n", net->name, i,
              bench_net_class_names[net->ops[i].op_class], sprig_status_string(status));
      return false;
    }
    info->operator_bytes += sprig_operator_weight_bytes(impl->ops[i]);
    /* The kernel reported: the pruned 1x1 convolution's with the most multiply-adds. */
    const struct bench_net_op* op = &net->ops[i];
    const struct bench_net_tensor* out = &net->tensors[op->output];
    const double macs = (double) op->nnz * (double) (out->height * out->width);
    if (op->op_class == bench_net_class_pointwise && macs > most_macs) {
      most_macs = macs;
      info->kernel = sprig_operator_kernel_name(impl->ops[i]);
    }
  }
  runner->available = true;
  return true;
}
