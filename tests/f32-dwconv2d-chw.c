/*
 * Every f32 direct depthwise convolution kernel of kernels/f32-dwconv2d-chw/list.inc against a
 * double-precision reference, case by case.
 *
 * How to read this file: struct chw_tester describes one call (input height and width, the top
 * padding, the bottom and right padding the output size is derived from, clamps, NaN inputs,
 * zero taps). chw_tester_run allocates the input exactly input_height x input_width floats (ending
 * at an inaccessible page where mprotect exists) and the `zero` row exactly input_width + 2 K
 * floats (so ASan sees any read outside them), the output exactly output_height x output_width
 * floats plus a few sentinel floats right after it,
 * calls the kernel, and compares every output float with the reference: within error_bound, NaN
 * where the reference is NaN, and the sentinels after the output bit-identical. The cases at the
 * end each run the tester over a set of situations and the table `cases` names them; every
 * listed kernel runs every case, as one CMocka test "<kernel>: <case>" (SPRIG_TEST_FILTER=<glob>
 * selects tests by that name). A failure names the test, the tester's parameters and the pixel.
 */
#include "test-util.h"

#include <stdbool.h>

#include <sprig.h>
#include <sprig/dwconv2d-chw.h>
#include <sprig/hardware.h>

struct chw_tester {
  size_t height, width;  /* the input plane */
  uint32_t padding_top;  /* 0 .. P */
  size_t pad_bottom;     /* 0 .. P: output_height = (height + top + bottom - K) / S + 1 */
  size_t pad_right;      /* 0 .. P: output_width = (width + P + right - K) / S + 1 */
  float min, max;        /* the output clamp */
  bool zero_taps;        /* every tap 0: the output is the clamped bias (NaN inputs aside) */
  size_t nan_inputs;     /* input floats set to NaN, at random places */
  uint64_t seed;
};

static struct chw_tester chw_tester_for(size_t height, size_t width) {
  return (struct chw_tester){.height = height, .width = width, .min = -INFINITY, .max = INFINITY, .seed = 11};
}

#define KERNEL(uk) \
  const struct sprig_f32_dwconv2d_chw_ukernel* uk = (const struct sprig_f32_dwconv2d_chw_ukernel*) ukernel

/* Pixels per vector of the kernels of each ISA (kernels/f32-dwconv2d-chw/<isa>.c): the widths
 * around which their edges and remainders change. */
static size_t vector_pixels(enum sprig_isa isa) {
  switch (isa) {
    case sprig_isa_avx2:
      return 8;
    case sprig_isa_avx512f:
      return 16;
    default:
      return 4;
  }
}

/* Output vectors per MODE_LOADS trip of the stride-1 kernels of each ISA, at most (aarch64: 8). */
static size_t trip_vectors(enum sprig_isa isa) {
  return isa == sprig_isa_neonfma ? 8 : 4;
}

/* Floats after the output that must stay untouched. */
#define OUTPUT_GUARD 4

static void describe(const struct chw_tester* t, size_t k, size_t s, size_t oh, size_t ow, char* buffer,
                     size_t size) {
  snprintf(buffer, size,
           "%s (%zux%zu stride %zu: input %zux%zu padding_top=%u bottom=%zu right=%zu -> output %zux%zu "
           "clamp=[%g, %g] zero_taps=%d nan_inputs=%zu seed=%llu)",
           *kernel_test_name(), k, k, s, t->height, t->width, t->padding_top, t->pad_bottom, t->pad_right, oh, ow,
           (double) t->min, (double) t->max, t->zero_taps, t->nan_inputs, (unsigned long long) t->seed);
}

/* Output size along one dimension, 0 when the padded input is shorter than the kernel. */
static size_t output_size(size_t input, size_t padding, size_t k, size_t s) {
  return input + padding < k ? 0 : (input + padding - k) / s + 1;
}

/* Runs tester t; returns false (and runs nothing) when its padding leaves no output. */
static bool chw_tester_run(const struct chw_tester* t, const struct sprig_f32_dwconv2d_chw_ukernel* uk) {
  const size_t k = uk->kernel_size, s = uk->stride, p = (k - 1) / 2;
  const size_t oh = output_size(t->height, t->padding_top + t->pad_bottom, k, s);
  const size_t ow = output_size(t->width, p + t->pad_right, k, s);
  if (oh == 0 || ow == 0) {
    return false;
  }
  struct rng rng = {t->seed * 0x9E3779B97F4A7C15ull + k * 10 + s};

  /* Everything exactly sized, so that ASan sees a read past any of it (the input: a guard page
   * as well, guarded_alloc). */
  const size_t input_floats = t->height * t->width;
  struct guarded plane;
  float* input = guarded_alloc(&plane, input_floats * sizeof(float));
  float* weights = malloc((k * k + 1) * sizeof(float));
  float* zero = calloc(t->width + 2 * k, sizeof(float));
  float* output = malloc((oh * ow + OUTPUT_GUARD) * sizeof(float));
  fill_random(&rng, input, input_floats);
  for (size_t i = 0; i < t->nan_inputs; i++) {
    input[rng_next(&rng) % input_floats] = NAN;
  }
  fill_random(&rng, weights, k * k + 1);
  if (t->zero_taps) {
    fill_value(weights + 1, k * k, 0.0f);
  }
  fill_value(output, oh * ow + OUTPUT_GUARD, SENTINEL);

  const struct sprig_f32_minmax_params params = {t->min, t->max};
  uk->fn(t->height, t->width, oh, ow, input, weights, zero, output, t->padding_top, &params);

  char what[512];
  describe(t, k, s, oh, ow, what, sizeof(what));
  for (size_t i = 0; i < t->width + 2 * k; i++) {
    if (zero[i] != 0.0f) {
      fail_msg("%s: zero[%zu] was written (%.9g)", what, i, (double) zero[i]);
    }
  }
  const float sentinel = SENTINEL;
  for (size_t i = 0; i < OUTPUT_GUARD; i++) {
    if (memcmp(&output[oh * ow + i], &sentinel, sizeof(float)) != 0) {
      fail_msg("%s: guard float %zu after the output was written (%.9g)", what, i, (double) output[oh * ow + i]);
    }
  }
  for (size_t y = 0; y < oh; y++) {
    for (size_t x = 0; x < ow; x++) {
      double sum = weights[0];
      double magnitude = fabs((double) weights[0]);
      for (size_t ky = 0; ky < k; ky++) {
        const size_t r = y * s + ky;
        if (r < t->padding_top || r - t->padding_top >= t->height) {
          continue;
        }
        for (size_t kx = 0; kx < k; kx++) {
          const size_t c = x * s + kx;
          if (c < p || c - p >= t->width) {
            continue;
          }
          const double product =
              (double) weights[1 + ky * k + kx] * (double) input[(r - t->padding_top) * t->width + (c - p)];
          sum += product;
          magnitude += fabs(product);
        }
      }
      float expected = (float) sum;
      expected = expected < t->min ? t->min : expected;
      expected = expected > t->max ? t->max : expected;
      const float actual = output[y * ow + x];
      if (isnan(expected)) {
        if (!isnan(actual)) {
          fail_msg("%s: output (%zu, %zu) is %.9g, expected NaN", what, y, x, (double) actual);
        }
        continue;
      }
      const float bound = error_bound(k * k, magnitude);
      if (!(fabsf(actual - expected) <= bound)) {
        fail_msg("%s: output (%zu, %zu) is %.9g, expected %.9g (bound %.3g)%s", what, y, x, (double) actual,
                 (double) expected, (double) bound,
                 memcmp(&actual, &sentinel, sizeof(float)) == 0 ? " (never written)" : "");
      }
    }
  }
  guarded_free(&plane);
  free(weights);
  free(zero);
  free(output);
  return true;
}

/* Runs tester t with every top padding (0 .. P) and every bottom and right padding (0 .. P)
 * that leaves an output. Returns how many calls ran. */
static size_t run_paddings(struct chw_tester t, const struct sprig_f32_dwconv2d_chw_ukernel* uk) {
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
        runs += chw_tester_run(&t, uk);
      }
    }
  }
  return runs;
}

/* Input width `width`, heights 1, 2, 3, 7 and 14, every padding. */
static void run_width(const struct sprig_f32_dwconv2d_chw_ukernel* uk, size_t width) {
  static const size_t heights[] = {1, 2, 3, 7, 14};
  size_t runs = 0;
  for (size_t h = 0; h < sizeof(heights) / sizeof(heights[0]); h++) {
    struct chw_tester t = chw_tester_for(heights[h], width);
    t.seed = width * 16 + h;
    runs += run_paddings(t, uk);
  }
  /* Some padding of some height leaves an output for every width (the widest padding does). */
  assert_true(runs > 0);
}

/* ---- the cases (each runs on every listed kernel; the table below names them) ---- */

static void width_1(const void* ukernel) {
  KERNEL(uk);
  run_width(uk, 1);
}

static void width_2(const void* ukernel) {
  KERNEL(uk);
  run_width(uk, 2);
}

static void width_3(const void* ukernel) {
  KERNEL(uk);
  run_width(uk, 3);
}

static void width_vector_minus_1(const void* ukernel) {
  KERNEL(uk);
  run_width(uk, vector_pixels(uk->isa) - 1);
}

static void width_vector(const void* ukernel) {
  KERNEL(uk);
  run_width(uk, vector_pixels(uk->isa));
}

static void width_vector_plus_1(const void* ukernel) {
  KERNEL(uk);
  run_width(uk, vector_pixels(uk->isa) + 1);
}

static void width_2_vectors_plus_3(const void* ukernel) {
  KERNEL(uk);
  run_width(uk, 2 * vector_pixels(uk->isa) + 3);
}

static void width_4_vectors_plus_5(const void* ukernel) {
  KERNEL(uk);
  run_width(uk, 4 * vector_pixels(uk->isa) + 5);
}

static void width_56(const void* ukernel) {
  KERNEL(uk);
  run_width(uk, 56);
}

static void width_112(const void* ukernel) {
  KERNEL(uk);
  run_width(uk, 112);
}

static void widths_sweep(const void* ukernel) {
  KERNEL(uk);
  /* Every width up to 2 trips + 2 vectors + 5 (every trip / smaller trip / single vector / clipped
   * end combination of a row, stride 2 included), heights 1 .. 7, every padding, a clamp now and
   * then. */
  const size_t last = (2 * trip_vectors(uk->isa) + 2) * vector_pixels(uk->isa) + 5;
  for (size_t width = 1; width <= last; width++) {
    struct chw_tester t = chw_tester_for(1 + (width % 4) * 2, width);
    if (width % 7 == 0) {
      t.min = -0.5f;
      t.max = 0.75f;
    }
    t.seed = 1000 + width;
    run_paddings(t, uk);
  }
}

static void run_clamped(const struct sprig_f32_dwconv2d_chw_ukernel* uk, float min, float max, uint64_t seed) {
  const size_t v = vector_pixels(uk->isa);
  const size_t widths[] = {3, 2 * v + 3, 112};
  for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
    struct chw_tester t = chw_tester_for(7, widths[w]);
    t.min = min;
    t.max = max;
    t.seed = seed + w;
    run_paddings(t, uk);
  }
}

static void clamp_min(const void* ukernel) {
  KERNEL(uk);
  run_clamped(uk, 0.25f, INFINITY, 300);
}

static void clamp_max(const void* ukernel) {
  KERNEL(uk);
  run_clamped(uk, -INFINITY, -0.25f, 310);
}

static void clamp_min_max(const void* ukernel) {
  KERNEL(uk);
  run_clamped(uk, -0.5f, 0.5f, 320);
}

static void zero_taps(const void* ukernel) {
  KERNEL(uk);
  /* Every tap zero: each output is the clamped bias. */
  const size_t v = vector_pixels(uk->isa);
  struct chw_tester t = chw_tester_for(7, 2 * v + 3);
  t.zero_taps = true;
  run_paddings(t, uk);
  t.min = 0.0f;
  t.max = 0.1f;
  t.width = 112;
  run_paddings(t, uk);
}

static void nan_propagation(const void* ukernel) {
  KERNEL(uk);
  /* NaN inputs make NaN outputs wherever a tap reads them (zero taps too: 0 * NaN is NaN), and
   * the clamp keeps them NaN. */
  const size_t v = vector_pixels(uk->isa);
  const size_t widths[] = {1, 3, v + 1, 2 * v + 3, 4 * v + 5, 56};
  for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
    struct chw_tester t = chw_tester_for(1 + w * 2, widths[w]);
    t.nan_inputs = 1 + widths[w] / 8;
    t.zero_taps = w == 3;
    if (w % 2 == 1) {
      t.min = -0.5f;
      t.max = 0.5f;
    }
    t.seed = 200 + w;
    run_paddings(t, uk);
  }
}

static const struct kernel_test_case cases[] = {
    {"width 1", width_1, NULL},
    {"width 2", width_2, NULL},
    {"width 3", width_3, NULL},
    {"width = vector - 1", width_vector_minus_1, NULL},
    {"width = vector", width_vector, NULL},
    {"width = vector + 1", width_vector_plus_1, NULL},
    {"width = 2 vectors + 3", width_2_vectors_plus_3, NULL},
    {"width = 4 vectors + 5", width_4_vectors_plus_5, NULL},
    {"width 56", width_56, NULL},
    {"width 112", width_112, NULL},
    {"widths 1 .. 2 trips + 2 vectors + 5", widths_sweep, NULL},
    {"clamp min", clamp_min, NULL},
    {"clamp max", clamp_max, NULL},
    {"clamp min and max", clamp_min_max, NULL},
    {"zero taps", zero_taps, NULL},
    {"NaN inputs propagate", nan_propagation, NULL},
};

static enum sprig_isa isa_of(const void* entry) {
  return ((const struct sprig_f32_dwconv2d_chw_ukernel*) entry)->isa;
}

static int initialize(void** state) {
  (void) state;
  (void) sprig_initialize();
  return 0;
}

int main(void) {
  return run_kernel_cases("f32-dwconv2d-chw", sprig_f32_dwconv2d_chw_ukernels, sprig_f32_dwconv2d_chw_ukernel_count,
                          sizeof(sprig_f32_dwconv2d_chw_ukernels[0]), isa_of, cases,
                          sizeof(cases) / sizeof(cases[0]), initialize);
}
