/* 2-D convolution on NCHW tensors; 1x1, stride 1, unpadded kernels reduce to one SpMM per image. */
#include <sprig/common.h>
#include <sprig/log.h>
#include <sprig/operator.h>

static enum sprig_status check_conv_params(const struct sprig_conv2d_params* p, const char* caller) {
  if (p == NULL) {
    sprig_log_error("%s: params is NULL", caller);
    return sprig_status_invalid_parameter;
  }
  if (p->kernel_height == 0 || p->kernel_width == 0 || p->stride_height == 0 || p->stride_width == 0 ||
      p->dilation_height == 0 || p->dilation_width == 0 || p->groups == 0) {
    sprig_log_error("%s: kernel size, stride, dilation and groups must all be > 0", caller);
    return sprig_status_invalid_parameter;
  }
  if (p->input_channels == 0 || p->output_channels == 0) {
    sprig_log_error("%s: input_channels (%zu) and output_channels (%zu) must be > 0", caller,
                    p->input_channels, p->output_channels);
    return sprig_status_invalid_parameter;
  }
  const struct {
    const char* name;
    uint32_t value;
    uint32_t supported;
  } limits[] = {
      {"kernel_height", p->kernel_height, 1}, {"kernel_width", p->kernel_width, 1},
      {"stride_height", p->stride_height, 1}, {"stride_width", p->stride_width, 1},
      {"dilation_height", p->dilation_height, 1}, {"dilation_width", p->dilation_width, 1},
      {"padding_top", p->padding_top, 0}, {"padding_right", p->padding_right, 0},
      {"padding_bottom", p->padding_bottom, 0}, {"padding_left", p->padding_left, 0},
      {"groups", p->groups, 1},
  };
  for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
    if (limits[i].value != limits[i].supported) {
      sprig_log_error("%s: %s = %u is not supported in this version (only %u: 1x1 kernels with stride 1, "
                      "dilation 1, no padding and 1 group)",
                      caller, limits[i].name, (unsigned) limits[i].value, (unsigned) limits[i].supported);
      return sprig_status_unsupported_parameter;
    }
  }
  return sprig_status_success;
}

enum sprig_status sprig_create_conv2d_nchw_from_weights_f32(
    const struct sprig_conv2d_params* params, sprig_weights_t weights, const float* bias,
    float output_min, float output_max, uint32_t flags, sprig_operator_t* op_out) {
  static const char caller[] = "sprig_create_conv2d_nchw_from_weights_f32";
  enum sprig_status status = check_conv_params(params, caller);
  if (status != sprig_status_success) {
    return status;
  }
  if (weights != NULL && (weights->rows != params->output_channels || weights->cols != params->input_channels)) {
    sprig_log_error("%s: weights are %zu x %zu, the convolution needs %zu x %zu", caller, weights->rows,
                    weights->cols, params->output_channels, params->input_channels);
    return sprig_status_invalid_parameter;
  }
  return sprig_create_operator(sprig_operator_type_conv2d_nchw, weights, bias, output_min, output_max, flags,
                               caller, op_out);
}

enum sprig_status sprig_create_conv2d_nchw_f32(
    const struct sprig_conv2d_params* params, const float* weights, const float* bias,
    const struct sprig_sparsity* pattern, float output_min, float output_max, uint32_t flags,
    sprig_operator_t* op_out) {
  static const char caller[] = "sprig_create_conv2d_nchw_f32";
  enum sprig_status status = check_conv_params(params, caller);
  if (status != sprig_status_success) {
    return status;
  }
  if (op_out == NULL) {
    sprig_log_error("%s: op_out is NULL", caller);
    return sprig_status_invalid_parameter;
  }
  static const struct sprig_pack_names names = {caller, "output_channels",
                                                "input_channels x kernel_height x kernel_width", "weights"};
  struct sprig_weights* packed = NULL;
  status = sprig_pack_dense_f32(params->output_channels, params->input_channels, weights, pattern, flags, &names,
                                &packed);
  if (status != sprig_status_success) {
    return status;
  }
  /* SPRIG_FLAG_PRUNE was for packing; the operator itself takes no flags. */
  status = sprig_create_operator(sprig_operator_type_conv2d_nchw, packed, bias, output_min, output_max,
                                 flags & ~SPRIG_FLAG_PRUNE, caller, op_out);
  sprig_release_weights(packed);
  return status;
}

enum sprig_status sprig_reshape_conv2d_nchw_f32(
    sprig_operator_t op, size_t batch, size_t height, size_t width,
    size_t* output_height_out, size_t* output_width_out) {
  static const char caller[] = "sprig_reshape_conv2d_nchw_f32";
  enum sprig_status status = sprig_check_operator(op, sprig_operator_type_conv2d_nchw, caller);
  if (status != sprig_status_success) {
    return status;
  }
  if (batch == 0 || height == 0 || width == 0) {
    sprig_log_error("%s: batch (%zu), height (%zu) and width (%zu) must be > 0", caller, batch, height, width);
    return sprig_status_invalid_parameter;
  }
  size_t pixels, row_bytes, input_image_bytes, output_image_bytes, total;
  if (!sprig_mul_size(height, width, &pixels) || !sprig_mul_size(pixels, sizeof(float), &row_bytes) ||
      !sprig_mul_size(row_bytes, op->cols, &input_image_bytes) ||
      !sprig_mul_size(row_bytes, op->rows, &output_image_bytes) ||
      !sprig_mul_size(input_image_bytes, batch, &total) || !sprig_mul_size(output_image_bytes, batch, &total)) {
    sprig_log_error("%s: %zu x %zu x %zu tensors have a byte size that overflows size_t", caller, batch, height, width);
    return sprig_status_invalid_parameter;
  }
  const struct sprig_problem problem = {
      .images = batch,
      .pixels = pixels,
      .input_row_stride = row_bytes,
      .input_image_stride = input_image_bytes,
      .output_row_stride = row_bytes,
      .output_image_stride = output_image_bytes,
  };
  status = op->path->plan(op, &problem, caller);
  if (status != sprig_status_success) {
    return status;
  }
  op->batch = batch;
  op->height = height;
  op->width = width;
  sprig_finish_reshape(op);
  if (output_height_out != NULL) {
    *output_height_out = height;
  }
  if (output_width_out != NULL) {
    *output_width_out = width;
  }
  return sprig_status_success;
}

enum sprig_status sprig_setup_conv2d_nchw_f32(sprig_operator_t op, const float* input, float* output) {
  static const char caller[] = "sprig_setup_conv2d_nchw_f32";
  enum sprig_status status = sprig_check_operator(op, sprig_operator_type_conv2d_nchw, caller);
  if (status != sprig_status_success) {
    return status;
  }
  const size_t pixels = op->height * op->width * op->batch;
  return sprig_bind_tensors(op, input, pixels * op->cols * sizeof(float), output,
                            pixels * op->rows * sizeof(float), caller);
}
