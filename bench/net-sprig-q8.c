/* The all-sprig int8 network (e2e with --dtypes qs8): the network's int8 version
 * (bench/net-quant.c) as sprig qs8 operators (convolutions, residual adds, global average
 * pooling, the pruned classifier), every operator created, reshaped and set up once, the
 * convolutions and the classifier sharing one workspace; a run runs them in order on the
 * caller's pool. */
#include <stdio.h>
#include <stdlib.h>

#include <sprig.h>

#include "data.h"
#include "network.h"
#include "runner.h"

struct q8_net {
  const struct bench_network* net;
  const struct bench_net_q8* q;
  sprig_operator_t ops[BENCH_NET_MAX_OPS];
  int8_t* slots[BENCH_NET_MAX_TENSORS];
  sprig_workspace_t workspace;
};

static int8_t* tensor_q(const struct q8_net* impl, size_t t, int8_t* output) {
  if (t == 0) {
    return impl->q->image;
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
    sprig_release_workspace(impl->workspace);
    free(impl);
  }
}

/* The layer's int8 weights packed in the run's format (pruned layers) or CSR; adds their
 * nonzeros and packed bytes to `info`. */
static enum sprig_status pack(const struct bench_network* net, const struct bench_net_op* op,
                              const struct bench_net_q8_op* w, struct bench_sprig_info* info, sprig_weights_t* out) {
  static const struct sprig_sparsity csr = {.format = SPRIG_FORMAT_CSR};
  enum sprig_status status =
      sprig_pack_weights_qs8(op->rows, op->cols, w->weights, op->pruned ? &net->format->pattern : &csr, 0, out);
  struct sprig_weights_info winfo;
  if (status == sprig_status_success && (status = sprig_get_weights_info(*out, &winfo)) == sprig_status_success) {
    info->nnz += winfo.nnz;
    info->packed_bytes += winfo.packed_bytes;
  }
  return status;
}

static enum sprig_status create_conv(const struct q8_net* impl, size_t index, const int8_t* x, int8_t* y,
                                     struct bench_sprig_info* info, sprig_operator_t* out) {
  const struct bench_network* net = impl->net;
  const struct bench_net_q8* q = impl->q;
  const struct bench_net_op* op = &net->ops[index];
  const struct bench_net_q8_op* w = &q->ops[index];
  const struct bench_net_tensor* in = &net->tensors[op->input];
  const struct bench_net_tensor* result = &net->tensors[op->output];
  const size_t taps = (size_t) op->kernel * op->kernel;
  const struct sprig_conv2d_params params = {
      .kernel_height = op->kernel, .kernel_width = op->kernel, .stride_height = op->stride,
      .stride_width = op->stride, .dilation_height = 1, .dilation_width = 1, .padding_top = op->padding,
      .padding_right = op->padding, .padding_bottom = op->padding, .padding_left = op->padding,
      .groups = op->groups, .input_channels = op->cols / taps, .output_channels = op->rows / op->groups,
  };
  sprig_weights_t packed = NULL;
  enum sprig_status status = pack(net, op, w, info, &packed);
  if (status == sprig_status_success) {
    status = sprig_create_conv2d_nchw_from_weights_qs8(
        &params, packed, q->zero_point[op->input], q->scale[op->input], w->scales, w->bias, q->zero_point[op->output],
        q->scale[op->output], w->output_min, w->output_max, op->input_nhwc ? SPRIG_FLAG_INPUT_NHWC : 0, out);
  }
  sprig_release_weights(packed);
  size_t height = 0, width = 0;
  if (status == sprig_status_success) {
    status = sprig_set_operator_workspace(*out, impl->workspace);
  }
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
  const struct bench_net_q8* q = impl->q;
  const struct bench_net_op* op = &net->ops[index];
  const struct bench_net_q8_op* w = &q->ops[index];
  const struct bench_net_tensor* in = &net->tensors[op->input];
  const int8_t* x = tensor_q(impl, op->input, output);
  int8_t* y = tensor_q(impl, op->output, output);
  const size_t i = op->input, o = op->output;
  enum sprig_status status;
  switch (op->kind) {
    case bench_net_conv:
      return create_conv(impl, index, x, y, info, out);
    case bench_net_add:
      status = sprig_create_add_qs8(q->zero_point[i], q->scale[i], q->zero_point[op->input2], q->scale[op->input2],
                                    q->zero_point[o], q->scale[o], w->output_min, w->output_max, 0, out);
      if (status == sprig_status_success) {
        status = sprig_reshape_add_qs8(*out, in->channels * in->height * in->width);
      }
      return status != sprig_status_success ? status
                                            : sprig_setup_add_qs8(*out, x, tensor_q(impl, op->input2, output), y);
    case bench_net_pool:
      status = sprig_create_global_average_pooling_nchw_qs8(in->channels, q->zero_point[i], q->scale[i],
                                                            q->zero_point[o], q->scale[o], w->output_min,
                                                            w->output_max, 0, out);
      if (status == sprig_status_success) {
        status = sprig_reshape_global_average_pooling_nchw_qs8(*out, 1, in->height, in->width);
      }
      return status != sprig_status_success ? status : sprig_setup_global_average_pooling_nchw_qs8(*out, x, y);
    case bench_net_linear: {
      sprig_weights_t packed = NULL;
      status = pack(net, op, w, info, &packed);
      if (status == sprig_status_success) {
        status = sprig_create_linear_from_weights_qs8(packed, q->zero_point[i], q->scale[i], w->scales, w->bias,
                                                      q->zero_point[o], q->scale[o], w->output_min, w->output_max, 0,
                                                      out);
      }
      sprig_release_weights(packed);
      if (status == sprig_status_success) {
        status = sprig_set_operator_workspace(*out, impl->workspace);
      }
      if (status == sprig_status_success) {
        status = sprig_reshape_linear_qs8(*out, 1);
      }
      return status != sprig_status_success ? status : sprig_setup_linear_qs8(*out, x, y);
    }
  }
  return sprig_status_invalid_parameter;
}

bool bench_sprig_q8_network_runner_create(const struct bench_network* net, const struct bench_net_q8* q,
                                          struct bench_runner* runner, struct bench_sprig_info* info) {
  *runner = (struct bench_runner){.name = "sprig qs8", .setup = net_setup, .run = net_run, .destroy = net_destroy,
                                  .run_op = net_run_op, .op_count = net->op_count};
  *info = (struct bench_sprig_info){0};
  struct q8_net* impl = calloc(1, sizeof(struct q8_net));
  runner->impl = impl;
  const size_t classes = net->tensors[net->tensor_count - 1].channels;
  runner->output_q = malloc(classes);
  if (impl == NULL || runner->output_q == NULL) {
    fprintf(stderr, "sprig-bench: out of memory\n");
    return false;
  }
  impl->net = net;
  impl->q = q;
  if (sprig_create_workspace(&impl->workspace) != sprig_status_success) {
    fprintf(stderr, "sprig-bench: out of memory\n");
    return false;
  }
  for (size_t s = 0; s < net->slot_count; s++) {
    if ((impl->slots[s] = malloc(net->slot_floats[s])) == NULL) {
      fprintf(stderr, "sprig-bench: out of memory for %s's int8 activations\n", net->name);
      return false;
    }
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
