/* The weightless companions of an NCHW network: global average pooling, element-wise add and
 * NHWC <-> NCHW conversion. Results against plain loops (awkward sizes, clamps, in place),
 * bitwise identical on pools of 1..4 threads, and every bad input refused with the documented
 * status, a logged reason and nothing written. */
#include "refusals.h"
#include "test-util.h"

#include <sprig.h>

static int setup_group(void** state) {
  (void) state;
  sprig_set_log_callback(capture_log, NULL, sprig_log_level_error);
  return 0;
}

static float clamp(float x, float lo, float hi) {
  x = x < lo ? lo : x;
  return x > hi ? hi : x;
}

static bool same_bits(float x, float y) {
  return memcmp(&x, &y, sizeof(float)) == 0;
}

static float float_from_bits(uint32_t bits) {
  float x;
  memcpy(&x, &bits, sizeof(float));
  return x;
}

/* Fails naming the first element of `actual` whose bits differ from `expected`'s. */
static void assert_same_bits(const float* actual, const float* expected, size_t count, const char* what) {
  for (size_t i = 0; i < count; i++) {
    if (!same_bits(actual[i], expected[i])) {
      fail_msg("%s: element %zu is %.9g, expected %.9g (bitwise)", what, i, (double) actual[i], (double) expected[i]);
    }
  }
}

/* Tensors of at least this many floats are split into several tasks by every operator here. */
#define MANY_TASKS_FLOATS 16384

/* Runs a set-up operator serially (NULL pool) and on pools of 1, 2, 3 and 4 threads (for
 * smaller tensors, which make one task, on one pool of 1..4 threads in turn: each pool creation
 * costs threads that spin on a machine with few cores); each run rewrites `output` (first
 * refilled with SENTINEL, `output_count` + 8 floats) and must equal `expected` bit for bit and
 * leave the 8 floats past the output untouched. `refresh`, when not NULL, restores the inputs
 * before each run (in-place operators overwrite them). `input_count`: floats the operator reads. */
static void check_runs(sprig_operator_t op, size_t input_count, float* output, size_t output_count,
                       const float* expected, void (*refresh)(void* context), void* context, const char* what) {
  static size_t rotation = 0;
  const bool every_pool = input_count >= MANY_TASKS_FLOATS;
  const size_t one_pool = 1 + rotation++ % 4;
  for (size_t threads = 0; threads <= 4; threads++) {
    if (threads != 0 && !every_pool && threads != one_pool) {
      continue;
    }
    if (refresh != NULL) {
      refresh(context);
    } else {
      fill_value(output, output_count, SENTINEL);
    }
    fill_value(output + output_count, 8, SENTINEL);
    pthreadpool_t pool = make_pool(threads);
    assert_int_equal(sprig_run_operator(op, pool), sprig_status_success);
    if (pool != NULL) {
      pthreadpool_destroy(pool);
    }
    char message[200];
    snprintf(message, sizeof(message), "%s, %zu threads (%s)", what, threads, sprig_operator_kernel_name(op));
    assert_same_bits(output, expected, output_count, message);
    assert_all_equal(output + output_count, 8, SENTINEL, message);
  }
}

/* ---- global average pooling ---- */

/* The documented summation order: 8 partial sums (element i into sum i mod 8, each from -0),
 * combined ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)), times the rounded 1 / n. */
static float documented_mean(const float* x, size_t n) {
  float s[8];
  for (size_t k = 0; k < 8; k++) {
    s[k] = -0.0f;
  }
  for (size_t i = 0; i < n; i++) {
    s[i % 8] += x[i];
  }
  const float sum = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
  return sum * (float) (1.0 / (double) n);
}

struct pool_case {
  size_t channels, batch, height, width;
  float lo, hi;
};

static void run_pool_case(const struct pool_case* c, uint64_t seed) {
  struct rng rng = {seed};
  const size_t pixels = c->height * c->width;
  const size_t rows = c->batch * c->channels;
  float* x = malloc(rows * pixels * sizeof(float));
  float* y = malloc((rows + 8) * sizeof(float));
  float* expected = malloc(rows * sizeof(float));
  fill_random(&rng, x, rows * pixels);
  /* Offsets per channel so that means are not all near 0. */
  for (size_t r = 0; r < rows; r++) {
    const float offset = rng_float(&rng);
    for (size_t p = 0; p < pixels; p++) {
      x[r * pixels + p] += offset;
    }
  }
  char what[160];
  snprintf(what, sizeof(what), "pooling %zu channels, batch %zu, %zu x %zu, clamp [%g, %g]", c->channels, c->batch,
           c->height, c->width, (double) c->lo, (double) c->hi);
  for (size_t r = 0; r < rows; r++) {
    /* Within a few roundoffs of the exact mean (a plain double loop)... */
    double sum = 0.0, magnitude = 0.0;
    for (size_t p = 0; p < pixels; p++) {
      sum += x[r * pixels + p];
      magnitude += fabs(x[r * pixels + p]);
    }
    const float exact = clamp((float) (sum / (double) pixels), c->lo, c->hi);
    expected[r] = clamp(documented_mean(x + r * pixels, pixels), c->lo, c->hi);
    const float bound = error_bound(pixels / 8 + 4, magnitude / (double) pixels);
    if (!(fabsf(expected[r] - exact) <= bound)) {
      fail_msg("%s: row %zu: documented order gives %.9g, exact mean %.9g", what, r, (double) expected[r],
               (double) exact);
    }
  }
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_global_average_pooling_nchw_f32(c->channels, c->lo, c->hi, 0, &op),
                   sprig_status_success);
  assert_int_equal(sprig_reshape_global_average_pooling_nchw_f32(op, c->batch, c->height, c->width),
                   sprig_status_success);
  assert_int_equal(sprig_setup_global_average_pooling_nchw_f32(op, x, y), sprig_status_success);
  /* ... and bit for bit the documented order, on every pool. */
  check_runs(op, rows * pixels, y, rows, expected, NULL, NULL, what);
  assert_int_equal(sprig_delete_operator(op), sprig_status_success);
  free(x);
  free(y);
  free(expected);
}

static void test_pooling(void** state) {
  (void) state;
  require_sprig();
  static const size_t shapes[][4] = {
      /* channels, batch, height, width */
      {1, 1, 1, 1},   {1, 1, 7, 7},  {3, 1, 1, 1},   {5, 3, 1, 1},  {1, 3, 3, 5},    {7, 3, 5, 3},
      {17, 2, 9, 11}, {2, 1, 1, 8},  {3, 2, 1, 9},   {4, 1, 3, 5},  {1280, 1, 7, 7}, {1280, 3, 7, 7},
      {9, 1, 64, 64}, {3, 2, 56, 56}, {200, 1, 1, 2}, {1, 1, 1, 1000}, {33, 1, 13, 1}, {2, 1, 301, 307},
  };
  uint64_t seed = 1;
  for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
    struct pool_case c = {shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][3], -INFINITY, INFINITY};
    run_pool_case(&c, seed++);
    c.lo = -0.25f;
    c.hi = 0.5f;
    run_pool_case(&c, seed++);
    c.lo = c.hi = 0.125f;
    run_pool_case(&c, seed++);
  }
}

/* -0 rows average to -0, NaN stays NaN through any clamp, infinities clamp. */
static void test_pooling_special_values(void** state) {
  (void) state;
  require_sprig();
  enum { channels = 4, pixels = 10 };
  float x[channels * pixels];
  fill_value(x, channels * pixels, -0.0f);
  for (size_t p = 0; p < pixels; p++) {
    x[1 * pixels + p] = 1.0f;
    x[3 * pixels + p] = 2.0f;
  }
  x[1 * pixels + 9] = NAN;      /* channel 1: NaN */
  x[2 * pixels + 3] = INFINITY; /* channel 2: +Inf */
  float y[channels + 8];
  for (int clamped = 0; clamped <= 1; clamped++) {
    sprig_operator_t op = NULL;
    assert_int_equal(sprig_create_global_average_pooling_nchw_f32(channels, clamped ? -1.0f : -INFINITY,
                                                                  clamped ? 1.5f : INFINITY, 0, &op),
                     sprig_status_success);
    assert_int_equal(sprig_reshape_global_average_pooling_nchw_f32(op, 1, 2, 5), sprig_status_success);
    assert_int_equal(sprig_setup_global_average_pooling_nchw_f32(op, x, y), sprig_status_success);
    const float expected[channels] = {-0.0f, NAN, clamped ? 1.5f : INFINITY, clamped ? 1.5f : 2.0f};
    for (size_t threads = 0; threads <= 2; threads++) {
      fill_value(y, channels + 8, SENTINEL);
      pthreadpool_t pool = make_pool(threads);
      assert_int_equal(sprig_run_operator(op, pool), sprig_status_success);
      if (pool != NULL) {
        pthreadpool_destroy(pool);
      }
      assert_true(y[0] == 0.0f && signbit(y[0]));
      assert_true(isnan(y[1]));
      assert_true(same_bits(y[2], expected[2]));
      assert_true(same_bits(y[3], expected[3]));
      assert_all_equal(y + channels, 8, SENTINEL, "past the output");
    }
    assert_int_equal(sprig_delete_operator(op), sprig_status_success);
  }
}

/* Reshape to another size, setup again: the new size is used. */
static void test_pooling_reshape(void** state) {
  (void) state;
  require_sprig();
  struct rng rng = {77};
  float x[2 * 3 * 4 * 5];
  float y[6 + 8];
  fill_random(&rng, x, 2 * 3 * 4 * 5);
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_global_average_pooling_nchw_f32(3, -INFINITY, INFINITY, 0, &op),
                   sprig_status_success);
  const size_t sizes[][3] = {{1, 4, 5}, {2, 4, 5}, {2, 20, 1}, {1, 1, 1}};
  for (size_t s = 0; s < 4; s++) {
    const size_t batch = sizes[s][0], pixels = sizes[s][1] * sizes[s][2];
    assert_int_equal(sprig_reshape_global_average_pooling_nchw_f32(op, batch, sizes[s][1], sizes[s][2]),
                     sprig_status_success);
    assert_int_equal(sprig_setup_global_average_pooling_nchw_f32(op, x, y), sprig_status_success);
    float expected[6];
    for (size_t r = 0; r < batch * 3; r++) {
      expected[r] = documented_mean(x + r * pixels, pixels);
    }
    check_runs(op, batch * 3 * pixels, y, batch * 3, expected, NULL, NULL, "pooling after reshape");
  }
  assert_int_equal(sprig_delete_operator(op), sprig_status_success);
}

/* ---- add ---- */

struct add_buffers {
  float* a;           /* may be the output */
  float* b;           /* may be the output or a */
  const float* a0;    /* the values a and b start with */
  const float* b0;
  size_t n;
};

static void refresh_add(void* context) {
  struct add_buffers* buffers = context;
  memcpy(buffers->a, buffers->a0, buffers->n * sizeof(float));
  if (buffers->b != buffers->a) {
    memcpy(buffers->b, buffers->b0, buffers->n * sizeof(float));
  }
}

enum add_layout { separate, into_a, into_b, a_is_b, all_same, layouts };
static const char* const layout_names[layouts] = {"separate", "output == a", "output == b", "a == b",
                                                  "output == a == b"};

static void run_add_case(size_t n, float lo, float hi, enum add_layout layout, uint64_t seed) {
  struct rng rng = {seed};
  float* a0 = malloc(n * sizeof(float));
  float* b0 = malloc(n * sizeof(float));
  float* a = malloc((n + 8) * sizeof(float));
  float* b = malloc((n + 8) * sizeof(float));
  float* out = malloc((n + 8) * sizeof(float));
  float* expected = malloc(n * sizeof(float));
  fill_random(&rng, a0, n);
  fill_random(&rng, b0, n);
  if (n > 10) {
    a0[3] = NAN;
    b0[5] = INFINITY;
    a0[7] = -INFINITY;
    a0[9] = -0.0f;
    b0[9] = -0.0f;
  }
  if (layout == a_is_b || layout == all_same) {
    memcpy(b0, a0, n * sizeof(float));
  }
  for (size_t i = 0; i < n; i++) {
    expected[i] = clamp(a0[i] + b0[i], lo, hi);
  }
  struct add_buffers buffers = {a, b, a0, b0, n};
  float* output = out;
  switch (layout) {
    case separate:
      break;
    case into_a:
      output = a;
      break;
    case into_b:
      output = b;
      break;
    case a_is_b:
      buffers.b = a;
      break;
    case all_same:
      buffers.b = a;
      output = a;
      break;
    default:
      fail();
  }
  refresh_add(&buffers);
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_add_f32(lo, hi, 0, &op), sprig_status_success);
  assert_int_equal(sprig_reshape_add_f32(op, n), sprig_status_success);
  assert_int_equal(sprig_setup_add_f32(op, buffers.a, buffers.b, output), sprig_status_success);
  char what[160];
  snprintf(what, sizeof(what), "add of %zu elements, %s, clamp [%g, %g]", n, layout_names[layout], (double) lo,
           (double) hi);
  check_runs(op, 2 * n, output, n, expected, output == out ? NULL : refresh_add, &buffers, what);
  if (output != out) {
    /* The other operand (when separate) is untouched. */
    if (layout == into_a) {
      assert_same_bits(b, b0, n, "add in place: b");
    } else if (layout == into_b) {
      assert_same_bits(a, a0, n, "add in place: a");
    }
  } else {
    assert_same_bits(a, a0, n, "add: a");
    if (buffers.b != a) {
      assert_same_bits(b, b0, n, "add: b");
    }
  }
  assert_int_equal(sprig_delete_operator(op), sprig_status_success);
  free(a0);
  free(b0);
  free(a);
  free(b);
  free(out);
  free(expected);
}

static void test_add(void** state) {
  (void) state;
  require_sprig();
  static const size_t sizes[] = {1, 2, 3, 7, 8, 9, 17, 31, 8191, 8192, 8193, 3 * 8192 + 5, 100003};
  uint64_t seed = 500;
  for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
    for (int layout = 0; layout < layouts; layout++) {
      run_add_case(sizes[s], -INFINITY, INFINITY, (enum add_layout) layout, seed++);
      run_add_case(sizes[s], -0.5f, 0.75f, (enum add_layout) layout, seed++);
    }
    run_add_case(sizes[s], 0.0f, 0.0f, separate, seed++);
  }
}

/* Inputs that partly overlap each other are fine (they are only read). */
static void test_add_overlapping_inputs(void** state) {
  (void) state;
  require_sprig();
  enum { n = 37 };
  struct rng rng = {9};
  float data[n + 5];
  fill_random(&rng, data, n + 5);
  float expected[n];
  for (size_t i = 0; i < n; i++) {
    expected[i] = data[i] + data[i + 5];
  }
  float y[n + 8];
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_add_f32(-INFINITY, INFINITY, 0, &op), sprig_status_success);
  assert_int_equal(sprig_reshape_add_f32(op, n), sprig_status_success);
  assert_int_equal(sprig_setup_add_f32(op, data, data + 5, y), sprig_status_success);
  check_runs(op, 2 * n, y, n, expected, NULL, NULL, "add of overlapping inputs");
  assert_int_equal(sprig_delete_operator(op), sprig_status_success);
}

/* ---- layout conversion ---- */

static void plain_nhwc_to_nchw(const float* x, float* y, size_t batch, size_t pixels, size_t channels) {
  for (size_t b = 0; b < batch; b++) {
    for (size_t p = 0; p < pixels; p++) {
      for (size_t c = 0; c < channels; c++) {
        y[(b * channels + c) * pixels + p] = x[(b * pixels + p) * channels + c];
      }
    }
  }
}

static void plain_nchw_to_nhwc(const float* x, float* y, size_t batch, size_t pixels, size_t channels) {
  for (size_t b = 0; b < batch; b++) {
    for (size_t p = 0; p < pixels; p++) {
      for (size_t c = 0; c < channels; c++) {
        y[(b * pixels + p) * channels + c] = x[(b * channels + c) * pixels + p];
      }
    }
  }
}

/* Values whose bits tell every position apart, plus a NaN with a payload and -0. */
static void fill_positions(float* x, size_t count) {
  for (size_t i = 0; i < count; i++) {
    x[i] = (float) i + 0.5f;
  }
  if (count > 2) {
    x[count / 2] = float_from_bits(0x7fc12345u);
    x[count - 1] = -0.0f;
  }
}

static void run_convert_case(size_t batch, size_t height, size_t width, size_t channels) {
  const size_t count = batch * height * width * channels;
  const size_t pixels = height * width;
  float* nhwc = malloc(count * sizeof(float));
  float* nchw = malloc((count + 8) * sizeof(float));
  float* back = malloc((count + 8) * sizeof(float));
  float* expected = malloc(count * sizeof(float));
  fill_positions(nhwc, count);
  char what[160];
  snprintf(what, sizeof(what), "NHWC -> NCHW, batch %zu, %zu x %zu, %zu channels", batch, height, width, channels);

  sprig_operator_t to_nchw = NULL, to_nhwc = NULL;
  assert_int_equal(sprig_create_convert_nhwc_to_nchw_f32(channels, 0, &to_nchw), sprig_status_success);
  assert_int_equal(sprig_create_convert_nchw_to_nhwc_f32(channels, 0, &to_nhwc), sprig_status_success);
  assert_int_equal(sprig_reshape_convert_f32(to_nchw, batch, height, width), sprig_status_success);
  assert_int_equal(sprig_reshape_convert_f32(to_nhwc, batch, height, width), sprig_status_success);

  plain_nhwc_to_nchw(nhwc, expected, batch, pixels, channels);
  assert_int_equal(sprig_setup_convert_f32(to_nchw, nhwc, nchw), sprig_status_success);
  check_runs(to_nchw, count, nchw, count, expected, NULL, NULL, what);

  /* Round trip: back to the original bits. */
  snprintf(what, sizeof(what), "NCHW -> NHWC round trip, batch %zu, %zu x %zu, %zu channels", batch, height, width,
           channels);
  assert_int_equal(sprig_setup_convert_f32(to_nhwc, nchw, back), sprig_status_success);
  check_runs(to_nhwc, count, back, count, nhwc, NULL, NULL, what);

  /* NCHW -> NHWC from an NCHW tensor of its own against the plain loop. */
  fill_positions(nchw, count);
  plain_nchw_to_nhwc(nchw, expected, batch, pixels, channels);
  snprintf(what, sizeof(what), "NCHW -> NHWC, batch %zu, %zu x %zu, %zu channels", batch, height, width, channels);
  check_runs(to_nhwc, count, back, count, expected, NULL, NULL, what);

  assert_int_equal(sprig_delete_operator(to_nchw), sprig_status_success);
  assert_int_equal(sprig_delete_operator(to_nhwc), sprig_status_success);
  free(nhwc);
  free(nchw);
  free(back);
  free(expected);
}

/* batch, height, width, channels: 1-4 rows or columns, blocks of 4 and 8 with every remainder,
 * tiles of 32 and past them, panels of several tasks. */
static const size_t convert_shapes[][4] = {
    {1, 1, 1, 1},    {1, 1, 1, 5},     {1, 3, 1, 1},   {3, 1, 1, 1},    {3, 5, 7, 1},     {1, 1, 1, 2},
    {2, 1, 1, 3},    {1, 1, 2, 3},     {3, 5, 7, 3},   {1, 2, 2, 4},    {1, 112, 112, 3}, {2, 3, 3, 2},
    {1, 7, 7, 1280}, {2, 13, 17, 33},  {1, 4, 1, 37},  {1, 33, 35, 2},  {3, 1, 3, 3},     {1, 1, 2, 2},
    {1, 9, 9, 5},    {1, 31, 33, 64},  {2, 1, 1, 4096}, {1, 1, 4, 4},   {1, 56, 56, 24},  {1, 1, 3, 1000},
    {1, 8, 8, 8},    {1, 3, 5, 9},     {2, 4, 4, 15},  {1, 17, 1, 17},  {1, 40, 40, 71},  {3, 6, 6, 8},
    {1, 2, 4, 7},
};
#define CONVERT_SHAPES (sizeof(convert_shapes) / sizeof(convert_shapes[0]))

static void test_convert(void** state) {
  (void) state;
  require_sprig();
  for (size_t s = 0; s < CONVERT_SHAPES; s++) {
    run_convert_case(convert_shapes[s][0], convert_shapes[s][1], convert_shapes[s][2], convert_shapes[s][3]);
  }
}

/* ---- 16- and 8-bit conversions ---- */

static enum sprig_status setup_x16(sprig_operator_t op, const void* input, void* output) {
  return sprig_setup_convert_x16(op, input, output);
}

static enum sprig_status setup_x8(sprig_operator_t op, const void* input, void* output) {
  return sprig_setup_convert_x8(op, input, output);
}

/* One element size's conversion entry points. */
struct narrow_convert {
  size_t bytes;
  const char* name;
  enum sprig_status (*create_to_nchw)(size_t channels, uint32_t flags, sprig_operator_t* op_out);
  enum sprig_status (*create_to_nhwc)(size_t channels, uint32_t flags, sprig_operator_t* op_out);
  enum sprig_status (*reshape)(sprig_operator_t op, size_t batch, size_t height, size_t width);
  enum sprig_status (*setup)(sprig_operator_t op, const void* input, void* output);
};

static const struct narrow_convert narrow_converts[] = {
    {2, "x16", sprig_create_convert_nhwc_to_nchw_x16, sprig_create_convert_nchw_to_nhwc_x16, sprig_reshape_convert_x16,
     setup_x16},
    {1, "x8", sprig_create_convert_nhwc_to_nchw_x8, sprig_create_convert_nchw_to_nhwc_x8, sprig_reshape_convert_x8,
     setup_x8},
};

#define BYTE_GUARD 16

/* The element [b][p][c] <-> [b][c][p] moves of `bytes` bytes each, byte by byte. */
static void plain_transpose_bytes(const uint8_t* x, uint8_t* y, size_t batch, size_t pixels, size_t channels,
                                  size_t bytes, bool to_nchw) {
  for (size_t b = 0; b < batch; b++) {
    for (size_t p = 0; p < pixels; p++) {
      for (size_t c = 0; c < channels; c++) {
        const size_t nhwc = (b * pixels + p) * channels + c, nchw = (b * channels + c) * pixels + p;
        memcpy(y + bytes * (to_nchw ? nchw : nhwc), x + bytes * (to_nchw ? nhwc : nchw), bytes);
      }
    }
  }
}

/* Runs op (set up to write `count` bytes at output) on pools of 0-4 threads: each run must give
 * `expected` and leave the BYTE_GUARD bytes after the output alone. */
static void check_byte_runs(sprig_operator_t op, uint8_t* output, size_t count, const uint8_t* expected,
                            const char* what) {
  for (size_t threads = 0; threads <= 4; threads++) {
    memset(output, 0xA5, count + BYTE_GUARD);
    pthreadpool_t pool = make_pool(threads);
    assert_int_equal(sprig_run_operator(op, pool), sprig_status_success);
    if (pool != NULL) {
      pthreadpool_destroy(pool);
    }
    for (size_t i = 0; i < count; i++) {
      if (output[i] != expected[i]) {
        fail_msg("%s, %zu threads (%s): byte %zu is %u, expected %u", what, threads, sprig_operator_kernel_name(op), i,
                 output[i], expected[i]);
      }
    }
    for (size_t i = count; i < count + BYTE_GUARD; i++) {
      if (output[i] != 0xA5) {
        fail_msg("%s, %zu threads: byte %zu past the output written", what, threads, i - count);
      }
    }
  }
}

static void run_narrow_convert_case(const struct narrow_convert* api, size_t batch, size_t height, size_t width,
                                    size_t channels) {
  const size_t pixels = height * width, count = batch * pixels * channels * api->bytes;
  uint8_t* nhwc = malloc(count);
  uint8_t* nchw = malloc(count + BYTE_GUARD);
  uint8_t* back = malloc(count + BYTE_GUARD);
  uint8_t* expected = malloc(count);
  assert_non_null(nhwc);
  assert_non_null(nchw);
  assert_non_null(back);
  assert_non_null(expected);
  struct rng rng = {batch * 7919 + height * 131 + width * 17 + channels + api->bytes};
  for (size_t i = 0; i < count; i++) {
    nhwc[i] = (uint8_t) rng_next(&rng);
  }
  sprig_operator_t to_nchw = NULL, to_nhwc = NULL;
  assert_int_equal(api->create_to_nchw(channels, 0, &to_nchw), sprig_status_success);
  assert_int_equal(api->create_to_nhwc(channels, 0, &to_nhwc), sprig_status_success);
  assert_int_equal(api->reshape(to_nchw, batch, height, width), sprig_status_success);
  assert_int_equal(api->reshape(to_nhwc, batch, height, width), sprig_status_success);
  char what[160];
  snprintf(what, sizeof(what), "%s NHWC -> NCHW, batch %zu, %zu x %zu, %zu channels", api->name, batch, height, width,
           channels);
  plain_transpose_bytes(nhwc, expected, batch, pixels, channels, api->bytes, true);
  assert_int_equal(api->setup(to_nchw, nhwc, nchw), sprig_status_success);
  check_byte_runs(to_nchw, nchw, count, expected, what);
  memcpy(nchw, expected, count);
  snprintf(what, sizeof(what), "%s NCHW -> NHWC round trip, batch %zu, %zu x %zu, %zu channels", api->name, batch,
           height, width, channels);
  assert_int_equal(api->setup(to_nhwc, nchw, back), sprig_status_success);
  check_byte_runs(to_nhwc, back, count, nhwc, what);
  assert_int_equal(sprig_delete_operator(to_nchw), sprig_status_success);
  assert_int_equal(sprig_delete_operator(to_nhwc), sprig_status_success);
  free(nhwc);
  free(nchw);
  free(back);
  free(expected);
}

static void test_convert_narrow(void** state) {
  (void) state;
  require_sprig();
  for (size_t k = 0; k < sizeof(narrow_converts) / sizeof(narrow_converts[0]); k++) {
    for (size_t s = 0; s < CONVERT_SHAPES; s++) {
      run_narrow_convert_case(&narrow_converts[k], convert_shapes[s][0], convert_shapes[s][1], convert_shapes[s][2],
                              convert_shapes[s][3]);
    }
  }
}

/* Every refusal of the f32 conversion, for each narrow size; and each size's reshape and setup
 * refuse the other sizes' operators. */
static void test_convert_narrow_bad_input(void** state) {
  (void) state;
  require_sprig();
  sprig_operator_t f32 = NULL;
  assert_int_equal(sprig_create_convert_nhwc_to_nchw_f32(3, 0, &f32), sprig_status_success);
  sprig_operator_t all[2][2] = {{NULL, NULL}, {NULL, NULL}};
  for (size_t k = 0; k < 2; k++) {
    const struct narrow_convert* api = &narrow_converts[k];
    sprig_operator_t op = UNTOUCHED_OP;
    EXPECT_REFUSED(api->create_to_nchw(3, 0, NULL), sprig_status_invalid_parameter, "op_out");
    EXPECT_REFUSED(api->create_to_nhwc(0, 0, &op), sprig_status_invalid_parameter, "channels");
    EXPECT_REFUSED(api->create_to_nchw(3, 4, &op), sprig_status_invalid_parameter, "flags");
    assert_ptr_equal(op, UNTOUCHED_OP);
    assert_int_equal(api->create_to_nchw(3, 0, &all[k][0]), sprig_status_success);
    assert_int_equal(api->create_to_nhwc(3, 0, &all[k][1]), sprig_status_success);
    assert_string_not_equal(sprig_operator_kernel_name(all[k][0]), sprig_operator_kernel_name(all[k][1]));
  }
  enum { elements = 2 * 3 * 4 * 5 };
  uint8_t x[2 * elements], y[2 * elements + BYTE_GUARD];
  for (size_t i = 0; i < sizeof(x); i++) {
    x[i] = (uint8_t) (i * 7);
  }
  for (size_t k = 0; k < 2; k++) {
    const struct narrow_convert* api = &narrow_converts[k];
    const size_t bytes = elements * api->bytes;
    EXPECT_REFUSED(api->reshape(NULL, 2, 4, 5), sprig_status_invalid_parameter, "op is NULL");
    EXPECT_REFUSED(api->reshape(f32, 2, 4, 5), sprig_status_invalid_parameter, "convert_nhwc_to_nchw");
    EXPECT_REFUSED(sprig_reshape_convert_f32(all[k][0], 2, 4, 5), sprig_status_invalid_parameter, api->name);
    EXPECT_REFUSED(api->reshape(all[1 - k][1], 2, 4, 5), sprig_status_invalid_parameter, narrow_converts[1 - k].name);
    for (size_t d = 0; d < 2; d++) {
      sprig_operator_t c = all[k][d];
      memset(y, 0xA5, sizeof(y));
      EXPECT_REFUSED(api->setup(c, x, y), sprig_status_invalid_state, "reshape");
      EXPECT_REFUSED(api->reshape(c, 0, 4, 5), sprig_status_invalid_parameter, "batch");
      EXPECT_REFUSED(api->reshape(c, 2, 4, 0), sprig_status_invalid_parameter, "> 0");
      EXPECT_REFUSED(api->reshape(c, SIZE_MAX, 2, 1), sprig_status_invalid_parameter, "overflow");
      EXPECT_REFUSED(api->reshape(c, 1, 1, SIZE_MAX / 3 / api->bytes + 1), sprig_status_invalid_parameter,
                     "overflow");
      assert_int_equal(api->reshape(c, 2, 4, 5), sprig_status_success);
      EXPECT_REFUSED(api->setup(c, NULL, y), sprig_status_invalid_parameter, "input");
      EXPECT_REFUSED(api->setup(c, x, NULL), sprig_status_invalid_parameter, "output");
      EXPECT_REFUSED(api->setup(c, y, y + bytes - 1), sprig_status_invalid_parameter, "overlap");
      EXPECT_REFUSED(api->setup(all[1 - k][d], x, y), sprig_status_invalid_parameter, narrow_converts[1 - k].name);
      EXPECT_REFUSED(sprig_setup_convert_f32(c, (const float*) x, (float*) y), sprig_status_invalid_parameter,
                     api->name);
      EXPECT_REFUSED(sprig_run_operator(c, NULL), sprig_status_invalid_state, "set up");
      for (size_t i = 0; i < sizeof(y); i++) {
        assert_int_equal(y[i], 0xA5);
      }
      assert_int_equal(api->setup(c, x, y), sprig_status_success);
      assert_int_equal(sprig_run_operator(c, NULL), sprig_status_success);
      for (size_t i = bytes; i < sizeof(y); i++) {
        assert_int_equal(y[i], 0xA5);
      }
      assert_int_equal(sprig_operator_weight_bytes(c), 0);
    }
  }
  for (size_t k = 0; k < 2; k++) {
    assert_int_equal(sprig_delete_operator(all[k][0]), sprig_status_success);
    assert_int_equal(sprig_delete_operator(all[k][1]), sprig_status_success);
  }
  assert_int_equal(sprig_delete_operator(f32), sprig_status_success);
}

/* ---- bad input ---- */

/* A linear operator: the wrong type for every companion. */
static sprig_operator_t make_linear(void) {
  static const float w[4] = {1, 0, 0, 1};
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_linear_f32(2, 2, w, NULL, NULL, -INFINITY, INFINITY, 0, &op), sprig_status_success);
  return op;
}

static void test_pooling_bad_input(void** state) {
  (void) state;
  require_sprig();
  sprig_operator_t op = UNTOUCHED_OP;
  EXPECT_REFUSED(sprig_create_global_average_pooling_nchw_f32(4, -INFINITY, INFINITY, 0, NULL),
                 sprig_status_invalid_parameter, "op_out");
  EXPECT_REFUSED(sprig_create_global_average_pooling_nchw_f32(0, -INFINITY, INFINITY, 0, &op),
                 sprig_status_invalid_parameter, "channels");
  EXPECT_REFUSED(sprig_create_global_average_pooling_nchw_f32(4, -INFINITY, INFINITY, 1, &op),
                 sprig_status_invalid_parameter, "flags");
  EXPECT_REFUSED(sprig_create_global_average_pooling_nchw_f32(4, -INFINITY, INFINITY, SPRIG_FLAG_INPUT_NHWC, &op),
                 sprig_status_invalid_parameter, "flags");
  EXPECT_REFUSED(sprig_create_global_average_pooling_nchw_f32(4, NAN, INFINITY, 0, &op),
                 sprig_status_invalid_parameter, "NaN");
  EXPECT_REFUSED(sprig_create_global_average_pooling_nchw_f32(4, -INFINITY, NAN, 0, &op),
                 sprig_status_invalid_parameter, "NaN");
  EXPECT_REFUSED(sprig_create_global_average_pooling_nchw_f32(4, 1.0f, 0.5f, 0, &op), sprig_status_invalid_parameter,
                 "output_min");
  assert_ptr_equal(op, UNTOUCHED_OP);

  sprig_operator_t linear = make_linear();
  sprig_operator_t add = NULL;
  assert_int_equal(sprig_create_add_f32(-INFINITY, INFINITY, 0, &add), sprig_status_success);
  assert_int_equal(sprig_create_global_average_pooling_nchw_f32(4, -1.0f, 1.0f, 0, &op), sprig_status_success);
  float x[2 * 4 * 3 * 5];
  float y[2 * 4 + 8];
  struct rng rng = {3};
  fill_random(&rng, x, 2 * 4 * 3 * 5);
  fill_value(y, 2 * 4 + 8, SENTINEL);

  /* Setup and run before reshape. */
  EXPECT_REFUSED(sprig_setup_global_average_pooling_nchw_f32(op, x, y), sprig_status_invalid_state, "reshape");
  EXPECT_REFUSED(sprig_run_operator(op, NULL), sprig_status_invalid_state, "set up");

  /* Reshape. */
  EXPECT_REFUSED(sprig_reshape_global_average_pooling_nchw_f32(NULL, 1, 3, 5), sprig_status_invalid_parameter,
                 "op is NULL");
  EXPECT_REFUSED(sprig_reshape_global_average_pooling_nchw_f32(linear, 1, 3, 5), sprig_status_invalid_parameter,
                 "linear");
  EXPECT_REFUSED(sprig_reshape_global_average_pooling_nchw_f32(add, 1, 3, 5), sprig_status_invalid_parameter,
                 "wrong type");
  EXPECT_REFUSED(sprig_reshape_global_average_pooling_nchw_f32(op, 0, 3, 5), sprig_status_invalid_parameter, "batch");
  EXPECT_REFUSED(sprig_reshape_global_average_pooling_nchw_f32(op, 1, 0, 5), sprig_status_invalid_parameter, "> 0");
  EXPECT_REFUSED(sprig_reshape_global_average_pooling_nchw_f32(op, 1, 3, 0), sprig_status_invalid_parameter, "> 0");
  EXPECT_REFUSED(sprig_reshape_global_average_pooling_nchw_f32(op, 1, SIZE_MAX, 2), sprig_status_invalid_parameter,
                 "overflow");
  EXPECT_REFUSED(sprig_reshape_global_average_pooling_nchw_f32(op, SIZE_MAX / 4, 1, 1),
                 sprig_status_invalid_parameter, "overflow");
  EXPECT_REFUSED(sprig_reshape_global_average_pooling_nchw_f32(op, 1, SIZE_MAX / 16 + 1, 1),
                 sprig_status_invalid_parameter, "overflow");
  /* A failed reshape keeps the operator unplanned. */
  EXPECT_REFUSED(sprig_setup_global_average_pooling_nchw_f32(op, x, y), sprig_status_invalid_state, "reshape");

  /* Setup. */
  assert_int_equal(sprig_reshape_global_average_pooling_nchw_f32(op, 2, 3, 5), sprig_status_success);
  EXPECT_REFUSED(sprig_run_operator(op, NULL), sprig_status_invalid_state, "set up");
  EXPECT_REFUSED(sprig_setup_global_average_pooling_nchw_f32(NULL, x, y), sprig_status_invalid_parameter,
                 "op is NULL");
  EXPECT_REFUSED(sprig_setup_global_average_pooling_nchw_f32(linear, x, y), sprig_status_invalid_parameter, "linear");
  EXPECT_REFUSED(sprig_setup_global_average_pooling_nchw_f32(add, x, y), sprig_status_invalid_parameter, "wrong type");
  EXPECT_REFUSED(sprig_setup_global_average_pooling_nchw_f32(op, NULL, y), sprig_status_invalid_parameter, "input");
  EXPECT_REFUSED(sprig_setup_global_average_pooling_nchw_f32(op, x, NULL), sprig_status_invalid_parameter, "output");
  /* The output inside the input, and the input's last float on the output's first. */
  EXPECT_REFUSED(sprig_setup_global_average_pooling_nchw_f32(op, x, x + 10), sprig_status_invalid_parameter,
                 "overlap");
  EXPECT_REFUSED(sprig_setup_global_average_pooling_nchw_f32(op, x, x + 2 * 4 * 3 * 5 - 1),
                 sprig_status_invalid_parameter, "overlap");
  EXPECT_REFUSED(sprig_run_operator(op, NULL), sprig_status_invalid_state, "set up");
  assert_all_equal(y, 2 * 4 + 8, SENTINEL, "pooling output after refused calls");

  /* Adjacent tensors do not overlap. */
  float xy[2 * 4 * 3 * 5 + 8];
  memcpy(xy, x, sizeof(x));
  assert_int_equal(sprig_setup_global_average_pooling_nchw_f32(op, xy, xy + 2 * 4 * 3 * 5), sprig_status_success);
  assert_int_equal(sprig_setup_global_average_pooling_nchw_f32(op, x, y), sprig_status_success);
  assert_int_equal(sprig_run_operator(op, NULL), sprig_status_success);
  float first[8];
  memcpy(first, y, sizeof(first));
  /* A failed reshape keeps the previous plan and binding: runs still compute the same. */
  EXPECT_REFUSED(sprig_reshape_global_average_pooling_nchw_f32(op, 0, 3, 5), sprig_status_invalid_parameter, "> 0");
  EXPECT_REFUSED(sprig_reshape_global_average_pooling_nchw_f32(op, SIZE_MAX, SIZE_MAX, 5),
                 sprig_status_invalid_parameter, "overflow");
  fill_value(y, 8, SENTINEL);
  assert_int_equal(sprig_run_operator(op, NULL), sprig_status_success);
  assert_same_bits(y, first, 8, "pooling after a refused reshape");
  assert_all_equal(y + 8, 8, SENTINEL, "past the pooling output");
  /* A successful reshape unbinds. */
  assert_int_equal(sprig_reshape_global_average_pooling_nchw_f32(op, 1, 3, 5), sprig_status_success);
  EXPECT_REFUSED(sprig_run_operator(op, NULL), sprig_status_invalid_state, "set up");

  assert_non_null(sprig_operator_kernel_name(op));
  assert_int_equal(sprig_operator_weight_bytes(op), 0);
  assert_int_equal(sprig_delete_operator(op), sprig_status_success);
  assert_int_equal(sprig_delete_operator(add), sprig_status_success);
  assert_int_equal(sprig_delete_operator(linear), sprig_status_success);
}

static void test_add_bad_input(void** state) {
  (void) state;
  require_sprig();
  sprig_operator_t op = UNTOUCHED_OP;
  EXPECT_REFUSED(sprig_create_add_f32(-INFINITY, INFINITY, 0, NULL), sprig_status_invalid_parameter, "op_out");
  EXPECT_REFUSED(sprig_create_add_f32(-INFINITY, INFINITY, 4, &op), sprig_status_invalid_parameter, "flags");
  EXPECT_REFUSED(sprig_create_add_f32(NAN, 1.0f, 0, &op), sprig_status_invalid_parameter, "NaN");
  EXPECT_REFUSED(sprig_create_add_f32(0.0f, NAN, 0, &op), sprig_status_invalid_parameter, "NaN");
  EXPECT_REFUSED(sprig_create_add_f32(INFINITY, -INFINITY, 0, &op), sprig_status_invalid_parameter, "output_min");
  assert_ptr_equal(op, UNTOUCHED_OP);

  sprig_operator_t linear = make_linear();
  sprig_operator_t pool = NULL;
  assert_int_equal(sprig_create_global_average_pooling_nchw_f32(2, -INFINITY, INFINITY, 0, &pool),
                   sprig_status_success);
  assert_int_equal(sprig_create_add_f32(-INFINITY, INFINITY, 0, &op), sprig_status_success);
  enum { n = 16 };
  float a[n], b[n], y[n + 8];
  for (size_t i = 0; i < n; i++) {
    a[i] = (float) i;
    b[i] = 100.0f * (float) i;
  }
  fill_value(y, n + 8, SENTINEL);

  EXPECT_REFUSED(sprig_setup_add_f32(op, a, b, y), sprig_status_invalid_state, "reshape");
  /* The state comes first: even NULL or overlapping tensors say "reshape first". */
  EXPECT_REFUSED(sprig_setup_add_f32(op, NULL, b, y), sprig_status_invalid_state, "reshape");
  EXPECT_REFUSED(sprig_run_operator(op, NULL), sprig_status_invalid_state, "set up");

  EXPECT_REFUSED(sprig_reshape_add_f32(NULL, n), sprig_status_invalid_parameter, "op is NULL");
  EXPECT_REFUSED(sprig_reshape_add_f32(linear, n), sprig_status_invalid_parameter, "linear");
  EXPECT_REFUSED(sprig_reshape_add_f32(pool, n), sprig_status_invalid_parameter, "global_average_pooling");
  EXPECT_REFUSED(sprig_reshape_add_f32(op, 0), sprig_status_invalid_parameter, "elements");
  EXPECT_REFUSED(sprig_reshape_add_f32(op, SIZE_MAX / 4 + 1), sprig_status_invalid_parameter, "overflow");
  EXPECT_REFUSED(sprig_reshape_add_f32(op, SIZE_MAX), sprig_status_invalid_parameter, "overflow");
  EXPECT_REFUSED(sprig_setup_add_f32(op, a, b, y), sprig_status_invalid_state, "reshape");

  assert_int_equal(sprig_reshape_add_f32(op, n), sprig_status_success);
  EXPECT_REFUSED(sprig_run_operator(op, NULL), sprig_status_invalid_state, "set up");
  EXPECT_REFUSED(sprig_setup_add_f32(NULL, a, b, y), sprig_status_invalid_parameter, "op is NULL");
  EXPECT_REFUSED(sprig_setup_add_f32(linear, a, b, y), sprig_status_invalid_parameter, "linear");
  EXPECT_REFUSED(sprig_setup_add_f32(pool, a, b, y), sprig_status_invalid_parameter, "wrong type");
  EXPECT_REFUSED(sprig_setup_add_f32(op, NULL, b, y), sprig_status_invalid_parameter, "a is NULL");
  EXPECT_REFUSED(sprig_setup_add_f32(op, a, NULL, y), sprig_status_invalid_parameter, "b is NULL");
  EXPECT_REFUSED(sprig_setup_add_f32(op, a, b, NULL), sprig_status_invalid_parameter, "output is NULL");
  /* Partial overlaps of the output with a or b, from either side, by one float. */
  float big[3 * n];
  fill_value(big, 3 * n, 1.0f);
  EXPECT_REFUSED(sprig_setup_add_f32(op, big + n, b, big + 1), sprig_status_invalid_parameter, "overlaps a");
  EXPECT_REFUSED(sprig_setup_add_f32(op, big + n, b, big + 2 * n - 1), sprig_status_invalid_parameter, "overlaps a");
  EXPECT_REFUSED(sprig_setup_add_f32(op, a, big + n, big + 1), sprig_status_invalid_parameter, "overlaps b");
  EXPECT_REFUSED(sprig_setup_add_f32(op, a, big + n, big + n + 1), sprig_status_invalid_parameter, "overlaps b");
  /* In place on a, with b overlapping a partly: then the output overlaps b. */
  EXPECT_REFUSED(sprig_setup_add_f32(op, big, big + 3, big), sprig_status_invalid_parameter, "overlaps b");
  EXPECT_REFUSED(sprig_setup_add_f32(op, big + 3, big, big), sprig_status_invalid_parameter, "overlaps a");
  EXPECT_REFUSED(sprig_run_operator(op, NULL), sprig_status_invalid_state, "set up");
  assert_all_equal(y, n + 8, SENTINEL, "add output after refused calls");
  assert_all_equal(big, 3 * n, 1.0f, "add overlapping buffers after refused calls");

  /* Adjacent is fine. */
  assert_int_equal(sprig_setup_add_f32(op, big, big + 2 * n, big + n), sprig_status_success);
  assert_int_equal(sprig_setup_add_f32(op, a, b, y), sprig_status_success);
  assert_int_equal(sprig_run_operator(op, NULL), sprig_status_success);
  for (size_t i = 0; i < n; i++) {
    assert_true(y[i] == 101.0f * (float) i);
  }
  /* A failed reshape keeps the plan and binding. */
  EXPECT_REFUSED(sprig_reshape_add_f32(op, 0), sprig_status_invalid_parameter, "elements");
  fill_value(y, n, SENTINEL);
  assert_int_equal(sprig_run_operator(op, NULL), sprig_status_success);
  for (size_t i = 0; i < n; i++) {
    assert_true(y[i] == 101.0f * (float) i);
  }
  assert_all_equal(y + n, 8, SENTINEL, "past the add output");
  assert_int_equal(sprig_reshape_add_f32(op, n), sprig_status_success);
  EXPECT_REFUSED(sprig_run_operator(op, NULL), sprig_status_invalid_state, "set up");

  assert_non_null(sprig_operator_kernel_name(op));
  assert_int_equal(sprig_operator_weight_bytes(op), 0);
  assert_int_equal(sprig_delete_operator(op), sprig_status_success);
  assert_int_equal(sprig_delete_operator(pool), sprig_status_success);
  assert_int_equal(sprig_delete_operator(linear), sprig_status_success);
}

static void test_convert_bad_input(void** state) {
  (void) state;
  require_sprig();
  sprig_operator_t op = UNTOUCHED_OP;
  EXPECT_REFUSED(sprig_create_convert_nhwc_to_nchw_f32(3, 0, NULL), sprig_status_invalid_parameter, "op_out");
  EXPECT_REFUSED(sprig_create_convert_nchw_to_nhwc_f32(3, 0, NULL), sprig_status_invalid_parameter, "op_out");
  EXPECT_REFUSED(sprig_create_convert_nhwc_to_nchw_f32(0, 0, &op), sprig_status_invalid_parameter, "channels");
  EXPECT_REFUSED(sprig_create_convert_nchw_to_nhwc_f32(0, 0, &op), sprig_status_invalid_parameter, "channels");
  EXPECT_REFUSED(sprig_create_convert_nhwc_to_nchw_f32(3, 1, &op), sprig_status_invalid_parameter, "flags");
  EXPECT_REFUSED(sprig_create_convert_nchw_to_nhwc_f32(3, 0x80000000u, &op), sprig_status_invalid_parameter, "flags");
  assert_ptr_equal(op, UNTOUCHED_OP);

  sprig_operator_t linear = make_linear();
  sprig_operator_t add = NULL;
  assert_int_equal(sprig_create_add_f32(-INFINITY, INFINITY, 0, &add), sprig_status_success);
  sprig_operator_t ops[2] = {NULL, NULL};
  assert_int_equal(sprig_create_convert_nhwc_to_nchw_f32(3, 0, &ops[0]), sprig_status_success);
  assert_int_equal(sprig_create_convert_nchw_to_nhwc_f32(3, 0, &ops[1]), sprig_status_success);
  assert_string_not_equal(sprig_operator_kernel_name(ops[0]), sprig_operator_kernel_name(ops[1]));

  enum { count = 2 * 3 * 4 * 5 };
  float x[count], y[count + 8];
  fill_positions(x, count);
  fill_value(y, count + 8, SENTINEL);
  EXPECT_REFUSED(sprig_reshape_convert_f32(NULL, 2, 4, 5), sprig_status_invalid_parameter, "op is NULL");
  EXPECT_REFUSED(sprig_reshape_convert_f32(linear, 2, 4, 5), sprig_status_invalid_parameter, "linear");
  EXPECT_REFUSED(sprig_reshape_convert_f32(add, 2, 4, 5), sprig_status_invalid_parameter, "add");
  EXPECT_REFUSED(sprig_setup_convert_f32(NULL, x, y), sprig_status_invalid_parameter, "op is NULL");
  EXPECT_REFUSED(sprig_setup_convert_f32(linear, x, y), sprig_status_invalid_parameter, "linear");
  EXPECT_REFUSED(sprig_setup_convert_f32(add, x, y), sprig_status_invalid_parameter, "add");
  for (size_t k = 0; k < 2; k++) {
    sprig_operator_t c = ops[k];
    EXPECT_REFUSED(sprig_setup_convert_f32(c, x, y), sprig_status_invalid_state, "reshape");
    EXPECT_REFUSED(sprig_run_operator(c, NULL), sprig_status_invalid_state, "set up");
    EXPECT_REFUSED(sprig_reshape_convert_f32(c, 0, 4, 5), sprig_status_invalid_parameter, "batch");
    EXPECT_REFUSED(sprig_reshape_convert_f32(c, 2, 0, 5), sprig_status_invalid_parameter, "> 0");
    EXPECT_REFUSED(sprig_reshape_convert_f32(c, 2, 4, 0), sprig_status_invalid_parameter, "> 0");
    EXPECT_REFUSED(sprig_reshape_convert_f32(c, SIZE_MAX, 2, 1), sprig_status_invalid_parameter, "overflow");
    EXPECT_REFUSED(sprig_reshape_convert_f32(c, 1, SIZE_MAX / 3 + 1, 1), sprig_status_invalid_parameter, "overflow");
    EXPECT_REFUSED(sprig_reshape_convert_f32(c, 1, 1, SIZE_MAX / 12 + 1), sprig_status_invalid_parameter, "overflow");
    EXPECT_REFUSED(sprig_setup_convert_f32(c, x, y), sprig_status_invalid_state, "reshape");

    assert_int_equal(sprig_reshape_convert_f32(c, 2, 4, 5), sprig_status_success);
    EXPECT_REFUSED(sprig_run_operator(c, NULL), sprig_status_invalid_state, "set up");
    EXPECT_REFUSED(sprig_setup_convert_f32(c, NULL, y), sprig_status_invalid_parameter, "input");
    EXPECT_REFUSED(sprig_setup_convert_f32(c, x, NULL), sprig_status_invalid_parameter, "output");
    EXPECT_REFUSED(sprig_setup_convert_f32(c, x, x), sprig_status_invalid_parameter, "overlap");
    EXPECT_REFUSED(sprig_setup_convert_f32(c, y, y + count - 1), sprig_status_invalid_parameter, "overlap");
    EXPECT_REFUSED(sprig_setup_convert_f32(c, y + 1, y), sprig_status_invalid_parameter, "overlap");
    EXPECT_REFUSED(sprig_run_operator(c, NULL), sprig_status_invalid_state, "set up");
    assert_all_equal(y, count + 8, SENTINEL, "conversion output after refused calls");

    assert_int_equal(sprig_setup_convert_f32(c, x, y), sprig_status_success);
    assert_int_equal(sprig_run_operator(c, NULL), sprig_status_success);
    float first[count];
    memcpy(first, y, sizeof(first));
    EXPECT_REFUSED(sprig_reshape_convert_f32(c, 2, 0, 5), sprig_status_invalid_parameter, "> 0");
    fill_value(y, count + 8, SENTINEL);
    assert_int_equal(sprig_run_operator(c, NULL), sprig_status_success);
    assert_same_bits(y, first, count, "conversion after a refused reshape");
    assert_all_equal(y + count, 8, SENTINEL, "past the conversion output");
    assert_int_equal(sprig_reshape_convert_f32(c, 1, 4, 5), sprig_status_success);
    EXPECT_REFUSED(sprig_run_operator(c, NULL), sprig_status_invalid_state, "set up");
    fill_value(y, count + 8, SENTINEL);
    assert_int_equal(sprig_operator_weight_bytes(c), 0);
  }
  for (size_t k = 0; k < 2; k++) {
    assert_int_equal(sprig_delete_operator(ops[k]), sprig_status_success);
  }
  assert_int_equal(sprig_delete_operator(add), sprig_status_success);
  assert_int_equal(sprig_delete_operator(linear), sprig_status_success);
}

/* Reshape and setup of the other companions refuse each companion type. */
static void test_companions_cross_types(void** state) {
  (void) state;
  require_sprig();
  sprig_operator_t pool = NULL, add = NULL, convert = NULL;
  assert_int_equal(sprig_create_global_average_pooling_nchw_f32(2, -INFINITY, INFINITY, 0, &pool),
                   sprig_status_success);
  assert_int_equal(sprig_create_add_f32(-INFINITY, INFINITY, 0, &add), sprig_status_success);
  assert_int_equal(sprig_create_convert_nchw_to_nhwc_f32(2, 0, &convert), sprig_status_success);
  float x[8] = {0}, y[8] = {0};
  EXPECT_REFUSED(sprig_reshape_global_average_pooling_nchw_f32(convert, 1, 1, 1), sprig_status_invalid_parameter,
                 "convert_nchw_to_nhwc");
  EXPECT_REFUSED(sprig_setup_global_average_pooling_nchw_f32(convert, x, y), sprig_status_invalid_parameter,
                 "convert_nchw_to_nhwc");
  EXPECT_REFUSED(sprig_reshape_add_f32(convert, 1), sprig_status_invalid_parameter, "convert_nchw_to_nhwc");
  EXPECT_REFUSED(sprig_setup_add_f32(convert, x, x, y), sprig_status_invalid_parameter, "convert_nchw_to_nhwc");
  EXPECT_REFUSED(sprig_reshape_convert_f32(pool, 1, 1, 1), sprig_status_invalid_parameter, "global_average_pooling");
  EXPECT_REFUSED(sprig_setup_convert_f32(pool, x, y), sprig_status_invalid_parameter, "global_average_pooling");
  /* And the weighted operators refuse the companions. */
  EXPECT_REFUSED(sprig_reshape_linear_f32(add, 1), sprig_status_invalid_parameter, "add");
  EXPECT_REFUSED(sprig_setup_linear_f32(pool, x, y), sprig_status_invalid_parameter, "global_average_pooling");
  EXPECT_REFUSED(sprig_reshape_conv2d_nchw_f32(convert, 1, 1, 1, NULL, NULL), sprig_status_invalid_parameter,
                 "convert");
  assert_int_equal(sprig_delete_operator(pool), sprig_status_success);
  assert_int_equal(sprig_delete_operator(add), sprig_status_success);
  assert_int_equal(sprig_delete_operator(convert), sprig_status_success);
  assert_int_equal(sprig_delete_operator(NULL), sprig_status_success);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pooling),
      cmocka_unit_test(test_pooling_special_values),
      cmocka_unit_test(test_pooling_reshape),
      cmocka_unit_test(test_add),
      cmocka_unit_test(test_add_overlapping_inputs),
      cmocka_unit_test(test_convert),
      cmocka_unit_test(test_convert_narrow),
      cmocka_unit_test(test_convert_narrow_bad_input),
      cmocka_unit_test(test_pooling_bad_input),
      cmocka_unit_test(test_add_bad_input),
      cmocka_unit_test(test_convert_bad_input),
      cmocka_unit_test(test_companions_cross_types),
  };
  return cmocka_run_group_tests_name("companions", tests, setup_group, NULL);
}
