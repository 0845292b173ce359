/*
 * Every int8 direct depthwise convolution kernel of kernels/qs8-dwconv2d-chw/list.inc against a
 * plain-C reference (int64 window sums, kernels/reference's requantization), bit for bit.
 *
 * How to read this file: struct qdw_tester describes one call (input height and width, the
 * paddings, the quantization, how the inputs and weights are drawn). qdw_tester_run allocates
 * the input exactly input_height x input_width bytes (ending at a guard page where mprotect
 * exists), the scratch exactly the header's size, the output exactly output_height x
 * output_width bytes plus a few sentinel bytes after it, calls the kernel and compares every
 * output byte with the reference; the sentinels must be untouched. The cases at the end each run
 * the tester over a set of situations; every listed kernel runs every case as one CMocka test
 * "<kernel>: <case>" (SPRIG_TEST_FILTER=<glob> selects tests by that name).
 */
#include "test-util.h"

#include <stdbool.h>

#include <sprig.h>
#include <sprig/hardware.h>
#include <sprig/qs8-dwconv2d-chw.h>

#include "reference/reference.h"

enum draw {
  draw_random, /* uniform over int8 */
  draw_lowest, /* every value -128 */
  draw_highest, /* every value 127 */
  draw_zero,   /* every value 0 (weights only: the output is the requantized bias) */
};

struct qdw_tester {
  size_t height, width;
  uint32_t padding_top;
  size_t pad_bottom, pad_right;
  int32_t input_zero_point, output_zero_point, output_min, output_max;
  float scale;
  int32_t bias;
  enum draw inputs, weights;
  uint64_t seed;
};

static struct qdw_tester qdw_tester_for(size_t height, size_t width, uint64_t seed) {
  return (struct qdw_tester){.height = height, .width = width, .input_zero_point = 3, .output_zero_point = -5,
                             .output_min = -128, .output_max = 127, .scale = 0.0021f, .bias = 777,
                             .inputs = draw_random, .weights = draw_random, .seed = seed};
}

#define KERNEL(uk) \
  const struct sprig_qs8_dwconv2d_chw_ukernel* uk = (const struct sprig_qs8_dwconv2d_chw_ukernel*) ukernel

#define OUTPUT_GUARD 16
#define GUARD_BYTE 0x5A

static void draw_values(struct rng* rng, enum draw how, int8_t* data, size_t count) {
  for (size_t i = 0; i < count; i++) {
    switch (how) {
      case draw_random:
        data[i] = (int8_t) (rng_next(rng) >> 24);
        break;
      case draw_lowest:
        data[i] = INT8_MIN;
        break;
      case draw_highest:
        data[i] = INT8_MAX;
        break;
      default:
        data[i] = 0;
        break;
    }
  }
}

static size_t output_size(size_t input, size_t padding, size_t k, size_t s) {
  return input + padding < k ? 0 : (input + padding - k) / s + 1;
}

static int8_t expected_at(const struct qdw_tester* t, size_t k, size_t s, const int8_t* input, const int8_t* weights,
                          size_t y, size_t x) {
  const size_t p = (k - 1) / 2;
  int64_t sum = t->bias;
  for (size_t ky = 0; ky < k; ky++) {
    for (size_t kx = 0; kx < k; kx++) {
      const size_t r = y * s + ky, c = x * s + kx;
      const bool inside = r >= t->padding_top && r - t->padding_top < t->height && c >= p && c - p < t->width;
      const int32_t value = inside ? input[(r - t->padding_top) * t->width + (c - p)] : t->input_zero_point;
      sum += (int64_t) weights[ky * k + kx] * (value - t->input_zero_point);
    }
  }
  return sprig_reference_qs8_requantize_scaled((int32_t) (uint32_t) (uint64_t) sum, t->scale, t->output_zero_point,
                                               t->output_min, t->output_max);
}

static void describe(const struct qdw_tester* t, size_t k, size_t s, size_t oh, size_t ow, char* buffer,
                     size_t size) {
  snprintf(buffer, size,
           "%s (%zux%zu stride %zu: input %zux%zu padding_top=%u bottom=%zu right=%zu -> output %zux%zu, "
           "input_zp=%d output_zp=%d clamp=[%d, %d] scale=%g bias=%d inputs=%d weights=%d seed=%llu)",
           *kernel_test_name(), k, k, s, t->height, t->width, t->padding_top, t->pad_bottom, t->pad_right, oh, ow,
           (int) t->input_zero_point, (int) t->output_zero_point, (int) t->output_min, (int) t->output_max,
           (double) t->scale, (int) t->bias, (int) t->inputs, (int) t->weights, (unsigned long long) t->seed);
}

/* Runs tester t; returns false (and runs nothing) when its padding leaves no output. */
static bool qdw_tester_run(const struct qdw_tester* t, const struct sprig_qs8_dwconv2d_chw_ukernel* uk) {
  const size_t k = uk->kernel_size, s = uk->stride, p = (k - 1) / 2;
  const size_t oh = output_size(t->height, t->padding_top + t->pad_bottom, k, s);
  const size_t ow = output_size(t->width, p + t->pad_right, k, s);
  if (oh == 0 || ow == 0) {
    return false;
  }
  struct rng rng = {t->seed * 0x9E3779B97F4A7C15ull + k * 10 + s};
  struct guarded plane;
  int8_t* input = guarded_alloc(&plane, t->height * t->width);
  int8_t weights[25];
  draw_values(&rng, t->inputs, input, t->height * t->width);
  draw_values(&rng, t->weights, weights, k * k);
  const size_t scratch_bytes = sprig_qs8_dwconv2d_chw_scratch_bytes(t->width, oh, k, s);
  assert_true(scratch_bytes != SIZE_MAX && scratch_bytes % 64 == 0);
  void* scratch = aligned_alloc(64, scratch_bytes);
  int8_t* output = malloc(oh * ow + OUTPUT_GUARD);
  assert_non_null(scratch);
  assert_non_null(output);
  memset(scratch, 0xA5, scratch_bytes); /* garbage the kernel must not depend on */
  memset(output, GUARD_BYTE, oh * ow + OUTPUT_GUARD);

  const struct sprig_qs8_dwconv2d_chw_params params = {
      t->input_zero_point,
      {(float) (t->output_min - t->output_zero_point), (float) (t->output_max - t->output_zero_point),
       t->output_zero_point}};
  uk->fn(t->height, t->width, oh, ow, input, weights, t->bias, t->scale, output, t->padding_top, scratch, &params);

  char what[512];
  describe(t, k, s, oh, ow, what, sizeof(what));
  for (size_t i = 0; i < OUTPUT_GUARD; i++) {
    if ((uint8_t) output[oh * ow + i] != GUARD_BYTE) {
      fail_msg("%s: guard byte %zu after the output was written (%d)", what, i, (int) output[oh * ow + i]);
    }
  }
  for (size_t y = 0; y < oh; y++) {
    for (size_t x = 0; x < ow; x++) {
      const int8_t expected = expected_at(t, k, s, input, weights, y, x);
      if (output[y * ow + x] != expected) {
        fail_msg("%s: output (%zu, %zu) is %d, expected %d", what, y, x, (int) output[y * ow + x], (int) expected);
      }
    }
  }
  guarded_free(&plane);
  free(scratch);
  free(output);
  return true;
}

/* Runs tester t with every top, bottom and right padding (0 .. P) that leaves an output;
 * returns how many calls ran. */
static size_t run_paddings(struct qdw_tester t, const struct sprig_qs8_dwconv2d_chw_ukernel* uk) {
  const size_t p = (uk->kernel_size - 1) / 2;
  const uint64_t seed = t.seed;
  size_t runs = 0;
  for (uint32_t top = 0; top <= p; top++) {
    for (size_t bottom = 0; bottom <= p; bottom++) {
      for (size_t right = 0; right <= p; right++) {
        t.padding_top = top;
        t.pad_bottom = bottom;
        t.pad_right = right;
        t.seed = seed * 131 + top * 9 + bottom * 3 + right;
        runs += qdw_tester_run(&t, uk);
      }
    }
  }
  return runs;
}

/* ---- the cases (each runs on every listed kernel; the table below names them) ---- */

static void widths_sweep(const void* ukernel) {
  KERNEL(uk);
  /* Every width across two 16-output trips and two 32-column widening steps (and the rows'
   * tails in each), heights 1 .. 7, every padding. */
  for (size_t width = 1; width <= 70; width++) {
    struct qdw_tester t = qdw_tester_for(1 + width % 7, width, 1000 + width);
    assert_true(run_paddings(t, uk) > 0);
  }
}

static void heights_sweep(const void* ukernel) {
  KERNEL(uk);
  for (size_t height = 1; height <= 20; height++) {
    struct qdw_tester t = qdw_tester_for(height, 5 + height * 3, 2000 + height);
    assert_true(run_paddings(t, uk) > 0);
  }
}

static void mobilenet_planes(const void* ukernel) {
  KERNEL(uk);
  /* The plane sizes of MobileNet's depthwise layers (and one past each). */
  static const size_t sizes[] = {7, 14, 15, 28, 29, 56, 112, 113};
  for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    struct qdw_tester t = qdw_tester_for(sizes[i], sizes[i], 3000 + i);
    t.padding_top = (uint32_t) (uk->kernel_size - 1) / 2;
    t.pad_bottom = t.padding_top;
    t.pad_right = t.padding_top;
    assert_true(qdw_tester_run(&t, uk));
  }
}

static void zero_points(const void* ukernel) {
  KERNEL(uk);
  /* Zero points at both ends (the padding is the input zero point: its products must be 0). */
  static const int32_t points[][2] = {{-128, -128}, {127, 127}, {-128, 127}, {127, -128}, {0, 0}};
  for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
    struct qdw_tester t = qdw_tester_for(9, 37, 4000 + i);
    t.input_zero_point = points[i][0];
    t.output_zero_point = points[i][1];
    assert_true(run_paddings(t, uk) > 0);
  }
}

static void extreme_sums(const void* ukernel) {
  KERNEL(uk);
  /* The largest windows: every input at one end, the zero point at the other, every weight at
   * an end (|x - zp| = 255 times 128: 25 x 32640 for 5x5), a scale that keeps them in range
   * and one that saturates. */
  static const enum draw inputs[] = {draw_lowest, draw_highest};
  static const enum draw weights[] = {draw_lowest, draw_highest};
  for (size_t i = 0; i < 2; i++) {
    for (size_t w = 0; w < 2; w++) {
      for (size_t saturate = 0; saturate < 2; saturate++) {
        struct qdw_tester t = qdw_tester_for(6, 35, 5000 + i * 4 + w * 2 + saturate);
        t.inputs = inputs[i];
        t.weights = weights[w];
        t.input_zero_point = inputs[i] == draw_lowest ? 127 : -128;
        t.scale = saturate ? 0.75f : 1.0f / 8192.0f;
        t.bias = -3;
        assert_true(run_paddings(t, uk) > 0);
      }
    }
  }
}

static void clamps_and_ties(const void* ukernel) {
  KERNEL(uk);
  /* A narrow output clamp; a scale of 0.5 (every odd sum a tie, to even); a large scale that
   * saturates most outputs; a huge bias. */
  struct qdw_tester t = qdw_tester_for(8, 41, 6000);
  t.output_min = -20;
  t.output_max = 30;
  assert_true(run_paddings(t, uk) > 0);
  t = qdw_tester_for(8, 41, 6001);
  t.scale = 0.5f;
  t.inputs = draw_random;
  t.bias = 1;
  assert_true(run_paddings(t, uk) > 0);
  t = qdw_tester_for(5, 19, 6002);
  t.scale = 0.031f;
  t.output_zero_point = 100;
  assert_true(run_paddings(t, uk) > 0);
  t = qdw_tester_for(5, 19, 6003);
  t.bias = INT32_MAX - 1000;
  t.scale = 1e-7f;
  assert_true(run_paddings(t, uk) > 0);
}

static void zero_weights(const void* ukernel) {
  KERNEL(uk);
  /* Every weight 0: each output is the requantized bias. */
  struct qdw_tester t = qdw_tester_for(7, 33, 7000);
  t.weights = draw_zero;
  t.bias = -4321;
  assert_true(run_paddings(t, uk) > 0);
}

static const struct kernel_test_case cases[] = {
    {"widths 1 .. 70", widths_sweep, NULL},
    {"heights 1 .. 20", heights_sweep, NULL},
    {"MobileNet planes", mobilenet_planes, NULL},
    {"zero points at the ends", zero_points, NULL},
    {"extreme sums", extreme_sums, NULL},
    {"clamps, ties, saturation", clamps_and_ties, NULL},
    {"zero weights", zero_weights, NULL},
};

static enum sprig_isa isa_of(const void* entry) {
  return ((const struct sprig_qs8_dwconv2d_chw_ukernel*) entry)->isa;
}

static int initialize(void** state) {
  (void) state;
  (void) sprig_initialize();
  return 0;
}

int main(void) {
  return run_kernel_cases("qs8-dwconv2d-chw", sprig_qs8_dwconv2d_chw_ukernels, sprig_qs8_dwconv2d_chw_ukernel_count,
                          sizeof(sprig_qs8_dwconv2d_chw_ukernels[0]), isa_of, cases,
                          sizeof(cases) / sizeof(cases[0]), initialize);
}
