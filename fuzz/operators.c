/* Operators on small fuzzed shapes: linear and conv2d (kernel, stride, dilation, asymmetric
 * padding, groups, depthwise, NHWC input) with every pattern, clamps and batch; create, reshape,
 * setup and run. Invalid parameters must be refused; valid ones must compute what
 * kernels/reference computes. Raw mode passes out-of-range fields too. */
#include "fuzz-common.h"

#include <reference/reference.h>

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

static void run_linear(struct fuzz_input* in, const struct sprig_sparsity* pattern, uint32_t flags, float lo,
                       float hi) {
  const size_t in_features = take_range(in, 48);
  const size_t out_features = take_range(in, 48);
  const size_t batch = take_range(in, 10);
  float* w = malloc(in_features * out_features * sizeof(float));
  float* bias = malloc(out_features * sizeof(float));
  float* x = malloc(batch * in_features * sizeof(float));
  float* y = malloc(3 * batch * out_features * sizeof(float));
  FUZZ_CHECK(w != NULL && bias != NULL && x != NULL && y != NULL);
  for (size_t i = 0; i < in_features * out_features; i++) {
    w[i] = take_weight(in);
  }
  for (size_t i = 0; i < out_features; i++) {
    bias[i] = (float) (i % 5) - 2.0f;
  }
  for (size_t i = 0; i < batch * in_features; i++) {
    x[i] = (float) ((int) (i * 5 % 17) - 8) / 8.0f;
  }
  sprig_operator_t op = NULL;
  if (sprig_create_linear_f32(in_features, out_features, w, bias, pattern, lo, hi, flags, &op) ==
      sprig_status_success) {
    FUZZ_CHECK(sprig_reshape_linear_f32(op, batch) == sprig_status_success);
    FUZZ_CHECK(sprig_setup_linear_f32(op, x, y) == sprig_status_success);
    FUZZ_CHECK(sprig_run_operator(op, NULL) == sprig_status_success);
    FUZZ_CHECK(sprig_operator_kernel_name(op) != NULL);
    FUZZ_CHECK(sprig_delete_operator(op) == sprig_status_success);
    if (pattern != NULL && pattern->format == SPRIG_FORMAT_NM && (flags & SPRIG_FLAG_PRUNE)) {
      FUZZ_CHECK(sprig_prune_f32(out_features, in_features, w, pattern, 0.0f, NULL) == sprig_status_success);
    }
    float* expected = y + batch * out_features;
    float* magnitude = expected + batch * out_features;
    sprig_reference_f32_linear(batch, in_features, out_features, x, w, bias, expected, lo, hi);
    for (size_t i = 0; i < in_features * out_features; i++) {
      w[i] = fabsf(w[i]);
    }
    for (size_t i = 0; i < batch * in_features; i++) {
      x[i] = fabsf(x[i]);
    }
    for (size_t i = 0; i < out_features; i++) {
      bias[i] = fabsf(bias[i]);
    }
    sprig_reference_f32_linear(batch, in_features, out_features, x, w, bias, magnitude, -INFINITY, INFINITY);
    fuzz_check_close(y, expected, magnitude, batch * out_features, in_features);
  } else {
    FUZZ_CHECK(op == NULL);
  }
  free(w);
  free(bias);
  free(x);
  free(y);
}

static void run_conv(struct fuzz_input* in, const struct sprig_sparsity* pattern, uint32_t flags, float lo, float hi,
                     bool raw) {
  struct sprig_conv2d_params p;
  if (raw) {
    p = (struct sprig_conv2d_params){take_u8(in) % 80, take_u8(in) % 80, take_u8(in) % 20, take_u8(in) % 20,
                                     take_u8(in) % 80, take_u8(in) % 80, take_u8(in), take_u8(in), take_u8(in),
                                     take_u8(in), take_u8(in) % 5, take_u8(in) % 5, take_u8(in) % 5};
  } else {
    p = (struct sprig_conv2d_params){take_range(in, 5), take_range(in, 5), take_range(in, 3), take_range(in, 3),
                                     take_range(in, 3), take_range(in, 3), take_u8(in) % 4, take_u8(in) % 4,
                                     take_u8(in) % 4, take_u8(in) % 4, take_range(in, 4), take_range(in, 4),
                                     take_range(in, 8)};
  }
  const size_t batch = take_range(in, 2), height = take_range(in, 12), width = take_range(in, 12);
  if ((p.input_channels == 0 || p.output_channels == 0 || p.groups == 0) ||
      p.kernel_height * p.kernel_width > 64 * 64) {
    /* Still call create (it must refuse), with a small weights buffer it must not read. */
    float dummy[4] = {0};
    sprig_operator_t op = NULL;
    FUZZ_CHECK(sprig_create_conv2d_nchw_f32(&p, dummy, NULL, pattern, lo, hi, flags, &op) != sprig_status_success);
    FUZZ_CHECK(op == NULL);
    return;
  }
  const size_t groups = p.groups, cin = p.input_channels, cout = p.output_channels;
  const size_t kernel = (size_t) p.kernel_height * p.kernel_width;
  const size_t weight_count = groups * cout * cin * kernel;
  float* w = malloc(weight_count * sizeof(float));
  float* bias = malloc(groups * cout * sizeof(float));
  float* x = malloc(batch * groups * cin * height * width * sizeof(float));
  float* x_nchw = malloc(batch * groups * cin * height * width * sizeof(float));
  FUZZ_CHECK(w != NULL && bias != NULL && x != NULL && x_nchw != NULL);
  for (size_t i = 0; i < weight_count; i++) {
    w[i] = take_weight(in);
  }
  for (size_t i = 0; i < groups * cout; i++) {
    bias[i] = (float) (i % 3) - 1.0f;
  }
  const size_t channels = groups * cin;
  for (size_t i = 0; i < batch * channels * height * width; i++) {
    x_nchw[i] = (float) ((int) (i * 3 % 11) - 5) / 4.0f;
  }
  /* The operator's input: NCHW, or the same image as NHWC. */
  for (size_t b = 0; b < batch; b++) {
    for (size_t c = 0; c < channels; c++) {
      for (size_t s = 0; s < height * width; s++) {
        const size_t nchw = (b * channels + c) * height * width + s;
        x[(flags & SPRIG_FLAG_INPUT_NHWC) ? (b * height * width + s) * channels + c : nchw] = x_nchw[nchw];
      }
    }
  }
  sprig_operator_t op = NULL;
  if (sprig_create_conv2d_nchw_f32(&p, w, bias, pattern, lo, hi, flags, &op) == sprig_status_success) {
    size_t oh = 0, ow = 0;
    if (sprig_reshape_conv2d_nchw_f32(op, batch, height, width, &oh, &ow) == sprig_status_success) {
      const size_t out_count = batch * groups * cout * oh * ow;
      float* y = malloc(3 * out_count * sizeof(float) + 1);
      FUZZ_CHECK(y != NULL);
      FUZZ_CHECK(sprig_setup_conv2d_nchw_f32(op, x, y) == sprig_status_success);
      FUZZ_CHECK(sprig_run_operator(op, NULL) == sprig_status_success);
      if (pattern != NULL && pattern->format == SPRIG_FORMAT_NM && (flags & SPRIG_FLAG_PRUNE)) {
        FUZZ_CHECK(sprig_prune_f32(groups * cout, cin * kernel, w, pattern, 0.0f, NULL) == sprig_status_success);
      }
      const struct sprig_reference_conv2d shape = {
          batch, height, width, cin, cout, groups, p.kernel_height, p.kernel_width, p.stride_height,
          p.stride_width, p.dilation_height, p.dilation_width, p.padding_top, p.padding_left, oh, ow};
      float* expected = y + out_count;
      float* magnitude = expected + out_count;
      sprig_reference_f32_conv2d_nchw(&shape, x_nchw, w, bias, expected, lo, hi);
      for (size_t i = 0; i < weight_count; i++) {
        w[i] = fabsf(w[i]);
      }
      for (size_t i = 0; i < batch * channels * height * width; i++) {
        x_nchw[i] = fabsf(x_nchw[i]);
      }
      for (size_t i = 0; i < groups * cout; i++) {
        bias[i] = fabsf(bias[i]);
      }
      sprig_reference_f32_conv2d_nchw(&shape, x_nchw, w, bias, magnitude, -INFINITY, INFINITY);
      fuzz_check_close(y, expected, magnitude, out_count, cin * kernel);
      free(y);
    }
    FUZZ_CHECK(sprig_delete_operator(op) == sprig_status_success);
  } else {
    FUZZ_CHECK(op == NULL);
  }
  free(w);
  free(bias);
  free(x);
  free(x_nchw);
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz_init();
  struct fuzz_input in = {data, size, 0};
  const uint8_t mode = take_u8(&in);
  struct sprig_sparsity storage;
  const struct sprig_sparsity* pattern = take_pattern(&in, &storage);
  uint32_t flags = (mode & 2) ? SPRIG_FLAG_PRUNE : 0;
  static const float clamps[][2] = {{-INFINITY, INFINITY}, {0.0f, INFINITY}, {-1.0f, 1.5f}, {2.0f, 1.0f}};
  const float lo = clamps[(mode >> 2) % 4][0], hi = clamps[(mode >> 2) % 4][1];
  if (mode & 1) {
    flags |= (mode & 16) ? SPRIG_FLAG_INPUT_NHWC : 0;
    run_conv(&in, pattern, flags, lo, hi, (mode & 32) != 0);
  } else {
    run_linear(&in, pattern, flags | ((mode & 32) ? SPRIG_FLAG_INPUT_NHWC : 0), lo, hi);
  }
  return 0;
}
