/* 2-D convolution on NCHW tensors. Pointwise convolutions (1x1, stride 1, unpadded, one group,
 * NCHW input) are one SpMM per image on the linear paths; every other shape takes the conv path
 * (src/operators/path-conv.c). */
#include <sprig/common.h>
#include <sprig/log.h>
#include <sprig/operator.h>

/* Ranges this version accepts (sprig.h documents them). */
#define MAX_KERNEL 64
#define MAX_STRIDE 16
#define MAX_DILATION 64
#define MAX_PADDING 1024

static enum sprig_status check_range(const char* caller, const char* name, uint32_t value, uint32_t min,
                                     uint32_t max) {
  if (value < min || value > max) {
    sprig_log_error("%s: params->%s = %u is out of range (%u .. %u)", caller, name, (unsigned) value, (unsigned) min,
                    (unsigned) max);
    return sprig_status_invalid_parameter;
  }
  return sprig_status_success;
}

enum sprig_status sprig_check_conv_params(const struct sprig_conv2d_params* p, uint32_t flags, uint32_t allowed_flags,
                                         const char* caller, struct sprig_conv_geometry* geometry) {
  if (p == NULL) {
    sprig_log_error("%s: params is NULL", caller);
    return sprig_status_invalid_parameter;
  }
  if ((flags & ~allowed_flags) != 0) {
    sprig_log_error("%s: unknown flags 0x%08x", caller, (unsigned) (flags & ~allowed_flags));
    return sprig_status_invalid_parameter;
  }
  const struct {
    const char* name;
    uint32_t value, min, max;
  } limits[] = {
      {"kernel_height", p->kernel_height, 1, MAX_KERNEL},       {"kernel_width", p->kernel_width, 1, MAX_KERNEL},
      {"stride_height", p->stride_height, 1, MAX_STRIDE},       {"stride_width", p->stride_width, 1, MAX_STRIDE},
      {"dilation_height", p->dilation_height, 1, MAX_DILATION}, {"dilation_width", p->dilation_width, 1, MAX_DILATION},
      {"padding_top", p->padding_top, 0, MAX_PADDING},          {"padding_right", p->padding_right, 0, MAX_PADDING},
      {"padding_bottom", p->padding_bottom, 0, MAX_PADDING},    {"padding_left", p->padding_left, 0, MAX_PADDING},
      {"groups", p->groups, 1, UINT32_MAX},
  };
  for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
    const enum sprig_status status = check_range(caller, limits[i].name, limits[i].value, limits[i].min, limits[i].max);
    if (status != sprig_status_success) {
      return status;
    }
  }
  size_t rows, cols, input_channels;
  if (p->input_channels == 0 || p->output_channels == 0) {
    sprig_log_error("%s: params->input_channels (%zu) and params->output_channels (%zu) must be > 0", caller,
                    p->input_channels, p->output_channels);
    return sprig_status_invalid_parameter;
  }
  if (!sprig_mul_size(p->groups, p->output_channels, &rows) ||
      !sprig_mul3_size(p->input_channels, p->kernel_height, p->kernel_width, &cols) || rows > UINT32_MAX ||
      cols > UINT32_MAX || !sprig_mul_size(p->groups, p->input_channels, &input_channels)) {
    sprig_log_error("%s: groups (%u) x output_channels (%zu) and input_channels (%zu) x kernel size (%u x %u) must "
                    "each be below 2^32",
                    caller, (unsigned) p->groups, p->output_channels, p->input_channels, (unsigned) p->kernel_height,
                    (unsigned) p->kernel_width);
    return sprig_status_invalid_parameter;
  }
  *geometry = (struct sprig_conv_geometry){*p, (flags & SPRIG_FLAG_INPUT_NHWC) != 0};
  return sprig_status_success;
}

enum sprig_status sprig_create_conv2d_nchw_from_weights_f32(
    const struct sprig_conv2d_params* params, sprig_weights_t weights, const float* bias,
    float output_min, float output_max, uint32_t flags, sprig_operator_t* op_out) {
  static const char caller[] = "sprig_create_conv2d_nchw_from_weights_f32";
  struct sprig_conv_geometry geometry;
  enum sprig_status status = sprig_check_conv_params(params, flags, SPRIG_FLAG_INPUT_NHWC, caller, &geometry);
  if (status != sprig_status_success) {
    return status;
  }
  const size_t rows = params->groups * params->output_channels;
  const size_t cols = params->input_channels * params->kernel_height * params->kernel_width;
  if (weights != NULL && (weights->rows != rows || weights->cols != cols)) {
    sprig_log_error("%s: weights are %zu x %zu, the convolution needs %zu x %zu (groups x output_channels, "
                    "input_channels x kernel_height x kernel_width)",
                    caller, weights->rows, weights->cols, rows, cols);
    return sprig_status_invalid_parameter;
  }
  return sprig_create_conv_operator(&geometry, weights, bias, output_min, output_max, caller, op_out);
}

enum sprig_status sprig_create_conv2d_nchw_f32(
    const struct sprig_conv2d_params* params, const float* weights, const float* bias,
    const struct sprig_sparsity* pattern, float output_min, float output_max, uint32_t flags,
    sprig_operator_t* op_out) {
  static const char caller[] = "sprig_create_conv2d_nchw_f32";
  struct sprig_conv_geometry geometry;
  enum sprig_status status =
      sprig_check_conv_params(params, flags, SPRIG_FLAG_PRUNE | SPRIG_FLAG_INPUT_NHWC, caller, &geometry);
  if (status != sprig_status_success) {
    return status;
  }
  if (op_out == NULL) {
    sprig_log_error("%s: op_out is NULL", caller);
    return sprig_status_invalid_parameter;
  }
  static const struct sprig_pack_names names = {caller, "groups x output_channels",
                                                "input_channels x kernel_height x kernel_width", "weights"};
  struct sprig_weights* packed = NULL;
  status = sprig_pack_dense_f32(params->groups * params->output_channels,
                                params->input_channels * params->kernel_height * params->kernel_width, weights,
                                pattern, flags & SPRIG_FLAG_PRUNE, &names, &packed);
  if (status != sprig_status_success) {
    return status;
  }
  status = sprig_create_conv_operator(&geometry, packed, bias, output_min, output_max, caller, op_out);
  sprig_release_weights(packed);
  return status;
}

size_t sprig_conv_output_size(size_t input, uint32_t padding_before, uint32_t padding_after, uint32_t kernel,
                          uint32_t dilation, uint32_t stride) {
  const size_t padded = input + padding_before + padding_after;
  const size_t span = (size_t) dilation * (kernel - 1) + 1;
  return padded < span ? 0 : (padded - span) / stride + 1;
}

enum sprig_status sprig_check_conv_shape(const struct sprig_operator* op, size_t batch, size_t height, size_t width,
                                         size_t element_bytes, const char* caller, struct sprig_conv_shape* shape) {
  if (batch == 0 || height == 0 || width == 0 || height > UINT32_MAX || width > UINT32_MAX) {
    sprig_log_error("%s: batch (%zu), height (%zu) and width (%zu) must be > 0 (and the sizes below 2^32)", caller,
                    batch, height, width);
    return sprig_status_invalid_parameter;
  }
  const struct sprig_conv2d_params* p = &op->geometry.params;
  const size_t output_height =
      sprig_conv_output_size(height, p->padding_top, p->padding_bottom, p->kernel_height, p->dilation_height, p->stride_height);
  const size_t output_width =
      sprig_conv_output_size(width, p->padding_left, p->padding_right, p->kernel_width, p->dilation_width, p->stride_width);
  if (output_height == 0 || output_width == 0) {
    sprig_log_error("%s: the %s kernel (dilated) is larger than the padded %zu x %zu input", caller,
                    output_height == 0 ? "height of the" : "width of the", height, width);
    return sprig_status_invalid_parameter;
  }
  const size_t input_channels = (size_t) p->groups * p->input_channels;
  size_t input_pixels, output_pixels, input_image_bytes, output_image_bytes, total;
  if (!sprig_mul_size(height, width, &input_pixels) || !sprig_mul_size(output_height, output_width, &output_pixels) ||
      !sprig_mul3_size(input_pixels, element_bytes, input_channels, &input_image_bytes) ||
      !sprig_mul3_size(output_pixels, element_bytes, op->rows, &output_image_bytes) ||
      !sprig_mul_size(input_image_bytes, batch, &total) || !sprig_mul_size(output_image_bytes, batch, &total)) {
    sprig_log_error("%s: %zu x %zu x %zu tensors have a byte size that overflows size_t", caller, batch, height, width);
    return sprig_status_invalid_parameter;
  }
  *shape = (struct sprig_conv_shape){output_height, output_width, input_pixels, output_pixels};
  return sprig_status_success;
}

enum sprig_status sprig_reshape_conv2d_nchw_f32(
    sprig_operator_t op, size_t batch, size_t height, size_t width,
    size_t* output_height_out, size_t* output_width_out) {
  static const char caller[] = "sprig_reshape_conv2d_nchw_f32";
  enum sprig_status status = sprig_check_operator(op, sprig_operator_type_conv2d_nchw, caller);
  if (status != sprig_status_success) {
    return status;
  }
  struct sprig_conv_shape shape;
  if ((status = sprig_check_conv_shape(op, batch, height, width, sizeof(float), caller, &shape)) !=
      sprig_status_success) {
    return status;
  }
  const size_t output_height = shape.output_height, output_width = shape.output_width;
  const size_t input_pixels = shape.input_pixels, output_pixels = shape.output_pixels;
  const size_t input_image_bytes = input_pixels * sizeof(float) * op->geometry.params.groups *
                                   op->geometry.params.input_channels;
  const size_t output_image_bytes = output_pixels * sizeof(float) * op->rows;
  const struct sprig_problem problem = {
      .images = batch,
      .pixels = output_pixels,
      .input_height = height,
      .input_width = width,
      .output_height = output_height,
      .output_width = output_width,
      .input_row_stride = input_pixels * sizeof(float),
      .input_image_stride = input_image_bytes,
      .output_row_stride = output_pixels * sizeof(float),
      .output_image_stride = output_image_bytes,
  };
  status = op->path->plan(op, &problem, caller);
  if (status != sprig_status_success) {
    return status;
  }
  return sprig_commit_conv_reshape(op, batch, height, width, &shape, output_height_out, output_width_out);
}

enum sprig_status sprig_commit_conv_reshape(struct sprig_operator* op, size_t batch, size_t height, size_t width,
                                            const struct sprig_conv_shape* shape, size_t* output_height_out,
                                            size_t* output_width_out) {
  op->batch = batch;
  op->height = height;
  op->width = width;
  op->output_height = shape->output_height;
  op->output_width = shape->output_width;
  sprig_finish_reshape(op);
  if (output_height_out != NULL) {
    *output_height_out = shape->output_height;
  }
  if (output_width_out != NULL) {
    *output_width_out = shape->output_width;
  }
  return sprig_status_success;
}

void sprig_conv_tensor_elements(const struct sprig_operator* op, size_t* input_elements, size_t* output_elements) {
  const size_t input_channels = (size_t) op->geometry.params.groups * op->geometry.params.input_channels;
  *input_elements = op->batch * op->height * op->width * input_channels;
  *output_elements = op->batch * op->output_height * op->output_width * op->rows;
}

enum sprig_status sprig_setup_conv2d_nchw_f32(sprig_operator_t op, const float* input, float* output) {
  static const char caller[] = "sprig_setup_conv2d_nchw_f32";
  enum sprig_status status = sprig_check_operator(op, sprig_operator_type_conv2d_nchw, caller);
  if (status != sprig_status_success) {
    return status;
  }
  size_t input_elements, output_elements;
  sprig_conv_tensor_elements(op, &input_elements, &output_elements);
  return sprig_bind_tensors(op, input, input_elements * sizeof(float), output, output_elements * sizeof(float),
                            caller);
}
