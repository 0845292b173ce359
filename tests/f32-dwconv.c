/*
 * Every f32 depthwise convolution kernel of kernels/f32-dwconv/list.inc against a double-precision
 * reference, case by case.
 *
 * How to read this file: struct dw_tester describes one call (rows, width, how the tap offsets
 * are laid out, output padding, clamps, weights, NaN inputs). dw_tester_run builds the tap
 * offsets the way src/operators/path-conv.c stages a 3x3 or 5x5 layer (zero-padded planes, one
 * per stride phase; or random offsets, negative ones too), allocates the input exactly from the
 * lowest byte any tap of any row reads to the highest (so ASan sees any read outside a tap's
 * [0, width) of a row), calls the kernel, and compares every output float with the reference:
 * pixels [0, width) of each row within error_bound, NaN where the reference is NaN, and every
 * float around them (row padding, a guard before the first row and after the last row's
 * padding) bit-identical to the sentinel it was filled with. The cases at the end each set up a tester for
 * one situation and the table `cases` names them; every listed kernel runs every case, as one
 * CMocka test "<kernel>: <case>". A failure names the test, the tester's parameters, the row
 * and the pixel.
 */
#include "test-util.h"

#include <stdbool.h>

#include <sprig.h>
#include <sprig/dwconv.h>
#include <sprig/hardware.h>

#define MAX_TAPS 25

/* How the tap offsets are laid out (for a k x k kernel, k = 3 for 9 taps, 5 for 25). */
enum staging {
  /* Stride 1, dilation 1: one plane P = width + k - 1 floats wide; tap (ky, kx) at
   * (ky * P + kx) * 4 bytes, rows P * 4 bytes apart. */
  staging_stride_1,
  /* Stride 2: four phase planes (py, px) of Hq = rows + (k - 1) / 2 rows of
   * P = width + (k - 1) / 2 floats, one after the other; tap (ky, kx) in plane (ky % 2, kx % 2)
   * at row ky / 2, column kx / 2. */
  staging_stride_2,
  /* Stride 1, dilation 2: P = width + 2 (k - 1); tap (ky, kx) at (2 ky * P + 2 kx) * 4. */
  staging_dilation_2,
  /* Any offsets in [-(3 width + 40), 3 width + 40] floats, at least one negative, and any row
   * stride from 0 to 2 width + 9 floats (rows may overlap). */
  staging_random,
};

static const char* const staging_names[] = {"stride 1", "stride 2 (phase planes)", "dilation 2", "random offsets"};

enum tap_values {
  taps_random,
  taps_zero,       /* every tap 0: the output is the clamped bias */
  taps_half_zero,  /* taps 0, 2, 4, ... are 0 */
};

struct dw_tester {
  size_t rows;
  size_t width;
  enum staging staging;
  size_t output_padding;  /* output rows are width + output_padding floats apart */
  float min, max;         /* the output clamp */
  enum tap_values tap_values;
  bool zero_bias;
  size_t nan_inputs;      /* input floats set to NaN (at random places of the read range) */
  uint64_t seed;
};

/* One row of 9 pixels of the 3x3 (or 5x5) stride-1 layout: the starting point of every case. */
static struct dw_tester dw_tester_for(void) {
  return (struct dw_tester){.rows = 3, .width = 9, .staging = staging_stride_1, .min = -INFINITY, .max = INFINITY,
                            .seed = 7};
}

#define KERNEL(uk) const struct sprig_f32_dwconv_ukernel* uk = (const struct sprig_f32_dwconv_ukernel*) ukernel

/* Pixels per vector and vectors per trip of the x loop of the kernels of each ISA
 * (kernels/f32-dwconv/<isa>.c): the widths around which their remainders change. */
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

static size_t trip_vectors(enum sprig_isa isa) {
  return isa == sprig_isa_scalar ? 1 : isa == sprig_isa_neonfma ? 8 : 4;
}

static size_t kernel_side(size_t taps) {
  return taps == 25 ? 5 : 3;
}

/* The taps' byte offsets and the input row stride of tester t (taps = k * k). */
static size_t make_offsets(struct rng* rng, const struct dw_tester* t, size_t taps, int32_t* offsets) {
  const size_t k = kernel_side(taps);
  switch (t->staging) {
    case staging_stride_1:
    case staging_dilation_2: {
      const size_t d = t->staging == staging_dilation_2 ? 2 : 1;
      const size_t plane_width = t->width + d * (k - 1);
      for (size_t ky = 0; ky < k; ky++) {
        for (size_t kx = 0; kx < k; kx++) {
          offsets[ky * k + kx] = (int32_t) ((ky * d * plane_width + kx * d) * sizeof(float));
        }
      }
      return plane_width * sizeof(float);
    }
    case staging_stride_2: {
      const size_t reach = (k - 1) / 2;
      const size_t plane_width = t->width + reach;
      const size_t plane_floats = (t->rows + reach) * plane_width;
      for (size_t ky = 0; ky < k; ky++) {
        for (size_t kx = 0; kx < k; kx++) {
          const size_t plane = (ky % 2) * 2 + kx % 2;
          offsets[ky * k + kx] =
              (int32_t) ((plane * plane_floats + (ky / 2) * plane_width + kx / 2) * sizeof(float));
        }
      }
      return plane_width * sizeof(float);
    }
    default: {
      const uint32_t range = (uint32_t) (3 * t->width + 40);
      for (size_t i = 0; i < taps; i++) {
        offsets[i] = ((int32_t) (rng_next(rng) % (2 * range + 1)) - (int32_t) range) * (int32_t) sizeof(float);
      }
      /* At least one tap before the row start. */
      const size_t negative = rng_next(rng) % taps;
      if (offsets[negative] >= 0) {
        offsets[negative] = -offsets[negative] - (int32_t) sizeof(float);
      }
      return (rng_next(rng) % (2 * t->width + 10)) * sizeof(float);
    }
  }
}

/* The tester's parameters, for failure messages. */
static void describe(const struct dw_tester* t, size_t input_row_stride, char* buffer, size_t size) {
  snprintf(buffer, size,
           "%s (%s rows=%zu width=%zu input_row_stride=%zu bytes output_stride=%zu floats clamp=[%g, %g] "
           "taps=%s zero_bias=%d nan_inputs=%zu seed=%llu)",
           *kernel_test_name(), staging_names[t->staging], t->rows, t->width, input_row_stride,
           t->width + t->output_padding, (double) t->min, (double) t->max,
           t->tap_values == taps_zero ? "zero" : t->tap_values == taps_half_zero ? "half zero" : "random",
           t->zero_bias, t->nan_inputs, (unsigned long long) t->seed);
}

/* Floats before the first output row and after the last that must stay untouched. */
#define OUTPUT_GUARD 8

static void dw_tester_run(const struct dw_tester* t, const struct sprig_f32_dwconv_ukernel* uk) {
  const size_t taps = uk->taps;
  struct rng rng = {t->seed * 0x9E3779B97F4A7C15ull + taps};

  /* Offsets and weights exactly sized, so ASan sees a read past them. */
  int32_t* offsets = malloc(taps * sizeof(int32_t));
  float* weights = malloc((taps + 1) * sizeof(float));
  const size_t input_row_stride = make_offsets(&rng, t, taps, offsets);
  fill_random(&rng, weights, taps + 1);
  if (t->zero_bias) {
    weights[0] = 0.0f;
  }
  for (size_t i = 0; i < taps; i++) {
    if (t->tap_values == taps_zero || (t->tap_values == taps_half_zero && i % 2 == 0)) {
      weights[1 + i] = 0.0f;
    }
  }

  /* The input: exactly the bytes [lowest, highest) the rows' taps read, relative to `input`. */
  ptrdiff_t lowest = offsets[0], highest = offsets[0];
  for (size_t i = 1; i < taps; i++) {
    lowest = SPRIG_TEST_MIN(lowest, (ptrdiff_t) offsets[i]);
    highest = SPRIG_TEST_MAX(highest, (ptrdiff_t) offsets[i]);
  }
  highest += (ptrdiff_t) ((t->rows - 1) * input_row_stride + t->width * sizeof(float));
  /* Every layout has a tap at offset 0 or below, so `input` points into the buffer. */
  assert_true(lowest <= 0);
  const size_t input_floats = (size_t) (highest - lowest) / sizeof(float);
  assert_true(input_floats >= t->width && input_floats < ((size_t) 1 << 28));
  float* buffer = malloc(input_floats * sizeof(float));
  fill_random(&rng, buffer, input_floats);
  for (size_t i = 0; i < t->nan_inputs; i++) {
    buffer[rng_next(&rng) % input_floats] = NAN;
  }
  const float* input = (const float*) ((const char*) buffer - lowest);

  /* The output: a guard, rows width + padding floats apart (the last one too), a guard. */
  const size_t output_stride = t->width + t->output_padding;
  const size_t output_floats = OUTPUT_GUARD + t->rows * output_stride + OUTPUT_GUARD;
  float* output_buffer = malloc(output_floats * sizeof(float));
  fill_value(output_buffer, output_floats, SENTINEL);
  float* output = output_buffer + OUTPUT_GUARD;

  const struct sprig_f32_minmax_params params = {t->min, t->max};
  uk->fn(t->rows, t->width, input, input_row_stride, offsets, weights, output, output_stride * sizeof(float),
         &params);

  char what[512];
  describe(t, input_row_stride, what, sizeof(what));
  const float sentinel = SENTINEL;
  for (size_t i = 0; i < output_floats; i++) {
    const float actual = output_buffer[i];
    const bool written = memcmp(&actual, &sentinel, sizeof(float)) != 0;
    if (i < OUTPUT_GUARD) {
      if (written) {
        fail_msg("%s: guard float %zu before the first row was written (%.9g)", what, OUTPUT_GUARD - i,
                 (double) actual);
      }
      continue;
    }
    const size_t j = i - OUTPUT_GUARD;
    if (j >= t->rows * output_stride) {
      if (written) {
        fail_msg("%s: guard float %zu after the last row's padding was written (%.9g)", what,
                 j - t->rows * output_stride, (double) actual);
      }
      continue;
    }
    const size_t y = j / output_stride;
    const size_t x = j % output_stride;
    if (x >= t->width) {
      if (written) {
        fail_msg("%s: row %zu: padding float %zu after the row was written (%.9g)", what, y, x - t->width,
                 (double) actual);
      }
      continue;
    }
    const char* row = (const char*) input + y * input_row_stride;
    double sum = weights[0];
    double magnitude = fabs((double) weights[0]);
    for (size_t k = 0; k < taps; k++) {
      const double product = (double) weights[1 + k] * (double) ((const float*) (row + offsets[k]))[x];
      sum += product;
      magnitude += fabs(product);
    }
    float expected = (float) sum;
    expected = expected < t->min ? t->min : expected;
    expected = expected > t->max ? t->max : expected;
    if (isnan(expected)) {
      if (!isnan(actual)) {
        fail_msg("%s: row %zu pixel %zu is %.9g, expected NaN", what, y, x, (double) actual);
      }
      continue;
    }
    const float bound = error_bound(taps, magnitude);
    if (!(fabsf(actual - expected) <= bound)) {
      fail_msg("%s: row %zu pixel %zu is %.9g, expected %.9g (bound %.3g)", what, y, x, (double) actual,
               (double) expected, (double) bound);
    }
  }
  free(offsets);
  free(weights);
  free(buffer);
  free(output_buffer);
}

/* Runs tester t for rows 1, 3 and 7. */
static void run_rows_1_3_7(struct dw_tester t, const struct sprig_f32_dwconv_ukernel* uk) {
  static const size_t rows[] = {1, 3, 7};
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    t.rows = rows[i];
    t.seed = t.seed * 31 + i;
    dw_tester_run(&t, uk);
  }
}

/* Runs the width `width` on every staging layout, rows 1, 3 and 7. */
static void run_width(const struct sprig_f32_dwconv_ukernel* uk, size_t width) {
  for (int s = staging_stride_1; s <= staging_random; s++) {
    struct dw_tester t = dw_tester_for();
    t.width = width;
    t.staging = (enum staging) s;
    t.seed = width * 4 + (uint64_t) s;
    run_rows_1_3_7(t, uk);
  }
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

static void width_trip_plus_3(const void* ukernel) {
  KERNEL(uk);
  /* One full trip of the x loop, then the 3-pixel rest. */
  run_width(uk, trip_vectors(uk->isa) * vector_pixels(uk->isa) + 3);
}

static void width_trip_vector_rest(const void* ukernel) {
  KERNEL(uk);
  /* Two trips, one single vector and a rest of vector - 1 pixels: every stage of a row. */
  const size_t v = vector_pixels(uk->isa);
  run_width(uk, 2 * trip_vectors(uk->isa) * v + v + v - 1);
}

static void width_113(const void* ukernel) {
  KERNEL(uk);
  run_width(uk, 113);
}

static void widths_sweep(const void* ukernel) {
  KERNEL(uk);
  /* Every width up to two trips + a vector + 3, the layouts, rows and clamps in turn. */
  const size_t v = vector_pixels(uk->isa);
  const size_t last = 2 * trip_vectors(uk->isa) * v + v + 3;
  for (size_t width = 1; width <= last; width++) {
    struct dw_tester t = dw_tester_for();
    t.width = width;
    t.rows = 1 + width % 3;
    t.staging = (enum staging) (width % 4);
    t.output_padding = width % 5 == 0 ? 3 : 0;
    if (width % 7 == 0) {
      t.min = -0.5f;
      t.max = 0.75f;
    }
    t.seed = 1000 + width;
    dw_tester_run(&t, uk);
  }
}

static void staging_wide_rows(const void* ukernel) {
  KERNEL(uk);
  /* A 112-pixel output row (MobileNet's first depthwise layer), each staging layout, 7 rows. */
  for (int s = staging_stride_1; s <= staging_random; s++) {
    struct dw_tester t = dw_tester_for();
    t.width = 112;
    t.rows = 7;
    t.staging = (enum staging) s;
    t.seed = 50 + (uint64_t) s;
    dw_tester_run(&t, uk);
  }
}

static void random_offsets(const void* ukernel) {
  KERNEL(uk);
  /* Offsets anywhere around the row, negative ones too, and any row stride (0 included). */
  for (uint64_t seed = 1; seed <= 24; seed++) {
    struct dw_tester t = dw_tester_for();
    t.staging = staging_random;
    t.width = 1 + (size_t) (seed * 13 % 71);
    t.rows = 1 + (size_t) (seed % 7);
    t.seed = seed;
    dw_tester_run(&t, uk);
  }
}

static void output_padding(const void* ukernel) {
  KERNEL(uk);
  /* Output rows wider than width: the floats between them (sentinels) stay untouched. */
  static const size_t paddings[] = {1, 3, 5, 17};
  const size_t v = vector_pixels(uk->isa);
  const size_t widths[] = {1, 3, v - 1, v + 1, trip_vectors(uk->isa) * v + 3, 113};
  for (size_t p = 0; p < sizeof(paddings) / sizeof(paddings[0]); p++) {
    for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
      struct dw_tester t = dw_tester_for();
      t.width = widths[w];
      t.rows = 7;
      t.output_padding = paddings[p];
      t.staging = (enum staging) ((p + w) % 4);
      t.seed = 100 + p * 8 + w;
      dw_tester_run(&t, uk);
    }
  }
}

static void clamp_min(const void* ukernel) {
  KERNEL(uk);
  struct dw_tester t = dw_tester_for();
  t.width = 113;
  t.min = 0.25f;
  run_rows_1_3_7(t, uk);
}

static void clamp_max(const void* ukernel) {
  KERNEL(uk);
  struct dw_tester t = dw_tester_for();
  t.width = 113;
  t.max = -0.25f;
  run_rows_1_3_7(t, uk);
}

static void clamp_min_max(const void* ukernel) {
  KERNEL(uk);
  struct dw_tester t = dw_tester_for();
  t.width = 113;
  t.min = -0.5f;
  t.max = 0.5f;
  t.staging = staging_stride_2;
  run_rows_1_3_7(t, uk);
}

static void zero_taps(const void* ukernel) {
  KERNEL(uk);
  /* Every tap zero: each output is the clamped bias. */
  struct dw_tester t = dw_tester_for();
  t.width = 113;
  t.tap_values = taps_zero;
  run_rows_1_3_7(t, uk);
  t.min = 0.0f;
  t.max = 0.1f;
  t.staging = staging_random;
  run_rows_1_3_7(t, uk);
}

static void half_zero_taps(const void* ukernel) {
  KERNEL(uk);
  struct dw_tester t = dw_tester_for();
  t.width = 113;
  t.tap_values = taps_half_zero;
  t.staging = staging_dilation_2;
  run_rows_1_3_7(t, uk);
}

static void zero_bias(const void* ukernel) {
  KERNEL(uk);
  struct dw_tester t = dw_tester_for();
  t.width = 37;
  t.zero_bias = true;
  run_rows_1_3_7(t, uk);
}

static void nan_propagation(const void* ukernel) {
  KERNEL(uk);
  /* NaN inputs make NaN outputs wherever a tap reads them (zero taps too: 0 * NaN is NaN), and
   * the clamp keeps them NaN. */
  const size_t v = vector_pixels(uk->isa);
  const size_t widths[] = {1, 3, v + 1, trip_vectors(uk->isa) * v + 3, 113};
  for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
    struct dw_tester t = dw_tester_for();
    t.width = widths[w];
    t.nan_inputs = 1 + widths[w] / 8;
    t.staging = (enum staging) (w % 4);
    t.tap_values = w == 2 ? taps_zero : w == 3 ? taps_half_zero : taps_random;
    if (w % 2 == 1) {
      t.min = -0.5f;
      t.max = 0.5f;
    }
    t.seed = 200 + w;
    run_rows_1_3_7(t, uk);
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
    {"width = trip (4 vectors) + 3", width_trip_plus_3, NULL},
    {"width = 2 trips + vector + (vector - 1)", width_trip_vector_rest, NULL},
    {"width 113", width_113, NULL},
    {"widths 1 .. 2 trips + vector + 3", widths_sweep, NULL},
    {"staging layouts, 112-pixel rows", staging_wide_rows, NULL},
    {"random offsets (negative too) and row strides", random_offsets, NULL},
    {"output stride > width (sentinels)", output_padding, NULL},
    {"clamp min", clamp_min, NULL},
    {"clamp max", clamp_max, NULL},
    {"clamp min and max", clamp_min_max, NULL},
    {"zero taps", zero_taps, NULL},
    {"half the taps zero", half_zero_taps, NULL},
    {"zero bias", zero_bias, NULL},
    {"NaN inputs propagate", nan_propagation, NULL},
};

static enum sprig_isa isa_of(const void* entry) {
  return ((const struct sprig_f32_dwconv_ukernel*) entry)->isa;
}

static int initialize(void** state) {
  (void) state;
  (void) sprig_initialize();
  return 0;
}

int main(void) {
  return run_kernel_cases("f32-dwconv", sprig_f32_dwconv_ukernels, sprig_f32_dwconv_ukernel_count,
                          sizeof(sprig_f32_dwconv_ukernels[0]), isa_of, cases, sizeof(cases) / sizeof(cases[0]),
                          initialize);
}
