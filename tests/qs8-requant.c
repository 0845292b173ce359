/*
 * Every int8 requantization kernel of kernels/qs8-requant/list.inc, both entry points (one scale
 * per row, one per column), against the reference formula
 * (sprig_reference_qs8_requantize_scaled), case by case.
 *
 * struct requant_tester describes one block: rows, columns, row strides with padding, the kind
 * of sums (random, exact ties, int32 extremes), the scales, the zero point and the clamp.
 * requant_tester_run makes the sums in a buffer that ends exactly at the last row's last column
 * and the scales in arrays of exactly rows or cols floats (so that ASan catches any read past
 * them), runs the kernel and compares every output byte; the padding after each output row and
 * guard bytes after the block must stay untouched. Each (kernel, case) pair is one CMocka test,
 * skipped when this CPU or build cannot run the kernel's ISA.
 */
#include "test-util.h"

#include <math.h>

#include <sprig/qs8-requant.h>

#include "reference/reference.h"

enum sums_kind {
  sums_random,   /* the scaled values mostly inside the clamp, some beyond it */
  sums_ties,     /* odd sums with scale 0.5: every value is halfway between two integers */
  sums_extremes, /* INT32_MIN, INT32_MAX, 0, +-1 with scales of 1000, 1 and just below: saturation */
};

struct requant_tester {
  size_t rows, cols;
  size_t sums_padding;   /* int32 words after each row's cols sums */
  size_t output_padding; /* bytes after each output row's cols values */
  enum sums_kind kind;
  int32_t zero_point, output_min, output_max;
  uint64_t seed;
};

#define GUARD 16
#define OUTPUT_SENTINEL ((int8_t) 0x5a)

static struct requant_tester tester(size_t rows, size_t cols) {
  return (struct requant_tester){.rows = rows, .cols = cols, .zero_point = 3, .output_min = -128, .output_max = 127,
                                 .seed = 1};
}

static int32_t random_sum(struct rng* rng, enum sums_kind kind) {
  switch (kind) {
    case sums_ties:
      return (int32_t) (rng_next(rng) % 601) * 2 - 601;
    case sums_extremes: {
      static const int32_t extremes[] = {INT32_MIN, INT32_MAX, 0, 1, -1, INT32_MIN + 1, INT32_MAX - 1};
      return extremes[rng_next(rng) % (sizeof(extremes) / sizeof(extremes[0]))];
    }
    case sums_random:
    default:
      return (int32_t) (rng_next(rng) % (1u << 21)) - (1 << 20);
  }
}

static float random_scale(struct rng* rng, enum sums_kind kind) {
  switch (kind) {
    case sums_ties:
      return 0.5f;
    case sums_extremes: {
      /* Saturating, and the largest scales below 1 (where a kernel may skip the upper clamp). */
      static const float scales[] = {1.0f, 1000.0f, 0x1.fffffep-1f, 0.5f};
      return scales[rng_next(rng) % 4];
    }
    case sums_random:
    default:
      /* |sum| < 2^20: values up to about +-400, so some clamp. */
      return (0.1f + 0.9f * rng_float(rng)) * 4.0e-4f;
  }
}

static void check_block(const struct requant_tester* t, bool per_column, const int32_t* sums, size_t sums_stride,
                        const float* scales, const int8_t* output, size_t output_stride, size_t output_bytes) {
  for (size_t r = 0; r < t->rows; r++) {
    for (size_t c = 0; c < output_stride; c++) {
      const size_t at = r * output_stride + c;
      if (at >= output_bytes) {
        break;
      }
      if (c >= t->cols) {
        if (output[at] != OUTPUT_SENTINEL) {
          fail_msg("%s: padding byte %zu of row %zu written (%zu x %zu)", *kernel_test_name(), c, r, t->rows,
                   t->cols);
        }
        continue;
      }
      const float scale = scales[per_column ? c : r];
      const int8_t expected = sprig_reference_qs8_requantize_scaled(sums[r * sums_stride + c], scale, t->zero_point,
                                                                    t->output_min, t->output_max);
      if (output[at] != expected) {
        fail_msg("%s (%s scales): row %zu col %zu of %zu x %zu: sum %d x scale %.9g: got %d, expected %d "
                 "(zero point %d, clamp [%d, %d])",
                 *kernel_test_name(), per_column ? "column" : "row", r, c, t->rows, t->cols,
                 sums[r * sums_stride + c], (double) scale, output[at], expected, t->zero_point, t->output_min,
                 t->output_max);
      }
    }
  }
  for (size_t g = (t->rows - 1) * output_stride + t->cols; g < output_bytes; g++) {
    if (output[g] != OUTPUT_SENTINEL) {
      fail_msg("%s: byte %zu after the block written", *kernel_test_name(), g);
    }
  }
}

static void requant_tester_run_one(const struct requant_tester* t, const struct sprig_qs8_requant_ukernel* uk,
                                   bool per_column) {
  struct rng rng = {t->seed * 7919 + t->rows * 131 + t->cols * 7 + (per_column ? 1 : 0)};
  const size_t sums_stride = t->cols + t->sums_padding;
  const size_t sums_count = (t->rows - 1) * sums_stride + t->cols;
  const size_t output_stride = t->cols + t->output_padding;
  const size_t output_bytes = (t->rows - 1) * output_stride + t->cols + GUARD;
  const size_t scale_count = per_column ? t->cols : t->rows;
  int32_t* sums = malloc(sums_count * sizeof(int32_t));
  float* scales = malloc(scale_count * sizeof(float));
  int8_t* output = malloc(output_bytes);
  assert_non_null(sums);
  assert_non_null(scales);
  assert_non_null(output);
  for (size_t i = 0; i < sums_count; i++) {
    sums[i] = random_sum(&rng, t->kind);
  }
  for (size_t i = 0; i < scale_count; i++) {
    scales[i] = random_scale(&rng, t->kind);
  }
  memset(output, OUTPUT_SENTINEL, output_bytes);
  const struct sprig_qs8_requant_params params = {(float) (t->output_min - t->zero_point),
                                                  (float) (t->output_max - t->zero_point), t->zero_point};
  const sprig_qs8_requant_ukernel_fn fn = per_column ? uk->columns : uk->rows;
  fn(t->rows, t->cols, sums, sums_stride * sizeof(int32_t), scales, output, output_stride, &params);
  check_block(t, per_column, sums, sums_stride, scales, output, output_stride, output_bytes);
  free(output);
  free(scales);
  free(sums);
}

static void requant_tester_run(const struct requant_tester* t, const struct sprig_qs8_requant_ukernel* uk) {
  requant_tester_run_one(t, uk, false);
  requant_tester_run_one(t, uk, true);
}

/* ---- the cases ---- */

#define KERNEL(uk) const struct sprig_qs8_requant_ukernel* uk = (const struct sprig_qs8_requant_ukernel*) ukernel

static void one_value(const void* ukernel) {
  KERNEL(uk);
  const struct requant_tester t = tester(1, 1);
  requant_tester_run(&t, uk);
}

static void cols_sweep(const void* ukernel) {
  KERNEL(uk);
  for (size_t cols = 1; cols <= 100; cols++) {
    struct requant_tester t = tester(cols % 3 + 1, cols);
    t.seed = cols;
    requant_tester_run(&t, uk);
  }
}

static void long_rows(const void* ukernel) {
  KERNEL(uk);
  const size_t cols[] = {256, 257, 784, 3136 + 5};
  for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
    const struct requant_tester t = tester(2, cols[i]);
    requant_tester_run(&t, uk);
  }
}

static void many_rows_one_column(const void* ukernel) {
  KERNEL(uk);
  const struct requant_tester t = tester(37, 1);
  requant_tester_run(&t, uk);
}

static void strides(const void* ukernel) {
  KERNEL(uk);
  for (size_t cols = 1; cols <= 40; cols += 3) {
    struct requant_tester t = tester(5, cols);
    t.sums_padding = cols % 5 + 1;
    t.output_padding = cols % 7 + 1;
    requant_tester_run(&t, uk);
  }
}

static void ties_to_even(const void* ukernel) {
  KERNEL(uk);
  for (size_t cols = 1; cols <= 70; cols += 23) {
    struct requant_tester t = tester(4, cols);
    t.kind = sums_ties;
    t.zero_point = 0;
    requant_tester_run(&t, uk);
  }
}

static void int32_extremes(const void* ukernel) {
  KERNEL(uk);
  for (size_t cols = 1; cols <= 70; cols += 17) {
    struct requant_tester t = tester(3, cols);
    t.kind = sums_extremes;
    requant_tester_run(&t, uk);
  }
}

static void zero_point_extremes(const void* ukernel) {
  KERNEL(uk);
  const int32_t zero_points[] = {-128, 127};
  for (size_t i = 0; i < 2; i++) {
    struct requant_tester t = tester(3, 45);
    t.zero_point = zero_points[i];
    requant_tester_run(&t, uk);
    t.kind = sums_extremes;
    requant_tester_run(&t, uk);
  }
}

static void narrow_clamps(const void* ukernel) {
  KERNEL(uk);
  const int32_t clamps[][2] = {{-10, 20}, {0, 0}, {-128, -128}, {127, 127}, {-1, 6}};
  const size_t cols[] = {5, 37, 69}; /* a short row, then tails of 37 and 5 after whole vectors */
  for (size_t i = 0; i < sizeof(clamps) / sizeof(clamps[0]); i++) {
    for (size_t j = 0; j < sizeof(cols) / sizeof(cols[0]); j++) {
      struct requant_tester t = tester(3, cols[j]);
      t.zero_point = -5;
      t.output_min = clamps[i][0];
      t.output_max = clamps[i][1];
      t.seed = i + 3;
      requant_tester_run(&t, uk);
    }
  }
}

static const struct kernel_test_case cases[] = {
    {"1 x 1", one_value, NULL},
    {"cols 1 .. 100", cols_sweep, NULL},
    {"long rows", long_rows, NULL},
    {"37 rows x 1 column", many_rows_one_column, NULL},
    {"padded row strides", strides, NULL},
    {"ties round to even", ties_to_even, NULL},
    {"int32 extremes, saturating scales", int32_extremes, NULL},
    {"zero point -128 and 127", zero_point_extremes, NULL},
    {"narrow clamps", narrow_clamps, NULL},
};

static enum sprig_isa isa_of(const void* entry) {
  return ((const struct sprig_qs8_requant_ukernel*) entry)->isa;
}

static int initialize(void** state) {
  (void) state;
  return sprig_initialize() == sprig_status_success ? 0 : -1;
}

int main(void) {
  return run_kernel_cases("qs8-requant", sprig_qs8_requant_ukernels, sprig_qs8_requant_ukernel_count,
                          sizeof(sprig_qs8_requant_ukernels[0]), isa_of, cases, sizeof(cases) / sizeof(cases[0]),
                          initialize);
}
