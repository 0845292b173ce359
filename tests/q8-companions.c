/* The int8 companions of an NCHW network: element-wise add and global average pooling of qs8
 * tensors. Every output against a plain-C evaluation of sprig.h's formulas (bit for bit: every
 * pair of int8 inputs for several quantizations, awkward sizes, in place, zero points and clamps
 * at the extremes, saturating scales), the same on pools of 1..4 threads, and every bad input
 * refused with the documented status, a logged reason and nothing written. */
#include "refusals.h"
#include "test-util.h"

#include "reference/reference.h"

#include <sprig.h>

#define BYTE_SENTINEL ((int8_t) 0x5A)
#define GUARD_BYTES 8

static int setup_group(void** state) {
  (void) state;
  sprig_set_log_callback(capture_log, NULL, sprig_log_level_error);
  return 0;
}

static void fill_bytes(int8_t* data, size_t count, int8_t value) {
  memset(data, (unsigned char) value, count);
}

static void fill_random_bytes(struct rng* rng, int8_t* data, size_t count) {
  for (size_t i = 0; i < count; i++) {
    data[i] = (int8_t) (rng_next(rng) & 0xFF);
  }
}

static void assert_bytes_equal(const int8_t* actual, const int8_t* expected, size_t count, const char* what) {
  for (size_t i = 0; i < count; i++) {
    if (actual[i] != expected[i]) {
      fail_msg("%s: element %zu is %d, expected %d", what, i, actual[i], expected[i]);
    }
  }
}

static void assert_bytes_all(const int8_t* data, size_t count, int8_t value, const char* what) {
  for (size_t i = 0; i < count; i++) {
    if (data[i] != value) {
      fail_msg("%s: byte %zu is %d, expected %d (untouched)", what, i, data[i], value);
    }
  }
}

static int8_t clamp_q(int32_t q, int8_t lo, int8_t hi) {
  return (int8_t) (q < lo ? lo : q > hi ? hi : q);
}

/* Tensors of at least this many bytes are split into several tasks by both operators. */
#define MANY_TASKS_BYTES 16384

/* Runs a set-up operator serially and on pools of 1..4 threads (small tensors: one pool, in
 * turn); each run rewrites `output` (refilled first by `refresh`, or with BYTE_SENTINEL) and must
 * equal `expected` and leave the GUARD_BYTES past it untouched. */
static void check_runs(sprig_operator_t op, size_t input_bytes, int8_t* output, size_t output_count,
                       const int8_t* expected, void (*refresh)(void* context), void* context, const char* what) {
  static size_t rotation = 0;
  const bool every_pool = input_bytes >= MANY_TASKS_BYTES;
  const size_t one_pool = 1 + rotation++ % 4;
  for (size_t threads = 0; threads <= 4; threads++) {
    if (threads != 0 && !every_pool && threads != one_pool) {
      continue;
    }
    if (refresh != NULL) {
      refresh(context);
    } else {
      fill_bytes(output, output_count, BYTE_SENTINEL);
    }
    fill_bytes(output + output_count, GUARD_BYTES, BYTE_SENTINEL);
    pthreadpool_t pool = make_pool(threads);
    assert_int_equal(sprig_run_operator(op, pool), sprig_status_success);
    if (pool != NULL) {
      pthreadpool_destroy(pool);
    }
    char message[240];
    snprintf(message, sizeof(message), "%s, %zu threads (%s)", what, threads, sprig_operator_kernel_name(op));
    assert_bytes_equal(output, expected, output_count, message);
    assert_bytes_all(output + output_count, GUARD_BYTES, BYTE_SENTINEL, message);
  }
}

/* ---- add ---- */

struct add_quant {
  int8_t a_zero_point;
  float a_scale;
  int8_t b_zero_point;
  float b_scale;
  int8_t output_zero_point;
  float output_scale;
  int8_t output_min, output_max;
};

/* sprig.h's formula, with the multipliers computed here from the scales. */
static int8_t documented_add(int8_t a, int8_t b, const struct add_quant* q) {
  return sprig_reference_qs8_add(a, b, q->a_scale / q->output_scale, q->b_scale / q->output_scale, q->a_zero_point,
                                 q->b_zero_point, q->output_zero_point, q->output_min, q->output_max);
}

static sprig_operator_t make_add(const struct add_quant* q) {
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_add_qs8(q->a_zero_point, q->a_scale, q->b_zero_point, q->b_scale,
                                        q->output_zero_point, q->output_scale, q->output_min, q->output_max, 0, &op),
                   sprig_status_success);
  return op;
}

struct add_buffers {
  int8_t* a;  /* may be the output */
  int8_t* b;  /* may be the output or a */
  const int8_t* a0;
  const int8_t* b0;
  size_t n;
};

static void refresh_add(void* context) {
  struct add_buffers* buffers = context;
  memcpy(buffers->a, buffers->a0, buffers->n);
  if (buffers->b != buffers->a) {
    memcpy(buffers->b, buffers->b0, buffers->n);
  }
}

enum add_layout { separate, into_a, into_b, a_is_b, all_same, layouts };
static const char* const layout_names[layouts] = {"separate", "output == a", "output == b", "a == b",
                                                  "output == a == b"};

/* n elements from a0 and b0 (b0 ignored when the layout makes b a). */
static void run_add(const struct add_quant* q, const int8_t* a0_in, const int8_t* b0_in, size_t n,
                    enum add_layout layout, const char* label) {
  int8_t* a0 = malloc(n);
  int8_t* b0 = malloc(n);
  int8_t* a = malloc(n + GUARD_BYTES);
  int8_t* b = malloc(n + GUARD_BYTES);
  int8_t* out = malloc(n + GUARD_BYTES);
  int8_t* expected = malloc(n);
  memcpy(a0, a0_in, n);
  memcpy(b0, layout == a_is_b || layout == all_same ? a0_in : b0_in, n);
  for (size_t i = 0; i < n; i++) {
    expected[i] = documented_add(a0[i], b0[i], q);
  }
  struct add_buffers buffers = {a, b, a0, b0, n};
  int8_t* output = out;
  if (layout == into_a || layout == all_same) {
    output = a;
  } else if (layout == into_b) {
    output = b;
  }
  if (layout == a_is_b || layout == all_same) {
    buffers.b = a;
  }
  refresh_add(&buffers);
  sprig_operator_t op = make_add(q);
  assert_int_equal(sprig_reshape_add_qs8(op, n), sprig_status_success);
  assert_int_equal(sprig_setup_add_qs8(op, buffers.a, buffers.b, output), sprig_status_success);
  char what[200];
  snprintf(what, sizeof(what), "qs8 add (%s) of %zu elements, %s", label, n, layout_names[layout]);
  check_runs(op, 2 * n, output, n, expected, output == out ? NULL : refresh_add, &buffers, what);
  if (layout == into_a) {
    assert_bytes_equal(b, b0, n, "qs8 add in place: b");
  } else if (layout == into_b) {
    assert_bytes_equal(a, a0, n, "qs8 add in place: a");
  } else if (output == out) {
    assert_bytes_equal(a, a0, n, "qs8 add: a");
    assert_bytes_equal(buffers.b, b0, n, "qs8 add: b");
  }
  assert_int_equal(sprig_delete_operator(op), sprig_status_success);
  free(a0);
  free(b0);
  free(a);
  free(b);
  free(out);
  free(expected);
}

static const struct add_quant add_quants[] = {
    {-3, 0.02f, 5, 0.03f, -1, 0.04f, -128, 127},          /* the usual: multipliers 0.5 and 0.75 */
    {-128, 0.1f, 127, 0.1f, 0, 0.15f, -128, 127},         /* zero points at both extremes */
    {127, 0.5f, -128, 0.004f, 127, 0.0025f, -128, 127},   /* ma = 200: most sums saturate */
    {0, 1e-6f, 0, 0.37f, -128, 1.0f, -128, 127},          /* ma tiny: a barely counts */
    {10, 0.05f, -7, 0.05f, -128, 0.05f, -128, -28},       /* a clamp below the output's range */
    {0, 0.25f, 0, 0.25f, 0, 0.5f, 0, 6},                  /* a ReLU6-like clamp; ties at x.5 */
    /* One multiplier inexact (1/3 rounded up): 6 x ma = 2 + 2^-24 rounds to 2, so a = 6 with
     * b = -3 sums to 0.5 (rounds to 0) where a fused product would give 0.5 + 2^-24 (to 1). */
    {0, 0.33333334f, 0, 0.5f, 0, 1.0f, -128, 127},
    {0, 0.5f, 0, 0.33333334f, 0, 1.0f, -128, 127},
};
#define ADD_QUANTS (sizeof(add_quants) / sizeof(add_quants[0]))

/* Every pair of int8 inputs (65536 elements), for each quantization. */
static void test_add_every_pair(void** state) {
  (void) state;
  require_sprig();
  enum { n = 256 * 256 };
  int8_t* a = malloc(n);
  int8_t* b = malloc(n);
  for (size_t i = 0; i < n; i++) {
    a[i] = (int8_t) (i >> 8);
    b[i] = (int8_t) (i & 0xFF);
  }
  for (size_t k = 0; k < ADD_QUANTS; k++) {
    char label[40];
    snprintf(label, sizeof(label), "quantization %zu, every pair", k);
    run_add(&add_quants[k], a, b, n, separate, label);
  }
  free(a);
  free(b);
}

static void test_add_sizes_and_layouts(void** state) {
  (void) state;
  require_sprig();
  static const size_t sizes[] = {1, 2, 15, 16, 17, 255, 256, 257, 4095, 4096, 4097, 3 * 4096 + 5, 100003};
  struct rng rng = {71};
  int8_t* a = malloc(100003);
  int8_t* b = malloc(100003);
  for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
    for (int layout = 0; layout < layouts; layout++) {
      const size_t k = (s + (size_t) layout) % ADD_QUANTS;
      fill_random_bytes(&rng, a, sizes[s]);
      fill_random_bytes(&rng, b, sizes[s]);
      char label[40];
      snprintf(label, sizeof(label), "quantization %zu", k);
      run_add(&add_quants[k], a, b, sizes[s], (enum add_layout) layout, label);
    }
  }
  free(a);
  free(b);
}

/* The add runs a qs8-vadd kernel: of the forced ISA (SPRIG_FORCE_ISA) or its fallback when one is
 * forced, else of this CPU's best ISA that has one. */
static void assert_add_kernel(const char* name) {
  if (strncmp(name, "sprig_qs8_vadd_ukernel__", strlen("sprig_qs8_vadd_ukernel__")) != 0) {
    fail_msg("the qs8 add runs %s, not a qs8-vadd kernel", name);
  }
  const struct sprig_hardware* hw = sprig_get_hardware();
  if (hw != NULL && hw->forced_isa != sprig_isa_count &&
      !kernel_name_has_isa(name, sprig_isa_to_string(hw->forced_isa)) &&
      !kernel_name_has_isa(name, forced_isa_fallback())) {
    fail_msg("SPRIG_FORCE_ISA=%s: the qs8 add runs %s", sprig_isa_to_string(hw->forced_isa), name);
  }
}

static void test_add_bad_input(void** state) {
  (void) state;
  require_sprig();
  sprig_operator_t op = UNTOUCHED_OP;
  EXPECT_REFUSED(sprig_create_add_qs8(0, 1.0f, 0, 1.0f, 0, 1.0f, -128, 127, 0, NULL), sprig_status_invalid_parameter,
                 "op_out");
  EXPECT_REFUSED(sprig_create_add_qs8(0, 1.0f, 0, 1.0f, 0, 1.0f, -128, 127, 2, &op), sprig_status_invalid_parameter,
                 "flags");
  EXPECT_REFUSED(sprig_create_add_qs8(0, 0.0f, 0, 1.0f, 0, 1.0f, -128, 127, 0, &op), sprig_status_invalid_parameter,
                 "a_scale");
  EXPECT_REFUSED(sprig_create_add_qs8(0, 1.0f, 0, NAN, 0, 1.0f, -128, 127, 0, &op), sprig_status_invalid_parameter,
                 "b_scale");
  EXPECT_REFUSED(sprig_create_add_qs8(0, 1.0f, 0, 1.0f, 0, -1.0f, -128, 127, 0, &op), sprig_status_invalid_parameter,
                 "output_scale");
  EXPECT_REFUSED(sprig_create_add_qs8(0, 1.0f, 0, 1.0f, 0, INFINITY, -128, 127, 0, &op),
                 sprig_status_invalid_parameter, "output_scale");
  EXPECT_REFUSED(sprig_create_add_qs8(0, 256.0f, 0, 1.0f, 0, 1.0f, -128, 127, 0, &op), sprig_status_invalid_parameter,
                 "a_scale / output_scale");
  EXPECT_REFUSED(sprig_create_add_qs8(0, 1e-30f, 0, 1.0f, 0, 1e30f, -128, 127, 0, &op),
                 sprig_status_invalid_parameter, "a_scale / output_scale");
  EXPECT_REFUSED(sprig_create_add_qs8(0, 1e30f, 0, 1e-30f, 0, 1e30f, -128, 127, 0, &op),
                 sprig_status_invalid_parameter, "b_scale / output_scale");
  EXPECT_REFUSED(sprig_create_add_qs8(0, 1.0f, 0, 1.0f, 0, 1.0f, 5, 4, 0, &op), sprig_status_invalid_parameter,
                 "output_min");
  assert_ptr_equal(op, UNTOUCHED_OP);
  /* Just below the limit is fine. */
  assert_int_equal(sprig_create_add_qs8(0, 255.9f, 0, 1.0f, 0, 1.0f, 7, 7, 0, &op), sprig_status_success);
  assert_int_equal(sprig_delete_operator(op), sprig_status_success);

  sprig_operator_t f32_add = NULL;
  assert_int_equal(sprig_create_add_f32(-INFINITY, INFINITY, 0, &f32_add), sprig_status_success);
  op = make_add(&add_quants[0]);
  enum { n = 16 };
  int8_t a[n], b[n], y[n + GUARD_BYTES];
  for (size_t i = 0; i < n; i++) {
    a[i] = (int8_t) i;
    b[i] = (int8_t) (3 * i);
  }
  fill_bytes(y, n + GUARD_BYTES, BYTE_SENTINEL);
  EXPECT_REFUSED(sprig_setup_add_qs8(op, a, b, y), sprig_status_invalid_state, "reshape");
  EXPECT_REFUSED(sprig_run_operator(op, NULL), sprig_status_invalid_state, "set up");
  EXPECT_REFUSED(sprig_reshape_add_qs8(NULL, n), sprig_status_invalid_parameter, "op is NULL");
  EXPECT_REFUSED(sprig_reshape_add_qs8(f32_add, n), sprig_status_invalid_parameter, "add");
  EXPECT_REFUSED(sprig_reshape_add_f32(op, n), sprig_status_invalid_parameter, "add_qs8");
  EXPECT_REFUSED(sprig_reshape_add_qs8(op, 0), sprig_status_invalid_parameter, "elements");
  assert_int_equal(sprig_reshape_add_qs8(op, n), sprig_status_success);
  EXPECT_REFUSED(sprig_setup_add_qs8(op, NULL, b, y), sprig_status_invalid_parameter, "a is NULL");
  EXPECT_REFUSED(sprig_setup_add_qs8(op, a, NULL, y), sprig_status_invalid_parameter, "b is NULL");
  EXPECT_REFUSED(sprig_setup_add_qs8(op, a, b, NULL), sprig_status_invalid_parameter, "output is NULL");
  EXPECT_REFUSED(sprig_setup_add_f32(op, (const float*) a, (const float*) b, (float*) y),
                 sprig_status_invalid_parameter, "add_qs8");
  int8_t big[3 * n];
  fill_bytes(big, 3 * n, 1);
  EXPECT_REFUSED(sprig_setup_add_qs8(op, big + n, b, big + 1), sprig_status_invalid_parameter, "overlaps a");
  EXPECT_REFUSED(sprig_setup_add_qs8(op, a, big + n, big + 2 * n - 1), sprig_status_invalid_parameter, "overlaps b");
  EXPECT_REFUSED(sprig_setup_add_qs8(op, big, big + 3, big), sprig_status_invalid_parameter, "overlaps b");
  EXPECT_REFUSED(sprig_run_operator(op, NULL), sprig_status_invalid_state, "set up");
  assert_bytes_all(y, n + GUARD_BYTES, BYTE_SENTINEL, "qs8 add output after refused calls");
  assert_bytes_all(big, 3 * n, 1, "qs8 add buffers after refused calls");

  assert_int_equal(sprig_setup_add_qs8(op, a, b, y), sprig_status_success);
  assert_int_equal(sprig_run_operator(op, NULL), sprig_status_success);
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(y[i], documented_add(a[i], b[i], &add_quants[0]));
  }
  assert_bytes_all(y + n, GUARD_BYTES, BYTE_SENTINEL, "past the qs8 add output");
  /* A failed reshape keeps the plan and the binding. */
  EXPECT_REFUSED(sprig_reshape_add_qs8(op, 0), sprig_status_invalid_parameter, "elements");
  fill_bytes(y, n, BYTE_SENTINEL);
  assert_int_equal(sprig_run_operator(op, NULL), sprig_status_success);
  assert_int_equal(y[n - 1], documented_add(a[n - 1], b[n - 1], &add_quants[0]));
  assert_add_kernel(sprig_operator_kernel_name(op));
  assert_int_equal(sprig_operator_weight_bytes(op), 0);
  assert_int_equal(sprig_delete_operator(op), sprig_status_success);
  assert_int_equal(sprig_delete_operator(f32_add), sprig_status_success);
}

/* ---- global average pooling ---- */

struct pool_quant {
  int8_t input_zero_point;
  float input_scale;
  int8_t output_zero_point;
  float output_scale;
  int8_t output_min, output_max;
};

/* sprig.h's formula: the exact sum, the scale computed in double and rounded once, the product
 * in float rounded to nearest even, then clamped. */
static int8_t documented_mean(const int8_t* x, size_t pixels, const struct pool_quant* q) {
  int64_t acc = 0;
  for (size_t i = 0; i < pixels; i++) {
    acc += (int32_t) x[i] - q->input_zero_point;
  }
  const float s = (float) ((double) q->input_scale / ((double) q->output_scale * (double) pixels));
  const float v = (float) (int32_t) acc * s;
  return clamp_q((int32_t) nearbyintf(v) + q->output_zero_point, q->output_min, q->output_max);
}

struct pool_case {
  size_t channels, batch, height, width;
  int8_t fill;  /* 0: random inputs; else every input this value */
};

static void run_pool(const struct pool_case* c, const struct pool_quant* q, uint64_t seed, const char* label) {
  const size_t pixels = c->height * c->width, rows = c->batch * c->channels;
  int8_t* x = malloc(rows * pixels);
  int8_t* y = malloc(rows + GUARD_BYTES);
  int8_t* expected = malloc(rows);
  struct rng rng = {seed};
  if (c->fill != 0) {
    fill_bytes(x, rows * pixels, c->fill);
  } else {
    fill_random_bytes(&rng, x, rows * pixels);
  }
  for (size_t r = 0; r < rows; r++) {
    expected[r] = documented_mean(x + r * pixels, pixels, q);
  }
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_global_average_pooling_nchw_qs8(c->channels, q->input_zero_point, q->input_scale,
                                                               q->output_zero_point, q->output_scale, q->output_min,
                                                               q->output_max, 0, &op),
                   sprig_status_success);
  assert_int_equal(sprig_reshape_global_average_pooling_nchw_qs8(op, c->batch, c->height, c->width),
                   sprig_status_success);
  assert_int_equal(sprig_setup_global_average_pooling_nchw_qs8(op, x, y), sprig_status_success);
  char what[200];
  snprintf(what, sizeof(what), "qs8 pooling (%s) of %zu x %zu x %zu x %zu", label, c->batch, c->channels, c->height,
           c->width);
  check_runs(op, rows * pixels, y, rows, expected, NULL, NULL, what);
  assert_int_equal(sprig_delete_operator(op), sprig_status_success);
  free(x);
  free(y);
  free(expected);
}

static const struct pool_quant pool_quants[] = {
    {-5, 0.02f, 3, 0.01f, -128, 127},        /* means doubled: some saturate */
    {-128, 0.1f, 127, 0.1f, -128, 127},      /* zero points at both extremes */
    {127, 0.5f, -128, 0.5f, -128, 127},
    {0, 0.05f, -128, 0.05f, -128, 0},        /* ReLU-like clamp above */
    {2, 0.001f, 0, 0.9f, -128, 127},         /* outputs near 0: ties and small values */
};
#define POOL_QUANTS (sizeof(pool_quants) / sizeof(pool_quants[0]))

static void test_pooling(void** state) {
  (void) state;
  require_sprig();
  static const struct pool_case cases[] = {
      {1, 1, 1, 1, 0},   {3, 1, 1, 1, 0},   {7, 2, 3, 5, 0},    {5, 1, 7, 7, 0},  {1024, 1, 7, 7, 0},
      {32, 1, 56, 56, 0}, {2, 3, 1, 33, 0},  {300, 2, 2, 2, 0},  {9, 1, 14, 14, 0}, {1280, 1, 1, 1, 0},
  };
  uint64_t seed = 900;
  for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
    for (size_t k = 0; k < POOL_QUANTS; k++) {
      char label[40];
      snprintf(label, sizeof(label), "quantization %zu", k);
      run_pool(&cases[c], &pool_quants[k], seed++, label);
    }
  }
}

/* Sums at the int32 limit: every input 127 with zero point -128 over the most pixels allowed
 * less a little (255 x 8 000 000), and the most negative the other way. */
static void test_pooling_extreme_sums(void** state) {
  (void) state;
  require_sprig();
  const struct pool_quant up = {-128, 1.0f, 0, 2.5f, -128, 127};   /* mean 255: 102 */
  const struct pool_quant down = {127, 1.0f, 0, 2.0f, -128, 127};  /* mean -255: -127.5, a tie: -128 */
  const struct pool_case high = {2, 1, 4000, 2000, 127};
  const struct pool_case low = {1, 1, 1000, 1000, -128};
  run_pool(&high, &up, 1, "255 x 8e6");
  run_pool(&low, &down, 2, "-255 x 1e6");
}

/* The scale rounded once from double: input_scale = output_scale = 0.1 over 6 pixels summing to
 * -753 gives -125.5 exactly (a tie: -126); the scale computed in float (0.1 x 6 rounded, then
 * the quotient) would give -125.49999 (-125). */
static void test_pooling_scale_rounding(void** state) {
  (void) state;
  require_sprig();
  const struct pool_quant q = {0, 0.1f, 0, 0.1f, -128, 127};
  int8_t x[6] = {-126, -126, -126, -125, -125, -125};
  int8_t y[1 + GUARD_BYTES];
  fill_bytes(y, sizeof(y), BYTE_SENTINEL);
  assert_int_equal(documented_mean(x, 6, &q), -126);
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_global_average_pooling_nchw_qs8(1, q.input_zero_point, q.input_scale,
                                                               q.output_zero_point, q.output_scale, q.output_min,
                                                               q.output_max, 0, &op),
                   sprig_status_success);
  assert_int_equal(sprig_reshape_global_average_pooling_nchw_qs8(op, 1, 1, 6), sprig_status_success);
  assert_int_equal(sprig_setup_global_average_pooling_nchw_qs8(op, x, y), sprig_status_success);
  assert_int_equal(sprig_run_operator(op, NULL), sprig_status_success);
  assert_int_equal(y[0], -126);
  assert_bytes_all(y + 1, GUARD_BYTES, BYTE_SENTINEL, "past the qs8 pooling output");
  assert_int_equal(sprig_delete_operator(op), sprig_status_success);
}

static void test_pooling_bad_input(void** state) {
  (void) state;
  require_sprig();
  sprig_operator_t op = UNTOUCHED_OP;
  EXPECT_REFUSED(sprig_create_global_average_pooling_nchw_qs8(2, 0, 1.0f, 0, 1.0f, -128, 127, 0, NULL),
                 sprig_status_invalid_parameter, "op_out");
  EXPECT_REFUSED(sprig_create_global_average_pooling_nchw_qs8(0, 0, 1.0f, 0, 1.0f, -128, 127, 0, &op),
                 sprig_status_invalid_parameter, "channels");
  EXPECT_REFUSED(sprig_create_global_average_pooling_nchw_qs8(2, 0, 0.0f, 0, 1.0f, -128, 127, 0, &op),
                 sprig_status_invalid_parameter, "input_scale");
  EXPECT_REFUSED(sprig_create_global_average_pooling_nchw_qs8(2, 0, 1.0f, 0, NAN, -128, 127, 0, &op),
                 sprig_status_invalid_parameter, "output_scale");
  EXPECT_REFUSED(sprig_create_global_average_pooling_nchw_qs8(2, 0, 1.0f, 0, 1.0f, 1, 0, 0, &op),
                 sprig_status_invalid_parameter, "output_min");
  EXPECT_REFUSED(sprig_create_global_average_pooling_nchw_qs8(2, 0, 1.0f, 0, 1.0f, -128, 127, 1, &op),
                 sprig_status_invalid_parameter, "flags");
  assert_ptr_equal(op, UNTOUCHED_OP);

  assert_int_equal(sprig_create_global_average_pooling_nchw_qs8(2, 0, 1e-30f, 0, 1e30f, -128, 127, 0, &op),
                   sprig_status_success);
  EXPECT_REFUSED(sprig_reshape_global_average_pooling_nchw_qs8(op, 1, 10, 10), sprig_status_invalid_parameter,
                 "finite float > 0");
  assert_int_equal(sprig_delete_operator(op), sprig_status_success);

  sprig_operator_t f32_pool = NULL;
  assert_int_equal(sprig_create_global_average_pooling_nchw_f32(2, -INFINITY, INFINITY, 0, &f32_pool),
                   sprig_status_success);
  const struct pool_quant* q = &pool_quants[0];
  assert_int_equal(sprig_create_global_average_pooling_nchw_qs8(2, q->input_zero_point, q->input_scale,
                                                               q->output_zero_point, q->output_scale, q->output_min,
                                                               q->output_max, 0, &op),
                   sprig_status_success);
  int8_t x[2 * 9], y[2 + GUARD_BYTES];
  for (size_t i = 0; i < 18; i++) {
    x[i] = (int8_t) (7 * i);
  }
  fill_bytes(y, sizeof(y), BYTE_SENTINEL);
  EXPECT_REFUSED(sprig_setup_global_average_pooling_nchw_qs8(op, x, y), sprig_status_invalid_state, "reshape");
  EXPECT_REFUSED(sprig_reshape_global_average_pooling_nchw_qs8(NULL, 1, 3, 3), sprig_status_invalid_parameter,
                 "op is NULL");
  EXPECT_REFUSED(sprig_reshape_global_average_pooling_nchw_qs8(f32_pool, 1, 3, 3), sprig_status_invalid_parameter,
                 "global_average_pooling");
  EXPECT_REFUSED(sprig_reshape_global_average_pooling_nchw_f32(op, 1, 3, 3), sprig_status_invalid_parameter,
                 "global_average_pooling_nchw_qs8");
  EXPECT_REFUSED(sprig_reshape_global_average_pooling_nchw_qs8(op, 0, 3, 3), sprig_status_invalid_parameter,
                 "must be > 0");
  EXPECT_REFUSED(sprig_reshape_global_average_pooling_nchw_qs8(op, 1, 3, 0), sprig_status_invalid_parameter,
                 "must be > 0");
  EXPECT_REFUSED(sprig_reshape_global_average_pooling_nchw_qs8(op, 1, 8421505, 1), sprig_status_invalid_parameter,
                 "pixels");
  EXPECT_REFUSED(sprig_reshape_global_average_pooling_nchw_qs8(op, SIZE_MAX, 2, 2), sprig_status_invalid_parameter,
                 "overflow");
  EXPECT_REFUSED(sprig_reshape_global_average_pooling_nchw_qs8(op, 1, SIZE_MAX, 2), sprig_status_invalid_parameter,
                 "overflow");
  assert_int_equal(sprig_reshape_global_average_pooling_nchw_qs8(op, 1, 3, 3), sprig_status_success);
  EXPECT_REFUSED(sprig_setup_global_average_pooling_nchw_qs8(op, NULL, y), sprig_status_invalid_parameter,
                 "input is NULL");
  EXPECT_REFUSED(sprig_setup_global_average_pooling_nchw_qs8(op, x, NULL), sprig_status_invalid_parameter,
                 "output is NULL");
  EXPECT_REFUSED(sprig_setup_global_average_pooling_nchw_qs8(op, x, x + 17), sprig_status_invalid_parameter,
                 "overlap");
  EXPECT_REFUSED(sprig_run_operator(op, NULL), sprig_status_invalid_state, "set up");
  assert_bytes_all(y, sizeof(y), BYTE_SENTINEL, "qs8 pooling output after refused calls");

  assert_int_equal(sprig_setup_global_average_pooling_nchw_qs8(op, x, y), sprig_status_success);
  assert_int_equal(sprig_run_operator(op, NULL), sprig_status_success);
  assert_int_equal(y[0], documented_mean(x, 9, q));
  assert_int_equal(y[1], documented_mean(x + 9, 9, q));
  assert_bytes_all(y + 2, GUARD_BYTES, BYTE_SENTINEL, "past the qs8 pooling output");
  /* A failed reshape keeps the plan, the scale included, and the binding. */
  EXPECT_REFUSED(sprig_reshape_global_average_pooling_nchw_qs8(op, 1, 8421505, 1), sprig_status_invalid_parameter,
                 "pixels");
  fill_bytes(y, 2, BYTE_SENTINEL);
  assert_int_equal(sprig_run_operator(op, NULL), sprig_status_success);
  assert_int_equal(y[1], documented_mean(x + 9, 9, q));
  assert_string_equal(sprig_operator_kernel_name(op), "sprig_qs8_gavgpool_minmax_nchw");
  assert_int_equal(sprig_delete_operator(op), sprig_status_success);
  assert_int_equal(sprig_delete_operator(f32_pool), sprig_status_success);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_add_every_pair),
      cmocka_unit_test(test_add_sizes_and_layouts),
      cmocka_unit_test(test_add_bad_input),
      cmocka_unit_test(test_pooling),
      cmocka_unit_test(test_pooling_extreme_sums),
      cmocka_unit_test(test_pooling_scale_rounding),
      cmocka_unit_test(test_pooling_bad_input),
  };
  return cmocka_run_group_tests_name("q8-companions", tests, setup_group, NULL);
}
