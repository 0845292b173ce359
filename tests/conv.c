/* General conv2d-nchw operators (KxK kernels, strides, dilation, asymmetric padding, groups,
 * depthwise, NHWC input) against kernels/reference's dense convolution, serially and on pools
 * of 1, 2 and 4 threads (bitwise identical). Run once with the default kernel choice and once
 * per SPRIG_FORCE_ISA (see CMakeLists.txt). */
#include "test-util.h"

#include <sprig.h>
#include <sprig/dwconv.h>
#include <sprig/spconv.h>
#include <reference/reference.h>
#include <sprig/workspace.h>

/* Whether a kernel family lists a kernel of `isa` (see kernel_name_has_isa). */
static bool family_has(const char* isa, bool depthwise) {
  const size_t count = depthwise ? sprig_f32_dwconv_ukernel_count : sprig_f32_spconv_ukernel_count;
  for (size_t i = 0; i < count; i++) {
    const char* name = depthwise ? sprig_f32_dwconv_ukernels[i].name : sprig_f32_spconv_ukernels[i].name;
    if (kernel_name_has_isa(name, isa)) {
      return true;
    }
  }
  return false;
}

/* With SPRIG_FORCE_ISA=x, the operator runs an x kernel (x's base ISA's when its family has
 * none: scalar, or wasmsimd for wasmrelaxedsimd). */
static void check_kernel_name(sprig_operator_t op) {
  const char* name = sprig_operator_kernel_name(op);
  assert_non_null(name);
  const char* forced = getenv("SPRIG_FORCE_ISA");
  if (forced == NULL || forced[0] == '\0') {
    return;
  }
  const bool depthwise = strstr(name, "dwconv") != NULL;
  const bool is_conv_family = depthwise || strstr(name, "spconv") != NULL;
  const char* expected = !is_conv_family || family_has(forced, depthwise) ? forced : forced_isa_fallback();
  if (!kernel_name_has_isa(name, expected)) {
    fail_msg("SPRIG_FORCE_ISA=%s but the operator runs %s", forced, name);
  }
}

struct conv_case {
  const char* what;
  size_t batch, groups, cin, cout, height, width;
  uint32_t kh, kw, sh, sw, dh, dw, pt, pr, pb, pl;
  double sparsity;
  bool nhwc;
};

static size_t output_extent(size_t input, uint32_t before, uint32_t after, uint32_t kernel, uint32_t dilation,
                            uint32_t stride) {
  return (input + before + after - (size_t) dilation * (kernel - 1) - 1) / stride + 1;
}

/* Per output element: error_bound over the taps that meet the input (as the reference sums). */
static void conv_bounds(const struct conv_case* c, const float* x, const float* w, const float* bias, size_t oh,
                        size_t ow, float* bounds) {
  const size_t cout_all = c->groups * c->cout, cin_all = c->groups * c->cin;
  for (size_t b = 0; b < c->batch; b++) {
    for (size_t o = 0; o < cout_all; o++) {
      const size_t g = o / c->cout;
      for (size_t y = 0; y < oh; y++) {
        for (size_t xx = 0; xx < ow; xx++) {
          double magnitude = bias != NULL ? fabs(bias[o]) : 0.0;
          size_t terms = 0;
          for (size_t ci = 0; ci < c->cin; ci++) {
            for (size_t ky = 0; ky < c->kh; ky++) {
              for (size_t kx = 0; kx < c->kw; kx++) {
                const size_t iy = y * c->sh + ky * c->dh, ix = xx * c->sw + kx * c->dw;
                if (iy < c->pt || ix < c->pl || iy - c->pt >= c->height || ix - c->pl >= c->width) {
                  continue;
                }
                const float wv = w[((o * c->cin + ci) * c->kh + ky) * c->kw + kx];
                const float xv = x[((b * cin_all + g * c->cin + ci) * c->height + iy - c->pt) * c->width + ix - c->pl];
                magnitude += fabs((double) wv * xv);
                terms += wv != 0.0f;
              }
            }
          }
          bounds[((b * cout_all + o) * oh + y) * ow + xx] = error_bound(terms, magnitude);
        }
      }
    }
  }
}

/* NCHW [batch][channels][h][w] -> NHWC [batch][h][w][channels]. */
static float* to_nhwc(const float* x, size_t batch, size_t channels, size_t h, size_t w) {
  float* out = malloc(SPRIG_TEST_MAX(batch * channels * h * w, 1) * sizeof(float));
  for (size_t b = 0; b < batch; b++) {
    for (size_t c = 0; c < channels; c++) {
      for (size_t p = 0; p < h * w; p++) {
        out[(b * h * w + p) * channels + c] = x[(b * channels + c) * h * w + p];
      }
    }
  }
  return out;
}

/* Set by test_formats: the operator must run an NR = 4 kernel (shared offsets per block of four
 * channels) unless it runs a scalar one (scalar has no NR = 4 convolution kernel). */
static bool expect_channel_blocks;

/* One workspace shared by every case's operators: on pools 1 and 4 (odd indices) they plan their
 * scratch in it, filled with random bytes before each run (the other pools: their own buffers). */
static sprig_workspace_t sweep_workspace;

static void plan_in_sweep_workspace(sprig_operator_t op, size_t pool_index, const struct conv_case* c) {
  if (sweep_workspace == NULL) {
    assert_int_equal(sprig_create_workspace(&sweep_workspace), sprig_status_success);
  }
  assert_int_equal(sprig_set_operator_workspace(op, pool_index % 2 != 0 ? sweep_workspace : NULL),
                   sprig_status_success);
  assert_int_equal(sprig_reshape_conv2d_nchw_f32(op, c->batch, c->height, c->width, NULL, NULL), sprig_status_success);
}

static void spoil_sweep_workspace(uint64_t seed) {
  struct rng garbage = {seed};
  for (size_t i = 0; sweep_workspace != NULL && i + 4 <= sweep_workspace->bytes; i += 4) {
    const uint32_t bits = rng_next(&garbage);
    memcpy((char*) sweep_workspace->data + i, &bits, 4);
  }
}

/* Creates, reshapes and runs the case with `pattern` (NULL: CSR) on every pool, comparing with
 * the reference and the serial run. */
static void run_conv_case(const struct conv_case* c, const struct sprig_sparsity* pattern, uint64_t seed) {
  struct rng rng = {seed};
  const size_t cin_all = c->groups * c->cin, cout_all = c->groups * c->cout;
  const size_t cols = c->cin * c->kh * c->kw;
  const size_t oh = output_extent(c->height, c->pt, c->pb, c->kh, c->dh, c->sh);
  const size_t ow = output_extent(c->width, c->pl, c->pr, c->kw, c->dw, c->sw);
  const size_t in_count = c->batch * cin_all * c->height * c->width;
  const size_t out_count = c->batch * cout_all * oh * ow;
  float* w = malloc(cout_all * cols * sizeof(float));
  float* bias = malloc(cout_all * sizeof(float));
  float* x = malloc(in_count * sizeof(float));
  float* y = malloc((out_count + 8) * sizeof(float));
  float* expected = malloc(out_count * sizeof(float));
  float* bounds = malloc(out_count * sizeof(float));
  fill_sparse(&rng, w, cout_all, cols, c->sparsity);
  fill_random(&rng, bias, cout_all);
  fill_random(&rng, x, in_count);
  uint32_t flags = 0;
  if (pattern != NULL && pattern->format != SPRIG_FORMAT_CSR && pattern->format != SPRIG_FORMAT_AUTO) {
    float achieved;
    assert_int_equal(sprig_prune_f32(cout_all, cols, w, pattern, (float) c->sparsity, &achieved),
                     sprig_status_success);
  }
  const float* b = (seed % 3) != 0 ? bias : NULL;
  const float lo = (seed % 2) != 0 ? -0.5f : -INFINITY, hi = (seed % 2) != 0 ? 0.75f : INFINITY;
  const struct sprig_reference_conv2d shape = {
      .batch = c->batch, .height = c->height, .width = c->width, .input_channels = c->cin,
      .output_channels = c->cout, .groups = c->groups, .kernel_height = c->kh, .kernel_width = c->kw,
      .stride_height = c->sh, .stride_width = c->sw, .dilation_height = c->dh, .dilation_width = c->dw,
      .padding_top = c->pt, .padding_left = c->pl, .output_height = oh, .output_width = ow};
  sprig_reference_f32_conv2d_nchw(&shape, x, w, b, expected, lo, hi);
  conv_bounds(c, x, w, b, oh, ow, bounds);

  const struct sprig_conv2d_params params = {
      .kernel_height = c->kh, .kernel_width = c->kw, .stride_height = c->sh, .stride_width = c->sw,
      .dilation_height = c->dh, .dilation_width = c->dw, .padding_top = c->pt, .padding_right = c->pr,
      .padding_bottom = c->pb, .padding_left = c->pl, .groups = (uint32_t) c->groups, .input_channels = c->cin,
      .output_channels = c->cout};
  if (c->nhwc) {
    flags |= SPRIG_FLAG_INPUT_NHWC;
  }
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_conv2d_nchw_f32(&params, w, b, pattern, lo, hi, flags, &op), sprig_status_success);
  check_kernel_name(op);
  const char* kernel = sprig_operator_kernel_name(op);
  if (expect_channel_blocks && strstr(kernel, "scalar") == NULL && strstr(kernel, "x4__") == NULL) {
    fail_msg("%s: blocks of four channels with one mask, but the operator runs %s", c->what, kernel);
  }
  size_t got_h = 0, got_w = 0;
  assert_int_equal(sprig_reshape_conv2d_nchw_f32(op, c->batch, c->height, c->width, &got_h, &got_w),
                   sprig_status_success);
  assert_int_equal(got_h, oh);
  assert_int_equal(got_w, ow);
  float* input = c->nhwc ? to_nhwc(x, c->batch, cin_all, c->height, c->width) : x;
  static const size_t thread_counts[] = {0, 1, 2, 4};
  float* first = malloc(SPRIG_TEST_MAX(out_count, 1) * sizeof(float));
  for (size_t t = 0; t < 4; t++) {
    pthreadpool_t pool = make_pool(thread_counts[t]);
    fill_value(y, out_count + 8, SENTINEL);
    plan_in_sweep_workspace(op, t, c);
    assert_int_equal(sprig_setup_conv2d_nchw_f32(op, input, y), sprig_status_success);
    spoil_sweep_workspace(seed * 4 + t);
    assert_int_equal(sprig_run_operator(op, pool), sprig_status_success);
    char message[320];
    snprintf(message, sizeof(message), "%s (format %d, seed %llu) threads=%zu kernel=%s", c->what,
             pattern != NULL ? (int) pattern->format : 1, (unsigned long long) seed, thread_counts[t],
             sprig_operator_kernel_name(op));
    assert_close(y, expected, bounds, out_count, message);
    assert_all_equal(y + out_count, 8, SENTINEL, "past the output");
    if (t == 0) {
      memcpy(first, y, out_count * sizeof(float));
    } else if (memcmp(first, y, out_count * sizeof(float)) != 0) {
      fail_msg("%s: not bitwise identical to the serial run", message);
    }
    if (pool != NULL) {
      pthreadpool_destroy(pool);
    }
  }
  assert_int_equal(sprig_delete_operator(op), sprig_status_success);
  if (input != x) {
    free(input);
  }
  free(first);
  free(w);
  free(bias);
  free(x);
  free(y);
  free(expected);
  free(bounds);
}

/*                                    what             batch groups cin cout  h   w  kh kw sh sw dh dw pt pr pb pl sparsity nhwc */
static const struct conv_case cases[] = {
    {"3x3 s1 p1 narrow map (runs across the plane width)", 1, 1, 8, 16, 9, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0.7, false},
    {"3x3 s1 p1 wide map (row by row)", 1, 1, 8, 12, 20, 17, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0.5, false},
    {"3x3 s2 p1 odd map", 2, 1, 16, 8, 17, 19, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0.8, false},
    {"1x1 s2 downsample", 1, 1, 12, 10, 14, 15, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 0.5, false},
    {"1x1 padded", 1, 1, 5, 6, 4, 3, 1, 1, 1, 1, 1, 1, 1, 2, 0, 1, 0.3, false},
    {"7x7 s2 p3 first layer", 1, 1, 3, 8, 23, 22, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3, 0.4, false},
    {"1x1 image 3x3 p1", 2, 1, 4, 5, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0.2, false},
    {"width 1", 1, 1, 3, 4, 9, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0.3, false},
    {"stride > kernel", 1, 1, 4, 6, 13, 11, 2, 2, 3, 3, 1, 1, 0, 0, 0, 0, 0.5, false},
    /* A stride phase that starts right of the input (kx = 2 of a 1-wide row padded to 3; the
     * fuzzer found it read past the input): it must stage nothing. */
    {"stride phase right of the input", 1, 1, 3, 4, 5, 1, 3, 3, 3, 3, 1, 1, 0, 2, 1, 0, 0.0, false},
    {"stride phase right of the input, NHWC", 1, 1, 3, 4, 2, 1, 2, 3, 2, 3, 1, 1, 1, 2, 0, 0, 0.0, true},
    {"padding >= kernel, asymmetric", 1, 1, 3, 5, 6, 7, 3, 3, 1, 1, 1, 1, 3, 4, 2, 5, 0.3, false},
    {"dilation 2 with padding", 1, 1, 6, 7, 15, 16, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 0.5, false},
    {"dilation 3, stride 2, asymmetric", 1, 1, 5, 4, 19, 21, 3, 3, 2, 2, 3, 3, 1, 0, 2, 3, 0.5, false},
    {"non-square 1x3 / 3x1 strides", 1, 1, 6, 5, 10, 12, 1, 3, 2, 1, 1, 1, 0, 1, 0, 1, 0.4, false},
    {"11x5 kernel, stride 4 x 3", 1, 1, 2, 3, 31, 25, 11, 5, 4, 3, 1, 1, 2, 1, 2, 1, 0.2, false},
    {"groups 2", 1, 2, 6, 5, 11, 10, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0.5, false},
    {"groups 4, stride 2", 2, 4, 3, 6, 12, 13, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0.6, false},
    {"depthwise 3x3 s1 p1", 1, 12, 1, 1, 19, 18, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0.0, false},
    {"depthwise 3x3 s2 p1", 2, 10, 1, 1, 21, 20, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0.0, false},
    {"depthwise 5x5 s1 p2", 1, 7, 1, 1, 17, 23, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 0.0, false},
    {"depthwise 5x5 s2 p2 narrow", 1, 9, 1, 1, 7, 9, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2, 0.0, false},
    {"depthwise 3x3 multiplier 2, sparse", 1, 6, 1, 2, 9, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0.5, false},
    {"depthwise 3x3 dilation 2", 1, 5, 1, 1, 12, 11, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 0.0, false},
    {"depthwise 7x7 (no dedicated kernel)", 1, 4, 1, 1, 15, 14, 7, 7, 1, 1, 1, 1, 3, 3, 3, 3, 0.0, false},
    {"depthwise 3x3 on 1x1 maps", 3, 8, 1, 1, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0.0, false},
    {"depthwise 3x3 s2, padding 0 top and right", 1, 6, 1, 1, 16, 15, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1, 0.0, false},
    {"depthwise 5x5 s1, padding 1 top, 0 bottom", 1, 5, 1, 1, 11, 13, 5, 5, 1, 1, 1, 1, 1, 2, 0, 2, 0.0, false},
    {"depthwise 3x3 s1 left padding 0 (staged)", 1, 4, 1, 1, 9, 10, 3, 3, 1, 1, 1, 1, 1, 1, 1, 0, 0.0, false},
    {"depthwise 3x3 s2 batch 2, 112-wide rows", 2, 3, 1, 1, 6, 112, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0.0, false},
    {"NHWC input 3x3 s2 p1 (first layer)", 1, 1, 3, 8, 33, 31, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0.0, true},
    {"NHWC input with groups and batch", 2, 2, 2, 3, 7, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0.5, true},
    {"NHWC input 1x1", 1, 1, 5, 4, 6, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0.5, true},
    {"all-zero weights", 1, 1, 4, 6, 8, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1.0, false},
    {"dense 3x3", 1, 1, 7, 9, 10, 21, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0.0, false},
    {"64 channels 14x14 at 90%", 1, 1, 64, 40, 14, 14, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0.9, false},
    {"batch 3 28x28 s2", 3, 1, 16, 24, 28, 28, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0.9, false},
};

static void test_shapes(void** state) {
  (void) state;
  require_sprig();
  uint64_t seed = 900;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    run_conv_case(&cases[i], NULL, seed++);
  }
}

/* Every format on a few shapes: the conv path reads each format's stored entries. */
static void test_formats(void** state) {
  (void) state;
  require_sprig();
  const struct sprig_sparsity patterns[] = {
      {.format = SPRIG_FORMAT_CSR},
      {.format = SPRIG_FORMAT_BLOCK, .block_rows = 4, .block_cols = 1},
      {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 4},
      {.format = SPRIG_FORMAT_BLOCK, .block_rows = 2, .block_cols = 2},
      {.format = SPRIG_FORMAT_GROUP, .group = 4},
      {.format = SPRIG_FORMAT_NM, .n = 2, .m = 4},
      {.format = SPRIG_FORMAT_NM, .n = 1, .m = 4},
      {.format = SPRIG_FORMAT_AUTO},
  };
  const struct conv_case shapes[] = {
      {"formats: 3x3 s1 p1", 1, 1, 8, 8, 10, 18, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0.5, false},
      {"formats: 3x3 s2 groups 2", 2, 2, 4, 8, 9, 9, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0.5, false},
      {"formats: 5x3 odd channels", 1, 1, 3, 7, 8, 7, 5, 3, 1, 1, 1, 1, 2, 1, 2, 1, 0.5, false},
      /* Depthwise, dense taps: with N:M the 9 taps end in a short run whose only column holds a
       * weight, and the run's padding slot names that column (the fuzzer found the padding
       * zero overwriting the weight in the depthwise kernel's taps). */
      {"formats: depthwise 3x3 s1 p1", 1, 6, 1, 1, 9, 10, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0.0, false},
      {"formats: depthwise 3x3 s3x2 dilation 2x1", 1, 2, 1, 8, 4, 8, 3, 3, 3, 2, 2, 1, 1, 2, 1, 2, 0.0, false},
  };
  uint64_t seed = 1900;
  for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
    for (size_t p = 0; p < sizeof(patterns) / sizeof(patterns[0]); p++) {
      const bool four_rows = (patterns[p].format == SPRIG_FORMAT_BLOCK && patterns[p].block_rows == 4 &&
                              patterns[p].block_cols == 1) ||
                             patterns[p].format == SPRIG_FORMAT_GROUP;
      const bool depthwise = shapes[s].cin == 1 && shapes[s].groups > 1; /* dense-tap kernels */
      expect_channel_blocks = four_rows && shapes[s].cout % 4 == 0 && !depthwise;
      run_conv_case(&shapes[s], &patterns[p], seed++);
      expect_channel_blocks = false;
    }
  }
}

/* One packed weights object behind two convolutions of different strides, reshaped twice. */
static void test_from_weights_and_reshape(void** state) {
  (void) state;
  require_sprig();
  struct rng rng = {77};
  const size_t cout = 6, cin = 4, cols = cin * 9;
  float w[6 * 36];
  fill_sparse(&rng, w, cout, cols, 0.5);
  sprig_weights_t packed = NULL;
  assert_int_equal(sprig_pack_weights_f32(cout, cols, w, NULL, 0, &packed), sprig_status_success);
  const struct sprig_conv2d_params p1 = {3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, cin, cout};
  const struct sprig_conv2d_params p2 = {3, 3, 2, 2, 1, 1, 0, 0, 0, 0, 1, cin, cout};
  sprig_operator_t a = NULL, b = NULL;
  assert_int_equal(sprig_create_conv2d_nchw_from_weights_f32(&p1, packed, NULL, -INFINITY, INFINITY, 0, &a),
                   sprig_status_success);
  assert_int_equal(sprig_create_conv2d_nchw_from_weights_f32(&p2, packed, NULL, -INFINITY, INFINITY, 0, &b),
                   sprig_status_success);
  sprig_release_weights(packed);
  const size_t sizes[][2] = {{12, 9}, {5, 31}};
  for (size_t s = 0; s < 2; s++) {
    const size_t h = sizes[s][0], wd = sizes[s][1];
    float* x = malloc(cin * h * wd * sizeof(float));
    fill_random(&rng, x, cin * h * wd);
    for (size_t k = 0; k < 2; k++) {
      sprig_operator_t op = k == 0 ? a : b;
      const struct sprig_conv2d_params* p = k == 0 ? &p1 : &p2;
      size_t oh, ow;
      assert_int_equal(sprig_reshape_conv2d_nchw_f32(op, 1, h, wd, &oh, &ow), sprig_status_success);
      float* y = malloc(cout * oh * ow * sizeof(float));
      float* expected = malloc(cout * oh * ow * sizeof(float));
      const struct sprig_reference_conv2d shape = {
          .batch = 1, .height = h, .width = wd, .input_channels = cin, .output_channels = cout, .groups = 1,
          .kernel_height = 3, .kernel_width = 3, .stride_height = p->stride_height, .stride_width = p->stride_width,
          .dilation_height = 1, .dilation_width = 1, .padding_top = p->padding_top, .padding_left = p->padding_left,
          .output_height = oh, .output_width = ow};
      sprig_reference_f32_conv2d_nchw(&shape, x, w, NULL, expected, -INFINITY, INFINITY);
      assert_int_equal(sprig_setup_conv2d_nchw_f32(op, x, y), sprig_status_success);
      assert_int_equal(sprig_run_operator(op, NULL), sprig_status_success);
      for (size_t i = 0; i < cout * oh * ow; i++) {
        if (!(fabsf(y[i] - expected[i]) <= 1e-5f * (1.0f + fabsf(expected[i])))) {
          fail_msg("from weights, op %zu, %zux%zu: element %zu is %g, expected %g", k, h, wd, i, (double) y[i],
                   (double) expected[i]);
        }
      }
      free(y);
      free(expected);
    }
    free(x);
  }
  sprig_delete_operator(a);
  sprig_delete_operator(b);
}

/* Shapes the convolution refuses, each with its status; nothing written on error. */
static void test_bad_shapes(void** state) {
  (void) state;
  require_sprig();
  float w[2 * 2 * 9] = {1.0f};
  const struct sprig_conv2d_params p = {3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, 2, 2};
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_conv2d_nchw_f32(&p, w, NULL, NULL, -INFINITY, INFINITY, 0, &op), sprig_status_success);
  size_t oh = 77, ow = 77;
  /* The 3x3 kernel needs 3 rows and columns of (unpadded) input. */
  assert_int_equal(sprig_reshape_conv2d_nchw_f32(op, 1, 2, 5, &oh, &ow), sprig_status_invalid_parameter);
  assert_int_equal(sprig_reshape_conv2d_nchw_f32(op, 1, 5, 2, &oh, &ow), sprig_status_invalid_parameter);
  assert_int_equal(oh, 77);
  assert_int_equal(ow, 77);
  assert_int_equal(sprig_reshape_conv2d_nchw_f32(op, 1, 3, 3, &oh, &ow), sprig_status_success);
  assert_int_equal(oh, 1);
  assert_int_equal(ow, 1);
  sprig_delete_operator(op);

  sprig_weights_t packed = NULL;
  assert_int_equal(sprig_pack_weights_f32(2, 9, w, NULL, 0, &packed), sprig_status_success);
  op = NULL;
  /* 2 x 9 weights, but 2 input channels x 3 x 3 = 18 columns are needed. */
  assert_int_equal(sprig_create_conv2d_nchw_from_weights_f32(&p, packed, NULL, -INFINITY, INFINITY, 0, &op),
                   sprig_status_invalid_parameter);
  /* SPRIG_FLAG_PRUNE is a packing flag: not for packed weights. */
  const struct sprig_conv2d_params one = {3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 2};
  assert_int_equal(
      sprig_create_conv2d_nchw_from_weights_f32(&one, packed, NULL, -INFINITY, INFINITY, SPRIG_FLAG_PRUNE, &op),
      sprig_status_invalid_parameter);
  assert_null(op);
  sprig_release_weights(packed);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shapes),
      cmocka_unit_test(test_formats),
      cmocka_unit_test(test_from_weights_and_reshape),
      cmocka_unit_test(test_bad_shapes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
