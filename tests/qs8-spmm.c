/*
 * Every int8 c4 SpMM kernel of kernels/qs8-spmm/list.inc against exact int32 sums computed here
 * (int64, then wrapped to int32 as the kernels' arithmetic is), case by case.
 *
 * struct qs8_tester describes one problem: pixels, channels, entries per channel, the range of
 * quad rows, the weight and input value ranges (extremes for overflow-prone sums), output
 * padding and split calls. qs8_tester_run makes random weights, quad rows and inputs in the
 * kernels' layout (src/sprig/qs8-spmm.h), an input buffer holding exactly the quad rows the
 * entries reach with exactly 4 mc bytes each (so that ASan catches a read past pixel mc), calls
 * the kernel the way the operators do and compares every output int32; the padding after pixel
 * mc of each channel and guard words around the output must stay untouched. Kernels with
 * unsigned_input read the input bytes as uint8, and the sums here do the same for them. Every
 * listed kernel runs every case as one CMocka test "<kernel>: <case>", skipped when this CPU or
 * build cannot run the kernel's ISA. SPRIG_TEST_FILTER=<glob> runs only matching tests.
 */
#include "test-util.h"

#include <sprig/qs8-spmm.h>

struct qs8_tester {
  size_t mc;              /* pixels */
  size_t nc;              /* output channels */
  uint32_t max_entries;   /* entries per channel: uniform in [0, max_entries] */
  bool exact_entries;     /* exactly max_entries per channel */
  bool empty_channels;    /* channels 1, 4, 7, ... have none */
  uint32_t quad_rows;     /* quads are drawn from [0, quad_rows) */
  bool extremes;          /* weights and inputs only at -128 / 127 (overflow-prone sums) */
  bool sparse_quads;      /* entries have 1 nonzero weight of 4 (as unstructured weights give) */
  size_t output_padding;  /* int32 words between a channel's pixel mc and the next channel */
  bool split;             /* 2 x 2 calls: at an odd pixel and a middle channel */
  uint64_t seed;
};

#define GUARD 8
#define OUTPUT_SENTINEL ((int32_t) 0x5a5a5a5a)

static struct qs8_tester qs8_tester_for(const struct sprig_qs8_spmm_ukernel* uk) {
  return (struct qs8_tester){.mc = uk->mr, .nc = 5, .max_entries = 40, .quad_rows = 64, .seed = 1};
}

static int8_t random_byte(struct rng* rng, bool extremes) {
  if (extremes) {
    return (rng_next(rng) & 1) ? (int8_t) 127 : (int8_t) -128;
  }
  return (int8_t) (rng_next(rng) & 0xff);
}

static void call_kernel(const struct sprig_qs8_spmm_ukernel* uk, size_t p0, size_t p1, size_t n0, size_t n1,
                        const int8_t* input, size_t stride, const int32_t* bias, const int8_t* weights,
                        const uint32_t* quads, const uint32_t* nnz, const size_t* first_entry, int32_t* output,
                        size_t output_stride) {
  if (p1 <= p0 || n1 <= n0) {
    return;
  }
  const size_t e = first_entry[n0];
  uk->fn(p1 - p0, n1 - n0, input + 4 * p0, stride, bias + n0, weights + 4 * e, quads + e, nnz + n0,
         (int32_t*) ((char*) output + n0 * output_stride) + p0, output_stride);
}

static void qs8_tester_run(const struct qs8_tester* t, const struct sprig_qs8_spmm_ukernel* uk) {
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
  int8_t* weights = malloc(4 * entries + 1);
  uint32_t* quads = malloc(sizeof(uint32_t) * entries + 1);
  assert_non_null(weights);
  assert_non_null(quads);
  for (size_t e = 0; e < entries; e++) {
    quads[e] = rng_next(&rng) % t->quad_rows;
    const uint32_t kept = rng_next(&rng) % 4;
    for (size_t k = 0; k < 4; k++) {
      weights[4 * e + k] = t->sparse_quads && k != kept ? 0 : random_byte(&rng, t->extremes);
    }
  }
  /* Quad rows of exactly 4 mc bytes, back to back: the stride is 4 mc, and the buffer ends at
   * the last row's last pixel. */
  const size_t stride = 4 * t->mc;
  int8_t* input = malloc(stride * t->quad_rows);
  assert_non_null(input);
  for (size_t i = 0; i < stride * t->quad_rows; i++) {
    input[i] = random_byte(&rng, t->extremes);
  }
  int32_t* bias = malloc(sizeof(int32_t) * t->nc);
  assert_non_null(bias);
  for (size_t n = 0; n < t->nc; n++) {
    bias[n] = t->extremes ? (n % 2 ? INT32_MAX - 5 : INT32_MIN + 5) : (int32_t) (rng_next(&rng) % 20001) - 10000;
  }
  const size_t row_words = t->mc + t->output_padding;
  const size_t output_words = row_words * t->nc + 2 * GUARD;
  int32_t* buffer = malloc(sizeof(int32_t) * output_words);
  assert_non_null(buffer);
  for (size_t i = 0; i < output_words; i++) {
    buffer[i] = OUTPUT_SENTINEL;
  }
  int32_t* output = buffer + GUARD;
  const size_t output_stride = row_words * sizeof(int32_t);

  if (t->split) {
    const size_t pm = t->mc / 2 | 1, nm = t->nc / 2;
    const size_t ps[3] = {0, SPRIG_TEST_MIN(pm, t->mc), t->mc}, ns[3] = {0, nm, t->nc};
    for (size_t a = 0; a < 2; a++) {
      for (size_t b = 0; b < 2; b++) {
        call_kernel(uk, ps[a], ps[a + 1], ns[b], ns[b + 1], input, stride, bias, weights, quads, nnz, first_entry,
                    output, output_stride);
      }
    }
  } else {
    call_kernel(uk, 0, t->mc, 0, t->nc, input, stride, bias, weights, quads, nnz, first_entry, output,
                output_stride);
  }

  for (size_t n = 0; n < t->nc; n++) {
    for (size_t p = 0; p < t->mc; p++) {
      int64_t sum = bias[n];
      for (size_t e = first_entry[n]; e < first_entry[n + 1]; e++) {
        const int8_t* x = input + (size_t) quads[e] * stride + 4 * p;
        for (size_t k = 0; k < 4; k++) {
          const int32_t v = uk->unsigned_input ? (int32_t) (uint8_t) x[k] : (int32_t) x[k];
          sum += (int64_t) weights[4 * e + k] * v;
        }
      }
      const int32_t expected = (int32_t) (uint32_t) (uint64_t) sum;
      const int32_t actual = output[n * row_words + p];
      if (actual != expected) {
        fail_msg("%s: mc %zu nc %zu: channel %zu pixel %zu: got %d, expected %d", *kernel_test_name(), t->mc, t->nc,
                 n, p, (int) actual, (int) expected);
      }
    }
    for (size_t p = t->mc; p < row_words; p++) {
      if (output[n * row_words + p] != OUTPUT_SENTINEL) {
        fail_msg("%s: channel %zu: padding word %zu written", *kernel_test_name(), n, p);
      }
    }
  }
  for (size_t i = 0; i < GUARD; i++) {
    assert_int_equal(buffer[i], OUTPUT_SENTINEL);
    assert_int_equal(buffer[output_words - 1 - i], OUTPUT_SENTINEL);
  }
  free(buffer);
  free(bias);
  free(input);
  free(quads);
  free(weights);
  free(first_entry);
  free(nnz);
}

/* ---- the cases ---- */

#define KERNEL(uk) const struct sprig_qs8_spmm_ukernel* uk = (const struct sprig_qs8_spmm_ukernel*) ukernel

static const size_t channel_counts[] = {1, 5, 17};
#define CHANNEL_COUNTS (sizeof(channel_counts) / sizeof(channel_counts[0]))

static void run_channel_counts(struct qs8_tester t, const struct sprig_qs8_spmm_ukernel* uk) {
  for (size_t i = 0; i < CHANNEL_COUNTS; i++) {
    t.nc = channel_counts[i];
    t.seed += i;
    qs8_tester_run(&t, uk);
  }
}

static void run_mc(const struct sprig_qs8_spmm_ukernel* uk, size_t mc) {
  struct qs8_tester t = qs8_tester_for(uk);
  t.mc = mc;
  run_channel_counts(t, uk);
}

static bool mr_above_1(const void* ukernel) {
  return ((const struct sprig_qs8_spmm_ukernel*) ukernel)->mr > 1;
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
  struct qs8_tester t = qs8_tester_for(uk);
  t.max_entries = 0;
  run_channel_counts(t, uk);
  t.mc = 2 * uk->mr + 1;
  run_channel_counts(t, uk);
}

static void one_entry(const void* ukernel) {
  KERNEL(uk);
  struct qs8_tester t = qs8_tester_for(uk);
  t.max_entries = 1;
  t.exact_entries = true;
  run_channel_counts(t, uk);
}

static void some_channels_empty(const void* ukernel) {
  KERNEL(uk);
  struct qs8_tester t = qs8_tester_for(uk);
  t.empty_channels = true;
  t.mc = uk->mr + 3;
  run_channel_counts(t, uk);
}

static void long_rows(const void* ukernel) {
  KERNEL(uk);
  struct qs8_tester t = qs8_tester_for(uk);
  t.max_entries = 600;
  t.quad_rows = 1024;
  t.mc = uk->mr + 1;
  run_channel_counts(t, uk);
}

static void extremes_long_rows(const void* ukernel) {
  KERNEL(uk);
  /* 127 x -128 and -128 x -128 products over 1024 quad rows, biases near INT32_MIN / INT32_MAX:
   * sums that leave the int16 range early and wrap the int32 one. */
  struct qs8_tester t = qs8_tester_for(uk);
  t.extremes = true;
  t.max_entries = 1024;
  t.exact_entries = true;
  t.quad_rows = 1024;
  t.mc = 2 * uk->mr + 1;
  run_channel_counts(t, uk);
}

static void batch1_long_rows(const void* ukernel) {
  KERNEL(uk);
  /* One pixel (quad rows 4 bytes apart, as a batch-1 linear layer's input) over 4096 quad rows,
   * hundreds of entries per channel: the MR = 1 kernels' full groups and tails. */
  struct qs8_tester t = qs8_tester_for(uk);
  t.mc = 1;
  t.max_entries = 700;
  t.quad_rows = 4096;
  run_channel_counts(t, uk);
  t.extremes = true;
  t.seed = 7;
  run_channel_counts(t, uk);
}

static void unstructured_quads(const void* ukernel) {
  KERNEL(uk);
  struct qs8_tester t = qs8_tester_for(uk);
  t.sparse_quads = true;
  t.mc = 3 * uk->mr + 2;
  run_channel_counts(t, uk);
}

static void repeated_quads(const void* ukernel) {
  KERNEL(uk);
  struct qs8_tester t = qs8_tester_for(uk);
  t.quad_rows = 1;
  t.mc = uk->mr + 2;
  run_channel_counts(t, uk);
}

static void output_padding(const void* ukernel) {
  KERNEL(uk);
  struct qs8_tester t = qs8_tester_for(uk);
  t.output_padding = 5;
  t.mc = uk->mr + 3;
  run_channel_counts(t, uk);
}

static void split_calls(const void* ukernel) {
  KERNEL(uk);
  struct qs8_tester t = qs8_tester_for(uk);
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
      const struct qs8_tester t = {.mc = mc, .nc = channel_counts[i], .max_entries = variant == 1 ? 3 : 30,
                                   .empty_channels = variant == 2, .quad_rows = 40, .extremes = variant == 3,
                                   .output_padding = variant & 1 ? 3 : 0, .split = mc % 3 == 1, .seed = seed++};
      qs8_tester_run(&t, uk);
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
    {"no entries (bias only)", no_entries, NULL},
    {"one entry", one_entry, NULL},
    {"some channels empty", some_channels_empty, NULL},
    {"long rows (600 entries)", long_rows, NULL},
    {"-128 / 127 over 1024 entries", extremes_long_rows, NULL},
    {"mc = 1, many entries, quad_rows 4096, input_stride 4", batch1_long_rows, NULL},
    {"one nonzero per quad", unstructured_quads, NULL},
    {"every entry on one quad row", repeated_quads, NULL},
    {"output padding", output_padding, NULL},
    {"split calls", split_calls, NULL},
    {"sweep mc x nc", sweep, NULL},
};

static enum sprig_isa isa_of(const void* entry) {
  return ((const struct sprig_qs8_spmm_ukernel*) entry)->isa;
}

static int initialize(void** state) {
  (void) state;
  return sprig_initialize() == sprig_status_success ? 0 : -1;
}

int main(void) {
  return run_kernel_cases("qs8-spmm", sprig_qs8_spmm_ukernels, sprig_qs8_spmm_ukernel_count,
                          sizeof(sprig_qs8_spmm_ukernels[0]), isa_of, cases, sizeof(cases) / sizeof(cases[0]),
                          initialize);
}
