/* Linear and 1x1 conv2d-nchw operators against dense references, with and without thread pools.
 * Run once with the default kernel choice and once per SPRIG_FORCE_ISA (see CMakeLists.txt). */
#include "test-util.h"

#include <sprig.h>
#include <sprig/bspmv.h>
#include <sprig/config.h>
#include <sprig/nmspmm.h>
#include <sprig/sellmv.h>
#include <sprig/spmm.h>
#include <sprig/tiling.h>
#include <sprig/workspace.h>
#include <reference/reference.h>

/* Whether the family of kernel `name` (f32 SpMM, N:M or 1 x C matrix-vector) lists a kernel of
 * `isa`. */
static bool family_has(const char* name, const char* isa) {
  size_t count = sprig_f32_spmm_ukernel_count;
  if (strstr(name, "_bspmv_") != NULL) {
    count = sprig_f32_bspmv_ukernel_count;
  } else if (strstr(name, "_nmspmm_") != NULL) {
    count = sprig_f32_nmspmm_ukernel_count;
  } else if (strstr(name, "_sellmv_") != NULL) {
    count = sprig_f32_sellmv_ukernel_count;
  }
  for (size_t i = 0; i < count; i++) {
    const char* listed = strstr(name, "_bspmv_") != NULL    ? sprig_f32_bspmv_ukernels[i].name
                         : strstr(name, "_nmspmm_") != NULL ? sprig_f32_nmspmm_ukernels[i].name
                         : strstr(name, "_sellmv_") != NULL ? sprig_f32_sellmv_ukernels[i].name
                                                            : sprig_f32_spmm_ukernels[i].name;
    if (kernel_name_has_isa(listed, isa)) {
      return true;
    }
  }
  return false;
}

/* With SPRIG_FORCE_ISA=x, the chosen kernel must be an x kernel, or one of x's base ISA when its
 * family has no x kernels (wasmrelaxedsimd: the wasmsimd kernels of the other families). */
static void check_kernel_name(sprig_operator_t op) {
  const char* name = sprig_operator_kernel_name(op);
  assert_non_null(name);
  const char* forced = getenv("SPRIG_FORCE_ISA");
  if (forced != NULL && forced[0] != '\0') {
    const char* expected = family_has(name, forced) ? forced : forced_isa_fallback();
    if (!kernel_name_has_isa(name, expected)) {
      fail_msg("SPRIG_FORCE_ISA=%s but the operator runs %s", forced, name);
    }
  }
}

/* Error bounds for out[b][o] = bias[o] + sum_i w[o][i] * x[b][i] (x rows `in` apart). */
static void linear_bounds(size_t batch, size_t in, size_t out, const float* x, const float* w, const float* bias,
                          size_t x_batch_stride, size_t x_feature_stride, size_t out_batch_stride,
                          size_t out_feature_stride, float* bounds) {
  for (size_t b = 0; b < batch; b++) {
    for (size_t o = 0; o < out; o++) {
      double magnitude = bias != NULL ? fabs(bias[o]) : 0.0;
      size_t terms = 0;
      for (size_t i = 0; i < in; i++) {
        magnitude += fabs(w[o * in + i] * x[b * x_batch_stride + i * x_feature_stride]);
        terms += w[o * in + i] != 0.0f;
      }
      bounds[b * out_batch_stride + o * out_feature_stride] = error_bound(terms, magnitude);
    }
  }
}

typedef enum sprig_status (*setup_fn)(sprig_operator_t op, const float* input, float* output);

/* Runs a reshaped operator serially and on pools of 1, 2 and 4 threads: every run must match
 * the reference within bounds, write nothing past the output, and equal the serial run bit
 * for bit. `y` has room for out_count + 8 floats. */
static void check_on_pools(sprig_operator_t op, setup_fn setup, const float* x, float* y, size_t out_count,
                           const float* expected, const float* bounds, const char* what) {
  static const size_t thread_counts[] = {0, 1, 2, 4};
  float* first = malloc(out_count * sizeof(float));
  for (size_t t = 0; t < 4; t++) {
    pthreadpool_t pool = make_pool(thread_counts[t]);
    fill_value(y, out_count + 8, SENTINEL);
    assert_int_equal(setup(op, x, y), sprig_status_success);
    assert_int_equal(sprig_run_operator(op, pool), sprig_status_success);
    char message[256];
    snprintf(message, sizeof(message), "%s threads=%zu kernel=%s", what, thread_counts[t],
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
  free(first);
}

struct linear_case {
  size_t in, out, batch;
  double sparsity;
  int with_bias;
  float lo, hi;
};

static void run_linear_case(const struct linear_case* c, uint64_t seed) {
  struct rng rng = {seed};
  float* w = malloc(c->in * c->out * sizeof(float));
  float* bias = malloc(c->out * sizeof(float));
  float* x = malloc(c->batch * c->in * sizeof(float));
  const size_t out_count = c->batch * c->out;
  float* y = malloc((out_count + 8) * sizeof(float));
  float* expected = malloc(out_count * sizeof(float));
  float* bounds = malloc(out_count * sizeof(float));
  fill_sparse(&rng, w, c->out, c->in, c->sparsity);
  fill_random(&rng, bias, c->out);
  fill_random(&rng, x, c->batch * c->in);
  const float* b = c->with_bias ? bias : NULL;
  sprig_reference_f32_linear(c->batch, c->in, c->out, x, w, b, expected, c->lo, c->hi);
  linear_bounds(c->batch, c->in, c->out, x, w, b, c->in, 1, c->out, 1, bounds);

  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_linear_f32(c->in, c->out, w, b, NULL, c->lo, c->hi, 0, &op), sprig_status_success);
  check_kernel_name(op);
  assert_int_equal(sprig_reshape_linear_f32(op, c->batch), sprig_status_success);
  char what[160];
  snprintf(what, sizeof(what), "linear in=%zu out=%zu batch=%zu sparsity=%.2f", c->in, c->out, c->batch,
           c->sparsity);
  check_on_pools(op, sprig_setup_linear_f32, x, y, out_count, expected, bounds, what);
  assert_int_equal(sprig_delete_operator(op), sprig_status_success);
  free(w);
  free(bias);
  free(x);
  free(y);
  free(expected);
  free(bounds);
}

static void test_linear(void** state) {
  (void) state;
  require_sprig();
  static const size_t shapes[][3] = {{1, 1, 1},   {7, 5, 1},    {1, 9, 4},     {33, 17, 3},
                                     {64, 48, 37}, {300, 20, 2}, {96, 130, 128}, {5, 1, 70}};
  static const double sparsities[] = {0.0, 0.5, 0.9, 1.0};
  uint64_t seed = 100;
  for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
    for (size_t p = 0; p < 4; p++) {
      const int clamp = (int) ((s + p) % 2);
      const struct linear_case c = {shapes[s][0], shapes[s][1], shapes[s][2], sparsities[p], (int) (s % 3 != 1),
                                    clamp ? -0.3f : -INFINITY, clamp ? 0.4f : INFINITY};
      run_linear_case(&c, seed++);
    }
  }
}

struct conv_case {
  size_t cin, cout, batch, height, width;
  double sparsity;
  int with_bias;
  float lo, hi;
};

static void run_conv_case(const struct conv_case* c, uint64_t seed) {
  struct rng rng = {seed};
  const size_t pixels = c->height * c->width;
  const size_t in_count = c->batch * c->cin * pixels;
  const size_t out_count = c->batch * c->cout * pixels;
  float* w = malloc(c->cin * c->cout * sizeof(float));
  float* bias = malloc(c->cout * sizeof(float));
  float* x = malloc(in_count * sizeof(float));
  float* y = malloc((out_count + 8) * sizeof(float));
  float* expected = malloc(out_count * sizeof(float));
  float* bounds = malloc(out_count * sizeof(float));
  fill_sparse(&rng, w, c->cout, c->cin, c->sparsity);
  fill_random(&rng, bias, c->cout);
  fill_random(&rng, x, in_count);
  const float* b = c->with_bias ? bias : NULL;
  const struct sprig_reference_conv2d shape = {
      .batch = c->batch, .height = c->height, .width = c->width, .input_channels = c->cin,
      .output_channels = c->cout, .kernel_height = 1, .kernel_width = 1, .stride_height = 1, .stride_width = 1,
      .dilation_height = 1, .dilation_width = 1, .output_height = c->height, .output_width = c->width};
  sprig_reference_f32_conv2d_nchw(&shape, x, w, b, expected, c->lo, c->hi);
  for (size_t i = 0; i < c->batch; i++) {
    /* Per image: pixels play the batch role, channels are `pixels` floats apart. */
    linear_bounds(pixels, c->cin, c->cout, x + i * c->cin * pixels, w, b, 1, pixels, 1, pixels,
                  bounds + i * c->cout * pixels);
  }

  const struct sprig_conv2d_params params = {
      .kernel_height = 1, .kernel_width = 1, .stride_height = 1, .stride_width = 1, .dilation_height = 1,
      .dilation_width = 1, .groups = 1, .input_channels = c->cin, .output_channels = c->cout};
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_conv2d_nchw_f32(&params, w, b, NULL, c->lo, c->hi, 0, &op), sprig_status_success);
  check_kernel_name(op);
  size_t oh = 0, ow = 0;
  assert_int_equal(sprig_reshape_conv2d_nchw_f32(op, c->batch, c->height, c->width, &oh, &ow), sprig_status_success);
  assert_int_equal(oh, c->height);
  assert_int_equal(ow, c->width);
  char what[200];
  snprintf(what, sizeof(what), "conv1x1 cin=%zu cout=%zu batch=%zu %zux%zu sparsity=%.2f", c->cin, c->cout,
           c->batch, c->height, c->width, c->sparsity);
  check_on_pools(op, sprig_setup_conv2d_nchw_f32, x, y, out_count, expected, bounds, what);
  assert_int_equal(sprig_delete_operator(op), sprig_status_success);
  free(w);
  free(bias);
  free(x);
  free(y);
  free(expected);
  free(bounds);
}

static void test_conv2d_1x1(void** state) {
  (void) state;
  require_sprig();
  static const size_t shapes[][5] = {
      /* cin, cout, batch, height, width */
      {1, 1, 1, 1, 1}, {3, 8, 2, 5, 7}, {32, 16, 1, 13, 13}, {17, 40, 3, 1, 9},
      {64, 24, 1, 23, 23}, {8, 5, 2, 1, 1}, {40, 33, 1, 7, 7}, {1, 70, 1, 3, 11},
      /* 14x14 (112 + 84 pixels on AVX-512; rows copied on one thread, read in place on more);
       * 7x7 and 32x32 rows (short, or 4 KiB apart) are copied on any pool */
      {24, 20, 1, 14, 14}, {16, 8, 2, 32, 32}};
  static const double sparsities[] = {0.0, 0.5, 0.9, 1.0};
  uint64_t seed = 500;
  for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
    for (size_t p = 0; p < 4; p++) {
      const int clamp = (int) ((s + p) % 2);
      const struct conv_case c = {shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][3], shapes[s][4],
                                  sparsities[p], (int) (s % 3 != 2), clamp ? 0.0f : -INFINITY,
                                  clamp ? 6.0f : INFINITY};
      run_conv_case(&c, seed++);
    }
  }
}

/* One packed weight set shared by a linear and a conv operator, released before they run;
 * reshaping again to another size and binding other tensors. */
/* `pattern` NULL: CSR; else pruned to and packed as `pattern`. Batches 1, 5, 9, 2 in turn: with
 * 1x4 blocks the linear operator switches between the matrix-vector and SpMM kernels. */
static void shared_weights_and_reshape(const struct sprig_sparsity* pattern, uint64_t seed) {
  struct rng rng = {seed};
  enum { IN = 26, OUT = 10 };
  float w[OUT * IN];
  fill_sparse(&rng, w, OUT, IN, 0.6);
  if (pattern != NULL) {
    assert_int_equal(sprig_prune_f32(OUT, IN, w, pattern, 0.5f, NULL), sprig_status_success);
  }
  sprig_weights_t packed = NULL;
  assert_int_equal(sprig_pack_weights_f32(OUT, IN, w, pattern, 0, &packed), sprig_status_success);
  struct sprig_weights_info info;
  assert_int_equal(sprig_get_weights_info(packed, &info), sprig_status_success);
  assert_int_equal(info.rows, OUT);
  assert_int_equal(info.cols, IN);
  assert_int_equal(info.pattern.format, pattern != NULL ? pattern->format : SPRIG_FORMAT_CSR);
  sprig_operator_t linear = NULL, conv = NULL;
  assert_int_equal(sprig_create_linear_from_weights_f32(packed, NULL, -INFINITY, INFINITY, 0, &linear),
                   sprig_status_success);
  const struct sprig_conv2d_params params = {1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, IN, OUT};
  assert_int_equal(sprig_create_conv2d_nchw_from_weights_f32(&params, packed, NULL, -INFINITY, INFINITY, 0, &conv),
                   sprig_status_success);
  assert_int_equal(sprig_release_weights(packed), sprig_status_success);

  static const size_t batches[] = {1, 5, 9, 2};
  for (size_t bi = 0; bi < sizeof(batches) / sizeof(batches[0]); bi++) {
    const size_t batch = batches[bi];
    float* x = malloc(batch * IN * sizeof(float));
    float* y = malloc(batch * OUT * sizeof(float));
    float* y_conv = malloc(batch * OUT * sizeof(float));
    float* expected = malloc(batch * OUT * sizeof(float));
    float* bounds = malloc(batch * OUT * sizeof(float));
    fill_random(&rng, x, batch * IN);
    sprig_reference_f32_linear(batch, IN, OUT, x, w, NULL, expected, -INFINITY, INFINITY);
    linear_bounds(batch, IN, OUT, x, w, NULL, IN, 1, OUT, 1, bounds);
    assert_int_equal(sprig_reshape_linear_f32(linear, batch), sprig_status_success);
    assert_int_equal(sprig_setup_linear_f32(linear, x, y), sprig_status_success);
    assert_int_equal(sprig_run_operator(linear, NULL), sprig_status_success);
    assert_close(y, expected, bounds, batch * OUT, "linear from shared weights");
    /* A batch of 1x1 images is the same computation as the linear layer. */
    assert_int_equal(sprig_reshape_conv2d_nchw_f32(conv, batch, 1, 1, NULL, NULL), sprig_status_success);
    assert_int_equal(sprig_setup_conv2d_nchw_f32(conv, x, y_conv), sprig_status_success);
    assert_int_equal(sprig_run_operator(conv, NULL), sprig_status_success);
    assert_close(y_conv, expected, bounds, batch * OUT, "conv from shared weights");
    free(x);
    free(y);
    free(y_conv);
    free(expected);
    free(bounds);
  }
  assert_int_equal(sprig_delete_operator(linear), sprig_status_success);
  assert_int_equal(sprig_delete_operator(conv), sprig_status_success);
}

static void test_shared_weights_and_reshape(void** state) {
  (void) state;
  require_sprig();
  shared_weights_and_reshape(NULL, 900);
  const struct sprig_sparsity blocks_1x4 = {SPRIG_FORMAT_BLOCK, 1, 4, 0, 0, 0};
  shared_weights_and_reshape(&blocks_1x4, 901);
}

/* The caller's own CSR arrays give the same result as the dense matrix they describe,
 * including explicit zeros kept as entries. */
static void test_linear_from_user_csr(void** state) {
  (void) state;
  require_sprig();
  struct rng rng = {1234};
  enum { IN = 19, OUT = 6, BATCH = 5 };
  float w[OUT * IN];
  fill_sparse(&rng, w, OUT, IN, 0.7);
  struct csr a = csr_from_dense(w, OUT, IN);
  if (a.nnz > 0) {
    size_t row = 0;
    while (a.row_ptr[row + 1] == 0) {
      row++;
    }
    a.values[0] = 0.0f; /* explicit zero: stays an entry, contributes nothing */
    w[row * IN + a.col_idx[0]] = 0.0f;
  }
  sprig_weights_t packed = NULL;
  assert_int_equal(sprig_pack_weights_csr_f32(OUT, IN, a.nnz, a.row_ptr, a.col_idx, a.values, 0, &packed),
                   sprig_status_success);
  struct sprig_weights_info info;
  assert_int_equal(sprig_get_weights_info(packed, &info), sprig_status_success);
  assert_int_equal(info.nnz, a.nnz);
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_linear_from_weights_f32(packed, NULL, -INFINITY, INFINITY, 0, &op), sprig_status_success);
  sprig_release_weights(packed);
  float x[BATCH * IN], y[BATCH * OUT], expected[BATCH * OUT], bounds[BATCH * OUT];
  fill_random(&rng, x, BATCH * IN);
  sprig_reference_f32_linear(BATCH, IN, OUT, x, w, NULL, expected, -INFINITY, INFINITY);
  linear_bounds(BATCH, IN, OUT, x, w, NULL, IN, 1, OUT, 1, bounds);
  assert_int_equal(sprig_reshape_linear_f32(op, BATCH), sprig_status_success);
  assert_int_equal(sprig_setup_linear_f32(op, x, y), sprig_status_success);
  assert_int_equal(sprig_run_operator(op, NULL), sprig_status_success);
  assert_close(y, expected, bounds, BATCH * OUT, "linear from user CSR");
  sprig_delete_operator(op);
  csr_free(&a);
}

/* CSR stores column gaps in a byte and bridges longer gaps with stored zeros: rows whose
 * nonzeros are hundreds of columns apart (and one starting past column 255) must give the
 * dense result on the matrix-vector path (batch 1-3) and the SpMM path (batch >= 4). */
static void test_csr_long_column_gaps(void** state) {
  (void) state;
  require_sprig();
  enum { IN = 1500, OUT = 7 };
  static const size_t columns[OUT][4] = {{0, 700, 1499, 0}, {1499, 0, 0, 0}, {0, 0, 0, 0}, {255, 256, 511, 1020},
                                         {254, 1000, 1001, 0}, {3, 4, 5, 6}, {300, 0, 0, 0}};
  static const size_t counts[OUT] = {3, 1, 0, 4, 3, 4, 1};
  struct rng rng = {4321};
  float* w = calloc(IN * OUT, sizeof(float));
  size_t nnz = 0;
  for (size_t r = 0; r < OUT; r++) {
    for (size_t j = 0; j < counts[r]; j++) {
      w[r * IN + columns[r][j]] = rng_float(&rng) + 2.0f; /* never zero */
      nnz++;
    }
  }
  const struct sprig_sparsity csr = {.format = SPRIG_FORMAT_CSR};
  sprig_weights_t packed = NULL;
  assert_int_equal(sprig_pack_weights_f32(OUT, IN, w, &csr, 0, &packed), sprig_status_success);
  struct sprig_weights_info info;
  assert_int_equal(sprig_get_weights_info(packed, &info), sprig_status_success);
  assert_int_equal(info.nnz, nnz);
  /* Bridges (gap - 1) / 255: row 0 gaps 700, 799 (2 + 3), row 1 1500 (5), row 3 256, 509 (1 + 1),
   * row 4 746 (2), row 6 301 (1). */
  assert_int_equal(info.stored_values, nnz + 15);
  assert_int_equal(info.packed_bytes, (OUT + 1) * sizeof(uint32_t) + info.stored_values * (sizeof(float) + 1));
  float bias[OUT];
  fill_random(&rng, bias, OUT);
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_linear_from_weights_f32(packed, bias, -INFINITY, INFINITY, 0, &op),
                   sprig_status_success);
  sprig_release_weights(packed);
  enum { MAX_BATCH = 9 };
  float* x = malloc(MAX_BATCH * IN * sizeof(float));
  float y[MAX_BATCH * OUT + 8], expected[MAX_BATCH * OUT], bounds[MAX_BATCH * OUT];
  fill_random(&rng, x, MAX_BATCH * IN);
  static const size_t batches[] = {1, 3, 4, 9};
  for (size_t b = 0; b < sizeof(batches) / sizeof(batches[0]); b++) {
    const size_t batch = batches[b];
    sprig_reference_f32_linear(batch, IN, OUT, x, w, bias, expected, -INFINITY, INFINITY);
    linear_bounds(batch, IN, OUT, x, w, bias, IN, 1, OUT, 1, bounds);
    char what[80];
    snprintf(what, sizeof(what), "CSR long gaps, batch %zu", batch);
    assert_int_equal(sprig_reshape_linear_f32(op, batch), sprig_status_success);
    check_on_pools(op, sprig_setup_linear_f32, x, y, batch * OUT, expected, bounds, what);
  }
  sprig_delete_operator(op);
  free(x);
  free(w);
}

/* Output-channel blocks (rows in groups of 4 sharing one column pattern) select a kernel with
 * NR > 1; leftover rows (out % 4) and all-zero blocks must still be right, on any pool. */
static void test_channel_blocks(void** state) {
  (void) state;
  require_sprig();
  static const size_t shapes[][3] = {{37, 18, 5}, {64, 64, 1}, {13, 7, 33}, {100, 9, 128}};
  uint64_t seed = 2000;
  for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
    const size_t in = shapes[s][0], out = shapes[s][1], batch = shapes[s][2];
    struct rng rng = {seed++};
    float* w = malloc(in * out * sizeof(float));
    float* mask = malloc(in * sizeof(float));
    float* bias = malloc(out * sizeof(float));
    float* x = malloc(batch * in * sizeof(float));
    float* y = malloc((batch * out + 8) * sizeof(float));
    float* expected = malloc(batch * out * sizeof(float));
    float* bounds = malloc(batch * out * sizeof(float));
    for (size_t r = 0; r < out; r++) {
      if (r % 4 == 0) {
        fill_sparse(&rng, mask, 1, in, r == 4 ? 1.0 : 0.8); /* block 1 is all zero */
      }
      for (size_t c = 0; c < in; c++) {
        w[r * in + c] = mask[c] != 0.0f ? rng_float(&rng) + 2.0f : 0.0f;
      }
    }
    fill_random(&rng, bias, out);
    fill_random(&rng, x, batch * in);
    sprig_reference_f32_linear(batch, in, out, x, w, bias, expected, -INFINITY, INFINITY);
    linear_bounds(batch, in, out, x, w, bias, in, 1, out, 1, bounds);
    sprig_operator_t op = NULL;
    assert_int_equal(sprig_create_linear_f32(in, out, w, bias, NULL, -INFINITY, INFINITY, 0, &op),
                     sprig_status_success);
    check_kernel_name(op);
    if (strstr(sprig_operator_kernel_name(op), "x1__") != NULL) {
      fail_msg("channel blocks of 4 should select an NR > 1 kernel, got %s", sprig_operator_kernel_name(op));
    }
    assert_int_equal(sprig_reshape_linear_f32(op, batch), sprig_status_success);
    check_on_pools(op, sprig_setup_linear_f32, x, y, batch * out, expected, bounds, "channel blocks");
    sprig_delete_operator(op);
    free(w);
    free(mask);
    free(bias);
    free(x);
    free(y);
    free(expected);
    free(bounds);
  }
}

struct format_case {
  const char* name;
  struct sprig_sparsity pattern;
  float target;          /* pruning target (N:M: 0, the pattern fixes it) */
  const char* kernel;    /* a substring the chosen kernel's name must contain */
};

static const struct format_case format_cases[] = {
    {"csr", {SPRIG_FORMAT_CSR, 0, 0, 0, 0, 0}, 0.7f, "_spmm_"},
    {"block1x4", {SPRIG_FORMAT_BLOCK, 1, 4, 0, 0, 0}, 0.6f, "x1__"},
    {"block1x8", {SPRIG_FORMAT_BLOCK, 1, 8, 0, 0, 0}, 0.6f, "x1__"},
    {"block2x2", {SPRIG_FORMAT_BLOCK, 2, 2, 0, 0, 0}, 0.6f, "x2__"},
    {"block4x1", {SPRIG_FORMAT_BLOCK, 4, 1, 0, 0, 0}, 0.5f, "x4__"},
    {"block8x1", {SPRIG_FORMAT_BLOCK, 8, 1, 0, 0, 0}, 0.5f, "x4__"},
    {"block4x4", {SPRIG_FORMAT_BLOCK, 4, 4, 0, 0, 0}, 0.5f, "x4__"},
    {"group2", {SPRIG_FORMAT_GROUP, 0, 0, 0, 0, 2}, 0.6f, "x2__"},
    {"group4", {SPRIG_FORMAT_GROUP, 0, 0, 0, 0, 4}, 0.3f, "x4__"},
    {"group8", {SPRIG_FORMAT_GROUP, 0, 0, 0, 0, 8}, 0.8f, "x4__"},
    {"nm2:4", {SPRIG_FORMAT_NM, 0, 0, 2, 4, 0}, 0.0f, "_nmspmm_"},
    {"nm1:4", {SPRIG_FORMAT_NM, 0, 0, 1, 4, 0}, 0.0f, "_nmspmm_"},
    {"nm2:8", {SPRIG_FORMAT_NM, 0, 0, 2, 8, 0}, 0.0f, "_nmspmm_"},
    {"nm4:8", {SPRIG_FORMAT_NM, 0, 0, 4, 8, 0}, 0.0f, "_nmspmm_"},
};

/* Whether a kernel name is a SIMD matrix-vector (one-pixel) SpMM kernel or N:M matrix-times-vectors
 * kernel. */
static int is_simd_matvec(const char* name) {
  return (strstr(name, "_ukernel_1x1__") != NULL || strstr(name, "_nmspmv_") != NULL) &&
         strstr(name, "__scalar") == NULL;
}

/* Batches below this run on the kernel of batch 1 when that is a SIMD matrix-vector kernel
 * `batch1`: 5 (row by row); for the N:M matrix-times-vectors kernels on these short rows (four
 * vectors per call, src/operators/path-nm.c) 8 / 6 / 4 with AVX-512 / AVX2 / others on patterns
 * at least half dense, else 5 / 4 / 4. */
static size_t row_by_row_below(const char* batch1, const struct sprig_sparsity* pattern) {
  if (strstr(batch1, "_nmspmv_") == NULL) {
    return 5;
  }
  const bool avx512 = strstr(batch1, "__avx512f") != NULL;
  if (2 * pattern->n < pattern->m) {
    return avx512 ? 5 : 4;
  }
  return avx512 ? 8 : strstr(batch1, "__avx2") != NULL ? 6 : 4;
}

/* The structured format reaches its own kernel: an NR-block SpMM kernel for blocks along
 * output channels and groups, the N:M family for N:M. Only when the rows are many enough.
 * Batches of 2-4 (N:M: 2-7) run on the kernel of batch 1 when that is a SIMD matrix-vector one
 * (`batch1` names it), and larger ones not. */
static void check_format_kernel(sprig_operator_t op, const struct format_case* f, size_t out, size_t batch,
                                const char* batch1) {
  const char* name = sprig_operator_kernel_name(op);
  const bool matvec = is_simd_matvec(batch1);
  if (batch > 1 && batch < row_by_row_below(batch1, &f->pattern) && matvec && strcmp(name, batch1) != 0) {
    fail_msg("%s weights at batch %zu run %s, expected %s row by row", f->name, batch, name, batch1);
  }
  if (batch >= row_by_row_below(batch1, &f->pattern) && matvec && strcmp(name, batch1) == 0) {
    fail_msg("%s weights at batch %zu run %s row by row, expected a tile kernel", f->name, batch, name);
  }
  const int row_blocks = f->pattern.format == SPRIG_FORMAT_BLOCK && f->pattern.block_rows == 1 &&
                         (f->pattern.block_cols == 4 || f->pattern.block_cols == 8);
  if (row_blocks && batch < 8 && strstr(name, "_bspmv_") == NULL) {
    fail_msg("%s weights at batch %zu run %s, expected a block-sparse matrix-vector kernel", f->name, batch, name);
  }
  const int blocks_fit = f->pattern.format != SPRIG_FORMAT_BLOCK || out >= f->pattern.block_rows;
  const int groups_fit = f->pattern.format != SPRIG_FORMAT_GROUP || out >= f->pattern.group;
  if (batch >= 16 && blocks_fit && groups_fit && strstr(name, f->kernel) == NULL) {
    fail_msg("%s weights (%zu outputs) run %s, expected a kernel with \"%s\"", f->name, out, name, f->kernel);
  }
}

/* Each format: prune random weights to the pattern, pack, run linear and 1x1 conv operators on
 * every pool against the dense reference of the pruned weights. Channels and inputs are not
 * multiples of the block, group or M. */
static void test_formats(void** state) {
  (void) state;
  require_sprig();
  static const size_t shapes[][3] = {{37, 18, 5}, {13, 11, 1}, {64, 40, 33}, {9, 3, 2},
                                     {100, 17, 16}, {70, 21, 3}, {41, 6, 4}};
  uint64_t seed = 3000;
  for (size_t fi = 0; fi < sizeof(format_cases) / sizeof(format_cases[0]); fi++) {
    const struct format_case* f = &format_cases[fi];
    for (size_t si = 0; si < sizeof(shapes) / sizeof(shapes[0]); si++) {
      const size_t in = shapes[si][0], out = shapes[si][1], batch = shapes[si][2];
      if (f->pattern.format == SPRIG_FORMAT_GROUP && f->pattern.group > out) {
        continue; /* refused as invalid; see the API tests */
      }
      struct rng rng = {seed++};
      float* w = malloc(in * out * sizeof(float));
      float* bias = malloc(out * sizeof(float));
      float* x = malloc(batch * in * sizeof(float));
      float* y = malloc((batch * out + 8) * sizeof(float));
      float* expected = malloc(batch * out * sizeof(float));
      float* bounds = malloc(batch * out * sizeof(float));
      fill_random(&rng, w, in * out);
      fill_random(&rng, bias, out);
      fill_random(&rng, x, batch * in);
      float achieved = -1.0f;
      assert_int_equal(sprig_prune_f32(out, in, w, &f->pattern, f->target, &achieved), sprig_status_success);
      assert_true(achieved >= 0.0f && achieved <= 1.0f);
      sprig_reference_f32_linear(batch, in, out, x, w, bias, expected, -INFINITY, INFINITY);
      linear_bounds(batch, in, out, x, w, bias, in, 1, out, 1, bounds);

      sprig_weights_t packed = NULL;
      assert_int_equal(sprig_pack_weights_f32(out, in, w, &f->pattern, 0, &packed), sprig_status_success);
      struct sprig_weights_info info;
      assert_int_equal(sprig_get_weights_info(packed, &info), sprig_status_success);
      assert_int_equal(info.pattern.format, f->pattern.format);
      assert_true(info.stored_values >= info.nnz);
      sprig_operator_t op = NULL;
      assert_int_equal(sprig_create_linear_from_weights_f32(packed, bias, -INFINITY, INFINITY, 0, &op),
                       sprig_status_success);
      check_kernel_name(op);
      assert_int_equal(sprig_reshape_linear_f32(op, 1), sprig_status_success);
      char batch1[128];
      snprintf(batch1, sizeof(batch1), "%s", sprig_operator_kernel_name(op));
      assert_int_equal(sprig_reshape_linear_f32(op, batch), sprig_status_success);
      check_format_kernel(op, f, out, batch, batch1);
      char what[96];
      snprintf(what, sizeof(what), "linear %s in=%zu out=%zu batch=%zu", f->name, in, out, batch);
      check_on_pools(op, sprig_setup_linear_f32, x, y, batch * out, expected, bounds, what);
      sprig_delete_operator(op);

      /* The same weights as a 1x1 convolution over a batch of 1x1 images. */
      const struct sprig_conv2d_params params = {1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, in, out};
      assert_int_equal(sprig_create_conv2d_nchw_from_weights_f32(&params, packed, bias, -INFINITY, INFINITY, 0, &op),
                       sprig_status_success);
      sprig_release_weights(packed);
      assert_int_equal(sprig_reshape_conv2d_nchw_f32(op, batch, 1, 1, NULL, NULL), sprig_status_success);
      snprintf(what, sizeof(what), "conv1x1 %s in=%zu out=%zu batch=%zu", f->name, in, out, batch);
      check_on_pools(op, sprig_setup_conv2d_nchw_f32, x, y, batch * out, expected, bounds, what);
      sprig_delete_operator(op);
      free(w);
      free(bias);
      free(x);
      free(y);
      free(expected);
      free(bounds);
    }
  }
}

/* Prunes w [rows][cols] to `prune`, packs it as `pack` and returns what was packed. */
static struct sprig_weights_info prune_and_pack(size_t rows, size_t cols, float* w, const struct sprig_sparsity* prune,
                                                float target, const struct sprig_sparsity* pack) {
  assert_int_equal(sprig_prune_f32(rows, cols, w, prune, target, NULL), sprig_status_success);
  sprig_weights_t packed = NULL;
  assert_int_equal(sprig_pack_weights_f32(rows, cols, w, pack, 0, &packed), sprig_status_success);
  struct sprig_weights_info info;
  assert_int_equal(sprig_get_weights_info(packed, &info), sprig_status_success);
  sprig_release_weights(packed);
  return info;
}

/* Packed sizes: 5 bytes per nonzero or less for 4x1 / 8x1 blocks, groups of 4+ and 2:4 when
 * pruning leaves no zeros inside stored units (dimensions multiples of the unit). */
static void test_packed_bytes(void** state) {
  (void) state;
  require_sprig();
  enum { IN = 256, OUT = 128 };
  static const struct sprig_sparsity patterns[] = {
      {SPRIG_FORMAT_BLOCK, 4, 1, 0, 0, 0}, {SPRIG_FORMAT_BLOCK, 8, 1, 0, 0, 0}, {SPRIG_FORMAT_GROUP, 0, 0, 0, 0, 4},
      {SPRIG_FORMAT_GROUP, 0, 0, 0, 0, 8}, {SPRIG_FORMAT_NM, 0, 0, 2, 4, 0},   {SPRIG_FORMAT_NM, 0, 0, 1, 4, 0},
      {SPRIG_FORMAT_BLOCK, 1, 8, 0, 0, 0}, {SPRIG_FORMAT_BLOCK, 4, 4, 0, 0, 0}};
  float* w = malloc(IN * OUT * sizeof(float));
  for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
    struct rng rng = {77 + i};
    fill_random(&rng, w, IN * OUT);
    const float target = patterns[i].format == SPRIG_FORMAT_NM ? 0.0f : 0.5f;
    const struct sprig_weights_info info = prune_and_pack(OUT, IN, w, &patterns[i], target, &patterns[i]);
    const double bytes_per_nnz = (double) info.packed_bytes / (double) info.nnz;
    if (bytes_per_nnz > 5.0) {
      fail_msg("format %d (%u,%u,%u:%u,g%u): %.3f bytes per nonzero", (int) info.pattern.format, patterns[i].block_rows,
               patterns[i].block_cols, patterns[i].n, patterns[i].m, patterns[i].group, bytes_per_nnz);
    }
  }
  assert_int_equal(sprig_operator_weight_bytes(NULL), 0);
  /* CSR: 5 bytes per stored entry (value and column gap) and 4 per row. */
  struct rng rng = {99};
  fill_random(&rng, w, IN * OUT);
  const struct sprig_sparsity csr = {.format = SPRIG_FORMAT_CSR};
  const struct sprig_weights_info info = prune_and_pack(OUT, IN, w, &csr, 0.9f, &csr);
  assert_int_equal(info.packed_bytes, (OUT + 1) * sizeof(uint32_t) + info.stored_values * (sizeof(float) + 1));
  assert_true(info.stored_values >= info.nnz && info.stored_values <= info.nnz + OUT);
  /* The operator keeps only its SpMM stream: a value and a row step per entry (bridges
   * included, at most (IN / 127 + 1) per channel here), a bias and a count per channel. */
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_linear_f32(IN, OUT, w, NULL, &csr, -INFINITY, INFINITY, 0, &op), sprig_status_success);
  const size_t bytes = sprig_operator_weight_bytes(op);
  assert_true(bytes >= info.nnz * 5 + OUT * 8);
  assert_true(bytes <= (info.nnz + OUT * (IN / 127 + 1)) * 5 + OUT * 8);
  sprig_delete_operator(op);
  /* 1x4 blocks: the packed weights (read by the matrix-vector kernels) plus a bias and a count
   * per row until a reshape needs the SpMM stream. */
  const struct sprig_sparsity blocks_1x4 = {SPRIG_FORMAT_BLOCK, 1, 4, 0, 0, 0};
  const struct sprig_weights_info block_info = prune_and_pack(OUT, IN, w, &blocks_1x4, 0.5f, &blocks_1x4);
  assert_int_equal(sprig_create_linear_f32(IN, OUT, w, NULL, &blocks_1x4, -INFINITY, INFINITY, 0, &op),
                   sprig_status_success);
  assert_int_equal(sprig_operator_weight_bytes(op), block_info.packed_bytes + OUT * 8);
  sprig_delete_operator(op);
  free(w);
}

/* AUTO picks groups for shared channel masks, N:M for full N:M runs, CSR otherwise. */
static void test_auto_detection(void** state) {
  (void) state;
  require_sprig();
  enum { IN = 64, OUT = 32 };
  float* w = malloc(IN * OUT * sizeof(float));
  const struct sprig_sparsity automatic = {SPRIG_FORMAT_AUTO, 0, 0, 0, 0, 0};
  const struct {
    struct sprig_sparsity prune;
    float target;
    struct sprig_sparsity expected;
  } cases[] = {
      {{SPRIG_FORMAT_GROUP, 0, 0, 0, 0, 8}, 0.5f, {SPRIG_FORMAT_GROUP, 0, 0, 0, 0, 8}},
      {{SPRIG_FORMAT_GROUP, 0, 0, 0, 0, 4}, 0.5f, {SPRIG_FORMAT_GROUP, 0, 0, 0, 0, 4}},
      {{SPRIG_FORMAT_NM, 0, 0, 2, 4, 0}, 0.0f, {SPRIG_FORMAT_NM, 0, 0, 2, 4, 0}},
      {{SPRIG_FORMAT_NM, 0, 0, 1, 4, 0}, 0.0f, {SPRIG_FORMAT_NM, 0, 0, 1, 4, 0}},
      {{SPRIG_FORMAT_CSR, 0, 0, 0, 0, 0}, 0.5f, {SPRIG_FORMAT_CSR, 0, 0, 0, 0, 0}},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct rng rng = {4000 + i};
    fill_random(&rng, w, IN * OUT);
    const struct sprig_weights_info info = prune_and_pack(OUT, IN, w, &cases[i].prune, cases[i].target, &automatic);
    assert_int_equal(info.pattern.format, cases[i].expected.format);
    assert_int_equal(info.pattern.group, cases[i].expected.group);
    assert_int_equal(info.pattern.n, cases[i].expected.n);
    assert_int_equal(info.pattern.m, cases[i].expected.m);
  }
  free(w);
}

/* Creating an operator from weights that break 2:4 with SPRIG_FLAG_PRUNE computes with the
 * pruned weights (the n largest magnitudes of each run), for linear and conv alike. */
static void test_create_with_prune_flag(void** state) {
  (void) state;
  require_sprig();
  enum { IN = 22, OUT = 9, BATCH = 6 };
  struct rng rng = {5150};
  float w[OUT * IN], pruned[OUT * IN], x[BATCH * IN], y[BATCH * OUT + 8], expected[BATCH * OUT], bounds[BATCH * OUT];
  fill_random(&rng, w, OUT * IN);
  fill_random(&rng, x, BATCH * IN);
  memcpy(pruned, w, sizeof(w));
  const struct sprig_sparsity two_of_four = {SPRIG_FORMAT_NM, 0, 0, 2, 4, 0};
  assert_int_equal(sprig_prune_f32(OUT, IN, pruned, &two_of_four, 0.0f, NULL), sprig_status_success);
  sprig_reference_f32_linear(BATCH, IN, OUT, x, pruned, NULL, expected, -INFINITY, INFINITY);
  linear_bounds(BATCH, IN, OUT, x, pruned, NULL, IN, 1, OUT, 1, bounds);
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_linear_f32(IN, OUT, w, NULL, &two_of_four, -INFINITY, INFINITY, SPRIG_FLAG_PRUNE, &op),
                   sprig_status_success);
  assert_int_equal(sprig_reshape_linear_f32(op, BATCH), sprig_status_success);
  check_on_pools(op, sprig_setup_linear_f32, x, y, BATCH * OUT, expected, bounds, "linear 2:4 pruned at create");
  sprig_delete_operator(op);
  const struct sprig_conv2d_params params = {1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, IN, OUT};
  assert_int_equal(sprig_create_conv2d_nchw_f32(&params, w, NULL, &two_of_four, -INFINITY, INFINITY, SPRIG_FLAG_PRUNE,
                                                &op),
                   sprig_status_success);
  assert_int_equal(sprig_reshape_conv2d_nchw_f32(op, BATCH, 1, 1, NULL, NULL), sprig_status_success);
  check_on_pools(op, sprig_setup_conv2d_nchw_f32, x, y, BATCH * OUT, expected, bounds, "conv 2:4 pruned at create");
  sprig_delete_operator(op);
}

/* Dense [rows][cols] whose rows each hold `per_row` nonzeros at random columns (rows listed in
 * `empty_every` > 0 steps empty): slices pad nothing but the empty rows. */
static void fill_even_rows(struct rng* rng, float* w, size_t rows, size_t cols, size_t per_row, size_t empty_every) {
  fill_value(w, rows * cols, 0.0f);
  for (size_t r = 0; r < rows; r++) {
    if (empty_every != 0 && r % empty_every == 1) {
      continue;
    }
    for (size_t placed = 0; placed < per_row;) {
      const size_t c = rng_next(rng) % cols;
      if (w[r * cols + c] == 0.0f) {
        w[r * cols + c] = rng_float(rng) + 2.0f;
        placed++;
      }
    }
  }
}

struct sliced_case {
  size_t in, out, batch, per_row, empty_every;
  int with_bias;
  float lo, hi;
  int expect_sliced; /* 1: the kernel must be a sellmv one at this batch; 0: must not; -1: either */
};

/* The sellmv kernel the sliced path runs. The path's condition (src/operators/path-sell.c: a
 * sellmv kernel of the best allowed ISA, or of the ISA that one extends) holds on every target,
 * forced ISAs included: each ISA with f32 SpMM kernels has sellmv kernels (armv7: neon and
 * neonvfpv4), and an extension's f32 kernels are its base's. Fails when it does not, so that a
 * target without them is noticed rather than excused. */
static const struct sprig_f32_sellmv_ukernel* sliced_path_kernel(void) {
  const struct sprig_hardware* hardware = sprig_get_hardware();
  const struct sprig_f32_sellmv_ukernel* k = sprig_choose_f32_sellmv_ukernel(hardware);
  const enum sprig_isa best = sprig_best_isa(hardware);
  if (k == NULL || (k->isa != best && k->isa != sprig_isa_base(best))) {
    fail_msg("best f32 ISA %s has no sellmv kernel (chosen: %s): no sliced path", sprig_isa_to_string(best),
             k != NULL ? k->name : "none");
  }
  return k;
}

static void run_sliced_case(const struct sliced_case* c, uint64_t seed) {
  struct rng rng = {seed};
  float* w = malloc(c->in * c->out * sizeof(float));
  float* bias = malloc(c->out * sizeof(float));
  float* x = malloc(c->batch * c->in * sizeof(float));
  const size_t out_count = c->batch * c->out;
  float* y = malloc((out_count + 8) * sizeof(float));
  float* expected = malloc(out_count * sizeof(float));
  float* bounds = malloc(out_count * sizeof(float));
  fill_even_rows(&rng, w, c->out, c->in, c->per_row, c->empty_every);
  fill_random(&rng, bias, c->out);
  fill_random(&rng, x, c->batch * c->in);
  const float* b = c->with_bias ? bias : NULL;
  sprig_reference_f32_linear(c->batch, c->in, c->out, x, w, b, expected, c->lo, c->hi);
  linear_bounds(c->batch, c->in, c->out, x, w, b, c->in, 1, c->out, 1, bounds);
  const struct sprig_sparsity csr = {.format = SPRIG_FORMAT_CSR};
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_linear_f32(c->in, c->out, w, b, &csr, c->lo, c->hi, 0, &op), sprig_status_success);
  assert_int_equal(sprig_reshape_linear_f32(op, c->batch), sprig_status_success);
  check_kernel_name(op);
  const int sliced = strstr(sprig_operator_kernel_name(op), "_sellmv_") != NULL;
  char what[192];
  snprintf(what, sizeof(what), "sliced linear in=%zu out=%zu batch=%zu per_row=%zu empty_every=%zu", c->in, c->out,
           c->batch, c->per_row, c->empty_every);
  if (c->expect_sliced >= 0 && sliced != c->expect_sliced) {
    fail_msg("%s: runs %s, expected %s sellmv kernel", what, sprig_operator_kernel_name(op),
             c->expect_sliced ? "a" : "no");
  }
  const struct sprig_f32_sellmv_ukernel* windowed = sprig_f32_sellmv_window_partner(sliced_path_kernel());
  if (sliced && strcmp(sprig_operator_kernel_name(op), sliced_path_kernel()->name) != 0 &&
      (windowed == NULL || strcmp(sprig_operator_kernel_name(op), windowed->name) != 0)) {
    fail_msg("%s: runs %s, expected %s", what, sprig_operator_kernel_name(op), sliced_path_kernel()->name);
  }
  check_on_pools(op, sprig_setup_linear_f32, x, y, out_count, expected, bounds, what);
  assert_int_equal(sprig_delete_operator(op), sprig_status_success);
  free(w);
  free(bias);
  free(x);
  free(y);
  free(expected);
  free(bounds);
}

/* CSR weights at small batches run the sliced matrix-vector kernels: rows not a multiple of the
 * slice height, one row, one column, full rows, empty rows (within the padding bound), clamps,
 * no bias; and fall back to the SpMM kernels when slices would pad too much. */
static void test_linear_sliced_rows(void** state) {
  (void) state;
  require_sprig();
  (void) sliced_path_kernel();
  static const struct sliced_case cases[] = {
      {100, 37, 1, 10, 0, 1, -INFINITY, INFINITY, 1},
      {100, 37, 3, 10, 0, 0, -0.3f, 0.4f, 1},
      {64, 1, 1, 5, 0, 1, -INFINITY, INFINITY, 1},
      {1, 19, 1, 1, 0, 1, -INFINITY, INFINITY, 1},
      {1, 19, 2, 1, 0, 1, -1.0f, 1.0f, 1},
      {48, 40, 1, 48, 0, 1, -INFINITY, INFINITY, 1},
      {700, 300, 1, 70, 0, 1, -INFINITY, INFINITY, 1},
      {700, 300, 2, 70, 0, 1, -0.5f, INFINITY, 1},
      {700, 300, 16, 70, 0, 1, -INFINITY, INFINITY, 0},
      {200, 96, 1, 20, 50, 1, -INFINITY, INFINITY, 1}, /* two empty rows: within the bound */
      {200, 96, 1, 20, 3, 1, -INFINITY, INFINITY, 0},  /* a third of the rows empty: beyond it */
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    run_sliced_case(&cases[i], 4000 + i);
  }
}

/* Linear CSR layer, batch by batch: a sellmv kernel below batch 16 where the ISA has a windowed
 * kernel (the windowed one; this layer fits its cache budget), below 4 elsewhere; the SpMM
 * kernels above. Every batch's outputs against the reference. */
static void test_linear_windowed_batches(void** state) {
  (void) state;
  require_sprig();
  const struct sprig_f32_sellmv_ukernel* windowed = sprig_f32_sellmv_window_partner(sliced_path_kernel());
  const size_t below = windowed != NULL ? 16 : 4;
  const size_t batches[] = {1, 2, 3, 4, 5, 7, 8, 9, 13, 15, 16, 17, 1};
  for (size_t i = 0; i < sizeof(batches) / sizeof(batches[0]); i++) {
    const struct sliced_case c = {300, 200, batches[i], 30, 0, 1, -2.0f, 2.5f, batches[i] < below};
    run_sliced_case(&c, 4200 + i);
  }
  if (windowed == NULL) {
    return;
  }
  /* The kernel by name, on one operator reshaped in turn. */
  struct rng rng = {4300};
  float* w = malloc(300 * 200 * sizeof(float));
  fill_even_rows(&rng, w, 200, 300, 30, 0);
  const struct sprig_sparsity csr = {.format = SPRIG_FORMAT_CSR};
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_linear_f32(300, 200, w, NULL, &csr, -INFINITY, INFINITY, 0, &op), sprig_status_success);
  for (size_t i = 0; i < sizeof(batches) / sizeof(batches[0]); i++) {
    assert_int_equal(sprig_reshape_linear_f32(op, batches[i]), sprig_status_success);
    if (batches[i] < below) {
      assert_string_equal(sprig_operator_kernel_name(op), windowed->name);
    }
  }
  sprig_delete_operator(op);
  free(w);
}

/* A layer whose windowed layout exceeds the cache budget (a quarter of L2, 5 bytes per slot):
 * batch 1 takes the sliced kernel (fewer bytes to stream), batches 2-15 the windowed one (rows
 * share its weight passes); outputs against the reference at each. */
static void test_linear_large_layer_batch1_sliced(void** state) {
  (void) state;
  require_sprig();
  const struct sprig_hardware* hardware = sprig_get_hardware();
  const struct sprig_f32_sellmv_ukernel* sliced = sliced_path_kernel();
  const struct sprig_f32_sellmv_ukernel* windowed = sprig_f32_sellmv_window_partner(sliced);
  if (windowed == NULL || hardware->l2_bytes > ((size_t) 8 << 20)) {
    skip();
  }
  /* Dense rows of 64 columns at the start of K (no padding): 64 slots a row. */
  const size_t in = 64, out = hardware->l2_bytes / 4 / 5 / 64 + 40;
  const size_t batches[] = {1, 2, 5, 1};
  for (size_t i = 0; i < sizeof(batches) / sizeof(batches[0]); i++) {
    const struct sliced_case c = {in, out, batches[i], in, 0, 1, -INFINITY, INFINITY, 1};
    run_sliced_case(&c, 4400 + i);
  }
  struct rng rng = {4500};
  float* w = malloc(in * out * sizeof(float));
  fill_even_rows(&rng, w, out, in, in, 0);
  const struct sprig_sparsity csr = {.format = SPRIG_FORMAT_CSR};
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_linear_f32(in, out, w, NULL, &csr, -INFINITY, INFINITY, 0, &op), sprig_status_success);
  size_t batch1_bytes = 0;
  for (size_t i = 0; i < sizeof(batches) / sizeof(batches[0]); i++) {
    assert_int_equal(sprig_reshape_linear_f32(op, batches[i]), sprig_status_success);
    assert_string_equal(sprig_operator_kernel_name(op), batches[i] == 1 ? sliced->name : windowed->name);
    if (i == 0) {
      /* The windowed layout batch 1 does not run is not built: bias, sliced slots (6 bytes each). */
      batch1_bytes = sprig_operator_weight_bytes(op);
      assert_true(batch1_bytes < out * sizeof(float) + 7 * in * out);
    } else {
      assert_true(sprig_operator_weight_bytes(op) >= batch1_bytes + 5 * in * out);
    }
  }
  sprig_delete_operator(op);
  free(w);
}

/* Staged rows are an odd number of cache lines apart, the fewest that hold the row; only rows
 * not whole lines apart or a multiple of 4 KiB apart count as misaligned. */
static void test_padded_row_strides(void** state) {
  (void) state;
  for (size_t bytes = 1; bytes <= 20000; bytes += 7) {
    const size_t stride = sprig_padded_row_bytes(bytes), lines = (bytes + 63) / 64;
    assert_int_equal(stride % 64, 0);
    assert_int_equal(stride / 64 % 2, 1);
    assert_int_equal(stride / 64, lines | 1);
  }
  assert_int_equal(sprig_padded_row_stride(49), 5 * 64);   /* 7x7 planes: 4 lines -> 5 */
  assert_int_equal(sprig_padded_row_stride(196), 13 * 64); /* 14x14: 12.25 lines -> 13 */
  assert_false(sprig_row_stride_is_misaligned(12544));     /* 56x56: 196 lines, read in place */
  assert_false(sprig_row_stride_is_misaligned(3136));
  assert_true(sprig_row_stride_is_misaligned(196 * 4));
  assert_true(sprig_row_stride_is_misaligned(8192));
  assert_int_equal(sprig_aligned_row_stride(3136, 12544), 12544);
  assert_int_equal(sprig_aligned_row_stride(1024, 4096), 4096 + 64);
}

/* A NaN input reaches exactly the rows that hold its column, also when slices are padded
 * (padding reads a zero slot, never an input). */
static void test_linear_sliced_nan(void** state) {
  (void) state;
  require_sprig();
  enum { IN = 40, OUT = 21 };
  struct rng rng = {4100};
  float w[IN * OUT];
  float x[IN];
  float y[OUT];
  fill_even_rows(&rng, w, OUT, IN, 6, 0);
  for (size_t r = 0; r < OUT; r += 4) {
    w[r * IN + IN - 1] = 0.0f; /* some rows one shorter: padded slices */
  }
  fill_random(&rng, x, IN);
  x[7] = NAN;
  const struct sprig_sparsity csr = {.format = SPRIG_FORMAT_CSR};
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_linear_f32(IN, OUT, w, NULL, &csr, -INFINITY, INFINITY, 0, &op),
                   sprig_status_success);
  assert_int_equal(sprig_reshape_linear_f32(op, 1), sprig_status_success);
  assert_int_equal(sprig_setup_linear_f32(op, x, y), sprig_status_success);
  assert_int_equal(sprig_run_operator(op, NULL), sprig_status_success);
  for (size_t r = 0; r < OUT; r++) {
    if (isnan(y[r]) != (w[r * IN + 7] != 0.0f)) {
      fail_msg("row %zu: output %g, weight on the NaN input %g (kernel %s)", r, (double) y[r], (double) w[r * IN + 7],
               sprig_operator_kernel_name(op));
    }
  }
  sprig_delete_operator(op);
}

/* 1x1 convolutions whose input rows are staged (14x14 and 7x7 maps: rows not whole cache lines
 * apart; 32x32: 4 KiB apart) in CSR, 8x1 blocks and 2:4, planned with their staged rows in one
 * shared workspace, each run once right after its plan (later plans grow the workspace and move
 * it under the operators run before), then all again, the workspace filled with random bytes
 * before every run: each output equals that of the same operator on its own buffers bit for bit,
 * and the workspace holds the staged rows (except where the kernels are scalar: no staging). */
static void test_staged_rows_in_workspace(void** state) {
  (void) state;
  require_sprig();
  static const size_t shapes[][4] = {{40, 33, 7, 7}, {24, 20, 14, 14}, {16, 8, 32, 32}}; /* cin, cout, h, w */
  const struct sprig_sparsity patterns[] = {
      {.format = SPRIG_FORMAT_CSR},
      {.format = SPRIG_FORMAT_BLOCK, .block_rows = 8, .block_cols = 1},
      {.format = SPRIG_FORMAT_NM, .n = 2, .m = 4},
  };
  enum { SHAPES = sizeof(shapes) / sizeof(shapes[0]), PATTERNS = sizeof(patterns) / sizeof(patterns[0]) };
  struct rng rng = {4242};
  sprig_workspace_t workspace = NULL;
  assert_int_equal(sprig_create_workspace(&workspace), sprig_status_success);
  sprig_operator_t shared[PATTERNS][SHAPES];
  float* x[SHAPES];
  float* own[PATTERNS][SHAPES];
  float* got[PATTERNS][SHAPES];
  for (size_t s = 0; s < SHAPES; s++) {
    const size_t cin = shapes[s][0], cout = shapes[s][1], pixels = shapes[s][2] * shapes[s][3];
    x[s] = malloc(cin * pixels * sizeof(float));
    assert_non_null(x[s]);
    fill_random(&rng, x[s], cin * pixels);
    float* w = malloc(cin * cout * sizeof(float));
    assert_non_null(w);
    fill_sparse(&rng, w, cout, cin, 0.5);
    const struct sprig_conv2d_params params = {
        .kernel_height = 1, .kernel_width = 1, .stride_height = 1, .stride_width = 1, .dilation_height = 1,
        .dilation_width = 1, .groups = 1, .input_channels = cin, .output_channels = cout};
    for (size_t p = 0; p < PATTERNS; p++) {
      const uint32_t flags = patterns[p].format == SPRIG_FORMAT_NM ? SPRIG_FLAG_PRUNE : 0;
      sprig_operator_t alone = NULL;
      assert_int_equal(sprig_create_conv2d_nchw_f32(&params, w, NULL, &patterns[p], -INFINITY, INFINITY, flags,
                                                    &alone), sprig_status_success);
      assert_int_equal(sprig_create_conv2d_nchw_f32(&params, w, NULL, &patterns[p], -INFINITY, INFINITY, flags,
                                                    &shared[p][s]), sprig_status_success);
      own[p][s] = malloc(cout * pixels * sizeof(float));
      got[p][s] = malloc(cout * pixels * sizeof(float));
      assert_true(own[p][s] != NULL && got[p][s] != NULL);
      assert_int_equal(sprig_reshape_conv2d_nchw_f32(alone, 1, shapes[s][2], shapes[s][3], NULL, NULL),
                       sprig_status_success);
      assert_int_equal(sprig_setup_conv2d_nchw_f32(alone, x[s], own[p][s]), sprig_status_success);
      assert_int_equal(sprig_run_operator(alone, NULL), sprig_status_success);
      sprig_delete_operator(alone);
    }
    free(w);
  }
  for (size_t round = 0; round < 2; round++) {
    for (size_t s = 0; s < SHAPES; s++) {
      for (size_t p = 0; p < PATTERNS; p++) {
        sprig_operator_t op = shared[p][s];
        if (round == 0) {
          const size_t before = sprig_workspace_bytes(workspace);
          assert_int_equal(sprig_set_operator_workspace(op, workspace), sprig_status_success);
          assert_int_equal(sprig_reshape_conv2d_nchw_f32(op, 1, shapes[s][2], shapes[s][3], NULL, NULL),
                           sprig_status_success);
          const size_t staged = shapes[s][0] * sprig_padded_row_stride(shapes[s][2] * shapes[s][3]);
          if (strstr(sprig_operator_kernel_name(op), "scalar") == NULL && sprig_workspace_bytes(workspace) < staged) {
            fail_msg("%s: %zu bytes of staged rows, the workspace holds %zu (%zu before the plan)",
                     sprig_operator_kernel_name(op), staged, sprig_workspace_bytes(workspace), before);
          }
          assert_int_equal(sprig_setup_conv2d_nchw_f32(op, x[s], got[p][s]), sprig_status_success);
        }
        struct rng garbage = {round * 100 + s * 10 + p + 1};
        for (size_t i = 0; i + 4 <= sprig_workspace_bytes(workspace); i += 4) {
          const uint32_t bits = rng_next(&garbage);
          memcpy((char*) workspace->data + i, &bits, 4);
        }
        assert_int_equal(sprig_run_operator(op, NULL), sprig_status_success);
        const size_t count = shapes[s][1] * shapes[s][2] * shapes[s][3];
        if (memcmp(got[p][s], own[p][s], count * sizeof(float)) != 0) {
          fail_msg("%s on %zux%zu, round %zu: outputs in the shared workspace differ from its own buffers'",
                   sprig_operator_kernel_name(op), shapes[s][2], shapes[s][3], round);
        }
      }
    }
  }
  assert_int_equal(sprig_release_workspace(workspace), sprig_status_success);
  for (size_t s = 0; s < SHAPES; s++) {
    for (size_t p = 0; p < PATTERNS; p++) {
      sprig_delete_operator(shared[p][s]);
      free(own[p][s]);
      free(got[p][s]);
    }
    free(x[s]);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_linear),
      cmocka_unit_test(test_conv2d_1x1),
      cmocka_unit_test(test_shared_weights_and_reshape),
      cmocka_unit_test(test_linear_from_user_csr),
      cmocka_unit_test(test_csr_long_column_gaps),
      cmocka_unit_test(test_channel_blocks),
      cmocka_unit_test(test_formats),
      cmocka_unit_test(test_packed_bytes),
      cmocka_unit_test(test_auto_detection),
      cmocka_unit_test(test_create_with_prune_flag),
      cmocka_unit_test(test_linear_sliced_rows),
      cmocka_unit_test(test_linear_sliced_nan),
      cmocka_unit_test(test_linear_windowed_batches),
      cmocka_unit_test(test_linear_large_layer_batch1_sliced),
      cmocka_unit_test(test_padded_row_strides),
      cmocka_unit_test(test_staged_rows_in_workspace),
  };
  return cmocka_run_group_tests_name("operators", tests, NULL, NULL);
}
