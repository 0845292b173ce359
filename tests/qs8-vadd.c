/*
 * Every int8 element-wise addition kernel of kernels/qs8-vadd/list.inc against the reference
 * formula (sprig_reference_qs8_add), output byte by output byte, case by case.
 *
 * struct vadd_tester describes one call: n values, the quantization (multipliers, zero points,
 * clamp), the inputs (random, or every (a, b) pair), and where the output goes (its own buffer,
 * a, or b). vadd_tester_run puts a and b at the end of guarded blocks (a read past them faults,
 * or in WebAssembly reads -1s that show in the results), fills the output with a sentinel
 * followed by guard bytes, runs the kernel and compares every output and the untouched bytes.
 * Each (kernel, case) pair is one CMocka test, skipped when this CPU or build cannot run the
 * kernel's ISA.
 */
#include "test-util.h"

#include <sprig/qs8-vadd.h>

#include "reference/reference.h"

enum vadd_inputs { inputs_random, inputs_every_pair };
enum vadd_output { output_own, output_is_a, output_is_b };

struct vadd_tester {
  size_t n;
  float a_multiplier, b_multiplier;
  int32_t a_zero_point, b_zero_point, output_zero_point;
  int32_t output_min, output_max;
  enum vadd_inputs inputs;
  enum vadd_output output;
  uint64_t seed;
};

#define GUARD 32
#define OUTPUT_SENTINEL ((int8_t) 0x5a)

static struct vadd_tester tester(size_t n) {
  return (struct vadd_tester){.n = n, .a_multiplier = 0.73f, .b_multiplier = 1.31f, .a_zero_point = -3,
                              .b_zero_point = 11, .output_zero_point = 5, .output_min = -128, .output_max = 127,
                              .seed = 1};
}

static void fill_inputs(const struct vadd_tester* t, int8_t* a, int8_t* b) {
  struct rng rng = {t->seed * 7919 + t->n * 131 + 17};
  for (size_t i = 0; i < t->n; i++) {
    if (t->inputs == inputs_every_pair) {
      a[i] = (int8_t) (uint8_t) (i & 255);
      b[i] = (int8_t) (uint8_t) ((i >> 8) & 255);
    } else {
      a[i] = (int8_t) (uint8_t) rng_next(&rng);
      b[i] = (int8_t) (uint8_t) rng_next(&rng);
    }
  }
}

static void vadd_tester_run(const struct vadd_tester* t, const struct sprig_qs8_vadd_ukernel* uk) {
  struct guarded ga, gb;
  int8_t* a = guarded_alloc(&ga, t->n);
  int8_t* b = guarded_alloc(&gb, t->n);
  int8_t* a0 = malloc(t->n);
  int8_t* b0 = malloc(t->n);
  int8_t* own = malloc(t->n + GUARD);
  assert_non_null(a0);
  assert_non_null(b0);
  assert_non_null(own);
  fill_inputs(t, a0, b0);
  memcpy(a, a0, t->n);
  memcpy(b, b0, t->n);
  memset(own, OUTPUT_SENTINEL, t->n + GUARD);
  int8_t* y = t->output == output_is_a ? a : t->output == output_is_b ? b : own;
  const struct sprig_qs8_vadd_params params = {
      t->a_multiplier, t->b_multiplier, t->a_zero_point, t->b_zero_point, t->output_zero_point,
      (float) (t->output_min - t->output_zero_point), (float) (t->output_max - t->output_zero_point)};
  uk->fn(t->n, a, b, y, &params);
  for (size_t i = 0; i < t->n; i++) {
    const int8_t expected =
        sprig_reference_qs8_add(a0[i], b0[i], t->a_multiplier, t->b_multiplier, t->a_zero_point, t->b_zero_point,
                                t->output_zero_point, t->output_min, t->output_max);
    if (y[i] != expected) {
      fail_msg("%s: value %zu of %zu: a %d, b %d (multipliers %.9g, %.9g, zero points %d, %d, %d, clamp [%d, %d]): "
               "got %d, expected %d",
               *kernel_test_name(), i, t->n, a0[i], b0[i], (double) t->a_multiplier, (double) t->b_multiplier,
               t->a_zero_point, t->b_zero_point, t->output_zero_point, t->output_min, t->output_max, y[i], expected);
    }
  }
  if (t->output != output_is_a && memcmp(a, a0, t->n) != 0) {
    fail_msg("%s: input a written (n = %zu)", *kernel_test_name(), t->n);
  }
  if (t->output != output_is_b && memcmp(b, b0, t->n) != 0) {
    fail_msg("%s: input b written (n = %zu)", *kernel_test_name(), t->n);
  }
  for (size_t i = t->output == output_own ? t->n : 0; i < t->n + GUARD; i++) {
    if (own[i] != OUTPUT_SENTINEL) {
      fail_msg("%s: byte %zu of the output buffer written (n = %zu, output %s)", *kernel_test_name(), i, t->n,
               t->output == output_own ? "own" : "in place");
    }
  }
  free(own);
  free(b0);
  free(a0);
  guarded_free(&gb);
  guarded_free(&ga);
}

/* ---- the cases ---- */

#define KERNEL(uk) const struct sprig_qs8_vadd_ukernel* uk = (const struct sprig_qs8_vadd_ukernel*) ukernel

static void one_value(const void* ukernel) {
  KERNEL(uk);
  const struct vadd_tester t = tester(1);
  vadd_tester_run(&t, uk);
}

/* Every count up to three steps of the widest kernel and past it: each tail length after 0-3
 * whole steps of 16, 32 and 64. */
static void sizes_sweep(const void* ukernel) {
  KERNEL(uk);
  for (size_t n = 1; n <= 200; n++) {
    struct vadd_tester t = tester(n);
    t.seed = n;
    vadd_tester_run(&t, uk);
  }
  const size_t long_sizes[] = {255, 256, 257, 1023, 4096, 4096 + 63, 75264};
  for (size_t i = 0; i < sizeof(long_sizes) / sizeof(long_sizes[0]); i++) {
    const struct vadd_tester t = tester(long_sizes[i]);
    vadd_tester_run(&t, uk);
  }
}

/* All 65536 (a, b) pairs, for quantizations that scale up, down, clamp, and put the zero points at
 * both ends. */
static void every_pair(const void* ukernel) {
  KERNEL(uk);
  static const struct {
    float ma, mb;
    int32_t za, zb, zy;
  } quants[] = {
      {0.73f, 1.31f, -3, 11, 5},     {0.5f, 0.5f, 0, 0, 0},          {1.0f, 1.0f, -128, 127, -128},
      {0.011f, 0.0073f, 127, -128, 127}, {2.5f, 0.25f, 17, -40, -9}, {0x1.fffffep-1f, 0x1.000002p-1f, 1, -1, 0},
  };
  for (size_t q = 0; q < sizeof(quants) / sizeof(quants[0]); q++) {
    struct vadd_tester t = tester(65536);
    t.inputs = inputs_every_pair;
    t.a_multiplier = quants[q].ma;
    t.b_multiplier = quants[q].mb;
    t.a_zero_point = quants[q].za;
    t.b_zero_point = quants[q].zb;
    t.output_zero_point = quants[q].zy;
    vadd_tester_run(&t, uk);
  }
}

/* Halves: sums of the form k + 0.5 must round to the even neighbour. */
static void ties_to_even(const void* ukernel) {
  KERNEL(uk);
  struct vadd_tester t = tester(65536);
  t.inputs = inputs_every_pair;
  t.a_multiplier = 0.5f;
  t.b_multiplier = 1.5f;
  t.output_zero_point = 0;
  vadd_tester_run(&t, uk);
}

/* Multipliers at the limits sprig.h allows: just below 256 (sums far past the clamp), tiny ones
 * (the smallest normal and a subnormal: every sum rounds to 0). */
static void extreme_multipliers(const void* ukernel) {
  KERNEL(uk);
  static const float multipliers[][2] = {
      {0x1.fffffep+7f, 0x1.fffffep+7f}, {0x1.fffffep+7f, 0x1p-126f}, {0x1p-126f, 0x1p-140f}, {0x1p-140f, 1.0f}};
  for (size_t i = 0; i < sizeof(multipliers) / sizeof(multipliers[0]); i++) {
    struct vadd_tester t = tester(65536);
    t.inputs = inputs_every_pair;
    t.a_multiplier = multipliers[i][0];
    t.b_multiplier = multipliers[i][1];
    vadd_tester_run(&t, uk);
  }
}

static void narrow_clamps(const void* ukernel) {
  KERNEL(uk);
  const int32_t clamps[][2] = {{-10, 20}, {0, 0}, {-128, -128}, {127, 127}, {-1, 6}};
  for (size_t i = 0; i < sizeof(clamps) / sizeof(clamps[0]); i++) {
    struct vadd_tester t = tester(4096 + 37);
    t.output_zero_point = -5;
    t.output_min = clamps[i][0];
    t.output_max = clamps[i][1];
    t.seed = i + 3;
    vadd_tester_run(&t, uk);
  }
}

static void in_place(const void* ukernel) {
  KERNEL(uk);
  const size_t sizes[] = {1, 15, 16, 17, 63, 64, 65, 1000};
  for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    struct vadd_tester t = tester(sizes[i]);
    t.output = output_is_a;
    vadd_tester_run(&t, uk);
    t.output = output_is_b;
    vadd_tester_run(&t, uk);
  }
}

static const struct kernel_test_case cases[] = {
    {"1 value", one_value, NULL},
    {"n 1 .. 200 and long", sizes_sweep, NULL},
    {"every (a, b) pair, 6 quantizations", every_pair, NULL},
    {"ties round to even", ties_to_even, NULL},
    {"multipliers near 256 and subnormal", extreme_multipliers, NULL},
    {"narrow clamps", narrow_clamps, NULL},
    {"output == a, output == b", in_place, NULL},
};

static enum sprig_isa isa_of(const void* entry) {
  return ((const struct sprig_qs8_vadd_ukernel*) entry)->isa;
}

static int initialize(void** state) {
  (void) state;
  return sprig_initialize() == sprig_status_success ? 0 : -1;
}

int main(void) {
  return run_kernel_cases("qs8-vadd", sprig_qs8_vadd_ukernels, sprig_qs8_vadd_ukernel_count,
                          sizeof(sprig_qs8_vadd_ukernels[0]), isa_of, cases, sizeof(cases) / sizeof(cases[0]),
                          initialize);
}
