/*
 * The f16 operators (linear f16, conv2d_nchw f16) through the public API against the
 * double-precision reference (kernels/reference/f16.c), within the error bound include/sprig.h
 * gives for both accumulation modes; outputs bitwise equal on pools of 0 (serial), 1, 2, 3 and 4
 * threads; every format; non-finite inputs; packing, sharing and serialization; which kernels
 * run (f32 ones in wide mode, where the f16 kernels would widen in software); and every refusal
 * (status, nothing written).
 */
#include "test-util.h"

#include <reference/reference.h>
#include <sprig/config.h>
#include <sprig/f16-stream.h>
#include <sprig/operator.h>
#include <sprig/half.h>
#include <sprig/sellmv.h>
#include <sprig/weights.h>

static const size_t pools[] = {0, 1, 2, 3, 4};
#define POOLS (sizeof(pools) / sizeof(pools[0]))

/* ---- random data ---- */

/* About `sparsity` of the entries zero (+0 or -0); nonzeros uniform in [-1, 1) as halves. */
static void fill_half_sparse(struct rng* rng, uint16_t* data, size_t count, double sparsity) {
  for (size_t i = 0; i < count; i++) {
    if ((double) rng_next(rng) / 2147483648.0 < sparsity) {
      data[i] = (rng_next(rng) & 1) ? 0x8000u : 0x0000u;
      continue;
    }
    uint16_t h = sprig_float_to_half(rng_float(rng));
    data[i] = (h & 0x7FFFu) == 0 ? 0x3C00u : h;
  }
}

static void fill_half(struct rng* rng, uint16_t* data, size_t count) {
  fill_half_sparse(rng, data, count, 0.0);
  for (size_t i = 0; i < count; i += 7) {
    data[i] = 0; /* some zeros in the activations too */
  }
}

/* Every output within the reference's tolerance (NaN where it expects NaN, the same infinity
 * where it expects one). */
static void assert_within(const uint16_t* actual, const double* expected, const double* tolerance, size_t count,
                          const char* what) {
  for (size_t i = 0; i < count; i++) {
    const double y = sprig_half_to_float(actual[i]);
    const bool ok = isnan(expected[i])   ? isnan(y)
                    : isinf(expected[i]) ? y == expected[i]
                                         : fabs(y - expected[i]) <= tolerance[i];
    if (!ok) {
      fail_msg("%s: element %zu: got %.9g (0x%04x), expected %.9g within %.3g", what, i, y, (unsigned) actual[i],
               expected[i], tolerance[i]);
    }
  }
}

static void assert_bits_equal(const uint16_t* actual, const uint16_t* expected, size_t count, const char* what) {
  for (size_t i = 0; i < count; i++) {
    if (actual[i] != expected[i]) {
      fail_msg("%s: element %zu: 0x%04x, the serial run gave 0x%04x", what, i, (unsigned) actual[i],
               (unsigned) expected[i]);
    }
  }
}

static const struct sprig_sparsity formats[] = {
    {.format = SPRIG_FORMAT_CSR},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 4},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 4, .block_cols = 1},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 8, .block_cols = 1},
    {.format = SPRIG_FORMAT_NM, .n = 2, .m = 4},
    {.format = SPRIG_FORMAT_GROUP, .group = 4},
    {.format = SPRIG_FORMAT_AUTO},
};
#define FORMATS (sizeof(formats) / sizeof(formats[0]))

static bool format_fits(const struct sprig_sparsity* f, size_t rows) {
  return f->format != SPRIG_FORMAT_GROUP || f->group <= rows;
}

/* N:M: prunes the test's own copy the way packing does, so that the reference sees the same. */
static void prune_like_packing(size_t rows, size_t cols, uint16_t* weights, const struct sprig_sparsity* pattern) {
  if (pattern->format != SPRIG_FORMAT_NM) {
    return;
  }
  float* image = malloc(rows * cols * sizeof(float));
  assert_non_null(image);
  for (size_t i = 0; i < rows * cols; i++) {
    image[i] = sprig_half_to_float(weights[i]);
  }
  assert_int_equal(sprig_prune_f32(rows, cols, image, pattern, 0.0f, NULL), sprig_status_success);
  for (size_t i = 0; i < rows * cols; i++) {
    weights[i] = sprig_float_to_half(image[i]);
  }
  free(image);
}

/* Runs `op` (reshaped by `reshape` before each run) on every pool: the serial output within
 * the bound, the others bitwise equal to it. */
typedef enum sprig_status (*reshape_setup_fn)(sprig_operator_t op, const void* context, const uint16_t* input,
                                              uint16_t* output);

static void run_on_pools(sprig_operator_t op, reshape_setup_fn prepare, const void* context, const uint16_t* input,
                         size_t out_count, const double* expected, const double* tolerance, const char* what) {
  uint16_t* serial = malloc(out_count * sizeof(uint16_t));
  uint16_t* actual = malloc(out_count * sizeof(uint16_t));
  assert_true(serial != NULL && actual != NULL);
  char message[300];
  for (size_t p = 0; p < POOLS; p++) {
    pthreadpool_t pool = make_pool(pools[p]);
    memset(actual, 0x55, out_count * sizeof(uint16_t));
    assert_int_equal(prepare(op, context, input, actual), sprig_status_success);
    assert_int_equal(sprig_run_operator(op, pool), sprig_status_success);
    snprintf(message, sizeof(message), "%s, pool %zu, kernel %s", what, pools[p], sprig_operator_kernel_name(op));
    if (p == 0) {
      assert_within(actual, expected, tolerance, out_count, message);
      memcpy(serial, actual, out_count * sizeof(uint16_t));
    } else {
      assert_bits_equal(actual, serial, out_count, message);
    }
    if (pool != NULL) {
      pthreadpool_destroy(pool);
    }
  }
  free(actual);
  free(serial);
}

/* ---- linear ---- */

struct linear_case {
  size_t in, out, batch;
  double sparsity;
  bool bias;
  float output_min, output_max;
};

static enum sprig_status prepare_linear(sprig_operator_t op, const void* context, const uint16_t* input,
                                        uint16_t* output) {
  const struct linear_case* c = context;
  const enum sprig_status status = sprig_reshape_linear_f16(op, c->batch);
  return status != sprig_status_success ? status : sprig_setup_linear_f16(op, input, output);
}

static void run_linear(const struct linear_case* c, const struct sprig_sparsity* pattern, uint64_t seed,
                       const uint16_t* given_input) {
  struct rng rng = {seed};
  uint16_t* weights = malloc(c->in * c->out * sizeof(uint16_t));
  uint16_t* input = malloc(c->in * c->batch * sizeof(uint16_t));
  uint16_t* bias = malloc(c->out * sizeof(uint16_t));
  double* expected = malloc(c->out * c->batch * sizeof(double));
  double* tolerance = malloc(c->out * c->batch * sizeof(double));
  assert_true(weights != NULL && input != NULL && bias != NULL && expected != NULL && tolerance != NULL);
  fill_half_sparse(&rng, weights, c->in * c->out, c->sparsity);
  if (given_input != NULL) {
    memcpy(input, given_input, c->in * c->batch * sizeof(uint16_t));
  } else {
    fill_half(&rng, input, c->in * c->batch);
  }
  fill_half(&rng, bias, c->out);
  prune_like_packing(c->out, c->in, weights, pattern);
  const uint16_t* b = c->bias ? bias : NULL;
  sprig_reference_f16_linear(c->batch, c->in, c->out, input, weights, b, c->output_min, c->output_max, expected,
                             tolerance);
  sprig_operator_t op = NULL;
  const uint32_t flags = pattern->format == SPRIG_FORMAT_NM ? SPRIG_FLAG_PRUNE : 0;
  assert_int_equal(sprig_create_linear_f16(c->in, c->out, weights, b, pattern, c->output_min, c->output_max, flags, &op),
                   sprig_status_success);
  assert_non_null(sprig_operator_kernel_name(op));
  char what[160];
  snprintf(what, sizeof(what), "linear f16 %zux%zu batch %zu sparsity %.2f, format %d", c->in, c->out, c->batch,
           c->sparsity, (int) pattern->format);
  run_on_pools(op, prepare_linear, c, input, c->out * c->batch, expected, tolerance, what);
  sprig_delete_operator(op);
  free(tolerance);
  free(expected);
  free(bias);
  free(input);
  free(weights);
}

static const struct linear_case linear_cases[] = {
    {1, 1, 1, 0.0, true, -INFINITY, INFINITY},
    {3, 5, 1, 0.5, true, -INFINITY, INFINITY},
    {7, 9, 2, 0.5, false, -INFINITY, INFINITY},
    {64, 32, 5, 0.9, true, -INFINITY, INFINITY},
    {130, 17, 33, 0.7, false, -0.25f, 0.5f},
    {300, 64, 1, 0.9, true, -INFINITY, INFINITY},
    {256, 40, 100, 0.9, true, 0.0f, 6.0f},
    {33, 40, 3, 1.0, true, -INFINITY, INFINITY},
    {20, 24, 9, 0.0, true, -INFINITY, INFINITY},
    {1, 13, 7, 0.0, true, -1.0f, 1.0f},
    {600, 3, 1, 0.98, false, -INFINITY, INFINITY}, /* long gaps: CSR bridges */
    {8192, 9, 2, 0.9995, true, -INFINITY, INFINITY}, /* longer: block column-gap bridges */
};

static void linear_every_format(void** state) {
  (void) state;
  require_sprig();
  uint64_t seed = 1;
  for (size_t i = 0; i < sizeof(linear_cases) / sizeof(linear_cases[0]); i++) {
    for (size_t f = 0; f < FORMATS; f++) {
      if (format_fits(&formats[f], linear_cases[i].out)) {
        run_linear(&linear_cases[i], &formats[f], seed++, NULL);
      }
    }
  }
}

/* NaN and +-Inf inputs with dense weights: NaN, Inf and finite outputs as a dense product. */
static void linear_non_finite_inputs(void** state) {
  (void) state;
  require_sprig();
  const struct linear_case c = {24, 10, 6, 0.0, true, -INFINITY, INFINITY};
  struct rng rng = {77};
  uint16_t input[24 * 6];
  fill_half(&rng, input, 24 * 6);
  for (size_t i = 0; i < 24 * 6; i++) {
    input[i] = input[i] == 0 ? 0x3800u : input[i]; /* no zero meets an infinity */
  }
  input[3] = 0x7E00u;                    /* row 0: NaN */
  input[24 + 5] = 0x7C00u;               /* row 1: +Inf */
  input[48 + 1] = 0xFC00u;               /* row 2: -Inf */
  input[72 + 2] = 0x7C00u;               /* row 3: +Inf and -Inf */
  input[72 + 9] = 0xFC00u;
  input[96 + 4] = 0x7BFFu;               /* row 4: the largest half (finite) */
  run_linear(&c, &formats[0], 78, input);
  run_linear(&c, &formats[1], 79, input);
  /* Clamped: infinities come out as the bounds. */
  const struct linear_case clamped = {24, 10, 6, 0.0, true, -2.0f, 3.0f};
  run_linear(&clamped, &formats[0], 80, input);
}

/* ---- conv ---- */

struct conv_case {
  struct sprig_conv2d_params p;
  size_t batch, height, width;
  double sparsity;
  bool nhwc;
};

static size_t out_size(size_t in, uint32_t before, uint32_t after, uint32_t k, uint32_t d, uint32_t s) {
  return (in + before + after - d * (k - 1) - 1) / s + 1;
}

static enum sprig_status prepare_conv(sprig_operator_t op, const void* context, const uint16_t* input,
                                      uint16_t* output) {
  const struct conv_case* c = context;
  const enum sprig_status status = sprig_reshape_conv2d_nchw_f16(op, c->batch, c->height, c->width, NULL, NULL);
  return status != sprig_status_success ? status : sprig_setup_conv2d_nchw_f16(op, input, output);
}

static void run_conv(const struct conv_case* c, const struct sprig_sparsity* pattern, uint64_t seed) {
  struct rng rng = {seed};
  const struct sprig_conv2d_params* p = &c->p;
  const size_t rows = p->groups * p->output_channels;
  const size_t cols = p->input_channels * p->kernel_height * p->kernel_width;
  const size_t channels = p->groups * p->input_channels;
  const size_t oh = out_size(c->height, p->padding_top, p->padding_bottom, p->kernel_height, p->dilation_height,
                             p->stride_height);
  const size_t ow = out_size(c->width, p->padding_left, p->padding_right, p->kernel_width, p->dilation_width,
                             p->stride_width);
  const size_t in_count = c->batch * channels * c->height * c->width, out_count = c->batch * rows * oh * ow;
  uint16_t* weights = malloc(rows * cols * sizeof(uint16_t));
  uint16_t* input = malloc(in_count * sizeof(uint16_t));
  uint16_t bias[64];
  double* expected = malloc(out_count * sizeof(double));
  double* tolerance = malloc(out_count * sizeof(double));
  assert_true(weights != NULL && input != NULL && expected != NULL && tolerance != NULL && rows <= 64);
  fill_half_sparse(&rng, weights, rows * cols, c->sparsity);
  fill_half(&rng, input, in_count);
  fill_half(&rng, bias, rows);
  prune_like_packing(rows, cols, weights, pattern);
  const struct sprig_reference_conv2d shape = {
      c->batch, c->height, c->width, p->input_channels, p->output_channels, p->groups,
      p->kernel_height, p->kernel_width, p->stride_height, p->stride_width, p->dilation_height, p->dilation_width,
      p->padding_top, p->padding_left, oh, ow};
  sprig_reference_f16_conv2d_nchw(&shape, c->nhwc, input, weights, bias, -INFINITY, INFINITY, expected, tolerance);
  sprig_operator_t op = NULL;
  const uint32_t flags =
      (c->nhwc ? SPRIG_FLAG_INPUT_NHWC : 0) | (pattern->format == SPRIG_FORMAT_NM ? SPRIG_FLAG_PRUNE : 0);
  assert_int_equal(sprig_create_conv2d_nchw_f16(p, weights, bias, pattern, -INFINITY, INFINITY, flags, &op),
                   sprig_status_success);
  size_t got_h = 0, got_w = 0;
  assert_int_equal(sprig_reshape_conv2d_nchw_f16(op, c->batch, c->height, c->width, &got_h, &got_w),
                   sprig_status_success);
  assert_int_equal(got_h, oh);
  assert_int_equal(got_w, ow);
  char what[200];
  snprintf(what, sizeof(what), "conv f16 %ux%u s%u d%u g%u %zu->%zu on %zux%zu%s, format %d",
           (unsigned) p->kernel_height, (unsigned) p->kernel_width, (unsigned) p->stride_height,
           (unsigned) p->dilation_height, (unsigned) p->groups, p->input_channels, p->output_channels, c->height,
           c->width, c->nhwc ? " NHWC" : "", (int) pattern->format);
  run_on_pools(op, prepare_conv, c, input, out_count, expected, tolerance, what);
  sprig_delete_operator(op);
  free(tolerance);
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
    {CONV(1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 16, 24), 2, 7, 9, 0.8, false},      /* pointwise: planes copied */
    {CONV(1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 8, 12), 2, 16, 16, 0.5, false},     /* pointwise, whole lines: no copy */
    {CONV(1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2, 8, 6), 2, 15, 20, 0.5, false},      /* ... grouped, in place on threads */
    {CONV(3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 5, 8), 1, 6, 7, 0.6, false},       /* 3x3 same */
    {CONV(3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 8, 12), 2, 9, 8, 0.5, false},      /* stride 2 */
    {CONV(5, 3, 1, 2, 2, 1, 2, 0, 1, 3, 1, 3, 5), 1, 11, 10, 0.3, false},     /* dilation, asymmetric */
    {CONV(3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, 4, 6), 1, 5, 5, 0.5, false},       /* groups */
    {CONV(1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 3, 4, 5), 2, 6, 5, 0.5, false},       /* grouped pointwise: planes < a line */
    {CONV(3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 8, 1, 2), 1, 6, 6, 0.0, false},       /* depthwise x2 */
    {CONV(3, 3, 2, 2, 1, 1, 0, 1, 1, 0, 3, 1, 1), 2, 7, 7, 0.0, false},       /* depthwise s2 TF-SAME */
    {CONV(3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 3, 8), 1, 9, 9, 0.5, true},        /* NHWC first layer */
    {CONV(1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 6, 4), 1, 4, 5, 0.5, true},        /* NHWC pointwise: copied */
    {CONV(1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 7, 3), 1, 1, 1, 0.5, false},       /* 1x1 map */
    {CONV(3, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 6, 4), 1, 9, 1, 0.5, false},       /* width 1 */
    {CONV(2, 2, 3, 3, 1, 1, 2, 2, 2, 2, 1, 4, 4), 1, 5, 5, 0.5, false},       /* stride > kernel, padding >= kernel */
    {CONV(3, 3, 3, 3, 1, 1, 0, 2, 1, 0, 1, 3, 4), 1, 5, 1, 0.0, false},       /* a stride phase right of the input */
    {CONV(1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 32, 40), 1, 23, 29, 0.9, false},   /* several pixel tiles */
    {CONV(1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 9, 7), 1, 5, 5, 1.0, false},       /* all zero */
};

static void conv_shapes(void** state) {
  (void) state;
  require_sprig();
  for (size_t i = 0; i < sizeof(conv_cases) / sizeof(conv_cases[0]); i++) {
    run_conv(&conv_cases[i], &formats[0], 10 + i);
  }
}

static void conv_formats(void** state) {
  (void) state;
  require_sprig();
  for (size_t f = 0; f < FORMATS; f++) {
    run_conv(&conv_cases[0], &formats[f], 50 + f);
    run_conv(&conv_cases[2], &formats[f], 60 + f);
  }
}

/* Whether a linear layer at `batch` (beside the matrix-vector plans) runs in wide mode: always
 * where the f16 kernels widen in software (scalar, NEON without fp16 arithmetic, WebAssembly);
 * unless they sum in half precision, below batch 16, and at every batch for weights whose output
 * channels come in blocks (src/operators/f16.c). */
static bool runs_wide(size_t batch, bool channel_blocks) {
  const enum sprig_isa isa = sprig_choose_f16_spmm_ukernel(sprig_get_hardware())->isa;
  return isa == sprig_isa_scalar || isa == sprig_isa_neonfma || isa == sprig_isa_wasmsimd ||
         ((batch < 16 || channel_blocks) && isa != sprig_isa_neonfp16arith && isa != sprig_isa_avx512fp16);
}

static bool is_sellmv(const char* kernel_name) {
  return strncmp(kernel_name, "sprig_f32_sellmv_", 17) == 0;
}

/* Two linear operators of one weights object (no bias, no clamp). */
static void create_two_linear(sprig_weights_t w, sprig_operator_t ops[2]) {
  for (size_t k = 0; k < 2; k++) {
    assert_int_equal(sprig_create_linear_from_weights_f16(w, NULL, -INFINITY, INFINITY, 0, &ops[k]),
                     sprig_status_success);
  }
}

/* Runs both operators on one input, deletes them, and checks their `count` outputs bitwise equal. */
static void run_two_and_compare(sprig_operator_t ops[2], size_t batch, const uint16_t* input, size_t count,
                                const char* what) {
  uint16_t* outputs[2] = {malloc(count * sizeof(uint16_t)), malloc(count * sizeof(uint16_t))};
  assert_non_null(outputs[0]);
  assert_non_null(outputs[1]);
  for (size_t k = 0; k < 2; k++) {
    assert_int_equal(sprig_reshape_linear_f16(ops[k], batch), sprig_status_success);
    assert_int_equal(sprig_setup_linear_f16(ops[k], input, outputs[k]), sprig_status_success);
    assert_int_equal(sprig_run_operator(ops[k], NULL), sprig_status_success);
    sprig_delete_operator(ops[k]);
  }
  assert_bits_equal(outputs[1], outputs[0], count, what);
  free(outputs[0]);
  free(outputs[1]);
}

/* ---- weights ---- */

static void packed_bytes_and_sharing(void** state) {
  (void) state;
  require_sprig();
  struct rng rng = {5};
  enum { in = 96, out = 20, batch = 3 };
  uint16_t weights[in * out], input[in * batch];
  fill_half_sparse(&rng, weights, in * out, 0.8);
  fill_half(&rng, input, in * batch);
  sprig_weights_t w = NULL;
  assert_int_equal(sprig_pack_weights_f16(out, in, weights, NULL, 0, &w), sprig_status_success);
  struct sprig_weights_info info;
  assert_int_equal(sprig_get_weights_info(w, &info), sprig_status_success);
  size_t nonzeros = 0;
  for (size_t i = 0; i < in * out; i++) {
    nonzeros += (weights[i] & 0x7FFFu) != 0;
  }
  assert_int_equal(info.nnz, nonzeros);
  assert_int_equal(info.packed_bytes, (out + 1) * sizeof(uint32_t) + info.stored_values * 3);
  /* 1x4 blocks: 4 halves and a 1-byte column gap per block, a 2-byte block count per row. */
  const struct sprig_sparsity b14 = {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 4};
  sprig_weights_t blocks = NULL;
  assert_int_equal(sprig_pack_weights_f16(out, in, weights, &b14, 0, &blocks), sprig_status_success);
  struct sprig_weights_info block_info;
  assert_int_equal(sprig_get_weights_info(blocks, &block_info), sprig_status_success);
  assert_int_equal(block_info.nnz, nonzeros);
  assert_int_equal(block_info.packed_bytes, out * sizeof(uint16_t) + block_info.stored_values / 4 * 9);
  sprig_release_weights(blocks);
  sprig_operator_t ops[2] = {NULL, NULL};
  create_two_linear(w, ops);
  sprig_release_weights(w); /* the operators hold their own references */
  for (size_t k = 0; k < 2; k++) {
    assert_int_equal(sprig_reshape_linear_f16(ops[k], 5), sprig_status_success); /* an SpMM plan: the stream */
  }
  assert_int_equal(sprig_operator_weight_bytes(ops[0]), sprig_operator_weight_bytes(ops[1]));
  assert_true(sprig_operator_weight_bytes(ops[0]) >= info.stored_values * 3);
  run_two_and_compare(ops, batch, input, out * batch, "two operators of one weights object");
}

/* Serialized f16 weights (every format) load back to operators whose outputs are bitwise equal. */
static void serialized_round_trip(void** state) {
  (void) state;
  require_sprig();
  struct rng rng = {21};
  enum { in = 64, out = 16, batch = 5 };
  uint16_t weights[in * out], input[in * batch], bias[out], a[out * batch], b[out * batch];
  fill_half(&rng, input, in * batch);
  fill_half(&rng, bias, out);
  for (size_t f = 0; f < FORMATS; f++) {
    fill_half_sparse(&rng, weights, in * out, 0.75);
    sprig_weights_t w = NULL, loaded = NULL;
    assert_int_equal(sprig_pack_weights_f16(out, in, weights, &formats[f], SPRIG_FLAG_PRUNE, &w), sprig_status_success);
    size_t size = 0;
    assert_int_equal(sprig_serialize_weights(w, NULL, 0, &size), sprig_status_success);
    void* blob = malloc(size);
    assert_non_null(blob);
    assert_int_equal(sprig_serialize_weights(w, blob, size, &size), sprig_status_success);
    for (size_t borrow = 0; borrow < 2; borrow++) {
      assert_int_equal(sprig_deserialize_weights(blob, size, borrow ? SPRIG_FLAG_BORROW_BUFFER : 0, &loaded),
                       sprig_status_success);
      struct sprig_weights_info x, y;
      assert_int_equal(sprig_get_weights_info(w, &x), sprig_status_success);
      assert_int_equal(sprig_get_weights_info(loaded, &y), sprig_status_success);
      assert_int_equal(x.packed_bytes, y.packed_bytes);
      assert_int_equal(x.stored_values, y.stored_values);
      sprig_weights_t both[2] = {w, loaded};
      uint16_t* outputs[2] = {a, b};
      for (size_t k = 0; k < 2; k++) {
        sprig_operator_t op = NULL;
        assert_int_equal(sprig_create_linear_from_weights_f16(both[k], bias, -INFINITY, INFINITY, 0, &op),
                         sprig_status_success);
        assert_int_equal(sprig_reshape_linear_f16(op, batch), sprig_status_success);
        assert_int_equal(sprig_setup_linear_f16(op, input, outputs[k]), sprig_status_success);
        assert_int_equal(sprig_run_operator(op, NULL), sprig_status_success);
        sprig_delete_operator(op);
      }
      assert_bits_equal(b, a, out * batch, "f16 weights after a serialization round trip");
      sprig_release_weights(loaded);
    }
    free(blob);
    sprig_release_weights(w);
  }
}

/* ---- refusals ---- */

/* Linear layers run f32 kernels (wide mode) where runs_wide says, else the f16 kernels: CSR,
 * 2:4 and 2x1 block weights at batches 5 and 20 (at 5, CSR may run the windowed sliced rows,
 * directly or in wide mode). */
static void kernels_by_isa(void** state) {
  (void) state;
  require_sprig();
  const struct sprig_f16_spmm_ukernel* chosen = sprig_choose_f16_spmm_ukernel(sprig_get_hardware());
  uint16_t weights[6 * 8] = {0};
  for (size_t i = 0; i < 6 * 8; i += 3) {
    weights[i] = 0x3C00u; /* 1.0 */
  }
  static const struct {
    struct sprig_sparsity pattern;
    const char* name;
    const char* wide_kernel;
  } variants[] = {
      {{.format = SPRIG_FORMAT_CSR}, "CSR", "sprig_f32_spmm_"},
      {{.format = SPRIG_FORMAT_NM, .n = 2, .m = 4}, "2:4", "sprig_f32_nmspm"}, /* nmspmm or nmspmv */
      {{.format = SPRIG_FORMAT_BLOCK, .block_rows = 2, .block_cols = 1}, "2x1 block", "sprig_f32_spmm_"},
  };
  for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
    const bool channel_blocks = variants[v].pattern.format == SPRIG_FORMAT_BLOCK;
    sprig_operator_t op = NULL;
    assert_int_equal(sprig_create_linear_f16(8, 6, weights, NULL, &variants[v].pattern, -INFINITY, INFINITY,
                                             SPRIG_FLAG_PRUNE, &op),
                     sprig_status_success);
    const size_t batches[] = {5, 20};
    for (size_t b = 0; b < 2; b++) {
      assert_int_equal(sprig_reshape_linear_f16(op, batches[b]), sprig_status_success);
      const char* name = sprig_operator_kernel_name(op);
      assert_non_null(name);
      const char* expected = runs_wide(batches[b], channel_blocks) ? variants[v].wide_kernel : "sprig_f16_spmm_";
      /* Below batch 16, the windowed sliced-row kernel where the ISA has one: CSR layers run it
       * directly, wide mode's f32 operator on its CSR copy. */
      const bool windowed = (runs_wide(batches[b], channel_blocks) || variants[v].pattern.format == SPRIG_FORMAT_CSR) &&
                            batches[b] < 16 && strstr(name, "_sellmv_") != NULL;
      if (strncmp(name, expected, strlen(expected)) != 0 && !windowed) {
        fail_msg("f16 kernel %s chosen, %s weights, batch %zu: expected a %s... kernel, the operator runs %s",
                 chosen->name, variants[v].name, batches[b], expected, name);
      }
    }
    sprig_delete_operator(op);
  }
}

/* Wide mode's float copy of the weights (the weights of its f32 operators) is made by the first
 * wide plan (not at create, not for the matrix-vector plan), once per weights object: two
 * operators of one weights object share it, and it is counted once in the weights' derived
 * bytes. The f16 stream is made by the first plan that runs f16 SpMM tiles, and only then. */
static void wide_copy_shared(void** state) {
  (void) state;
  require_sprig();
  struct rng rng = {23};
  enum { in = 40, out = 12, batch = 7 };
  uint16_t weights[in * out], input[in * batch];
  fill_half(&rng, input, in * batch);
  fill_half_sparse(&rng, weights, in * out, 0.7);
  sprig_weights_t w = NULL;
  assert_int_equal(sprig_pack_weights_f16(out, in, weights, NULL, 0, &w), sprig_status_success);
  sprig_operator_t ops[2] = {NULL, NULL};
  create_two_linear(w, ops);
  assert_null(atomic_load(&w->f16_stream));
  assert_null(atomic_load(&w->f16_float_view));
  for (size_t k = 0; k < 2; k++) {
    assert_int_equal(sprig_reshape_linear_f16(ops[k], 1), sprig_status_success);
  }
  if (is_sellmv(sprig_operator_kernel_name(ops[0]))) {
    /* the matrix-vector plan reads the sliced layout only */
    assert_null(atomic_load(&w->f16_stream));
    assert_null(atomic_load(&w->f16_float_view));
  }
  /* Batch 20: f16 tiles (the stream) unless batch 20 runs wide. */
  assert_int_equal(sprig_reshape_linear_f16(ops[0], 20), sprig_status_success);
  assert_true((atomic_load(&w->f16_stream) != NULL) == !runs_wide(20, false));
  for (size_t k = 0; k < 2; k++) {
    assert_int_equal(sprig_reshape_linear_f16(ops[k], batch), sprig_status_success);
  }
  const struct sprig_f16_stream* stream = atomic_load(&w->f16_stream);
  struct sprig_weights* view = atomic_load(&w->f16_float_view);
  size_t sliced_bytes = 0; /* the batch-1 plan's layout, when it took one */
  for (size_t k = 0; k < SPRIG_SELL_KINDS; k++) {
    const struct sprig_sell* sell = atomic_load(&w->sells[k]);
    sliced_bytes += sell != NULL ? sprig_sell_bytes(sell) : 0;
  }
  const size_t stream_bytes = stream != NULL ? sprig_f16_stream_bytes(stream) : 0;
  /* CSR below batch 16 runs the windowed sliced-row kernel where the ISA has one, not wide mode. */
  if (runs_wide(batch, false) && !is_sellmv(sprig_operator_kernel_name(ops[0]))) {
    assert_non_null(view);
    assert_ptr_equal(sprig_weights_f16_float_view(w), view);
    assert_int_equal(view->dtype, sprig_weights_dtype_f32);
    assert_int_equal(view->nnz, w->nnz);
    assert_string_equal(sprig_operator_kernel_name(ops[0]), sprig_operator_kernel_name(ops[1]));
    assert_int_equal(sprig_weights_derived_bytes(w), stream_bytes + sprig_packed_bytes(view) +
                                                         sprig_weights_derived_bytes(view) + sliced_bytes);
    assert_true(sprig_operator_weight_bytes(ops[0]) >= sprig_weights_derived_bytes(view));
  } else {
    assert_null(view);
    assert_int_equal(sprig_weights_derived_bytes(w), stream_bytes + sliced_bytes);
  }
  sprig_release_weights(w);
  run_two_and_compare(ops, batch, input, out * batch, "two operators of one weights object");
}

/* N:M weights in wide mode keep their runs: the float copy is N:M (values widened, same
 * indices) and the f32 operator runs the N:M kernels, as an f32 layer of those weights does;
 * the f16 stream and the sliced layout still get a CSR copy of their own. */
static void wide_nm_keeps_runs(void** state) {
  (void) state;
  require_sprig();
  enum { in = 64, out = 16, batch = 5 };
  if (!runs_wide(batch, false)) {
    skip();
  }
  struct rng rng = {29};
  uint16_t weights[in * out];
  fill_half_sparse(&rng, weights, in * out, 0.5);
  const struct sprig_sparsity nm = {.format = SPRIG_FORMAT_NM, .n = 2, .m = 4};
  sprig_weights_t w = NULL;
  assert_int_equal(sprig_pack_weights_f16(out, in, weights, &nm, SPRIG_FLAG_PRUNE, &w), sprig_status_success);
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_linear_from_weights_f16(w, NULL, -INFINITY, INFINITY, 0, &op), sprig_status_success);
  assert_int_equal(sprig_reshape_linear_f16(op, batch), sprig_status_success);
  const char* name = sprig_operator_kernel_name(op);
  if (strncmp(name, "sprig_f32_nmspm", 15) != 0) { /* the N:M SpMM or matrix-times-vectors kernels */
    fail_msg("2:4 weights at batch %d in wide mode run %s, not an f32 N:M kernel", (int) batch, name);
  }
  const struct sprig_weights* view = atomic_load(&w->f16_float_view);
  assert_non_null(view);
  assert_int_equal(view->pattern.format, SPRIG_FORMAT_NM);
  assert_int_equal(view->dtype, sprig_weights_dtype_f32);
  assert_int_equal(view->nnz, w->nnz);
  assert_int_equal(view->stored_values, w->stored_values);
  for (size_t i = 0; i < w->stored_values; i++) {
    assert_int_equal(view->nm_indices[i], w->nm_indices[i]);
    assert_true(view->nm_values[i] == sprig_half_to_float(w->nm_values_f16[i]));
  }
  struct sprig_weights* csr = sprig_f16_float_csr_view(w);
  assert_non_null(csr);
  assert_int_equal(csr->pattern.format, SPRIG_FORMAT_CSR);
  sprig_release_weights(csr);
  sprig_delete_operator(op);
  sprig_release_weights(w);
}

/* What kind of kernel a linear layer runs: the f32 sliced rows, a 1 x C block matrix-vector
 * kernel (either precision) or another (SpMM tiles). */
enum kernel_kind { kind_sliced_rows, kind_row_blocks, kind_other };

static enum kernel_kind kind_of(const char* kernel_name) {
  return is_sellmv(kernel_name) ? kind_sliced_rows : strstr(kernel_name, "_bspmv_") != NULL ? kind_row_blocks : kind_other;
}

/* The kind of kernel an f32 linear layer of the same weights (as floats, packed with `pattern`)
 * runs at `batch`. */
static enum kernel_kind f32_layer_kind(size_t in, size_t out, const uint16_t* weights,
                                       const struct sprig_sparsity* pattern, size_t batch) {
  float* image = malloc(in * out * sizeof(float));
  assert_non_null(image);
  for (size_t i = 0; i < in * out; i++) {
    image[i] = sprig_half_to_float(weights[i]);
  }
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_linear_f32(in, out, image, NULL, pattern, -INFINITY, INFINITY, 0, &op),
                   sprig_status_success);
  assert_int_equal(sprig_reshape_linear_f32(op, batch), sprig_status_success);
  const enum kernel_kind kind = kind_of(sprig_operator_kernel_name(op));
  sprig_delete_operator(op);
  free(image);
  return kind;
}

/* Linear layers at small batches run what the f32 layer of the same nonzeros runs there: 1 x 4
 * and 1 x 8 blocks a block matrix-vector kernel below batch 8 (f16-bspmv on the halves, or
 * f32-bspmv on widened blocks where halves widen in software); CSR and other blocks the f32
 * matrix-vector kernel on a sliced layout of their nonzeros exactly where an f32 CSR layer of
 * those nonzeros does (batches 1-3, rows that pad little in slices); the others the SpMM
 * kernels. Outputs within the bound either way. */
static void matvec_routing(void** state) {
  (void) state;
  require_sprig();
  struct rng rng = {29};
  enum { in = 203, out = 37, most = 9 };
  static uint16_t weights[in * out], ragged[in * out], input[in * most], bias[out], actual[out * most];
  static double expected[out * most], tolerance[out * most];
  /* Every row holds 20 nonzeros (slices pad nothing); `ragged` rows hold 1 or 60. */
  for (size_t o = 0; o < out; o++) {
    for (size_t k = 0; k < 20; k++) {
      fill_half_sparse(&rng, &weights[o * in + (o * 7 + k * 10) % in], 1, 0.0);
    }
    const size_t count = o % 2 == 0 ? 1 : 60;
    for (size_t k = 0; k < count; k++) {
      fill_half_sparse(&rng, &ragged[o * in + (o + k * 3) % in], 1, 0.0);
    }
  }
  fill_half(&rng, input, in * most);
  fill_half(&rng, bias, out);
  const struct sprig_sparsity csr = {.format = SPRIG_FORMAT_CSR};
  const struct sprig_sparsity b14 = {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 4};
  const struct sprig_sparsity b18 = {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 8};
  const struct sprig_sparsity b41 = {.format = SPRIG_FORMAT_BLOCK, .block_rows = 4, .block_cols = 1};
  const struct {
    const uint16_t* weights;
    const struct sprig_sparsity* pattern;
    const struct sprig_sparsity* f32_pattern; /* the f32 layer whose route the f16 one takes */
  } variants[] = {
      {weights, &csr, &csr}, {weights, &b14, &b14}, {ragged, &csr, &csr}, {ragged, &b18, &b18}, {weights, &b41, &csr},
  };
  for (size_t batch = 1; batch <= most; batch++) {
    for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
      const uint16_t* w = variants[v].weights;
      sprig_operator_t op = NULL;
      assert_int_equal(sprig_create_linear_f16(in, out, w, bias, variants[v].pattern, -2.0f, 3.0f, 0, &op),
                       sprig_status_success);
      assert_int_equal(sprig_reshape_linear_f16(op, batch), sprig_status_success);
      assert_int_equal(sprig_setup_linear_f16(op, input, actual), sprig_status_success);
      assert_int_equal(sprig_run_operator(op, NULL), sprig_status_success);
      const char* name = sprig_operator_kernel_name(op);
      const bool row_blocks = variants[v].pattern->block_rows == 1;
      const enum kernel_kind f32_kind = f32_layer_kind(in, out, w, variants[v].f32_pattern, batch);
      /* From batch 4 an f32 sliced-row kernel is a windowed one (src/operators/path-sell.c): f16
       * layers in wide mode run it wherever their f32 operator (on a float CSR copy, whatever the
       * format) takes the sliced-row path; other f16 layers have none and run the SpMM kernels. */
      const bool f32_windowed = f32_kind == kind_sliced_rows && batch >= 4;
      const bool f16_windowed = kind_of(name) == kind_sliced_rows && batch >= 4;
      const bool kind_ok = kind_of(name) == f32_kind || (f32_windowed && kind_of(name) == kind_other) || f16_windowed;
      const bool sliced_rows_expected = w == weights && (batch < 4 || f32_windowed);
      const bool row_blocks_expected = row_blocks && batch < 8;
      if (!kind_ok || (f32_kind == kind_sliced_rows && !sliced_rows_expected) ||
          (f32_kind == kind_row_blocks) != row_blocks_expected) {
        fail_msg("batch %zu, variant %zu: kernel %s (the f32 layer's kind: %d)", batch, v, name, (int) f32_kind);
      }
      sprig_reference_f16_linear(batch, in, out, input, w, bias, -2.0f, 3.0f, expected, tolerance);
      char what[120];
      snprintf(what, sizeof(what), "batch %zu, variant %zu, kernel %s", batch, v, name);
      assert_within(actual, expected, tolerance, out * batch, what);
      sprig_delete_operator(op);
    }
  }
}

/* Where the windowed kernel takes batches 1-15, the sliced layout is built only by a plan that
 * runs it: not at batch 4 (windowed), then by batch 1 on a layer whose windowed layout exceeds
 * the batch-1 budget (a quarter of L2; src/operators/path-sell.c). Outputs within the bound
 * both ways. */
static void sliced_layout_on_demand(void** state) {
  (void) state;
  require_sprig();
  const struct sprig_hardware* hardware = sprig_get_hardware();
  const struct sprig_f32_sellmv_ukernel* sliced = sprig_sliced_rows_candidate(hardware);
  const struct sprig_f32_sellmv_ukernel* windowed = sprig_f32_sellmv_window_partner(sliced);
  if (windowed == NULL || hardware->l2_bytes > ((size_t) 8 << 20)) {
    skip();
  }
  /* Dense rows of 64 columns: 64 slots a row, about 5 bytes each in the windowed layout. */
  const size_t in = 64, out = hardware->l2_bytes / 4 / 5 / 64 + 40, most = 4;
  struct rng rng = {31};
  uint16_t* weights = malloc(in * out * sizeof(uint16_t));
  uint16_t* input = malloc(in * most * sizeof(uint16_t));
  uint16_t* actual = malloc(out * most * sizeof(uint16_t));
  double* expected = malloc(out * most * sizeof(double));
  double* tolerance = malloc(out * most * sizeof(double));
  assert_true(weights != NULL && input != NULL && actual != NULL && expected != NULL && tolerance != NULL);
  fill_half_sparse(&rng, weights, in * out, 0.0);
  fill_half(&rng, input, in * most);
  const struct sprig_sparsity csr = {.format = SPRIG_FORMAT_CSR};
  sprig_weights_t w = NULL;
  assert_int_equal(sprig_pack_weights_f16(out, in, weights, &csr, 0, &w), sprig_status_success);
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_linear_from_weights_f16(w, NULL, -INFINITY, INFINITY, 0, &op), sprig_status_success);
  const size_t batches[] = {most, 1};
  for (size_t i = 0; i < 2; i++) {
    const size_t batch = batches[i];
    assert_int_equal(sprig_reshape_linear_f16(op, batch), sprig_status_success);
    assert_string_equal(sprig_operator_kernel_name(op), batch == 1 ? sliced->name : windowed->name);
    const bool sliced_built = atomic_load(&w->sells[0]) != NULL || atomic_load(&w->sells[1]) != NULL;
    assert_true(sliced_built == (batch == 1));
    assert_non_null(atomic_load(&w->sells[2]));
    assert_int_equal(sprig_setup_linear_f16(op, input, actual), sprig_status_success);
    assert_int_equal(sprig_run_operator(op, NULL), sprig_status_success);
    sprig_reference_f16_linear(batch, in, out, input, weights, NULL, -INFINITY, INFINITY, expected, tolerance);
    assert_within(actual, expected, tolerance, out * batch, sprig_operator_kernel_name(op));
  }
  sprig_delete_operator(op);
  sprig_release_weights(w);
  free(weights);
  free(input);
  free(actual);
  free(expected);
  free(tolerance);
}

static void refusals(void** state) {
  (void) state;
  require_sprig();
  const uint16_t weights[6] = {0x3C00, 0, 0xC000, 0x4400, 0x8000, 0x3800};
  sprig_operator_t op = (sprig_operator_t) (uintptr_t) 0x1234;
  const sprig_operator_t untouched = op;
#define REFUSE(call, status)            \
  do {                                  \
    assert_int_equal((call), (status)); \
    assert_ptr_equal(op, untouched);    \
  } while (0)
  REFUSE(sprig_create_linear_f16(2, 3, NULL, NULL, NULL, -INFINITY, INFINITY, 0, &op), sprig_status_invalid_parameter);
  REFUSE(sprig_create_linear_f16(0, 3, weights, NULL, NULL, -INFINITY, INFINITY, 0, &op),
         sprig_status_invalid_parameter);
  REFUSE(sprig_create_linear_f16(2, 0, weights, NULL, NULL, -INFINITY, INFINITY, 0, &op),
         sprig_status_invalid_parameter);
  REFUSE(sprig_create_linear_f16(2, 3, weights, NULL, NULL, 1.0f, 0.0f, 0, &op), sprig_status_invalid_parameter);
  REFUSE(sprig_create_linear_f16(2, 3, weights, NULL, NULL, NAN, 0.0f, 0, &op), sprig_status_invalid_parameter);
  REFUSE(sprig_create_linear_f16(2, 3, weights, NULL, NULL, -INFINITY, INFINITY, 0x100, &op),
         sprig_status_invalid_parameter);
  const struct sprig_sparsity bad_nm = {.format = SPRIG_FORMAT_NM, .n = 1, .m = 2};
  REFUSE(sprig_create_linear_f16(2, 3, weights, NULL, &bad_nm, -INFINITY, INFINITY, 0, &op),
         sprig_status_invalid_weights); /* row 1 holds 2 nonzeros in a run of 2 */
  const struct sprig_sparsity bad_block = {.format = SPRIG_FORMAT_BLOCK, .block_rows = 3, .block_cols = 1};
  REFUSE(sprig_create_linear_f16(2, 3, weights, NULL, &bad_block, -INFINITY, INFINITY, 0, &op),
         sprig_status_unsupported_parameter);
  assert_int_equal(sprig_create_linear_f16(2, 3, weights, NULL, NULL, -INFINITY, INFINITY, 0, NULL),
                   sprig_status_invalid_parameter);
  REFUSE(sprig_create_linear_from_weights_f16(NULL, NULL, -INFINITY, INFINITY, 0, &op), sprig_status_invalid_parameter);
  const struct sprig_conv2d_params bad_conv = CONV(0, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 3);
  REFUSE(sprig_create_conv2d_nchw_f16(&bad_conv, weights, NULL, NULL, -INFINITY, INFINITY, 0, &op),
         sprig_status_invalid_parameter);
  REFUSE(sprig_create_conv2d_nchw_f16(NULL, weights, NULL, NULL, -INFINITY, INFINITY, 0, &op),
         sprig_status_invalid_parameter);
  uint16_t none[1] = {0x1234};
  assert_int_equal(sprig_pack_weights_f16(2, 3, NULL, NULL, 0, NULL), sprig_status_invalid_parameter);
  sprig_weights_t w16 = NULL, w32 = NULL, w8 = NULL;
  assert_int_equal(sprig_pack_weights_f16(0, 3, weights, NULL, 0, &w16), sprig_status_invalid_parameter);
  assert_null(w16);

  /* The wrong dtype either way. */
  const float fw[6] = {1, 0, 2, 0, 3, 0};
  const int8_t iw[6] = {1, 0, 2, 0, 3, 0};
  const float scales[3] = {1.0f, 1.0f, 1.0f};
  assert_int_equal(sprig_pack_weights_f16(3, 2, weights, NULL, 0, &w16), sprig_status_success);
  assert_int_equal(sprig_pack_weights_f32(3, 2, fw, NULL, 0, &w32), sprig_status_success);
  assert_int_equal(sprig_pack_weights_qs8(3, 2, iw, NULL, 0, &w8), sprig_status_success);
  REFUSE(sprig_create_linear_from_weights_f16(w32, NULL, -INFINITY, INFINITY, 0, &op), sprig_status_invalid_parameter);
  REFUSE(sprig_create_linear_from_weights_f16(w8, NULL, -INFINITY, INFINITY, 0, &op), sprig_status_invalid_parameter);
  REFUSE(sprig_create_linear_from_weights_f32(w16, NULL, -INFINITY, INFINITY, 0, &op), sprig_status_invalid_parameter);
  REFUSE(sprig_create_linear_from_weights_qs8(w16, 0, 1.0f, scales, NULL, 0, 1.0f, -128, 127, 0, &op),
         sprig_status_invalid_parameter);
  const struct sprig_conv2d_params c11 = CONV(1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 2, 3);
  const struct sprig_conv2d_params c12 = CONV(1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 3, 3);
  REFUSE(sprig_create_conv2d_nchw_from_weights_f32(&c11, w16, NULL, -INFINITY, INFINITY, 0, &op),
         sprig_status_invalid_parameter);
  REFUSE(sprig_create_conv2d_nchw_from_weights_f16(&c11, w32, NULL, -INFINITY, INFINITY, 0, &op),
         sprig_status_invalid_parameter);
  REFUSE(sprig_create_conv2d_nchw_from_weights_f16(&c12, w16, NULL, -INFINITY, INFINITY, 0, &op),
         sprig_status_invalid_parameter); /* 3 x 3 needed, the weights are 3 x 2 */
  REFUSE(sprig_create_conv2d_nchw_from_weights_f16(&c11, w16, NULL, -INFINITY, INFINITY, SPRIG_FLAG_PRUNE, &op),
         sprig_status_invalid_parameter);

  /* Lifecycle and shape refusals on valid operators; outputs untouched. */
  sprig_operator_t lin = NULL, conv = NULL, f32 = NULL;
  assert_int_equal(sprig_create_linear_from_weights_f16(w16, NULL, -INFINITY, INFINITY, 0, &lin),
                   sprig_status_success);
  uint16_t in[8] = {0x3C00, 0x3C00, 0x3C00, 0x3C00, 0x3C00, 0x3C00, 0x3C00, 0x3C00}, outbuf[12];
  for (size_t i = 0; i < 12; i++) {
    outbuf[i] = 0xABCD;
  }
  assert_int_equal(sprig_setup_linear_f16(lin, in, outbuf), sprig_status_invalid_state);
  assert_int_equal(sprig_run_operator(lin, NULL), sprig_status_invalid_state);
  assert_int_equal(sprig_reshape_linear_f16(lin, 0), sprig_status_invalid_parameter);
  assert_int_equal(sprig_reshape_linear_f16(lin, SIZE_MAX / 2), sprig_status_invalid_parameter);
  assert_int_equal(sprig_reshape_linear_f16(NULL, 1), sprig_status_invalid_parameter);
  assert_int_equal(sprig_reshape_linear_f16(lin, 4), sprig_status_success);
  assert_int_equal(sprig_setup_linear_f16(lin, NULL, outbuf), sprig_status_invalid_parameter);
  assert_int_equal(sprig_setup_linear_f16(lin, in, NULL), sprig_status_invalid_parameter);
  assert_int_equal(sprig_setup_linear_f16(lin, in, in), sprig_status_invalid_parameter); /* overlap */
  assert_int_equal(sprig_run_operator(lin, NULL), sprig_status_invalid_state);
  for (size_t i = 0; i < 12; i++) {
    assert_int_equal(outbuf[i], 0xABCD);
  }
  assert_int_equal(sprig_reshape_linear_f32(lin, 4), sprig_status_invalid_parameter); /* wrong type */
  assert_int_equal(sprig_reshape_linear_qs8(lin, 4), sprig_status_invalid_parameter);
  assert_int_equal(sprig_reshape_conv2d_nchw_f16(lin, 1, 2, 2, NULL, NULL), sprig_status_invalid_parameter);
  assert_int_equal(sprig_create_linear_f32(2, 3, fw, NULL, NULL, -INFINITY, INFINITY, 0, &f32), sprig_status_success);
  assert_int_equal(sprig_reshape_linear_f16(f32, 1), sprig_status_invalid_parameter);
  const struct sprig_conv2d_params c3 = CONV(3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1);
  const uint16_t cw[9] = {0x3C00, 0x4000, 0x4200, 0x4400, 0x4500, 0x4600, 0x4700, 0x4800, 0x4880};
  assert_int_equal(sprig_create_conv2d_nchw_f16(&c3, cw, NULL, NULL, -INFINITY, INFINITY, 0, &conv),
                   sprig_status_success);
  size_t oh = 77;
  assert_int_equal(sprig_reshape_conv2d_nchw_f16(conv, 1, 2, 2, &oh, NULL), sprig_status_invalid_parameter);
  assert_int_equal(oh, 77);
  assert_int_equal(sprig_reshape_conv2d_nchw_f16(conv, 0, 5, 5, NULL, NULL), sprig_status_invalid_parameter);
  assert_int_equal(sprig_setup_conv2d_nchw_f16(conv, none, none), sprig_status_invalid_state);
  sprig_delete_operator(conv);
  sprig_delete_operator(f32);
  sprig_delete_operator(lin);
  sprig_release_weights(w8);
  sprig_release_weights(w32);
  sprig_release_weights(w16);
#undef REFUSE
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(linear_every_format),
      cmocka_unit_test(linear_non_finite_inputs),
      cmocka_unit_test(conv_shapes),
      cmocka_unit_test(conv_formats),
      cmocka_unit_test(packed_bytes_and_sharing),
      cmocka_unit_test(serialized_round_trip),
      cmocka_unit_test(kernels_by_isa),
      cmocka_unit_test(wide_copy_shared),
      cmocka_unit_test(wide_nm_keeps_runs),
      cmocka_unit_test(matvec_routing),
      cmocka_unit_test(sliced_layout_on_demand),
      cmocka_unit_test(refusals),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
