/*
 * The int8 operators (linear qs8, conv2d_nchw qs8, linear qd8) through the public API against the
 * plain-C reference (kernels/reference/q8.c): every output equal bit for bit, on every format,
 * on pools of 0 (serial), 1, 2 and 4 threads; overflow-prone and saturating quantizations;
 * packing and sharing; and every refusal (status, nothing written).
 */
#include "test-util.h"

#include <reference/reference.h>
#include <sprig/config.h>
#include <sprig/qs8-spmm.h>
#include <sprig/qs8-stream.h>
#include <sprig/qs8-quartets.h>
#include <sprig/qs8-terms.h>
#include <sprig/weights.h>
#include <sprig/workspace.h>

static const size_t pools[] = {0, 1, 2, 4};
#define POOLS (sizeof(pools) / sizeof(pools[0]))

/* ---- workspaces ---- */

/* One workspace shared by the sweeps' operators: on pools 1 and 4 (odd indices) they plan their
 * scratch in it (the other pools: in their own buffers), and before every run in it each of its
 * bytes is garbage, so that no output may depend on what the scratch held before. */
static sprig_workspace_t sweep_workspace;

static void fill_garbage(uint64_t seed, void* data, size_t bytes) {
  uint64_t x = seed * 0x9E3779B97F4A7C15u + 1;
  for (size_t i = 0; i + 8 <= bytes; i += 8) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    memcpy((char*) data + i, &x, 8);
  }
}

/* Before each reshape of a sweep: the operator plans in the shared workspace on odd pool indices. */
static void plan_in_sweep_workspace(sprig_operator_t op, size_t pool_index) {
  if (sweep_workspace == NULL) {
    assert_int_equal(sprig_create_workspace(&sweep_workspace), sprig_status_success);
  }
  assert_int_equal(sprig_set_operator_workspace(op, pool_index % 2 != 0 ? sweep_workspace : NULL),
                   sprig_status_success);
}

/* Before each run of a sweep. */
static void spoil_sweep_workspace(uint64_t seed) {
  if (sweep_workspace != NULL && sweep_workspace->data != NULL) {
    fill_garbage(seed, sweep_workspace->data, sweep_workspace->bytes);
  }
}

/* ---- random data ---- */

/* About `sparsity` of the entries zero; nonzeros uniform in [-128, 127] minus 0 (or only -128 / 127
 * when extremes). */
static void fill_int8_sparse(struct rng* rng, int8_t* data, size_t count, double sparsity, bool extremes) {
  for (size_t i = 0; i < count; i++) {
    if ((double) rng_next(rng) / 2147483648.0 < sparsity) {
      data[i] = 0;
      continue;
    }
    int8_t v = extremes ? ((rng_next(rng) & 1) ? (int8_t) 127 : (int8_t) -128) : (int8_t) (rng_next(rng) & 0xff);
    data[i] = v == 0 ? 1 : v;
  }
}

static void fill_int8(struct rng* rng, int8_t* data, size_t count, bool extremes) {
  fill_int8_sparse(rng, data, count, 0.0, extremes);
  for (size_t i = 0; i < count; i += 7) {
    data[i] = extremes ? data[i] : 0; /* some zeros in the activations too */
  }
}

/* A quantization with per-channel weight scales around 1/(127 x sqrt(nonzeros)) so that outputs
 * spread over the int8 range (or saturate when `saturate`). */
struct quant {
  struct sprig_reference_qs8_quantization q;
  float* weight_scales;
  int32_t* bias;
};

static struct quant make_quant(struct rng* rng, size_t rows, size_t cols, int32_t input_zero_point,
                               int32_t output_zero_point, bool saturate, bool with_bias) {
  struct quant r = {{0}, malloc(rows * sizeof(float)), with_bias ? malloc(rows * sizeof(int32_t)) : NULL};
  assert_non_null(r.weight_scales);
  for (size_t o = 0; o < rows; o++) {
    r.weight_scales[o] = (0.5f + (float) (rng_next(rng) % 1000) / 1000.0f) / 127.0f;
    if (with_bias) {
      r.bias[o] = (int32_t) (rng_next(rng) % 20001) - 10000;
    }
  }
  r.q = (struct sprig_reference_qs8_quantization){
      .input_zero_point = input_zero_point,
      .input_scale = 0.05f,
      .weight_scales = r.weight_scales,
      .bias = r.bias,
      .output_zero_point = output_zero_point,
      .output_scale = saturate ? 1e-4f : 0.05f * sqrtf((float) cols) * 0.5f,
      .output_min = -128,
      .output_max = 127,
  };
  return r;
}

static void free_quant(struct quant* r) {
  free(r->weight_scales);
  free(r->bias);
}

static void assert_int8_equal(const int8_t* actual, const int8_t* expected, size_t count, const char* what) {
  for (size_t i = 0; i < count; i++) {
    if (actual[i] != expected[i]) {
      fail_msg("%s: element %zu: got %d, expected %d", what, i, (int) actual[i], (int) expected[i]);
    }
  }
}

static const struct sprig_sparsity formats[] = {
    {.format = SPRIG_FORMAT_CSR},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 4},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 8},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 4, .block_cols = 1},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 8, .block_cols = 1},
    {.format = SPRIG_FORMAT_NM, .n = 2, .m = 4},
    {.format = SPRIG_FORMAT_NM, .n = 1, .m = 4},
    {.format = SPRIG_FORMAT_GROUP, .group = 4},
    {.format = SPRIG_FORMAT_AUTO},
};
#define FORMATS (sizeof(formats) / sizeof(formats[0]))

static bool format_fits(const struct sprig_sparsity* f, size_t rows) {
  return f->format != SPRIG_FORMAT_GROUP || f->group <= rows;
}

/* ---- linear qs8 ---- */

struct linear_case {
  size_t in, out, batch;
  double sparsity;
  int32_t input_zero_point, output_zero_point;
  bool extremes, saturate, bias;
  int8_t output_min, output_max;
};

/* Row r: nonzeros at columns r % 7, in / 2 + r % (in / 2) and in - 1 - r % 5 only. */
static void fill_long_runs(struct rng* rng, int8_t* weights, size_t in, size_t out) {
  memset(weights, 0, in * out);
  for (size_t r = 0; r < out; r++) {
    const size_t at[3] = {r % 7, in / 2 + r % (in / 2), in - 1 - r % 5};
    for (size_t k = 0; k < 3; k++) {
      const int8_t v = (int8_t) (rng_next(rng) & 0xff);
      weights[r * in + at[k]] = v == 0 ? (int8_t) -128 : v;
    }
  }
}

/* `long_runs`: the weights of fill_long_runs (block weights then store bridges). */
static void run_linear_qs8_with(const struct linear_case* c, const struct sprig_sparsity* pattern, uint64_t seed,
                                bool long_runs) {
  struct rng rng = {seed};
  int8_t* weights = malloc(c->in * c->out);
  int8_t* input = malloc(c->in * c->batch);
  int8_t* expected = malloc(c->out * c->batch);
  int8_t* actual = malloc(c->out * c->batch);
  assert_true(weights != NULL && input != NULL && expected != NULL && actual != NULL);
  fill_int8_sparse(&rng, weights, c->in * c->out, c->sparsity, c->extremes);
  if (long_runs) {
    fill_long_runs(&rng, weights, c->in, c->out);
  }
  fill_int8(&rng, input, c->in * c->batch, c->extremes);
  struct quant qu = make_quant(&rng, c->out, c->in, c->input_zero_point, c->output_zero_point, c->saturate, c->bias);
  qu.q.output_min = c->output_min;
  qu.q.output_max = c->output_max;
  sprig_reference_qs8_linear(c->batch, c->in, c->out, input, weights, &qu.q, expected);

  sprig_operator_t op = NULL;
  uint32_t flags = pattern->format == SPRIG_FORMAT_NM ? SPRIG_FLAG_PRUNE : 0;
  if (pattern->format == SPRIG_FORMAT_NM) {
    /* Prune the test's own copy the way packing does, so that the reference sees the same. */
    float* image = malloc(c->in * c->out * sizeof(float));
    assert_non_null(image);
    for (size_t i = 0; i < c->in * c->out; i++) {
      image[i] = (float) weights[i];
    }
    assert_int_equal(sprig_prune_f32(c->out, c->in, image, pattern, 0.0f, NULL), sprig_status_success);
    for (size_t i = 0; i < c->in * c->out; i++) {
      weights[i] = (int8_t) image[i];
    }
    free(image);
    sprig_reference_qs8_linear(c->batch, c->in, c->out, input, weights, &qu.q, expected);
  }
  assert_int_equal(sprig_create_linear_qs8(c->in, c->out, (int8_t) c->input_zero_point, qu.q.input_scale, weights,
                                           qu.weight_scales, qu.bias, (int8_t) c->output_zero_point,
                                           qu.q.output_scale, c->output_min, c->output_max, pattern, flags, &op),
                   sprig_status_success);
  assert_non_null(sprig_operator_kernel_name(op));
  for (size_t p = 0; p < POOLS; p++) {
    pthreadpool_t pool = make_pool(pools[p]);
    memset(actual, 0x55, c->out * c->batch);
    plan_in_sweep_workspace(op, p);
    assert_int_equal(sprig_reshape_linear_qs8(op, c->batch), sprig_status_success);
    assert_int_equal(sprig_setup_linear_qs8(op, input, actual), sprig_status_success);
    spoil_sweep_workspace(seed + p);
    assert_int_equal(sprig_run_operator(op, pool), sprig_status_success);
    char what[160];
    snprintf(what, sizeof(what), "linear qs8 %zux%zu batch %zu, format %d, pool %zu, kernel %s", c->in, c->out,
             c->batch, (int) pattern->format, pools[p], sprig_operator_kernel_name(op));
    assert_int8_equal(actual, expected, c->out * c->batch, what);
    if (pool != NULL) {
      pthreadpool_destroy(pool);
    }
  }
  sprig_delete_operator(op);
  free_quant(&qu);
  free(actual);
  free(expected);
  free(input);
  free(weights);
}

static void run_linear_qs8(const struct linear_case* c, const struct sprig_sparsity* pattern, uint64_t seed) {
  run_linear_qs8_with(c, pattern, seed, false);
}

static const struct linear_case linear_cases[] = {
    {1, 1, 1, 0.0, 0, 0, false, false, true, -128, 127},
    {3, 5, 1, 0.5, 3, -2, false, false, true, -128, 127},
    {7, 9, 2, 0.5, -128, 127, false, false, true, -128, 127},
    {64, 32, 5, 0.9, 10, 0, false, false, true, -128, 127},
    {130, 17, 33, 0.7, -5, 7, false, false, false, -100, 90},
    {256, 64, 100, 0.9, 127, -128, false, false, true, -128, 127},
    {33, 40, 3, 1.0, 1, 1, false, false, true, -128, 127},
    {20, 24, 9, 0.0, -1, 0, false, false, true, -128, 127},
    {10, 600, 300, 0.5, 2, -3, false, false, true, -128, 127}, /* several channel blocks per task */
    {4, 9000, 2, 0.5, -7, 5, false, false, true, -128, 127},   /* > 256 channels per task and pixel */
    {300, 200, 1, 0.9, 4, -6, false, false, true, -128, 127},  /* batch 1: sliced rows, two windows */
    {768, 130, 1, 0.7, -128, 3, false, false, false, -90, 100},
    {301, 150, 3, 0.8, 9, 1, false, false, true, -128, 127},   /* batch 3: sliced rows per batch row */
};

static void linear_qs8_every_format(void** state) {
  (void) state;
  require_sprig();
  uint64_t seed = 1;
  for (size_t i = 0; i < sizeof(linear_cases) / sizeof(linear_cases[0]); i++) {
    for (size_t f = 0; f < FORMATS; f++) {
      if (format_fits(&formats[f], linear_cases[i].out)) {
        run_linear_qs8(&linear_cases[i], &formats[f], seed++);
      }
    }
  }
}

/* Block weights whose rows have empty runs longer than 255 block columns (zero bridge blocks
 * stored between their blocks): outputs still equal the reference bit for bit. */
static void linear_qs8_bridged_blocks(void** state) {
  (void) state;
  require_sprig();
  const struct linear_case cases[] = {
      {4096, 24, 1, 0.0, 3, -1, false, false, true, -128, 127},
      {4096, 17, 5, 0.0, -128, 2, false, false, true, -128, 127},
      {5000, 9, 2, 0.0, 0, 0, false, false, false, -128, 127},
  };
  uint64_t seed = 500;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    for (size_t f = 0; f < FORMATS; f++) {
      if (format_fits(&formats[f], cases[i].out)) {
        run_linear_qs8_with(&cases[i], &formats[f], seed++, true);
      }
    }
  }
}

static void linear_qs8_overflow_prone(void** state) {
  (void) state;
  require_sprig();
  /* 127 x -128 products over 4096 inputs, zero points at the extremes. */
  const struct linear_case cases[] = {
      {4096, 8, 3, 0.0, -128, 0, true, false, true, -128, 127},
      {4096, 8, 3, 0.0, 127, 127, true, false, true, -128, 127},
      {1000, 16, 17, 0.5, -128, -128, true, false, false, -128, 127},
      {4096, 20, 1, 0.0, -128, 0, true, false, true, -128, 127}, /* batch 1: sliced rows */
      {4096, 20, 2, 0.3, 127, 5, true, false, true, -128, 127},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    run_linear_qs8(&cases[i], &formats[0], 100 + i);
    run_linear_qs8(&cases[i], &formats[1], 200 + i);
  }
}

static void linear_qs8_saturating_scales(void** state) {
  (void) state;
  require_sprig();
  const struct linear_case cases[] = {
      {50, 20, 7, 0.5, 0, 0, false, true, true, -128, 127},
      {50, 20, 7, 0.5, 0, 100, false, true, true, -20, 30},
      {50, 20, 7, 0.5, 0, -100, false, false, true, 5, 5},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    run_linear_qs8(&cases[i], &formats[0], 300 + i);
  }
}

/* ---- conv qs8 ---- */

struct conv_case {
  struct sprig_conv2d_params p;
  size_t batch, height, width;
  double sparsity;
  bool nhwc;
  bool extremes;   /* weights and inputs only -128 / 127, the input zero point -128 or 127 */
  bool depthwise;  /* the layer must run on a direct depthwise kernel (its name says dwconv2d_chw) */
};

static void run_conv_qs8(const struct conv_case* c, const struct sprig_sparsity* pattern, uint64_t seed) {
  struct rng rng = {seed};
  const struct sprig_conv2d_params* p = &c->p;
  const size_t rows = p->groups * p->output_channels;
  const size_t cols = p->input_channels * p->kernel_height * p->kernel_width;
  const size_t channels = p->groups * p->input_channels;
  const size_t oh = (c->height + p->padding_top + p->padding_bottom - p->dilation_height * (p->kernel_height - 1) - 1) /
                        p->stride_height + 1;
  const size_t ow = (c->width + p->padding_left + p->padding_right - p->dilation_width * (p->kernel_width - 1) - 1) /
                        p->stride_width + 1;
  const size_t in_count = c->batch * channels * c->height * c->width, out_count = c->batch * rows * oh * ow;
  int8_t* weights = malloc(rows * cols);
  int8_t* input = malloc(in_count);
  int8_t* expected = malloc(out_count);
  int8_t* actual = malloc(out_count);
  assert_true(weights != NULL && input != NULL && expected != NULL && actual != NULL);
  fill_int8_sparse(&rng, weights, rows * cols, c->sparsity, c->extremes);
  fill_int8(&rng, input, in_count, c->extremes);
  const int32_t zp = c->extremes ? (seed % 2 ? 127 : -128) : (int32_t) (rng_next(&rng) % 256) - 128;
  struct quant qu = make_quant(&rng, rows, cols, zp, (int32_t) (rng_next(&rng) % 21) - 10, false, true);
  const struct sprig_reference_conv2d shape = {
      c->batch, c->height, c->width, p->input_channels, p->output_channels, p->groups,
      p->kernel_height, p->kernel_width, p->stride_height, p->stride_width, p->dilation_height, p->dilation_width,
      p->padding_top, p->padding_left, oh, ow};
  sprig_reference_qs8_conv2d_nchw(&shape, c->nhwc, input, weights, &qu.q, expected);
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_conv2d_nchw_qs8(p, (int8_t) zp, qu.q.input_scale, weights, qu.weight_scales, qu.bias,
                                                (int8_t) qu.q.output_zero_point, qu.q.output_scale, -128, 127, pattern,
                                                c->nhwc ? SPRIG_FLAG_INPUT_NHWC : 0, &op),
                   sprig_status_success);
  if (c->depthwise && strstr(sprig_operator_kernel_name(op), "dwconv2d_chw") == NULL) {
    fail_msg("depthwise %ux%u s%u layer runs %s, not a direct depthwise kernel", (unsigned) p->kernel_height,
             (unsigned) p->kernel_width, (unsigned) p->stride_height, sprig_operator_kernel_name(op));
  }
  for (size_t i = 0; i < POOLS; i++) {
    pthreadpool_t pool = make_pool(pools[i]);
    size_t got_h = 0, got_w = 0;
    plan_in_sweep_workspace(op, i);
    assert_int_equal(sprig_reshape_conv2d_nchw_qs8(op, c->batch, c->height, c->width, &got_h, &got_w),
                     sprig_status_success);
    assert_int_equal(got_h, oh);
    assert_int_equal(got_w, ow);
    memset(actual, 0x55, out_count);
    assert_int_equal(sprig_setup_conv2d_nchw_qs8(op, input, actual), sprig_status_success);
    spoil_sweep_workspace(seed + i);
    assert_int_equal(sprig_run_operator(op, pool), sprig_status_success);
    char what[200];
    snprintf(what, sizeof(what), "conv qs8 %ux%u s%u d%u g%u %zu->%zu on %zux%zu, format %d, pool %zu",
             (unsigned) p->kernel_height, (unsigned) p->kernel_width, (unsigned) p->stride_height,
             (unsigned) p->dilation_height, (unsigned) p->groups, p->input_channels, p->output_channels, c->height,
             c->width, (int) pattern->format, pools[i]);
    assert_int8_equal(actual, expected, out_count, what);
    if (pool != NULL) {
      pthreadpool_destroy(pool);
    }
  }
  sprig_delete_operator(op);
  free_quant(&qu);
  free(actual);
  free(expected);
  free(input);
  free(weights);
}

#define CONV(kh, kw, sh, sw, dh, dw, pt, pr, pb, pl, g, ci, co)                                              \
  {                                                                                                        \
    .kernel_height = kh, .kernel_width = kw, .stride_height = sh, .stride_width = sw, .dilation_height = dh, \
    .dilation_width = dw, .padding_top = pt, .padding_right = pr, .padding_bottom = pb, .padding_left = pl, \
    .groups = g, .input_channels = ci, .output_channels = co                                               \
  }

static const struct conv_case conv_cases[] = {
    {CONV(1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 16, 24), 2, 7, 9, 0.8, false, false, false},      /* pointwise */
    {CONV(3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 5, 8), 1, 6, 7, 0.6, false, false, false},       /* 3x3 same */
    {CONV(3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 8, 12), 2, 9, 8, 0.5, false, false, false},      /* stride 2 */
    {CONV(5, 3, 1, 2, 2, 1, 2, 0, 1, 3, 1, 3, 5), 1, 11, 10, 0.3, false, false, false},     /* dilation, asymmetric */
    {CONV(3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, 4, 6), 1, 5, 5, 0.5, false, false, false},       /* groups */
    {CONV(3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 8, 1, 2), 1, 6, 6, 0.0, false, false, false},       /* depthwise x2 */
    {CONV(3, 3, 2, 2, 1, 1, 0, 1, 1, 0, 3, 1, 1), 2, 7, 7, 0.0, false, false, false},       /* depthwise s2 TF-SAME */
    {CONV(3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 3, 8), 1, 9, 9, 0.5, true, false, false},        /* NHWC first layer */
    {CONV(1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 7, 3), 1, 1, 1, 0.5, false, false, false},       /* 1x1 map */
    {CONV(3, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 6, 4), 1, 9, 1, 0.5, false, false, false},       /* width 1 */
    /* stride > kernel, padding >= kernel */
    {CONV(2, 2, 3, 3, 1, 1, 2, 2, 2, 2, 1, 4, 4), 1, 5, 5, 0.5, false, false, false},
    /* a stride phase right of the input */
    {CONV(3, 3, 3, 3, 1, 1, 0, 2, 1, 0, 1, 3, 4), 1, 5, 1, 0.0, false, false, false},
    /* several channel blocks per task */
    {CONV(1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 10, 160), 1, 32, 32, 0.5, false, false, false},
};

/* Output rows wide enough for the im2col's vectorized copies (8+ pixels), the c4 layout's runs
 * of 256 pixels (300 wide: runs across rows) and the stride-2 copy (a 40-pixel row, dilated);
 * dense weights take the c4 layout's kernels, sparse ones the quartet layout's. */
static const struct conv_case wide_conv_cases[] = {
    {CONV(3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 5, 8), 1, 3, 300, 0.0, false, false, false},   /* 3x3 same, 300 wide */
    {CONV(3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 5, 8), 1, 3, 300, 0.7, false, false, false},
    {CONV(3, 3, 2, 2, 1, 2, 1, 2, 1, 1, 1, 6, 8), 2, 7, 81, 0.0, false, false, false},    /* stride 2, dilation 2 */
    {CONV(3, 3, 2, 2, 1, 2, 1, 2, 1, 1, 1, 6, 8), 2, 7, 81, 0.7, false, false, false},
    {CONV(3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 2, 3, 4), 1, 4, 19, 0.5, false, false, false},    /* groups, no padding */
};

/* Depthwise layers on the direct f32 kernels (exact integer sums): 3x3 / 5x5, stride 1 / 2, with
 * MobileNet's padding and with less at the top, bottom or right, multipliers 1 and 2, planes
 * from 1x1 to widths across the kernels' trips of 8 / 16 vectors, the int8 extremes. */
static const struct conv_case depthwise_cases[] = {
    {CONV(3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 6, 1, 1), 2, 14, 14, 0.0, false, false, true},
    {CONV(3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 5, 1, 1), 1, 15, 57, 0.3, false, false, true},
    {CONV(3, 3, 2, 2, 1, 1, 1, 0, 0, 1, 4, 1, 1), 1, 8, 8, 0.0, false, false, true},    /* TF-SAME on even sizes */
    {CONV(3, 3, 1, 1, 1, 1, 0, 1, 1, 1, 3, 1, 1), 1, 5, 3, 0.0, false, false, true},    /* no top padding */
    {CONV(3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4, 1, 2), 1, 1, 1, 0.0, false, false, true},    /* 1x1 map, multiplier 2 */
    {CONV(3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1), 1, 6, 133, 0.0, false, false, true},  /* past 8-vector trips */
    {CONV(5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 3, 1, 1), 1, 9, 41, 0.0, false, false, true},
    {CONV(5, 5, 2, 2, 1, 1, 2, 1, 1, 2, 3, 1, 2), 2, 11, 23, 0.5, false, false, true},
    {CONV(5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 4, 1, 1), 1, 12, 37, 0.0, false, true, true},   /* -128 / 127 */
    {CONV(3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 4, 1, 1), 1, 13, 70, 0.0, false, true, true},
    {CONV(3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3, 1, 1), 1, 7, 19, 0.0, false, true, true},
};

static void conv_qs8_depthwise(void** state) {
  (void) state;
  require_sprig();
  for (size_t i = 0; i < sizeof(depthwise_cases) / sizeof(depthwise_cases[0]); i++) {
    run_conv_qs8(&depthwise_cases[i], &formats[0], 200 + i);
    run_conv_qs8(&depthwise_cases[i], &formats[0], 300 + i); /* the other zero point extreme */
  }
}

static void conv_qs8_shapes(void** state) {
  (void) state;
  require_sprig();
  for (size_t i = 0; i < sizeof(conv_cases) / sizeof(conv_cases[0]); i++) {
    run_conv_qs8(&conv_cases[i], &formats[0], 10 + i);
  }
}

static void conv_qs8_formats(void** state) {
  (void) state;
  require_sprig();
  for (size_t f = 0; f < FORMATS; f++) {
    if (formats[f].format == SPRIG_FORMAT_NM) {
      continue; /* random weights break N:M; covered by the linear tests with pruning */
    }
    run_conv_qs8(&conv_cases[0], &formats[f], 50 + f);
    run_conv_qs8(&conv_cases[2], &formats[f], 60 + f);
    for (size_t i = 0; i < sizeof(wide_conv_cases) / sizeof(wide_conv_cases[0]); i++) {
      run_conv_qs8(&wide_conv_cases[i], &formats[f], 70 + 10 * i + f);
    }
  }
}

/* ---- linear qd8 ---- */

static void assert_float_bits_equal(const float* actual, const float* expected, size_t count, const char* what) {
  for (size_t i = 0; i < count; i++) {
    if (isnan(expected[i]) ? !isnan(actual[i]) : memcmp(&actual[i], &expected[i], sizeof(float)) != 0) {
      fail_msg("%s: element %zu: got %.9g, expected %.9g", what, i, (double) actual[i], (double) expected[i]);
    }
  }
}

static void run_linear_qd8(size_t in, size_t out, size_t batch, double sparsity, const struct sprig_sparsity* pattern,
                           float lo, float hi, int special, uint64_t seed) {
  struct rng rng = {seed};
  int8_t* weights = malloc(in * out);
  float* input = malloc(in * batch * sizeof(float));
  float* scales = malloc(out * sizeof(float));
  float* bias = malloc(out * sizeof(float));
  float* expected = malloc(out * batch * sizeof(float));
  float* actual = malloc(out * batch * sizeof(float));
  assert_true(weights && input && scales && bias && expected && actual);
  fill_int8_sparse(&rng, weights, in * out, sparsity, false);
  fill_random(&rng, input, in * batch);
  for (size_t o = 0; o < out; o++) {
    scales[o] = (0.5f + (float) (rng_next(&rng) % 100) / 100.0f) / 127.0f;
    bias[o] = rng_float(&rng);
  }
  if (batch >= 3) {
    for (size_t i = 0; i < in; i++) {
      input[in + i] = special == 1 ? 0.0f : input[in + i] * 1e20f; /* a zero row, or a huge one */
    }
    input[2 * in + in / 2] = special == 2 ? NAN : INFINITY; /* a row that must give NaN */
  }
  sprig_reference_qd8_linear(batch, in, out, input, weights, scales, bias, lo, hi, expected);
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_linear_qd8_f32(in, out, weights, scales, bias, lo, hi, pattern, 0, &op),
                   sprig_status_success);
  for (size_t p = 0; p < POOLS; p++) {
    pthreadpool_t pool = make_pool(pools[p]);
    plan_in_sweep_workspace(op, p);
    assert_int_equal(sprig_reshape_linear_qd8_f32(op, batch), sprig_status_success);
    assert_int_equal(sprig_setup_linear_qd8_f32(op, input, actual), sprig_status_success);
    spoil_sweep_workspace(seed + p);
    assert_int_equal(sprig_run_operator(op, pool), sprig_status_success);
    char what[160];
    snprintf(what, sizeof(what), "linear qd8 %zux%zu batch %zu, format %d, pool %zu", in, out, batch,
             (int) pattern->format, pools[p]);
    assert_float_bits_equal(actual, expected, out * batch, what);
    if (pool != NULL) {
      pthreadpool_destroy(pool);
    }
  }
  sprig_delete_operator(op);
  free(actual);
  free(expected);
  free(bias);
  free(scales);
  free(input);
  free(weights);
}

static void linear_qd8(void** state) {
  (void) state;
  require_sprig();
  const size_t shapes[][3] = {{1, 1, 1},      {5, 3, 1},     {17, 9, 3},    {64, 48, 4},
                              {130, 20, 17},  {768, 64, 1},  {300, 33, 40}, {300, 200, 1},
                              {301, 150, 2},  {200, 70, 7},  {96, 40, 13}};
  uint64_t seed = 1;
  for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
    for (size_t f = 0; f < FORMATS; f++) {
      if (formats[f].format == SPRIG_FORMAT_NM || !format_fits(&formats[f], shapes[s][1])) {
        continue;
      }
      run_linear_qd8(shapes[s][0], shapes[s][1], shapes[s][2], 0.8, &formats[f], -INFINITY, INFINITY,
                     (int) (seed % 3), seed);
      seed++;
    }
    run_linear_qd8(shapes[s][0], shapes[s][1], shapes[s][2], 0.5, &formats[0], -0.5f, 0.25f, 0, seed++);
  }
}

/* Runs the planned qs8 linear operator on `input` and compares its outputs with the reference. */
static void run_linear_against_reference(sprig_operator_t op, size_t batch, size_t in, size_t out, const int8_t* input,
                                         const int8_t* weights, const struct sprig_reference_qs8_quantization* q) {
  int8_t* expected = malloc(batch * out);
  int8_t* actual = malloc(batch * out);
  assert_true(expected != NULL && actual != NULL);
  assert_int_equal(sprig_setup_linear_qs8(op, input, actual), sprig_status_success);
  assert_int_equal(sprig_run_operator(op, NULL), sprig_status_success);
  sprig_reference_qs8_linear(batch, in, out, input, weights, q, expected);
  assert_int8_equal(actual, expected, batch * out, sprig_operator_kernel_name(op));
  free(expected);
  free(actual);
}

/* Linear layers at batches 1-3 run the matrix-vector kernel of the chosen ISA (when it has one,
 * or when the SpMM kernels are scalar too; its windowed partner, where the ISA has one, at
 * batches 1-15, four rows per weight pass), larger batches the SpMM kernels; reshapes switch
 * back and forth, and every plan's outputs equal the reference. */
static void batch1_takes_sliced_rows(void** state) {
  (void) state;
  require_sprig();
  const struct sprig_hardware* hardware = sprig_get_hardware();
  const struct sprig_qs8_sellmv_ukernel* sell = sprig_choose_qs8_sellmv_ukernel(hardware);
  const bool expect_sell = sell->isa != sprig_isa_scalar || sprig_choose_qs8_spmm_ukernel(hardware)->isa == sprig_isa_scalar;
  struct rng rng = {9};
  const size_t in = 300, out = 200;
  int8_t* weights = malloc(in * out);
  assert_non_null(weights);
  fill_int8_sparse(&rng, weights, in * out, 0.9, false);
  struct quant qu = make_quant(&rng, out, in, 0, 0, false, true);
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_linear_qs8(in, out, 0, qu.q.input_scale, weights, qu.weight_scales, qu.bias, 0,
                                           qu.q.output_scale, -128, 127, &formats[0], 0, &op),
                   sprig_status_success);
  const size_t batches[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 15, 16, 17, 1};
  /* A layer this small fits the windowed layout's cache budget: its kernel, where the ISA has one. */
  const struct sprig_qs8_sellmv_ukernel* windowed = sprig_qs8_sellmv_window_partner(sell);
  const size_t below = windowed != NULL ? 16 : 4;
  int8_t* input = malloc(17 * in);
  assert_non_null(input);
  fill_int8(&rng, input, 17 * in, false);
  for (size_t i = 0; i < sizeof(batches) / sizeof(batches[0]); i++) {
    assert_int_equal(sprig_reshape_linear_qs8(op, batches[i]), sprig_status_success);
    const char* name = sprig_operator_kernel_name(op);
    const bool is_sell = strstr(name, "qs8_sellmv") != NULL;
    if (is_sell != (expect_sell && batches[i] < below)) {
      fail_msg("batch %zu runs %s (matrix-vector kernel %s expected below batch %zu: %d)", batches[i], name,
               windowed != NULL ? windowed->name : sell->name, below, (int) expect_sell);
    }
    if (is_sell && windowed != NULL && strcmp(name, windowed->name) != 0) {
      fail_msg("batch %zu runs %s, not the windowed kernel %s", batches[i], name, windowed->name);
    }
    run_linear_against_reference(op, batches[i], in, out, input, weights, &qu.q);
  }
  free(input);
  sprig_delete_operator(op);
  free_quant(&qu);
  free(weights);
}

/* ---- packing and sharing ---- */

/* Rows whose entries spread over many windows of 32 quads, one per slice row: the windowed
 * layout would pad 16x, so batch 1 takes the sliced layout of the ISA's default kernel; both
 * layouts' outputs equal the reference elsewhere (batch1_takes_sliced_rows). */
static void batch1_spread_rows_take_slices(void** state) {
  (void) state;
  require_sprig();
  const struct sprig_qs8_sellmv_ukernel* sliced = sprig_choose_qs8_sellmv_ukernel(sprig_get_hardware());
  if (sprig_qs8_sellmv_window_partner(sliced) == NULL) {
    skip();
  }
  struct rng rng = {21};
  const size_t in = 16 * 128 + 3, out = 35;
  int8_t* weights = calloc(in * out, 1);
  assert_non_null(weights);
  for (size_t r = 0; r < out; r++) {
    weights[r * in + 128 * (r % 16) + r % 4] = (int8_t) (r % 2 == 0 ? 77 : -91);
  }
  struct quant qu = make_quant(&rng, out, in, 3, -2, false, true);
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_linear_qs8(in, out, 3, qu.q.input_scale, weights, qu.weight_scales, qu.bias, -2,
                                           qu.q.output_scale, -128, 127, &formats[0], 0, &op),
                   sprig_status_success);
  int8_t* input = malloc(in);
  assert_non_null(input);
  fill_int8(&rng, input, in, false);
  assert_int_equal(sprig_reshape_linear_qs8(op, 1), sprig_status_success);
  assert_string_equal(sprig_operator_kernel_name(op), sliced->name);
  run_linear_against_reference(op, 1, in, out, input, weights, &qu.q);
  free(input);
  sprig_delete_operator(op);
  free_quant(&qu);
  free(weights);
}

/* A layer whose windowed layout exceeds the cache budget (a quarter of L2, 5+ bytes per c4
 * entry): batch 1 takes the sliced kernel (fewer bytes to stream), batches 2-15 the windowed one
 * (rows share its weight passes). */
static void batch1_large_layers_take_slices(void** state) {
  (void) state;
  require_sprig();
  const struct sprig_hardware* hardware = sprig_get_hardware();
  const struct sprig_qs8_sellmv_ukernel* sliced = sprig_choose_qs8_sellmv_ukernel(hardware);
  const struct sprig_qs8_sellmv_ukernel* windowed = sprig_qs8_sellmv_window_partner(sliced);
  if (windowed == NULL || hardware->l2_bytes > ((size_t) 8 << 20)) {
    skip();
  }
  struct rng rng = {31};
  /* Dense rows of 64 quads: 64 entries a row, the layout padding nothing. */
  const size_t in = 256, out = hardware->l2_bytes / 4 / 5 / 64 + 40;
  int8_t* weights = malloc(in * out);
  assert_non_null(weights);
  fill_int8_sparse(&rng, weights, in * out, 0.0, false);
  struct quant qu = make_quant(&rng, out, in, -5, 4, false, true);
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_linear_qs8(in, out, -5, qu.q.input_scale, weights, qu.weight_scales, qu.bias, 4,
                                           qu.q.output_scale, -128, 127, &formats[0], 0, &op),
                   sprig_status_success);
  int8_t* input = malloc(5 * in);
  assert_non_null(input);
  fill_int8(&rng, input, 5 * in, false);
  const size_t batches[] = {1, 2, 5, 1};
  for (size_t i = 0; i < sizeof(batches) / sizeof(batches[0]); i++) {
    assert_int_equal(sprig_reshape_linear_qs8(op, batches[i]), sprig_status_success);
    assert_string_equal(sprig_operator_kernel_name(op), batches[i] == 1 ? sliced->name : windowed->name);
    run_linear_against_reference(op, batches[i], in, out, input, weights, &qu.q);
  }
  free(input);
  sprig_delete_operator(op);
  free_quant(&qu);
  free(weights);
}

static void packed_bytes_per_nonzero(void** state) {
  (void) state;
  require_sprig();
  struct rng rng = {5};
  const size_t rows = 256, cols = 256;
  int8_t* dense = malloc(rows * cols);
  assert_non_null(dense);
  fill_int8_sparse(&rng, dense, rows * cols, 0.9, false);
  sprig_weights_t w = NULL;
  struct sprig_weights_info info;
  assert_int_equal(sprig_pack_weights_qs8(rows, cols, dense, NULL, 0, &w), sprig_status_success);
  assert_int_equal(sprig_get_weights_info(w, &info), sprig_status_success);
  assert_true((double) info.packed_bytes / (double) info.nnz <= 2.2);
  sprig_release_weights(w);
  free(dense);
  /* 1x4 blocks of a 3072 -> 768 layer at 90%: 4 values and a 1-byte column gap per block (no
   * bridge: 768 block columns, each kept block 255 or fewer after the previous one here), and
   * a 16-bit block count per row: 1.25 + 2 x rows / nnz, <= 1.3 when rows average 40+
   * nonzeros (768 inputs at 90% would give 76.8: 1.276). */
  const size_t out = 768, in = 3072;
  dense = malloc(out * in);
  assert_non_null(dense);
  const struct sprig_sparsity blocks = {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 4};
  size_t kept = 0;
  for (size_t i = 0; i < out * in; i += 4) {
    const int8_t keep = (int8_t) (rng_next(&rng) % 10 == 0);
    kept += (size_t) keep;
    for (size_t k = 0; k < 4; k++) {
      dense[i + k] = keep ? (int8_t) (1 + (int8_t) (rng_next(&rng) % 100)) : 0;
    }
  }
  assert_int_equal(sprig_pack_weights_qs8(out, in, dense, &blocks, 0, &w), sprig_status_success);
  assert_int_equal(sprig_get_weights_info(w, &info), sprig_status_success);
  assert_int_equal(info.nnz, 4 * kept);
  assert_int_equal(info.stored_values, 4 * kept);
  assert_int_equal(info.packed_bytes, out * 2 + kept * 5);
  const double per_nonzero = (double) info.packed_bytes / (double) info.nnz;
  print_message("qs8 1x4 %zu x %zu, %.1f%% blocks kept: %.3f bytes per nonzero\n", out, in,
                100.0 * (double) kept / (double) (out * in / 4), per_nonzero);
  assert_true(per_nonzero <= 1.3);
  sprig_release_weights(w);
  free(dense);
}

/* The term and quartet streams are derived only for a kernel that reads them, once per weights
 * object, shared by the operators of those weights, counted in the derived bytes and in the
 * weight bytes of an operator that runs such a kernel. */
static void derived_streams_shared_and_counted(void** state) {
  (void) state;
  require_sprig();
  struct rng rng = {17};
  const size_t rows = 96, cols = 300, batch = 49;
  int8_t* dense = malloc(rows * cols);
  assert_non_null(dense);
  fill_int8_sparse(&rng, dense, rows * cols, 0.9, false);
  struct quant qu = make_quant(&rng, rows, cols, 3, -4, false, true);
  sprig_weights_t w = NULL;
  assert_int_equal(sprig_pack_weights_qs8(rows, cols, dense, NULL, 0, &w), sprig_status_success);
  sprig_operator_t op1 = NULL, op2 = NULL;
  assert_int_equal(sprig_create_linear_from_weights_qs8(w, 3, qu.q.input_scale, qu.weight_scales, qu.bias, -4,
                                                        qu.q.output_scale, -128, 127, 0, &op1),
                   sprig_status_success);
  assert_int_equal(sprig_create_linear_from_weights_qs8(w, 3, qu.q.input_scale, qu.weight_scales, qu.bias, -4,
                                                        qu.q.output_scale, -128, 127, 0, &op2),
                   sprig_status_success);
  assert_int_equal(sprig_reshape_linear_qs8(op1, batch), sprig_status_success);
  assert_int_equal(sprig_reshape_linear_qs8(op2, batch), sprig_status_success);
  const struct sprig_qs8_spmm_ukernel* kernel = NULL;
  for (size_t i = 0; i < sprig_qs8_spmm_ukernel_count; i++) {
    if (strcmp(sprig_qs8_spmm_ukernels[i].name, sprig_operator_kernel_name(op1)) == 0) {
      kernel = &sprig_qs8_spmm_ukernels[i];
    }
  }
  assert_non_null(kernel);
  const struct sprig_qs8_stream* stream = atomic_load(&w->qs8_stream);
  const struct sprig_qs8_terms* terms = atomic_load(&w->qs8_terms);
  const struct sprig_qs8_quartets* quartets = atomic_load(&w->qs8_quartets);
  assert_non_null(stream);
  size_t layout = sprig_qs8_stream_bytes(stream);
  if (kernel->layout == sprig_qs8_spmm_layout_quartets) {
    assert_null(terms);
    assert_non_null(quartets);
    assert_ptr_equal(sprig_weights_qs8_quartets(w), quartets);
    assert_int_equal(sprig_weights_derived_bytes(w),
                     sprig_qs8_stream_bytes(stream) + sprig_qs8_quartets_bytes(quartets));
    layout = sprig_qs8_quartets_bytes(quartets);
  } else if (kernel->layout == sprig_qs8_spmm_layout_terms) {
    assert_null(quartets);
    assert_non_null(terms);
    assert_ptr_equal(sprig_weights_qs8_terms(w), terms); /* built once, then shared */
    assert_int_equal(sprig_weights_derived_bytes(w), sprig_qs8_stream_bytes(stream) + sprig_qs8_terms_bytes(terms));
    layout = sprig_qs8_terms_bytes(terms);
  } else {
    assert_null(terms);
    assert_null(quartets);
    assert_int_equal(sprig_weights_derived_bytes(w), sprig_qs8_stream_bytes(stream));
  }
  const size_t expected = rows * sizeof(float) + layout + rows * (sizeof(float) + sizeof(int32_t));
  assert_int_equal(sprig_operator_weight_bytes(op1), expected);
  assert_int_equal(sprig_operator_weight_bytes(op2), expected);
  sprig_release_weights(w);
  sprig_delete_operator(op1);
  sprig_delete_operator(op2);
  free_quant(&qu);
  free(dense);
}

static void from_weights_shared(void** state) {
  (void) state;
  require_sprig();
  struct rng rng = {9};
  const size_t in = 40, out = 12, batch = 6;
  int8_t weights[40 * 12], input[40 * 6], a[12 * 6], b[12 * 6], expected[12 * 6];
  fill_int8_sparse(&rng, weights, sizeof(weights), 0.7, false);
  fill_int8(&rng, input, sizeof(input), false);
  struct quant qu = make_quant(&rng, out, in, 3, -4, false, true);
  sprig_reference_qs8_linear(batch, in, out, input, weights, &qu.q, expected);
  sprig_weights_t w = NULL;
  assert_int_equal(sprig_pack_weights_qs8(out, in, weights, NULL, 0, &w), sprig_status_success);
  sprig_operator_t op1 = NULL, op2 = NULL, f32_op = NULL;
  assert_int_equal(sprig_create_linear_from_weights_qs8(w, 3, qu.q.input_scale, qu.weight_scales, qu.bias, -4,
                                                        qu.q.output_scale, -128, 127, 0, &op1),
                   sprig_status_success);
  assert_int_equal(sprig_create_linear_from_weights_qs8(w, 3, qu.q.input_scale, qu.weight_scales, qu.bias, -4,
                                                        qu.q.output_scale, -128, 127, 0, &op2),
                   sprig_status_success);
  /* f32 operators refuse int8 weights. */
  assert_int_equal(sprig_create_linear_from_weights_f32(w, NULL, -INFINITY, INFINITY, 0, &f32_op),
                   sprig_status_invalid_parameter);
  assert_null(f32_op);
  sprig_release_weights(w);
  assert_int_equal(sprig_reshape_linear_qs8(op1, batch), sprig_status_success);
  assert_int_equal(sprig_reshape_linear_qs8(op2, batch), sprig_status_success);
  assert_int_equal(sprig_setup_linear_qs8(op1, input, a), sprig_status_success);
  assert_int_equal(sprig_setup_linear_qs8(op2, input, b), sprig_status_success);
  assert_int_equal(sprig_run_operator(op1, NULL), sprig_status_success);
  assert_int_equal(sprig_run_operator(op2, NULL), sprig_status_success);
  assert_int8_equal(a, expected, sizeof(a), "from weights, operator 1");
  assert_int8_equal(b, expected, sizeof(b), "from weights, operator 2");
  assert_true(sprig_operator_weight_bytes(op1) > 0);
  sprig_delete_operator(op1);
  sprig_delete_operator(op2);
  /* qs8 operators refuse f32 weights. */
  float dense[4] = {1.0f, 0.0f, 2.0f, 3.0f};
  sprig_weights_t wf = NULL;
  assert_int_equal(sprig_pack_weights_f32(2, 2, dense, NULL, 0, &wf), sprig_status_success);
  const float scales[2] = {1.0f, 1.0f};
  sprig_operator_t q = NULL;
  assert_int_equal(sprig_create_linear_from_weights_qs8(wf, 0, 1.0f, scales, NULL, 0, 1.0f, -128, 127, 0, &q),
                   sprig_status_invalid_parameter);
  assert_int_equal(sprig_create_linear_from_weights_qd8_f32(wf, scales, NULL, -INFINITY, INFINITY, 0, &q),
                   sprig_status_invalid_parameter);
  assert_null(q);
  sprig_release_weights(wf);
  free_quant(&qu);
}

/* ---- refusals ---- */

static void refusals(void** state) {
  (void) state;
  require_sprig();
  const int8_t weights[6] = {1, 0, -3, 4, 0, 6};
  const float scales[3] = {0.01f, 0.02f, 0.03f};
  const float bad_scales[3] = {0.01f, 0.0f, 0.03f};
  const float nan_scales[3] = {0.01f, NAN, 0.03f};
  sprig_operator_t op = (sprig_operator_t) (uintptr_t) 0x1234;
  const sprig_operator_t untouched = op;
#define REFUSE(call, status)                 \
  do {                                       \
    assert_int_equal((call), (status));      \
    assert_ptr_equal(op, untouched);         \
  } while (0)
  REFUSE(sprig_create_linear_qs8(2, 3, 0, 1.0f, NULL, scales, NULL, 0, 1.0f, -128, 127, NULL, 0, &op),
         sprig_status_invalid_parameter);
  REFUSE(sprig_create_linear_qs8(2, 3, 0, 1.0f, weights, NULL, NULL, 0, 1.0f, -128, 127, NULL, 0, &op),
         sprig_status_invalid_parameter);
  REFUSE(sprig_create_linear_qs8(2, 3, 0, 1.0f, weights, bad_scales, NULL, 0, 1.0f, -128, 127, NULL, 0, &op),
         sprig_status_invalid_parameter);
  REFUSE(sprig_create_linear_qs8(2, 3, 0, 1.0f, weights, nan_scales, NULL, 0, 1.0f, -128, 127, NULL, 0, &op),
         sprig_status_invalid_parameter);
  REFUSE(sprig_create_linear_qs8(2, 3, 0, 0.0f, weights, scales, NULL, 0, 1.0f, -128, 127, NULL, 0, &op),
         sprig_status_invalid_parameter);
  REFUSE(sprig_create_linear_qs8(2, 3, 0, 1.0f, weights, scales, NULL, 0, INFINITY, -128, 127, NULL, 0, &op),
         sprig_status_invalid_parameter);
  REFUSE(sprig_create_linear_qs8(2, 3, 0, 1e30f, weights, scales, NULL, 0, 1e-30f, -128, 127, NULL, 0, &op),
         sprig_status_invalid_parameter); /* the requantization scale overflows */
  REFUSE(sprig_create_linear_qs8(2, 3, 0, 1.0f, weights, scales, NULL, 0, 1.0f, 5, 4, NULL, 0, &op),
         sprig_status_invalid_parameter);
  REFUSE(sprig_create_linear_qs8(0, 3, 0, 1.0f, weights, scales, NULL, 0, 1.0f, -128, 127, NULL, 0, &op),
         sprig_status_invalid_parameter);
  REFUSE(sprig_create_linear_qs8(2, 3, 0, 1.0f, weights, scales, NULL, 0, 1.0f, -128, 127, NULL, 0x100, &op),
         sprig_status_invalid_parameter);
  const struct sprig_sparsity bad_nm = {.format = SPRIG_FORMAT_NM, .n = 1, .m = 2};
  REFUSE(sprig_create_linear_qs8(2, 3, 0, 1.0f, weights, scales, NULL, 0, 1.0f, -128, 127, &bad_nm, 0, &op),
         sprig_status_invalid_weights); /* row 1 holds 2 nonzeros in a run of 2 */
  assert_int_equal(sprig_create_linear_qs8(2, 3, 0, 1.0f, weights, scales, NULL, 0, 1.0f, -128, 127, NULL, 0, NULL),
                   sprig_status_invalid_parameter);
  REFUSE(sprig_create_linear_qd8_f32(2, 3, weights, scales, NULL, 1.0f, 0.0f, NULL, 0, &op),
         sprig_status_invalid_parameter);
  REFUSE(sprig_create_linear_qd8_f32(2, 3, weights, bad_scales, NULL, 0.0f, 1.0f, NULL, 0, &op),
         sprig_status_invalid_parameter);
  REFUSE(sprig_create_linear_from_weights_qs8(NULL, 0, 1.0f, scales, NULL, 0, 1.0f, -128, 127, 0, &op),
         sprig_status_invalid_parameter);
  const struct sprig_conv2d_params bad_conv = CONV(0, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 3);
  REFUSE(sprig_create_conv2d_nchw_qs8(&bad_conv, 0, 1.0f, weights, scales, NULL, 0, 1.0f, -128, 127, NULL, 0, &op),
         sprig_status_invalid_parameter);
  REFUSE(sprig_create_conv2d_nchw_qs8(NULL, 0, 1.0f, weights, scales, NULL, 0, 1.0f, -128, 127, NULL, 0, &op),
         sprig_status_invalid_parameter);

  /* Lifecycle and shape refusals on a valid operator. */
  sprig_operator_t lin = NULL, conv = NULL, f32 = NULL;
  assert_int_equal(sprig_create_linear_qs8(2, 3, 0, 1.0f, weights, scales, NULL, 0, 1.0f, -128, 127, NULL, 0, &lin),
                   sprig_status_success);
  int8_t in[8] = {0}, outbuf[12];
  assert_int_equal(sprig_setup_linear_qs8(lin, in, outbuf), sprig_status_invalid_state);
  assert_int_equal(sprig_run_operator(lin, NULL), sprig_status_invalid_state);
  assert_int_equal(sprig_reshape_linear_qs8(lin, 0), sprig_status_invalid_parameter);
  assert_int_equal(sprig_reshape_linear_qs8(lin, SIZE_MAX / 2), sprig_status_invalid_parameter);
  assert_int_equal(sprig_reshape_linear_qs8(lin, 4), sprig_status_success);
  assert_int_equal(sprig_setup_linear_qs8(lin, NULL, outbuf), sprig_status_invalid_parameter);
  assert_int_equal(sprig_setup_linear_qs8(lin, in, (int8_t*) in), sprig_status_invalid_parameter);
  assert_int_equal(sprig_reshape_linear_qd8_f32(lin, 4), sprig_status_invalid_parameter); /* wrong type */
  assert_int_equal(sprig_reshape_conv2d_nchw_qs8(lin, 1, 2, 2, NULL, NULL), sprig_status_invalid_parameter);
  const float fw[6] = {1, 0, 2, 0, 3, 0};
  assert_int_equal(sprig_create_linear_f32(2, 3, fw, NULL, NULL, -INFINITY, INFINITY, 0, &f32), sprig_status_success);
  assert_int_equal(sprig_reshape_linear_qs8(f32, 1), sprig_status_invalid_parameter);
  const struct sprig_conv2d_params c3 = CONV(3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1);
  const int8_t cw[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  assert_int_equal(sprig_create_conv2d_nchw_qs8(&c3, 0, 1.0f, cw, scales, NULL, 0, 1.0f, -128, 127, NULL, 0, &conv),
                   sprig_status_success);
  size_t oh = 77;
  assert_int_equal(sprig_reshape_conv2d_nchw_qs8(conv, 1, 2, 2, &oh, NULL), sprig_status_invalid_parameter);
  assert_int_equal(oh, 77);
  assert_int_equal(sprig_reshape_conv2d_nchw_qs8(conv, 0, 5, 5, NULL, NULL), sprig_status_invalid_parameter);
  sprig_delete_operator(conv);
  sprig_delete_operator(f32);
  sprig_delete_operator(lin);
#undef REFUSE
}

/* Serialized qs8 weights (every format) load back to operators whose outputs are bitwise equal. */
static void serialized_round_trip(void** state) {
  (void) state;
  require_sprig();
  struct rng rng = {21};
  const size_t in = 64, out = 16, batch = 5;
  int8_t weights[64 * 16], input[64 * 5], a[16 * 5], b[16 * 5];
  fill_int8(&rng, input, sizeof(input), false);
  for (size_t f = 0; f < FORMATS; f++) {
    fill_int8_sparse(&rng, weights, sizeof(weights), 0.75, false);
    struct quant qu = make_quant(&rng, out, in, -3, 2, false, true);
    sprig_weights_t w = NULL, loaded = NULL;
    assert_int_equal(sprig_pack_weights_qs8(out, in, weights, &formats[f], SPRIG_FLAG_PRUNE, &w), sprig_status_success);
    size_t size = 0;
    assert_int_equal(sprig_serialize_weights(w, NULL, 0, &size), sprig_status_success);
    void* blob = malloc(size);
    assert_non_null(blob);
    assert_int_equal(sprig_serialize_weights(w, blob, size, &size), sprig_status_success);
    assert_int_equal(sprig_deserialize_weights(blob, size, 0, &loaded), sprig_status_success);
    free(blob);
    sprig_weights_t both[2] = {w, loaded};
    int8_t* outputs[2] = {a, b};
    for (size_t k = 0; k < 2; k++) {
      sprig_operator_t op = NULL;
      assert_int_equal(sprig_create_linear_from_weights_qs8(both[k], -3, qu.q.input_scale, qu.weight_scales, qu.bias,
                                                            2, qu.q.output_scale, -128, 127, 0, &op),
                       sprig_status_success);
      assert_int_equal(sprig_reshape_linear_qs8(op, batch), sprig_status_success);
      assert_int_equal(sprig_setup_linear_qs8(op, input, outputs[k]), sprig_status_success);
      assert_int_equal(sprig_run_operator(op, NULL), sprig_status_success);
      sprig_delete_operator(op);
    }
    assert_int8_equal(b, a, sizeof(a), "qs8 weights after a serialization round trip");
    sprig_release_weights(loaded);
    sprig_release_weights(w);
    free_quant(&qu);
  }
}

/* A pointwise, a 3x3 and a depthwise convolution and a qd8 linear layer share one workspace,
 * each planned and run once in turn (later plans grow it: the operators run before must follow
 * it), then all run twice, the workspace spoiled before every run: outputs equal those of the
 * same operators on their own buffers. A run while another operator holds the workspace is
 * refused with nothing written, and so is a reshape that must grow it; a changed workspace needs
 * a new reshape; the operators keep the workspace alive after the creator's release. */
static void workspace_shared_by_operators(void** state) {
  (void) state;
  require_sprig();
  enum { C = 24, H = 13, W = 11, IN = 200, OUT = 48, BATCH = 9 };
  struct rng rng = {77};
  int8_t pw_weights[C * C], conv_weights[C * C * 9], dw_weights[C * 9];
  fill_int8_sparse(&rng, pw_weights, sizeof(pw_weights), 0.8, false);
  fill_int8_sparse(&rng, conv_weights, sizeof(conv_weights), 0.8, false);
  fill_int8_sparse(&rng, dw_weights, sizeof(dw_weights), 0.0, false);
  int8_t* lin_weights = malloc(IN * OUT);
  float* lin_input = malloc(IN * BATCH * sizeof(float));
  float lin_scales[OUT], lin_bias[OUT];
  int8_t* image = malloc(C * H * W);
  assert_true(lin_weights != NULL && lin_input != NULL && image != NULL);
  fill_int8_sparse(&rng, lin_weights, IN * OUT, 0.9, false);
  fill_random(&rng, lin_input, IN * BATCH);
  fill_int8(&rng, image, C * H * W, false);
  for (size_t o = 0; o < OUT; o++) {
    lin_scales[o] = 0.01f;
    lin_bias[o] = rng_float(&rng);
  }
  struct quant qu = make_quant(&rng, C, C * 9, 3, -2, false, true);
  const struct sprig_conv2d_params params[3] = {
      CONV(1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, C, C),
      CONV(3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, C, C),
      CONV(3, 3, 1, 1, 1, 1, 1, 1, 1, 1, C, 1, 1),
  };
  const int8_t* conv_sets[3] = {pw_weights, conv_weights, dw_weights};
  sprig_workspace_t workspace = NULL;
  assert_int_equal(sprig_create_workspace(&workspace), sprig_status_success);
  assert_int_equal(sprig_workspace_bytes(workspace), 0);
  int8_t* outputs[2][3];
  float* lin_outputs[2];
  for (size_t shared = 0; shared < 2; shared++) {
    sprig_operator_t ops[4];
    for (size_t k = 0; k < 3; k++) {
      assert_int_equal(sprig_create_conv2d_nchw_qs8(&params[k], 3, qu.q.input_scale, conv_sets[k], qu.weight_scales,
                                                    qu.bias, -2, qu.q.output_scale, -128, 127, &formats[0], 0,
                                                    &ops[k]),
                       sprig_status_success);
    }
    assert_int_equal(sprig_create_linear_qd8_f32(IN, OUT, lin_weights, lin_scales, lin_bias, -INFINITY, INFINITY,
                                                 &formats[0], 0, &ops[3]),
                     sprig_status_success);
    for (size_t k = 0; k < 3; k++) {
      outputs[shared][k] = malloc(C * H * W);
      assert_non_null(outputs[shared][k]);
    }
    lin_outputs[shared] = malloc(OUT * BATCH * sizeof(float));
    assert_non_null(lin_outputs[shared]);
    /* Roughly smallest scratch first, each run once right after its plan (so that the next plans
     * move the memory under the operators run before). */
    const size_t order[4] = {3, 2, 1, 0};
    size_t grown = 0;
    for (size_t i = 0; i < 4; i++) {
      const size_t k = order[i];
      if (shared) {
        assert_int_equal(sprig_set_operator_workspace(ops[k], workspace), sprig_status_success);
      }
      if (k == 3) {
        assert_int_equal(sprig_reshape_linear_qd8_f32(ops[k], BATCH), sprig_status_success);
        assert_int_equal(sprig_setup_linear_qd8_f32(ops[k], lin_input, lin_outputs[shared]), sprig_status_success);
      } else {
        assert_int_equal(sprig_reshape_conv2d_nchw_qs8(ops[k], 1, H, W, NULL, NULL), sprig_status_success);
        assert_int_equal(sprig_setup_conv2d_nchw_qs8(ops[k], image, outputs[shared][k]), sprig_status_success);
      }
      if (shared) {
        assert_true(sprig_workspace_bytes(workspace) >= grown);
        grown = sprig_workspace_bytes(workspace);
        fill_garbage(i, workspace->data, workspace->bytes);
      }
      assert_int_equal(sprig_run_operator(ops[k], NULL), sprig_status_success);
    }
    assert_true(!shared || grown > 0);
    for (size_t round = 0; round < 2; round++) {
      for (size_t k = 0; k < 4; k++) {
        if (shared) {
          fill_garbage(10 * round + k, workspace->data, workspace->bytes);
        }
        assert_int_equal(sprig_run_operator(ops[k], NULL), sprig_status_success);
      }
    }
    if (shared) {
      /* Another run holds the workspace: refused, the output untouched. */
      atomic_store(&workspace->running, true);
      int8_t before[C * H * W];
      memcpy(before, outputs[1][0], sizeof(before));
      fill_garbage(99, outputs[1][0], sizeof(before));
      memcpy(before, outputs[1][0], sizeof(before));
      assert_int_equal(sprig_run_operator(ops[0], NULL), sprig_status_invalid_state);
      assert_memory_equal(outputs[1][0], before, sizeof(before));
      /* and a reshape that must grow it is refused, one that fits is not. */
      assert_int_equal(sprig_reshape_linear_qd8_f32(ops[3], 64 * BATCH), sprig_status_invalid_state);
      assert_int_equal(sprig_reshape_linear_qd8_f32(ops[3], BATCH), sprig_status_success);
      atomic_store(&workspace->running, false);
      assert_int_equal(sprig_release_workspace(workspace), sprig_status_success); /* the operators keep it */
      /* Back to its own buffers: reshape and setup again first. */
      assert_int_equal(sprig_set_operator_workspace(ops[0], NULL), sprig_status_success);
      assert_int_equal(sprig_run_operator(ops[0], NULL), sprig_status_invalid_state);
      assert_int_equal(sprig_reshape_conv2d_nchw_qs8(ops[0], 1, H, W, NULL, NULL), sprig_status_success);
      assert_int_equal(sprig_setup_conv2d_nchw_qs8(ops[0], image, outputs[1][0]), sprig_status_success);
      assert_int_equal(sprig_run_operator(ops[0], NULL), sprig_status_success);
    }
    for (size_t k = 0; k < 4; k++) {
      sprig_delete_operator(ops[k]);
    }
  }
  for (size_t k = 0; k < 3; k++) {
    const size_t count = k == 1 ? C * 7 * 6 : C * H * W;
    assert_int8_equal(outputs[1][k], outputs[0][k], count, "a convolution in a shared workspace");
    free(outputs[0][k]);
    free(outputs[1][k]);
  }
  assert_float_bits_equal(lin_outputs[1], lin_outputs[0], OUT * BATCH, "qd8 in a shared workspace");
  free(lin_outputs[0]);
  free(lin_outputs[1]);
  free_quant(&qu);
  free(image);
  free(lin_input);
  free(lin_weights);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(linear_qs8_every_format),
      cmocka_unit_test(linear_qs8_bridged_blocks),
      cmocka_unit_test(linear_qs8_overflow_prone),
      cmocka_unit_test(linear_qs8_saturating_scales),
      cmocka_unit_test(conv_qs8_shapes),
      cmocka_unit_test(conv_qs8_depthwise),
      cmocka_unit_test(conv_qs8_formats),
      cmocka_unit_test(linear_qd8),
      cmocka_unit_test(batch1_takes_sliced_rows),
      cmocka_unit_test(batch1_spread_rows_take_slices),
      cmocka_unit_test(batch1_large_layers_take_slices),
      cmocka_unit_test(packed_bytes_per_nonzero),
      cmocka_unit_test(derived_streams_shared_and_counted),
      cmocka_unit_test(from_weights_shared),
      cmocka_unit_test(refusals),
      cmocka_unit_test(serialized_round_trip),
      cmocka_unit_test(workspace_shared_by_operators),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
