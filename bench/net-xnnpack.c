/* XNNPACK's two networks on the network's weights, each operator created once and set up on
 * the pool (XNNPACK plans its tiling from the thread count at setup):
 *   sparse (NCHW): xnn_create_convolution2d_nchw_f32 for the first convolution (NHWC image in,
 *     XNN_FLAG_INPUT_NHWC), the depthwise (CHW kernels) and the 1x1 (SpMM) convolutions,
 *     xnn_create_add_nd_f32, xnn_create_global_average_pooling_ncw_f32 and a fully connected
 *     classifier -- how XNNPACK runs a sparse model (its subgraph's sparse inference);
 *   dense (NHWC): xnn_create_convolution2d_nhwc_f32 for every convolution, add_nd,
 *     global_average_pooling_nwc, fully connected.
 * XNNPACK has no sparse fully connected operator: both run the (pruned) classifier dense. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <xnnpack.h>

#include "data.h"
#include "network.h"
#include "runner.h"

struct xnn_net {
  const struct bench_network* net;
  bool nchw;
  xnn_operator_t ops[BENCH_NET_MAX_OPS];
  float* slots[BENCH_NET_MAX_TENSORS];
  float* output;
};

static bool xnn_net_ok(enum xnn_status status, const char* what, const struct xnn_net* impl, size_t index) {
  if (status != xnn_status_success) {
    fprintf(stderr, "sprig-bench: XNNPACK %s failed for %s operator %zu (%s, %s network; status %d)\n", what,
            impl->net->name, index, bench_net_class_names[impl->net->ops[index].op_class],
            impl->nchw ? "NCHW" : "NHWC", (int) status);
    return false;
  }
  return true;
}

static enum xnn_status create_op(const struct xnn_net* impl, const struct bench_net_op* op, xnn_operator_t* out) {
  const struct bench_net_tensor* in = &impl->net->tensors[op->input];
  switch (op->kind) {
    case bench_net_conv: {
      const size_t taps = (size_t) op->kernel * op->kernel;
      const size_t group_in = op->cols / taps, group_out = op->rows / op->groups;
      const uint32_t p = op->padding;
      if (impl->nchw) {
        return xnn_create_convolution2d_nchw_f32(p, p, p, p, op->kernel, op->kernel, op->stride, op->stride, 1, 1,
                                                 op->groups, group_in, group_out, op->groups * group_in, op->rows,
                                                 op->weights_ohwi, op->bias, op->output_min, op->output_max,
                                                 op->input_nhwc ? XNN_FLAG_INPUT_NHWC : 0, out);
      }
      return xnn_create_convolution2d_nhwc_f32(p, p, p, p, op->kernel, op->kernel, op->stride, op->stride, 1, 1,
                                               op->groups, group_in, group_out, op->groups * group_in, op->rows,
                                               op->weights_ohwi, op->bias, op->output_min, op->output_max, 0, out);
    }
    case bench_net_add:
      return xnn_create_add_nd_f32(op->output_min, op->output_max, 0, out);
    case bench_net_pool:
      if (impl->nchw) {
        return xnn_create_global_average_pooling_ncw_f32(in->channels, op->output_min, op->output_max, 0, out);
      }
      return xnn_create_global_average_pooling_nwc_f32(in->channels, in->channels, in->channels, op->output_min,
                                                        op->output_max, 0, out);
    case bench_net_linear:
      return xnn_create_fully_connected_nc_f32(op->cols, op->rows, op->cols, op->rows, op->weights, op->bias,
                                               op->output_min, op->output_max, 0, out);
  }
  return xnn_status_invalid_parameter;
}

static enum xnn_status setup_op(const struct xnn_net* impl, size_t index, pthreadpool_t pool) {
  const struct bench_network* net = impl->net;
  const struct bench_net_op* op = &net->ops[index];
  const struct bench_net_tensor* in = &net->tensors[op->input];
  const float* x = bench_network_tensor(net, op->input, impl->slots, impl->output);
  float* y = bench_network_tensor(net, op->output, impl->slots, impl->output);
  xnn_operator_t xop = impl->ops[index];
  switch (op->kind) {
    case bench_net_conv:
      return impl->nchw ? xnn_setup_convolution2d_nchw_f32(xop, 1, in->height, in->width, x, y, pool)
                        : xnn_setup_convolution2d_nhwc_f32(xop, 1, in->height, in->width, x, y, pool);
    case bench_net_add: {
      const size_t shape[1] = {in->channels * in->height * in->width};
      return xnn_setup_add_nd_f32(xop, 1, shape, 1, shape, x,
                                  bench_network_tensor(net, op->input2, impl->slots, impl->output), y, pool);
    }
    case bench_net_pool:
      return impl->nchw ? xnn_setup_global_average_pooling_ncw_f32(xop, 1, in->height * in->width, x, y, pool)
                        : xnn_setup_global_average_pooling_nwc_f32(xop, 1, in->height * in->width, x, y, pool);
    case bench_net_linear:
      return xnn_setup_fully_connected_nc_f32(xop, 1, x, y, pool);
  }
  return xnn_status_invalid_parameter;
}

static bool xnn_net_setup(struct bench_runner* runner, pthreadpool_t pool) {
  const struct xnn_net* impl = runner->impl;
  for (size_t i = 0; i < impl->net->op_count; i++) {
    if (!xnn_net_ok(setup_op(impl, i, pool), "setup", impl, i)) {
      return false;
    }
  }
  return true;
}

static bool xnn_net_run_op(struct bench_runner* runner, pthreadpool_t pool, size_t index) {
  const struct xnn_net* impl = runner->impl;
  return xnn_run_operator(impl->ops[index], pool) == xnn_status_success;
}

static bool xnn_net_run(struct bench_runner* runner, pthreadpool_t pool) {
  const struct xnn_net* impl = runner->impl;
  for (size_t i = 0; i < impl->net->op_count; i++) {
    if (xnn_run_operator(impl->ops[i], pool) != xnn_status_success) {
      return false;
    }
  }
  return true;
}

static void xnn_net_destroy(struct bench_runner* runner) {
  struct xnn_net* impl = runner->impl;
  if (impl != NULL) {
    for (size_t i = 0; i < impl->net->op_count; i++) {
      if (impl->ops[i] != NULL) {
        xnn_delete_operator(impl->ops[i]);
      }
    }
    bench_network_free_slots(impl->net, impl->slots);
    free(impl);
  }
}

static bool create_network(const struct bench_network* net, struct bench_runner* runner, bool nchw) {
  *runner = (struct bench_runner){.name = nchw ? "xnn-sparse" : "xnn-dense", .setup = xnn_net_setup,
                                  .run = xnn_net_run, .destroy = xnn_net_destroy, .run_op = xnn_net_run_op,
                                  .op_count = net->op_count};
  struct xnn_net* impl = calloc(1, sizeof(struct xnn_net));
  runner->impl = impl;
  runner->output = bench_alloc_floats(net->tensors[net->tensor_count - 1].channels);
  if (impl == NULL || runner->output == NULL) {
    fprintf(stderr, "sprig-bench: out of memory\n");
    return false;
  }
  impl->net = net;
  impl->nchw = nchw;
  impl->output = runner->output;
  if (!bench_network_alloc_slots(net, impl->slots)) {
    fprintf(stderr, "sprig-bench: out of memory for %s's activations\n", net->name);
    return false;
  }
  for (size_t i = 0; i < net->op_count; i++) {
    const enum xnn_status status = create_op(impl, &net->ops[i], &impl->ops[i]);
    if (status == xnn_status_unsupported_parameter && nchw) {
      runner->note = "XNNPACK's NCHW operators do not support one of the network's layers";
      xnn_net_ok(status, "create", impl, i);
      return true;
    }
    if (!xnn_net_ok(status, "create", impl, i)) {
      return false;
    }
  }
  runner->available = true;
  return true;
}

bool bench_xnn_sparse_network_runner_create(const struct bench_network* net, struct bench_runner* runner) {
  return create_network(net, runner, true);
}

bool bench_xnn_dense_network_runner_create(const struct bench_network* net, struct bench_runner* runner) {
  return create_network(net, runner, false);
}

/* ---- the int8 network (e2e --dtypes qs8) ----
 * The network's int8 version (bench/net-quant.c) as XNNPACK's NHWC operators: per-channel int8
 * convolutions (xnn_create_convolution2d_nhwc_qc8: the first, depthwise and 1x1 ones, and the
 * classifier as a 1x1 convolution of one pixel, since XNNPACK's int8 fully connected operator
 * takes one weight scale), xnn_create_add_nd_qs8, xnn_create_global_average_pooling_nwc_qs8. */

struct xnn_q8_net {
  const struct bench_network* net;
  const struct bench_net_q8* q;
  xnn_operator_t ops[BENCH_NET_MAX_OPS];
  int8_t* slots[BENCH_NET_MAX_TENSORS];
  int8_t* output;
};

static int8_t* q8_tensor(const struct xnn_q8_net* impl, size_t t) {
  if (t == 0) {
    return impl->q->image;
  }
  return t == impl->net->tensor_count - 1 ? impl->output : impl->slots[impl->net->tensors[t].slot];
}

static enum xnn_status create_q8_op(const struct xnn_q8_net* impl, size_t index, xnn_operator_t* out) {
  const struct bench_net_op* op = &impl->net->ops[index];
  const struct bench_net_q8* q = impl->q;
  const struct bench_net_q8_op* w = &q->ops[index];
  const struct bench_net_tensor* in = &impl->net->tensors[op->input];
  const size_t i = op->input, o = op->output;
  switch (op->kind) {
    case bench_net_conv:
    case bench_net_linear: {
      const bool conv = op->kind == bench_net_conv;
      const uint32_t k = conv ? op->kernel : 1, s = conv ? op->stride : 1, p = conv ? op->padding : 0;
      const uint32_t groups = conv ? op->groups : 1;
      const size_t group_in = op->cols / ((size_t) k * k), group_out = op->rows / groups;
      return xnn_create_convolution2d_nhwc_qc8(p, p, p, p, k, k, s, s, 1, 1, groups, group_in, group_out,
                                               groups * group_in, op->rows, q->zero_point[i], q->scale[i], w->scales,
                                               w->weights_ohwi, w->bias, q->zero_point[o], q->scale[o], w->output_min,
                                               w->output_max, 0, out);
    }
    case bench_net_add:
      return xnn_create_add_nd_qs8(q->zero_point[i], q->scale[i], q->zero_point[op->input2], q->scale[op->input2],
                                   q->zero_point[o], q->scale[o], w->output_min, w->output_max, 0, out);
    case bench_net_pool:
      return xnn_create_global_average_pooling_nwc_qs8(in->channels, in->channels, in->channels, q->zero_point[i],
                                                       q->scale[i], q->zero_point[o], q->scale[o], w->output_min,
                                                       w->output_max, 0, out);
  }
  return xnn_status_invalid_parameter;
}

static enum xnn_status setup_q8_op(const struct xnn_q8_net* impl, size_t index, pthreadpool_t pool) {
  const struct bench_net_op* op = &impl->net->ops[index];
  const struct bench_net_tensor* in = &impl->net->tensors[op->input];
  const int8_t* x = q8_tensor(impl, op->input);
  int8_t* y = q8_tensor(impl, op->output);
  xnn_operator_t xop = impl->ops[index];
  switch (op->kind) {
    case bench_net_conv:
      return xnn_setup_convolution2d_nhwc_qc8(xop, 1, in->height, in->width, x, y, pool);
    case bench_net_linear:
      return xnn_setup_convolution2d_nhwc_qc8(xop, 1, 1, 1, x, y, pool);
    case bench_net_add: {
      const size_t shape[1] = {in->channels * in->height * in->width};
      return xnn_setup_add_nd_qs8(xop, 1, shape, 1, shape, x, q8_tensor(impl, op->input2), y, pool);
    }
    case bench_net_pool:
      return xnn_setup_global_average_pooling_nwc_qs8(xop, 1, in->height * in->width, x, y, pool);
  }
  return xnn_status_invalid_parameter;
}

static bool xnn_q8_ok(enum xnn_status status, const char* what, const struct xnn_q8_net* impl, size_t index) {
  if (status != xnn_status_success) {
    fprintf(stderr, "sprig-bench: XNNPACK %s failed for %s's int8 operator %zu (%s; status %d)\n", what,
            impl->net->name, index, bench_net_class_names[impl->net->ops[index].op_class], (int) status);
    return false;
  }
  return true;
}

static bool xnn_q8_net_setup(struct bench_runner* runner, pthreadpool_t pool) {
  const struct xnn_q8_net* impl = runner->impl;
  for (size_t i = 0; i < impl->net->op_count; i++) {
    if (!xnn_q8_ok(setup_q8_op(impl, i, pool), "setup", impl, i)) {
      return false;
    }
  }
  return true;
}

static bool xnn_q8_net_run_op(struct bench_runner* runner, pthreadpool_t pool, size_t index) {
  const struct xnn_q8_net* impl = runner->impl;
  return xnn_run_operator(impl->ops[index], pool) == xnn_status_success;
}

static bool xnn_q8_net_run(struct bench_runner* runner, pthreadpool_t pool) {
  const struct xnn_q8_net* impl = runner->impl;
  for (size_t i = 0; i < impl->net->op_count; i++) {
    if (xnn_run_operator(impl->ops[i], pool) != xnn_status_success) {
      return false;
    }
  }
  return true;
}

static void xnn_q8_net_destroy(struct bench_runner* runner) {
  struct xnn_q8_net* impl = runner->impl;
  if (impl != NULL) {
    for (size_t i = 0; i < impl->net->op_count; i++) {
      if (impl->ops[i] != NULL) {
        xnn_delete_operator(impl->ops[i]);
      }
    }
    for (size_t s = 0; s < BENCH_NET_MAX_TENSORS; s++) {
      free(impl->slots[s]);
    }
    free(impl);
  }
}

bool bench_xnn_qc8_network_runner_create(const struct bench_network* net, const struct bench_net_q8* q,
                                         struct bench_runner* runner) {
  *runner = (struct bench_runner){.name = "xnn-qc8", .setup = xnn_q8_net_setup, .run = xnn_q8_net_run,
                                  .destroy = xnn_q8_net_destroy, .run_op = xnn_q8_net_run_op,
                                  .op_count = net->op_count};
  struct xnn_q8_net* impl = calloc(1, sizeof(struct xnn_q8_net));
  runner->impl = impl;
  runner->output_q = malloc(net->tensors[net->tensor_count - 1].channels);
  if (impl == NULL || runner->output_q == NULL) {
    fprintf(stderr, "sprig-bench: out of memory\n");
    return false;
  }
  impl->net = net;
  impl->q = q;
  impl->output = runner->output_q;
  for (size_t s = 0; s < net->slot_count; s++) {
    if ((impl->slots[s] = malloc(net->slot_floats[s])) == NULL) {
      fprintf(stderr, "sprig-bench: out of memory for %s's int8 activations\n", net->name);
      return false;
    }
  }
  for (size_t i = 0; i < net->op_count; i++) {
    if (!xnn_q8_ok(create_q8_op(impl, i, &impl->ops[i]), "create", impl, i)) {
      return false;
    }
  }
  runner->available = true;
  return true;
}
