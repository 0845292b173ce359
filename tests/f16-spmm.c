/*
 * Every f16 SpMM kernel of kernels/f16-spmm/list.inc against a double-precision reference,
 * case by case.
 *
 * struct f16_tester describes one problem: pixels, channels, entries per channel, input rows,
 * the kind of values (ordinary, Inf / NaN inputs, subnormal inputs and outputs, sums beyond
 * 65504), the clamp, input stride and output padding, split calls. f16_tester_run draws the
 * channels' entries as one random walk over the input rows (steps of either sign, at most
 * SPRIG_SPMM_MAX_STEP), makes an input buffer that ends at the last row's pixel mc (so that ASan
 * catches a read past it), calls the kernel as the operators do and checks every output half:
 *   - NaN where the exact clamped sum is NaN, the same infinity where it is infinite;
 *   - else within 1 ulp of the exact clamped sum rounded once to half (the sum computed in
 *     double), or within the accumulation error bound of the kernel's precision:
 *     (nnz + 1) * u * (|bias| + sum |w * x|) + (nnz + 1) * 2^-24 + 1 ulp, with u = 2^-24 for the
 *     kernels that sum in f32 and 2^-11 for those that sum in half (avx512fp16, neonfp16arith);
 *     the first matters only where the sum cancels;
 *   - the padding after pixel mc of each channel and guard halves around the output untouched.
 * Every listed kernel runs every case as one CMocka test "<kernel>: <case>", skipped when this
 * CPU or build cannot run the kernel's ISA. SPRIG_TEST_FILTER=<glob> runs only matching tests.
 */
#include "test-util.h"

#include <sprig/f16-spmm.h>
#include <sprig/half.h>
#include <sprig/spmm.h>

enum values {
  values_ordinary,  /* weights, inputs, biases of magnitude up to ~2 */
  values_special,   /* ordinary, with some inputs +-Inf or NaN and some weights zero */
  values_subnormal, /* inputs subnormal halves or small, outputs mostly subnormal */
  values_overflow,  /* inputs near 65504, positive weights and biases: sums beyond 65504 */
};

struct f16_tester {
  size_t mc;            /* pixels */
  size_t nc;            /* output channels */
  uint32_t max_entries; /* entries per channel: uniform in [0, max_entries] */
  bool exact_entries;   /* exactly max_entries per channel */
  bool empty_channels;  /* channels 1, 4, 7, ... have none */
  bool every_row;       /* 0% sparse: channel n's entries are rows 0 .. rows - 1, ascending for even
                         * n, descending for odd n (with exact_entries and max_entries = rows) */
  uint32_t rows;        /* input rows the walk stays in */
  enum values values;
  bool negative;        /* values_overflow: all signs flipped (sums below -65504) */
  float min, max;       /* the clamp (halves) */
  size_t input_padding; /* halves between a row's pixel mc and the next row */
  size_t output_padding;
  bool split; /* 2 x 2 calls: at an odd pixel and a middle channel */
  size_t far_stride;    /* not 0: the kernel reads the input rows this many bytes apart */
  uint64_t seed;
};

#define GUARD 8
#define OUTPUT_SENTINEL ((uint16_t) 0x5a5a)

static struct f16_tester f16_tester_for(const struct sprig_f16_spmm_ukernel* uk) {
  return (struct f16_tester){.mc = uk->mr, .nc = 5, .max_entries = 40, .rows = 64, .min = -INFINITY,
                             .max = INFINITY, .seed = 1};
}

static bool sums_in_half(const struct sprig_f16_spmm_ukernel* uk) {
  return uk->isa == sprig_isa_avx512fp16 || uk->isa == sprig_isa_neonfp16arith;
}

/* Uniform in [lo, hi], as the nearest half. */
static uint16_t random_half(struct rng* rng, double lo, double hi) {
  const double u = (double) rng_next(rng) / 4294967296.0;
  return sprig_float_to_half((float) (lo + (hi - lo) * u));
}

static uint16_t random_input(struct rng* rng, const struct f16_tester* t) {
  switch (t->values) {
    case values_special: {
      const uint32_t r = rng_next(rng) % 16;
      if (r == 0) {
        return 0x7C00; /* +Inf */
      }
      if (r == 1) {
        return 0xFC00; /* -Inf */
      }
      if (r == 2) {
        return (uint16_t) (0x7E00 | (rng_next(rng) & 0x1FF)); /* NaN */
      }
      return random_half(rng, -2.0, 2.0);
    }
    case values_subnormal:
      /* Subnormal halves (bits 1 .. 0x3FF, either sign), or small normal ones. */
      if (rng_next(rng) % 2) {
        return (uint16_t) ((rng_next(rng) & 0x8000) | (1 + rng_next(rng) % 0x3FF));
      }
      return random_half(rng, -0x1.0p-10, 0x1.0p-10);
    case values_overflow:
      return random_half(rng, t->negative ? -65504.0 : 30000.0, t->negative ? -30000.0 : 65504.0);
    case values_ordinary:
    default:
      return random_half(rng, -2.0, 2.0);
  }
}

static uint16_t random_weight(struct rng* rng, const struct f16_tester* t) {
  switch (t->values) {
    case values_special:
      return rng_next(rng) % 8 == 0 ? 0 : random_half(rng, -1.0, 1.0);
    case values_subnormal:
      return random_half(rng, -2.0, 2.0);
    case values_overflow:
      return random_half(rng, 1.0, 4.0);
    case values_ordinary:
    default:
      return random_half(rng, -1.0, 1.0);
  }
}

static uint16_t random_bias(struct rng* rng, const struct f16_tester* t) {
  switch (t->values) {
    case values_subnormal:
      return random_half(rng, -0x1.0p-16, 0x1.0p-16);
    case values_overflow:
      return t->negative ? 0xFBFF : 0x7BFF; /* -+65504 */
    case values_special:
    case values_ordinary:
    default:
      return random_half(rng, -1.0, 1.0);
  }
}

/* d rounded once to the nearest half, ties to even (beyond 65520 in magnitude: infinity). */
static uint16_t double_to_half(double d) {
  if (isnan(d)) {
    return 0x7E00;
  }
  if (fabs(d) >= 65520.0) {
    return d > 0 ? 0x7C00 : 0xFC00;
  }
  int exponent;
  frexp(fabs(d), &exponent); /* |d| in [2^(exponent-1), 2^exponent) */
  const int ulp_exponent = exponent - 1 < -14 ? -24 : exponent - 1 - 10;
  const double q = ldexp(nearbyint(ldexp(d, -ulp_exponent)), ulp_exponent);
  return sprig_float_to_half((float) q); /* q is a half: exact */
}

/* Halves in the order of their values (for distances in ulps); -0 and +0 are both 0. */
static int32_t half_order(uint16_t h) {
  return (h & 0x8000) ? -(int32_t) (h & 0x7FFF) : (int32_t) h;
}

static double half_ulp(uint16_t h) {
  const int exponent = (h >> 10) & 0x1F;
  return ldexp(1.0, (exponent == 0 ? 1 : exponent) - 15 - 10);
}

static bool half_is_nan(uint16_t h) {
  return (h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0;
}

static void check_output(const struct sprig_f16_spmm_ukernel* uk, const struct f16_tester* t, size_t n, size_t p,
                         uint16_t actual, double exact, double magnitude, uint32_t entries) {
  const double clamped = isnan(exact) ? exact : fmin(fmax(exact, (double) t->min), (double) t->max);
  const uint16_t expected = double_to_half(clamped);
  if (isnan(clamped) || isinf(clamped)) {
    if (isnan(clamped) ? !half_is_nan(actual) : actual != expected) {
      fail_msg("%s: mc %zu nc %zu: channel %zu pixel %zu: got 0x%04x, expected 0x%04x", *kernel_test_name(), t->mc,
               t->nc, n, p, actual, expected);
    }
    return;
  }
  const int32_t distance = half_order(actual) - half_order(expected);
  if (!half_is_nan(actual) && distance >= -1 && distance <= 1) {
    return;
  }
  const double u = sums_in_half(uk) ? 0x1.0p-11 : 0x1.0p-24;
  const double bound = (entries + 1.0) * (u * magnitude + 0x1.0p-24) + half_ulp(expected);
  const double got = sprig_half_to_float(actual);
  if (half_is_nan(actual) || !(fabs(got - clamped) <= bound)) {
    fail_msg("%s: mc %zu nc %zu: channel %zu pixel %zu: got 0x%04x (%.9g), expected 0x%04x (exact %.9g, bound %.3g)",
             *kernel_test_name(), t->mc, t->nc, n, p, actual, got, expected, clamped, bound);
  }
}

static void call_kernel(const struct sprig_f16_spmm_ukernel* uk, const struct f16_tester* t, size_t p0, size_t p1,
                        size_t n0, size_t n1, const uint16_t* input, size_t stride, const uint32_t* entry_row,
                        const uint16_t* bias, const uint16_t* weights, const int8_t* deltas, const uint32_t* nnz,
                        const size_t* first_entry, uint16_t* output, size_t output_stride) {
  if (p1 <= p0 || n1 <= n0) {
    return;
  }
  const size_t e = first_entry[n0];
  const size_t entries = first_entry[t->nc];
  const uint16_t* first_row = (const uint16_t*) ((const char*) input + (e < entries ? entry_row[e] : 0) * stride);
  const struct sprig_f16_minmax_params params = {t->min, t->max, sprig_float_to_half(t->min),
                                                 sprig_float_to_half(t->max)};
  uk->fn(p1 - p0, n1 - n0, first_row + p0, stride, bias + n0, weights + e, deltas + e, nnz + n0,
         (uint16_t*) ((char*) output + n0 * output_stride) + p0, output_stride, &params);
}

static void f16_tester_run(const struct f16_tester* t, const struct sprig_f16_spmm_ukernel* uk) {
  struct rng rng = {t->seed * 7919 + t->mc * 131 + t->nc};
  uint32_t* nnz = calloc(t->nc, sizeof(uint32_t));
  size_t* first_entry = calloc(t->nc + 1, sizeof(size_t));
  assert_non_null(nnz);
  assert_non_null(first_entry);
  for (size_t n = 0; n < t->nc; n++) {
    uint32_t count = t->exact_entries ? t->max_entries : rng_next(&rng) % (t->max_entries + 1);
    if (t->empty_channels && n % 3 == 1) {
      count = 0;
    }
    nnz[n] = count;
    first_entry[n + 1] = first_entry[n] + count;
  }
  const size_t entries = first_entry[t->nc];
  uint16_t* weights = malloc(sizeof(uint16_t) * entries + 1);
  int8_t* deltas = malloc(entries + 1);
  uint32_t* entry_row = malloc(sizeof(uint32_t) * (entries + 1));
  assert_non_null(weights);
  assert_non_null(deltas);
  assert_non_null(entry_row);
  /* One walk over the rows for all entries: each step of either sign, at most MAX_STEP. */
  entry_row[0] = rng_next(&rng) % t->rows;
  for (size_t e = 0; e < entries; e++) {
    weights[e] = random_weight(&rng, t);
    const int64_t row = entry_row[e];
    const int64_t lo = SPRIG_TEST_MAX(row - SPRIG_SPMM_MAX_STEP, 0);
    const int64_t hi = SPRIG_TEST_MIN(row + SPRIG_SPMM_MAX_STEP, (int64_t) t->rows - 1);
    entry_row[e + 1] = (uint32_t) (lo + (int64_t) (rng_next(&rng) % (uint32_t) (hi - lo + 1)));
  }
  if (t->every_row) {
    for (size_t n = 0; n < t->nc; n++) {
      for (size_t i = 0; i < nnz[n]; i++) {
        entry_row[first_entry[n] + i] = (uint32_t) (n % 2 ? t->rows - 1 - i : i);
      }
    }
  }
  for (size_t e = 0; e < entries; e++) {
    deltas[e] = (int8_t) ((int64_t) entry_row[e + 1] - (int64_t) entry_row[e]);
  }
  /* Rows of mc halves plus padding; the buffer ends at the last row's pixel mc. */
  const size_t row_halves = t->mc + t->input_padding;
  const size_t stride = row_halves * sizeof(uint16_t);
  const size_t input_halves = row_halves * (t->rows - 1) + t->mc;
  struct guarded input_memory; /* and a guard page after it */
  uint16_t* input = guarded_alloc(&input_memory, sizeof(uint16_t) * input_halves);
  for (size_t i = 0; i < input_halves; i++) {
    input[i] = i % row_halves < t->mc ? random_input(&rng, t) : 0x7E00;
  }
  uint16_t* bias = malloc(sizeof(uint16_t) * t->nc);
  assert_non_null(bias);
  for (size_t n = 0; n < t->nc; n++) {
    bias[n] = random_bias(&rng, t);
  }
  const size_t out_row = t->mc + t->output_padding;
  const size_t output_halves = out_row * t->nc + 2 * GUARD;
  uint16_t* buffer = malloc(sizeof(uint16_t) * output_halves);
  assert_non_null(buffer);
  for (size_t i = 0; i < output_halves; i++) {
    buffer[i] = OUTPUT_SENTINEL;
  }
  uint16_t* output = buffer + GUARD;
  const size_t output_stride = out_row * sizeof(uint16_t);
  /* What the kernel reads: the input, or its rows copied far_stride bytes apart. */
  struct far_rows far;
  const uint16_t* kernel_input = far_rows_input(&far, input, t->rows, t->mc * sizeof(uint16_t), stride, t->far_stride);
  const size_t kernel_stride = t->far_stride != 0 ? t->far_stride : stride;

  if (t->split) {
    const size_t pm = t->mc / 2 | 1, nm = t->nc / 2;
    const size_t ps[3] = {0, SPRIG_TEST_MIN(pm, t->mc), t->mc}, ns[3] = {0, nm, t->nc};
    for (size_t a = 0; a < 2; a++) {
      for (size_t b = 0; b < 2; b++) {
        call_kernel(uk, t, ps[a], ps[a + 1], ns[b], ns[b + 1], kernel_input, kernel_stride, entry_row, bias, weights,
                    deltas, nnz, first_entry, output, output_stride);
      }
    }
  } else {
    call_kernel(uk, t, 0, t->mc, 0, t->nc, kernel_input, kernel_stride, entry_row, bias, weights, deltas, nnz,
                first_entry, output, output_stride);
  }
  far_rows_free(&far);

  for (size_t n = 0; n < t->nc; n++) {
    for (size_t p = 0; p < t->mc; p++) {
      double sum = sprig_half_to_float(bias[n]);
      double magnitude = fabs(sum);
      for (size_t e = first_entry[n]; e < first_entry[n + 1]; e++) {
        const double product = (double) sprig_half_to_float(weights[e]) *
                               (double) sprig_half_to_float(input[(size_t) entry_row[e] * row_halves + p]);
        sum += product;
        magnitude += fabs(product);
      }
      check_output(uk, t, n, p, output[n * out_row + p], sum, magnitude, nnz[n]);
    }
    for (size_t p = t->mc; p < out_row; p++) {
      if (output[n * out_row + p] != OUTPUT_SENTINEL) {
        fail_msg("%s: channel %zu: padding half %zu written", *kernel_test_name(), n, p);
      }
    }
  }
  for (size_t i = 0; i < GUARD; i++) {
    assert_int_equal(buffer[i], OUTPUT_SENTINEL);
    assert_int_equal(buffer[output_halves - 1 - i], OUTPUT_SENTINEL);
  }
  free(buffer);
  free(bias);
  guarded_free(&input_memory);
  free(entry_row);
  free(deltas);
  free(weights);
  free(first_entry);
  free(nnz);
}

/* ---- the cases ---- */

#define KERNEL(uk) const struct sprig_f16_spmm_ukernel* uk = (const struct sprig_f16_spmm_ukernel*) ukernel

static const size_t channel_counts[] = {1, 5, 17};
#define CHANNEL_COUNTS (sizeof(channel_counts) / sizeof(channel_counts[0]))

static void run_channel_counts(struct f16_tester t, const struct sprig_f16_spmm_ukernel* uk) {
  for (size_t i = 0; i < CHANNEL_COUNTS; i++) {
    t.nc = channel_counts[i];
    t.seed += i;
    f16_tester_run(&t, uk);
  }
}

static void run_mc(const struct sprig_f16_spmm_ukernel* uk, size_t mc) {
  struct f16_tester t = f16_tester_for(uk);
  t.mc = mc;
  run_channel_counts(t, uk);
}

static bool mr_above_1(const void* ukernel) {
  return ((const struct sprig_f16_spmm_ukernel*) ukernel)->mr > 1;
}

static void mc_eq_1(const void* ukernel) {
  KERNEL(uk);
  run_mc(uk, 1);
}

static void mc_eq_mr_minus_1(const void* ukernel) {
  KERNEL(uk);
  run_mc(uk, uk->mr - 1);
}

static void mc_eq_mr(const void* ukernel) {
  KERNEL(uk);
  run_mc(uk, uk->mr);
}

static void mc_eq_mr_plus_1(const void* ukernel) {
  KERNEL(uk);
  run_mc(uk, uk->mr + 1);
}

static void mc_eq_2mr_plus_3(const void* ukernel) {
  KERNEL(uk);
  run_mc(uk, 2 * uk->mr + 3);
}

static void mc_eq_77(const void* ukernel) {
  KERNEL(uk);
  run_mc(uk, 77);
}

static void mc_below_mr(const void* ukernel) {
  KERNEL(uk);
  for (size_t mc = 1; mc < uk->mr; mc++) {
    run_mc(uk, mc);
  }
}

static void no_entries(const void* ukernel) {
  KERNEL(uk);
  /* 100% sparsity: every output is its bias. */
  struct f16_tester t = f16_tester_for(uk);
  t.max_entries = 0;
  run_channel_counts(t, uk);
  t.mc = 2 * uk->mr + 1;
  run_channel_counts(t, uk);
}

static void dense(const void* ukernel) {
  KERNEL(uk);
  /* 0% sparsity: every channel has an entry for each of 48 rows, visited in walk order. */
  struct f16_tester t = f16_tester_for(uk);
  t.rows = 48;
  t.max_entries = 48;
  t.exact_entries = true;
  t.every_row = true;
  t.mc = uk->mr + 5;
  run_channel_counts(t, uk);
}

static void one_entry(const void* ukernel) {
  KERNEL(uk);
  struct f16_tester t = f16_tester_for(uk);
  t.max_entries = 1;
  t.exact_entries = true;
  run_channel_counts(t, uk);
}

static void some_channels_empty(const void* ukernel) {
  KERNEL(uk);
  struct f16_tester t = f16_tester_for(uk);
  t.empty_channels = true;
  t.mc = uk->mr + 3;
  run_channel_counts(t, uk);
}

static void long_rows(const void* ukernel) {
  KERNEL(uk);
  struct f16_tester t = f16_tester_for(uk);
  t.max_entries = 600;
  t.rows = 1024;
  t.mc = uk->mr + 1;
  run_channel_counts(t, uk);
}

static void batch1_long_rows(const void* ukernel) {
  KERNEL(uk);
  /* One pixel, rows one half apart (a batch-1 linear layer's input), hundreds of entries. */
  struct f16_tester t = f16_tester_for(uk);
  t.mc = 1;
  t.max_entries = 700;
  t.rows = 4096;
  run_channel_counts(t, uk);
}

static void far_rows(const void* ukernel) {
  KERNEL(uk);
  /* Input rows 4 GiB + 4 KiB apart (address space only): strides past 32 bits, which the
   * kernels that keep 32-bit row offsets hand to a 64-bit path. */
  struct f16_tester t = f16_tester_for(uk);
  t.rows = 6;
  t.max_entries = 12;
  t.far_stride = FAR_ROW_STRIDE;
  require_far_rows(t.rows, t.far_stride);
  const size_t mcs[] = {1, uk->mr, 2 * uk->mr + 3};
  for (size_t i = 0; i < sizeof(mcs) / sizeof(mcs[0]); i++) {
    t.mc = mcs[i];
    run_channel_counts(t, uk);
  }
}

static void input_stride(const void* ukernel) {
  KERNEL(uk);
  struct f16_tester t = f16_tester_for(uk);
  t.input_padding = 13;
  t.mc = uk->mr + 3;
  run_channel_counts(t, uk);
  t.mc = 1;
  run_channel_counts(t, uk);
}

static void output_padding(const void* ukernel) {
  KERNEL(uk);
  struct f16_tester t = f16_tester_for(uk);
  t.output_padding = 5;
  t.mc = uk->mr + 3;
  run_channel_counts(t, uk);
}

static void clamps(const void* ukernel) {
  KERNEL(uk);
  struct f16_tester t = f16_tester_for(uk);
  t.min = -0.5f;
  t.max = 0.75f;
  t.mc = 2 * uk->mr + 1;
  run_channel_counts(t, uk);
  t.min = 0.0f; /* ReLU */
  t.max = INFINITY;
  run_channel_counts(t, uk);
}

static void inf_nan(const void* ukernel) {
  KERNEL(uk);
  struct f16_tester t = f16_tester_for(uk);
  t.values = values_special;
  t.mc = 2 * uk->mr + 1;
  run_channel_counts(t, uk);
  t.min = -1.0f; /* NaN stays NaN through the clamp, Inf becomes a bound */
  t.max = 1.0f;
  t.mc = uk->mr + 3;
  run_channel_counts(t, uk);
}

static void subnormals(const void* ukernel) {
  KERNEL(uk);
  struct f16_tester t = f16_tester_for(uk);
  t.values = values_subnormal;
  t.max_entries = 8;
  t.mc = 2 * uk->mr + 1;
  run_channel_counts(t, uk);
}

static void overflow(const void* ukernel) {
  KERNEL(uk);
  struct f16_tester t = f16_tester_for(uk);
  t.values = values_overflow;
  t.empty_channels = true; /* those keep their bias, 65504 */
  t.mc = uk->mr + 3;
  run_channel_counts(t, uk);
  t.negative = true;
  run_channel_counts(t, uk);
  t.max = 60000.0f;
  t.min = -60000.0f;
  run_channel_counts(t, uk);
}

static void split_calls(const void* ukernel) {
  KERNEL(uk);
  struct f16_tester t = f16_tester_for(uk);
  t.split = true;
  t.mc = 2 * uk->mr + 3;
  run_channel_counts(t, uk);
}

static void sweep(const void* ukernel) {
  KERNEL(uk);
  uint64_t seed = 1;
  for (size_t mc = 1; mc <= 2 * uk->mr + 3; mc++) {
    for (size_t i = 0; i < CHANNEL_COUNTS; i++) {
      const int variant = (int) ((mc + i) % 4);
      const struct f16_tester t = {.mc = mc, .nc = channel_counts[i], .max_entries = variant == 1 ? 3 : 30,
                                   .empty_channels = variant == 2, .rows = 40,
                                   .values = variant == 3 ? values_special : values_ordinary, .min = -INFINITY,
                                   .max = INFINITY, .input_padding = variant == 1 ? 7 : 0,
                                   .output_padding = variant & 1 ? 3 : 0, .split = mc % 3 == 1, .seed = seed++};
      f16_tester_run(&t, uk);
    }
  }
}

static const struct kernel_test_case cases[] = {
    {"mc = 1", mc_eq_1, NULL},
    {"mc = MR - 1", mc_eq_mr_minus_1, mr_above_1},
    {"mc = MR", mc_eq_mr, NULL},
    {"mc = MR + 1", mc_eq_mr_plus_1, NULL},
    {"mc = 2 MR + 3", mc_eq_2mr_plus_3, NULL},
    {"mc = 77", mc_eq_77, NULL},
    {"mc < MR", mc_below_mr, mr_above_1},
    {"no entries (100% sparse)", no_entries, NULL},
    {"dense (0% sparse)", dense, NULL},
    {"one entry", one_entry, NULL},
    {"some channels empty", some_channels_empty, NULL},
    {"long rows", long_rows, NULL},
    {"batch 1, long rows", batch1_long_rows, NULL},
    {"input stride > mc", input_stride, NULL},
    {"input rows 4 GiB apart", far_rows, NULL},
    {"output padding", output_padding, NULL},
    {"clamps", clamps, NULL},
    {"Inf and NaN inputs", inf_nan, NULL},
    {"subnormal inputs and outputs", subnormals, NULL},
    {"sums beyond 65504", overflow, NULL},
    {"split calls", split_calls, NULL},
    {"sweep mc 1 .. 2 MR + 3", sweep, NULL},
};

static enum sprig_isa isa_of(const void* entry) {
  return ((const struct sprig_f16_spmm_ukernel*) entry)->isa;
}

static int setup(void** state) {
  (void) state;
  return sprig_initialize() == sprig_status_success ? 0 : -1;
}

int main(void) {
  return run_kernel_cases("f16-spmm", sprig_f16_spmm_ukernels, sprig_f16_spmm_ukernel_count,
                          sizeof(sprig_f16_spmm_ukernels[0]), isa_of, cases, sizeof(cases) / sizeof(cases[0]), setup);
}
