/* The common part of every operator: create (checks, bias, path), tensor binding, run, delete,
 * and what the operator reports. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sprig/common.h>
#include <sprig/log.h>
#include <sprig/operator.h>
#include <sprig/workspace.h>

enum sprig_status sprig_check_clamp(float output_min, float output_max, const char* caller) {
  if (isnan(output_min) || isnan(output_max)) {
    sprig_log_error("%s: output_min and output_max must not be NaN", caller);
    return sprig_status_invalid_parameter;
  }
  if (output_min > output_max) {
    sprig_log_error("%s: output_min (%g) must be <= output_max (%g)", caller, (double) output_min,
                    (double) output_max);
    return sprig_status_invalid_parameter;
  }
  return sprig_status_success;
}

const char* sprig_operator_type_name(enum sprig_operator_type type) {
  switch (type) {
    case sprig_operator_type_linear:
      return "linear";
    case sprig_operator_type_conv2d_nchw:
      return "conv2d_nchw";
    case sprig_operator_type_global_average_pooling_nchw:
      return "global_average_pooling_nchw";
    case sprig_operator_type_add:
      return "add";
    case sprig_operator_type_convert_nhwc_to_nchw:
      return "convert_nhwc_to_nchw";
    case sprig_operator_type_convert_nhwc_to_nchw_x16:
      return "convert_nhwc_to_nchw_x16";
    case sprig_operator_type_convert_nchw_to_nhwc_x16:
      return "convert_nchw_to_nhwc_x16";
    case sprig_operator_type_convert_nhwc_to_nchw_x8:
      return "convert_nhwc_to_nchw_x8";
    case sprig_operator_type_convert_nchw_to_nhwc_x8:
      return "convert_nchw_to_nhwc_x8";
    case sprig_operator_type_convert_nchw_to_nhwc:
      return "convert_nchw_to_nhwc";
    case sprig_operator_type_linear_qs8:
      return "linear_qs8";
    case sprig_operator_type_conv2d_nchw_qs8:
      return "conv2d_nchw_qs8";
    case sprig_operator_type_linear_qd8:
      return "linear_qd8_f32";
    case sprig_operator_type_linear_f16:
      return "linear_f16";
    case sprig_operator_type_conv2d_nchw_f16:
      return "conv2d_nchw_f16";
    case sprig_operator_type_add_qs8:
      return "add_qs8";
    case sprig_operator_type_global_average_pooling_nchw_qs8:
      return "global_average_pooling_nchw_qs8";
  }
  return "unknown";
}

enum sprig_status sprig_create_weightless_operator(enum sprig_operator_type type, const struct sprig_path_ops* path,
                                                   float output_min, float output_max, uint32_t flags,
                                                   const char* caller, sprig_operator_t* op_out) {
  if (sprig_get_hardware() == NULL) {
    sprig_log_error("%s: sprig_initialize() has not succeeded", caller);
    return sprig_status_uninitialized;
  }
  if (op_out == NULL) {
    sprig_log_error("%s: op_out is NULL", caller);
    return sprig_status_invalid_parameter;
  }
  if (flags != 0) {
    sprig_log_error("%s: unknown flags 0x%08x", caller, (unsigned) flags);
    return sprig_status_invalid_parameter;
  }
  const enum sprig_status status = sprig_check_clamp(output_min, output_max, caller);
  if (status != sprig_status_success) {
    return status;
  }
  struct sprig_operator* op = calloc(1, sizeof(struct sprig_operator));
  if (op == NULL) {
    sprig_log_error("%s: out of memory", caller);
    return sprig_status_out_of_memory;
  }
  op->type = type;
  op->state = sprig_operator_state_created;
  op->params = (struct sprig_f32_minmax_params){output_min, output_max};
  op->path = path;
  *op_out = op;
  return sprig_status_success;
}

static enum sprig_status create_operator(enum sprig_operator_type type, const struct sprig_conv_geometry* conv,
                                         struct sprig_weights* weights, const float* bias, float output_min,
                                         float output_max, uint32_t flags, const char* caller,
                                         sprig_operator_t* op_out);

struct sprig_operator* sprig_new_operator(enum sprig_operator_type type, struct sprig_weights* weights,
                                          const struct sprig_conv_geometry* conv, size_t state_bytes,
                                          const char* caller) {
  struct sprig_operator* op = calloc(1, sizeof(struct sprig_operator));
  void* state = state_bytes != 0 ? calloc(1, state_bytes) : NULL;
  if (op == NULL || (state_bytes != 0 && state == NULL)) {
    free(op);
    free(state);
    sprig_log_error("%s: out of memory", caller);
    return NULL;
  }
  sprig_retain_weights(weights);
  op->weights = weights;
  op->type = type;
  op->state = sprig_operator_state_created;
  op->rows = weights->rows;
  op->cols = weights->cols;
  op->path_state = state;
  if (conv != NULL) {
    op->geometry = *conv;
  }
  return op;
}

enum sprig_status sprig_create_operator(enum sprig_operator_type type, struct sprig_weights* weights,
                                        const float* bias, float output_min, float output_max, uint32_t flags,
                                        const char* caller, sprig_operator_t* op_out) {
  return create_operator(type, NULL, weights, bias, output_min, output_max, flags, caller, op_out);
}

enum sprig_status sprig_create_conv_operator(const struct sprig_conv_geometry* conv, struct sprig_weights* weights,
                                             const float* bias, float output_min, float output_max,
                                             const char* caller, sprig_operator_t* op_out) {
  return create_operator(sprig_operator_type_conv2d_nchw, conv, weights, bias, output_min, output_max, 0, caller,
                         op_out);
}

static enum sprig_status create_operator(enum sprig_operator_type type, const struct sprig_conv_geometry* conv,
                                         struct sprig_weights* weights, const float* bias, float output_min,
                                         float output_max, uint32_t flags, const char* caller,
                                         sprig_operator_t* op_out) {
  const struct sprig_hardware* hardware = sprig_get_hardware();
  if (hardware == NULL) {
    sprig_log_error("%s: sprig_initialize() has not succeeded", caller);
    return sprig_status_uninitialized;
  }
  if (op_out == NULL || weights == NULL) {
    sprig_log_error("%s: %s is NULL", caller, op_out == NULL ? "op_out" : "weights");
    return sprig_status_invalid_parameter;
  }
  if (flags != 0) {
    sprig_log_error("%s: unknown flags 0x%08x", caller, (unsigned) flags);
    return sprig_status_invalid_parameter;
  }
  if (weights->dtype != sprig_weights_dtype_f32) {
    sprig_log_error("%s: the weights are %s (packed by %s): they make %s operators", caller,
                    weights->dtype == sprig_weights_dtype_f16 ? "f16" : "int8", sprig_weights_dtype_packer(weights->dtype),
                    weights->dtype == sprig_weights_dtype_f16 ? "f16" : "qs8 and qd8");
    return sprig_status_invalid_parameter;
  }
  enum sprig_status status = sprig_check_clamp(output_min, output_max, caller);
  if (status != sprig_status_success) {
    return status;
  }
  struct sprig_operator* op = sprig_new_operator(type, weights, conv, 0, caller);
  if (op == NULL) {
    return sprig_status_out_of_memory;
  }
  if ((op->bias = calloc(weights->rows, sizeof(float))) == NULL) {
    sprig_log_error("%s: out of memory", caller);
    sprig_delete_operator(op);
    return sprig_status_out_of_memory;
  }
  if (bias != NULL) {
    memcpy(op->bias, bias, weights->rows * sizeof(float));
  }
  op->params = (struct sprig_f32_minmax_params){output_min, output_max};
  op->path = sprig_choose_path(weights, hardware, conv != NULL && !sprig_conv_is_pointwise(conv) ? conv : NULL);
  status = op->path->create(op, hardware);
  if (status != sprig_status_success) {
    sprig_log_error("%s: out of memory", caller);
    sprig_delete_operator(op);
    return status;
  }
  sprig_log_debug("%s: %zu x %zu, %zu nonzeros, %s path, kernel %s", caller, weights->rows, weights->cols,
                  weights->nnz, op->path->name, sprig_operator_kernel_name(op));
  *op_out = op;
  return sprig_status_success;
}

enum sprig_status sprig_check_operator(sprig_operator_t op, enum sprig_operator_type type, const char* caller) {
  if (op == NULL) {
    sprig_log_error("%s: op is NULL", caller);
    return sprig_status_invalid_parameter;
  }
  if (op->type != type) {
    sprig_log_error("%s: op has the wrong type (it is a %s operator)", caller, sprig_operator_type_name(op->type));
    return sprig_status_invalid_parameter;
  }
  return sprig_status_success;
}

void sprig_finish_reshape(struct sprig_operator* op) {
  op->input = NULL;
  op->output = NULL;
  op->state = sprig_operator_state_reshaped;
}

enum sprig_status sprig_bind_tensors(struct sprig_operator* op, const float* input, size_t input_bytes,
                                     float* output, size_t output_bytes, const char* caller) {
  if (op->state == sprig_operator_state_created) {
    sprig_log_error("%s: reshape the operator before setup", caller);
    return sprig_status_invalid_state;
  }
  if (input == NULL || output == NULL) {
    sprig_log_error("%s: %s is NULL", caller, input == NULL ? "input" : "output");
    return sprig_status_invalid_parameter;
  }
  const uintptr_t in_begin = (uintptr_t) input;
  const uintptr_t out_begin = (uintptr_t) output;
  if (in_begin < out_begin + output_bytes && out_begin < in_begin + input_bytes) {
    sprig_log_error("%s: input and output overlap (in-place is not supported)", caller);
    return sprig_status_invalid_parameter;
  }
  op->input = input;
  op->output = output;
  op->state = sprig_operator_state_ready;
  if (op->path->setup != NULL) {
    op->path->setup(op);
  }
  return sprig_status_success;
}

/* Whether [x, x + bytes) and [y, y + bytes) share a byte. */
static bool overlap(const void* x, const void* y, size_t bytes) {
  const uintptr_t begin_x = (uintptr_t) x;
  const uintptr_t begin_y = (uintptr_t) y;
  return begin_x < begin_y + bytes && begin_y < begin_x + bytes;
}

enum sprig_status sprig_bind_two_inputs(struct sprig_operator* op, const void* a, const void* b, void* output,
                                        size_t bytes, const char* caller) {
  if (op->state == sprig_operator_state_created) {
    sprig_log_error("%s: reshape the operator before setup", caller);
    return sprig_status_invalid_state;
  }
  if (a == NULL || b == NULL || output == NULL) {
    sprig_log_error("%s: %s is NULL", caller, a == NULL ? "a" : b == NULL ? "b" : "output");
    return sprig_status_invalid_parameter;
  }
  /* a and b may overlap in any way (they are only read); the output may be either exactly. */
  if ((output != a && overlap(output, a, bytes)) || (output != b && overlap(output, b, bytes))) {
    sprig_log_error("%s: output overlaps %s without being it (in place, output must be a or b exactly)", caller,
                    output != a && overlap(output, a, bytes) ? "a" : "b");
    return sprig_status_invalid_parameter;
  }
  op->input = a;
  op->second_input = b;
  op->output = output;
  op->state = sprig_operator_state_ready;
  return sprig_status_success;
}

enum sprig_status sprig_run_operator(sprig_operator_t op, pthreadpool_t threadpool) {
  if (op == NULL) {
    sprig_log_error("sprig_run_operator: op is NULL");
    return sprig_status_invalid_parameter;
  }
  if (op->state != sprig_operator_state_ready) {
    sprig_log_error("sprig_run_operator: operator is not set up (call reshape and setup first)");
    return sprig_status_invalid_state;
  }
  if (!sprig_enter_workspace(op->workspace, "sprig_run_operator")) {
    return sprig_status_invalid_state;
  }
  if (op->type == sprig_operator_type_linear) {
    sprig_run_linear(op, threadpool);
  } else {
    op->path->run(op, op->input, op->output, threadpool);
  }
  sprig_leave_workspace(op->workspace);
  return sprig_status_success;
}

enum sprig_status sprig_delete_operator(sprig_operator_t op) {
  if (op == NULL) {
    return sprig_status_success;
  }
  if (op->path != NULL && op->path->destroy != NULL) {
    op->path->destroy(op);
  }
  sprig_release_weights(op->weights);
  sprig_release_workspace(op->workspace);
  free(op->bias);
  free(op->transposed_input);
  free(op->transposed_output);
  free(op);
  return sprig_status_success;
}

const char* sprig_operator_kernel_name(sprig_operator_t op) {
  return op != NULL ? op->path->kernel_name(op) : NULL;
}

size_t sprig_operator_weight_bytes(sprig_operator_t op) {
  if (op == NULL) {
    return 0;
  }
  return op->rows * sizeof(float) + (op->path->weight_bytes != NULL ? op->path->weight_bytes(op) : 0);
}
