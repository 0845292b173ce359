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
 * unsigned_input read the input bytes as uint8, and the sums here do the same for them. Kernels
 * listed with the term layout get the term stream built from those entries by the library's
 * builder (src/pack/qs8-terms.c), whose chunks are checked against the entries first; kernels
 * of the quartet layout the quartet stream (src/pack/qs8-quartets.c, checked the same way) and
 * the same input as one row per column in the block order, whole 64-pixel blocks with random
 * bytes past pixel mc (the buffer ends at the last row's last block). Every
 * listed kernel runs every case as one CMocka test "<kernel>: <case>", skipped when this CPU or
 * build cannot run the kernel's ISA. SPRIG_TEST_FILTER=<glob> runs only matching tests.
 */
#include "test-util.h"
#include "reference/reference.h"

#include <sprig/config.h>
#include <sprig/qs8-requant.h>
#include <sprig/qs8-spmm.h>
#include <sprig/qs8-quartets.h>
#include <sprig/qs8-stream.h>
#include <sprig/qs8-terms.h>

/* Which of an entry's four weights are nonzero. */
enum quad_fill {
  quad_random,   /* each weight a random byte (zeros included) */
  quad_one,      /* one nonzero in a random channel (as unstructured weights give) */
  quad_dense,    /* all four nonzero (mixed terms) */
  quad_channel0, /* only channel 0: singles that have no partner */
  quad_kinds,    /* one of 0, 1, 2, 3, 0+2, 1+3, 0+1, 0..3 at random: every term kind, unbalanced */
};

struct qs8_tester {
  size_t mc;              /* pixels */
  size_t nc;              /* output channels */
  uint32_t max_entries;   /* entries per channel: uniform in [0, max_entries] */
  bool exact_entries;     /* exactly max_entries per channel */
  bool empty_channels;    /* channels 1, 4, 7, ... have none */
  uint32_t quad_rows;     /* quads are drawn from [0, quad_rows) */
  bool extremes;          /* weights and inputs only at -128 / 127 (overflow-prone sums) */
  enum quad_fill fill;
  size_t output_padding;  /* int32 words between a channel's pixel mc and the next channel */
  bool split;             /* 2 x 2 calls: at an odd pixel and a middle channel */
  size_t far_stride;      /* not 0: the kernel's input rows this many bytes apart (far_rows_copy) */
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

static int8_t nonzero_byte(struct rng* rng, bool extremes) {
  const int8_t b = random_byte(rng, extremes);
  return b != 0 ? b : (int8_t) 1;
}

/* The four weights of one entry. */
static void fill_quad(struct rng* rng, enum quad_fill fill, bool extremes, int8_t* w) {
  static const uint8_t kind_masks[8] = {0x1, 0x2, 0x4, 0x8, 0x5, 0xa, 0x3, 0xf};
  uint8_t mask = 0;
  switch (fill) {
    case quad_random:
      for (size_t k = 0; k < 4; k++) {
        w[k] = random_byte(rng, extremes);
      }
      return;
    case quad_one:
      mask = (uint8_t) (1u << (rng_next(rng) % 4));
      break;
    case quad_dense:
      mask = 0xf;
      break;
    case quad_channel0:
      mask = 0x1;
      break;
    case quad_kinds:
      mask = kind_masks[rng_next(rng) % 8];
      break;
  }
  for (size_t k = 0; k < 4; k++) {
    w[k] = (mask >> k & 1) ? nonzero_byte(rng, extremes) : 0;
  }
}

/* The term stream's chunks against the entries: per channel max(1, ceil(entries / 127)) chunks,
 * the last one marked, each representing its slice of entries (pairs twice) minus all-zero ones. */
static void check_terms(const struct sprig_qs8_terms* terms, const struct sprig_qs8_stream* st) {
  assert_int_equal(terms->rows, st->rows);
  for (size_t n = 0; n < st->rows; n++) {
    const size_t chunks = terms->first_chunk[n + 1] - terms->first_chunk[n];
    const size_t expected = st->nnz[n] == 0 ? 1 : (st->nnz[n] + 126) / 127;
    if (chunks != expected) {
      fail_msg("channel %zu: %zu chunks for %u entries", n, chunks, (unsigned) st->nnz[n]);
    }
    size_t words = terms->first_word[n];
    for (size_t c = 0; c < chunks; c++) {
      const struct sprig_qs8_term_chunk* chunk = &terms->chunks[terms->first_chunk[n] + c];
      const size_t e0 = st->first_entry[n] + 127 * c;
      const size_t e1 = SPRIG_TEST_MIN(e0 + 127, st->first_entry[n + 1]);
      size_t nonzero = 0;
      for (size_t e = e0; e < e1; e++) {
        const int8_t* w = st->weights + 4 * e;
        nonzero += (w[0] | w[1] | w[2] | w[3]) != 0;
      }
      const size_t represented = 2 * ((size_t) chunk->count[sprig_qs8_term_pair_even] +
                                      chunk->count[sprig_qs8_term_pair_odd]) +
                                 chunk->count[sprig_qs8_term_even] + chunk->count[sprig_qs8_term_odd] +
                                 chunk->count[sprig_qs8_term_mixed];
      if (represented != nonzero || chunk->last != (c + 1 == chunks)) {
        fail_msg("channel %zu chunk %zu: terms for %zu entries of %zu, last %u", n, c, represented, nonzero,
                 (unsigned) chunk->last);
      }
      words += sprig_qs8_term_chunk_words(chunk);
    }
    assert_int_equal(words, terms->first_word[n + 1]);
  }
}

/* The quartet stream against the entries: per channel ceil(nonzeros / 4) quartets holding the
 * same weight per input column (summed over repeated quads), zero weights in the padding. */
static void check_quartets(const struct sprig_qs8_quartets* q, const struct sprig_qs8_stream* st) {
  assert_int_equal(q->rows, st->rows);
  const size_t columns = 4 * (size_t) st->quad_rows;
  int32_t* expected = calloc(columns, sizeof(int32_t));
  int32_t* actual = calloc(columns, sizeof(int32_t));
  assert_non_null(expected);
  assert_non_null(actual);
  for (size_t n = 0; n < st->rows; n++) {
    memset(expected, 0, columns * sizeof(int32_t));
    memset(actual, 0, columns * sizeof(int32_t));
    size_t nonzeros = 0;
    for (size_t e = st->first_entry[n]; e < st->first_entry[n + 1]; e++) {
      for (size_t t = 0; t < 4; t++) {
        expected[4 * st->quads[e] + t] += st->weights[4 * e + t];
        nonzeros += st->weights[4 * e + t] != 0;
      }
    }
    assert_int_equal(q->per_row[n], (nonzeros + 3) / 4);
    assert_int_equal(q->first[n + 1] - q->first[n], q->per_row[n]);
    for (size_t slot = 0; slot < 4 * (size_t) q->per_row[n]; slot++) {
      const size_t i = 4 * q->first[n] + slot;
      const int8_t w = (int8_t) (uint8_t) (q->weights[i / 4] >> (8 * (i % 4)));
      assert_true(q->columns[i] < columns);
      assert_true(slot < nonzeros || w == 0);
      actual[q->columns[i]] += w;
    }
    assert_memory_equal(actual, expected, columns * sizeof(int32_t));
  }
  free(expected);
  free(actual);
}

/* The quartet layout's input from quad rows of `stride` bytes: column 4q + t's row holds byte t of
 * each pixel's word of quad row q, in the kernel's block order, ceil(mc / 64) whole blocks per row
 * (*row_bytes), random bytes past pixel mc. */
static int8_t* quartet_input(struct rng* rng, const int8_t* quad_input, size_t stride, size_t mc, size_t quad_rows,
                             bool plain_blocks, size_t* row_bytes) {
  *row_bytes = (mc + 63) / 64 * 64;
  int8_t* rows = malloc(*row_bytes * 4 * quad_rows);
  assert_non_null(rows);
  for (size_t c = 0; c < 4 * quad_rows; c++) {
    for (size_t i = 0; i < *row_bytes; i++) {
      rows[c * *row_bytes + i] = (int8_t) rng_next(rng);
    }
    for (size_t p = 0; p < mc; p++) {
      rows[c * *row_bytes + sprig_qs8_quartet_byte(p, plain_blocks)] = quad_input[c / 4 * stride + 4 * p + c % 4];
    }
  }
  return rows;
}

static void call_kernel(const struct sprig_qs8_spmm_ukernel* uk, size_t p0, size_t p1, size_t n0, size_t n1,
                        const int8_t* input, size_t stride, const int32_t* bias, const struct sprig_qs8_stream* st,
                        const struct sprig_qs8_terms* terms, const struct sprig_qs8_quartets* quartets,
                        int32_t* output, size_t output_stride) {
  if (p1 <= p0 || n1 <= n0) {
    return;
  }
  int32_t* out = (int32_t*) ((char*) output + n0 * output_stride) + p0;
  if (uk->layout == sprig_qs8_spmm_layout_quartets) {
    const size_t q = quartets->first[n0];
    uk->quartets_fn(p1 - p0, n1 - n0, input + p0, stride, bias + n0, quartets->weights + q, quartets->columns + 4 * q,
                    quartets->per_row + n0, out, output_stride);
    return;
  }
  if (uk->layout == sprig_qs8_spmm_layout_terms) {
    uk->terms_fn(p1 - p0, n1 - n0, input + 4 * p0, stride, bias + n0, terms->chunks + terms->first_chunk[n0],
                 terms->words + terms->first_word[n0], out, output_stride);
    return;
  }
  const size_t e = st->first_entry[n0];
  uk->fn(p1 - p0, n1 - n0, input + 4 * p0, stride, bias + n0, st->weights + 4 * e, st->quads + e, st->nnz + n0, out,
         output_stride);
}

/* The requantizing entry point of a quartet kernel (as call_kernel cuts the calls) against the
 * reference requantization of the exact sums `expected` ([nc][mc]): per channel a scale from
 * tiny to above 1 (both of the kernel's clamp paths), the zero point and clamps by the seed,
 * int8 outputs with t->output_padding bytes between channels and guards that must stay. */
static void check_requantized(const struct qs8_tester* t, const struct sprig_qs8_spmm_ukernel* uk,
                              const int8_t* input, size_t stride, const int32_t* bias,
                              const struct sprig_qs8_quartets* quartets, const int32_t* expected) {
  static const float scale_choices[] = {1.0f / 64, 1.0f / 4096, 0x1.fffffep-1f, 1.0f, 3.0f};
  float* scales = malloc(sizeof(float) * t->nc);
  assert_non_null(scales);
  for (size_t n = 0; n < t->nc; n++) {
    scales[n] = scale_choices[(n + t->seed) % 5];
  }
  const int32_t zero_point = ((int32_t) (t->seed % 3) - 1) * 60;
  const int32_t output_min = t->seed % 2 ? -100 : -128, output_max = t->seed % 2 ? 90 : 127;
  const struct sprig_qs8_requant_params params = {(float) (output_min - zero_point),
                                                  (float) (output_max - zero_point), zero_point};
  const size_t row_bytes = t->mc + t->output_padding, bytes = row_bytes * t->nc + 2 * 64;
  int8_t* buffer = malloc(bytes);
  assert_non_null(buffer);
  memset(buffer, 0x5a, bytes);
  int8_t* output = buffer + 64;
  const size_t pm = t->split ? (t->mc / 2) / 64 * 64 : t->mc, nm = t->split ? t->nc / 2 : t->nc;
  const size_t ps[3] = {0, pm, t->mc}, ns[3] = {0, nm, t->nc};
  for (size_t a = 0; a < 2; a++) {
    for (size_t b = 0; b < 2; b++) {
      if (ps[a + 1] > ps[a] && ns[b + 1] > ns[b]) {
        const size_t q = quartets->first[ns[b]];
        uk->quartets_requant_fn(ps[a + 1] - ps[a], ns[b + 1] - ns[b], input + ps[a], stride, bias + ns[b],
                                quartets->weights + q, quartets->columns + 4 * q, quartets->per_row + ns[b],
                                scales + ns[b], &params, output + ns[b] * row_bytes + ps[a], row_bytes);
      }
    }
  }
  for (size_t n = 0; n < t->nc; n++) {
    for (size_t p = 0; p < t->mc; p++) {
      const int8_t want = sprig_reference_qs8_requantize_scaled(expected[n * t->mc + p], scales[n], zero_point,
                                                                output_min, output_max);
      if (output[n * row_bytes + p] != want) {
        fail_msg("%s requant: mc %zu nc %zu: channel %zu pixel %zu (sum %d, scale %g): got %d, expected %d",
                 *kernel_test_name(), t->mc, t->nc, n, p, (int) expected[n * t->mc + p], (double) scales[n],
                 (int) output[n * row_bytes + p], (int) want);
      }
    }
    for (size_t p = t->mc; p < row_bytes; p++) {
      assert_int_equal(output[n * row_bytes + p], 0x5a);
    }
  }
  for (size_t i = 0; i < 64; i++) {
    assert_int_equal(buffer[i], 0x5a);
    assert_int_equal(buffer[bytes - 1 - i], 0x5a);
  }
  free(buffer);
  free(scales);
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
    fill_quad(&rng, t->fill, t->extremes, weights + 4 * e);
  }
  const struct sprig_qs8_stream st = {.rows = t->nc, .quad_rows = t->quad_rows, .entries = entries,
                                      .weights = weights, .quads = quads, .nnz = nnz, .first_entry = first_entry};
  struct sprig_qs8_terms* terms = NULL;
  if (uk->layout == sprig_qs8_spmm_layout_terms) {
    terms = sprig_build_qs8_terms(&st);
    assert_non_null(terms);
    check_terms(terms, &st);
  }
  struct sprig_qs8_quartets* quartets = NULL;
  if (uk->layout == sprig_qs8_spmm_layout_quartets) {
    quartets = sprig_build_qs8_quartets(&st);
    assert_non_null(quartets);
    check_quartets(quartets, &st);
  }
  /* Quad rows of exactly 4 mc bytes, back to back: the stride is 4 mc, and the buffer ends at
   * the last row's last pixel. */
  const size_t stride = 4 * t->mc;
  struct guarded input_memory; /* and a guard page after it */
  int8_t* input = guarded_alloc(&input_memory, stride * t->quad_rows);
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
  /* What the kernel reads: the quad rows, or the quartet layout's column rows made from them. */
  size_t kernel_stride = stride;
  int8_t* column_rows =
      quartets != NULL
          ? quartet_input(&rng, input, stride, t->mc, t->quad_rows, uk->plain_blocks, &kernel_stride)
          : NULL;
  const size_t kernel_rows = quartets != NULL ? 4 * (size_t) t->quad_rows : t->quad_rows;
  struct far_rows far;
  const int8_t* kernel_input = far_rows_input(&far, quartets != NULL ? column_rows : input, kernel_rows,
                                              kernel_stride, kernel_stride, t->far_stride);
  kernel_stride = t->far_stride != 0 ? t->far_stride : kernel_stride;

  if (t->split) {
    /* The quartet layout's calls start at a block. */
    const size_t pm = quartets != NULL ? (t->mc / 2) / 64 * 64 : t->mc / 2 | 1, nm = t->nc / 2;
    const size_t ps[3] = {0, SPRIG_TEST_MIN(pm, t->mc), t->mc}, ns[3] = {0, nm, t->nc};
    for (size_t a = 0; a < 2; a++) {
      for (size_t b = 0; b < 2; b++) {
        call_kernel(uk, ps[a], ps[a + 1], ns[b], ns[b + 1], kernel_input, kernel_stride, bias, &st, terms, quartets,
                    output, output_stride);
      }
    }
  } else {
    call_kernel(uk, 0, t->mc, 0, t->nc, kernel_input, kernel_stride, bias, &st, terms, quartets, output,
                output_stride);
  }

  int32_t* expected_sums = malloc(sizeof(int32_t) * t->nc * t->mc);
  assert_non_null(expected_sums);
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
      expected_sums[n * t->mc + p] = expected;
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
  if (uk->quartets_requant_fn != NULL) {
    check_requantized(t, uk, kernel_input, kernel_stride, bias, quartets, expected_sums);
  }
  free(expected_sums);
  far_rows_free(&far);
  sprig_free_qs8_terms(terms);
  sprig_free_qs8_quartets(quartets);
  free(column_rows);
  free(buffer);
  free(bias);
  guarded_free(&input_memory);
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

static void far_rows(const void* ukernel) {
  KERNEL(uk);
  /* Input rows 4 GiB + 4 KiB apart (address space only): row offsets past 32 bits, and past the
   * gather kernels' signed 32-bit indices (their scalar groups), on every row but the first. */
  struct qs8_tester t = qs8_tester_for(uk);
  t.far_stride = FAR_ROW_STRIDE;
  t.quad_rows = 3;
  t.max_entries = 24;
  t.fill = quad_kinds;
  require_far_rows(4 * (size_t) t.quad_rows, t.far_stride);
  const size_t mcs[] = {1, uk->mr, 2 * uk->mr + 3};
  for (size_t i = 0; i < sizeof(mcs) / sizeof(mcs[0]); i++) {
    t.mc = mcs[i];
    run_channel_counts(t, uk);
  }
}

static void unstructured_quads(const void* ukernel) {
  KERNEL(uk);
  struct qs8_tester t = qs8_tester_for(uk);
  t.fill = quad_one;
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

/* Pixels past the last full 16: 1 .. 15 after 0, 1 and 2 x 16 (every remainder tile of the
 * 16-pixel tiles, alone and after full ones), unbalanced term kinds. */
static void remainders_1_to_15(const void* ukernel) {
  KERNEL(uk);
  struct qs8_tester t = qs8_tester_for(uk);
  t.fill = quad_kinds;
  for (size_t base = 0; base <= 32; base += 16) {
    for (size_t r = 1; r <= 15; r++) {
      t.mc = base + r;
      t.seed = base + r;
      run_channel_counts(t, uk);
    }
  }
}

/* Channels of 126 .. 128, 254, 255 and 400 entries: one or several chunks of the term layout,
 * full or not, single-nonzero and mixed entries, at -128 / 127 (the largest chunk sums). */
static void chunk_boundaries(const void* ukernel) {
  KERNEL(uk);
  static const uint32_t counts[] = {126, 127, 128, 254, 255, 400};
  static const enum quad_fill fills[] = {quad_one, quad_dense, quad_kinds};
  struct qs8_tester t = qs8_tester_for(uk);
  t.exact_entries = true;
  t.quad_rows = 512;
  t.extremes = true;
  for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
    for (size_t f = 0; f < sizeof(fills) / sizeof(fills[0]); f++) {
      t.max_entries = counts[i];
      t.fill = fills[f];
      t.mc = uk->mr + 5;
      t.seed = 10 * i + f;
      run_channel_counts(t, uk);
    }
  }
}

/* Every entry dense (0% sparsity inside the quads: mixed terms only), with and without extremes. */
static void dense_quads(const void* ukernel) {
  KERNEL(uk);
  struct qs8_tester t = qs8_tester_for(uk);
  t.fill = quad_dense;
  t.max_entries = 64;
  t.exact_entries = true;
  t.quad_rows = 64; /* a dense row: each quad row about once */
  t.mc = 2 * uk->mr + 7;
  run_channel_counts(t, uk);
  t.extremes = true;
  t.seed = 2;
  run_channel_counts(t, uk);
}

/* One output channel, one input column (channel 0 of quad row 0 only): one entry per channel,
 * a single with no partner. */
static void one_row_one_column(const void* ukernel) {
  KERNEL(uk);
  struct qs8_tester t = qs8_tester_for(uk);
  t.fill = quad_channel0;
  t.quad_rows = 1;
  t.max_entries = 1;
  t.exact_entries = true;
  for (size_t mc = 1; mc <= uk->mr + 1; mc++) {
    t.nc = 1;
    t.mc = mc;
    qs8_tester_run(&t, uk);
  }
  t.nc = 3;
  t.mc = 2 * uk->mr + 1;
  qs8_tester_run(&t, uk);
}

/* Only channel-0 singles: no channel-2 partner, every single stays alone (over several chunks). */
static void singles_without_partners(const void* ukernel) {
  KERNEL(uk);
  struct qs8_tester t = qs8_tester_for(uk);
  t.fill = quad_channel0;
  t.max_entries = 300;
  t.quad_rows = 256;
  t.mc = uk->mr + 3;
  run_channel_counts(t, uk);
}

/* Long calls (6 MR + 7 pixels: the wasm term kernels' byte-offset path) over several chunks. */
static void long_calls(const void* ukernel) {
  KERNEL(uk);
  struct qs8_tester t = qs8_tester_for(uk);
  t.fill = quad_kinds;
  t.max_entries = 300;
  t.quad_rows = 256;
  t.mc = 6 * uk->mr + 7;
  run_channel_counts(t, uk);
  t.extremes = true;
  t.seed = 4;
  t.split = true;
  run_channel_counts(t, uk);
}

/* Unbalanced mixes of every term kind, at -128 / 127 and not. */
static void every_kind(const void* ukernel) {
  KERNEL(uk);
  struct qs8_tester t = qs8_tester_for(uk);
  t.fill = quad_kinds;
  t.max_entries = 200;
  t.quad_rows = 128;
  t.mc = 2 * uk->mr + 3;
  run_channel_counts(t, uk);
  t.extremes = true;
  t.seed = 3;
  t.split = true;
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

static bool is_quartets(const void* ukernel) {
  return ((const struct sprig_qs8_spmm_ukernel*) ukernel)->layout == sprig_qs8_spmm_layout_quartets;
}

/* The quartet kernel's input packer: every pixel at its block-order byte, XOR flip, for rows
 * ending inside, at and after a block; nothing written past the row's last block; in place too. */
static void quartet_pack_order(const void* ukernel) {
  KERNEL(uk);
  static const size_t lengths[] = {1, 3, 63, 64, 65, 130, 256};
  struct rng rng = {99};
  for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
    const size_t pixels = lengths[i], blocks = (pixels + 63) / 64 * 64;
    int8_t* src = malloc(pixels);
    int8_t* dst = malloc(blocks + GUARD);
    assert_non_null(src);
    assert_non_null(dst);
    for (size_t p = 0; p < pixels; p++) {
      src[p] = (int8_t) rng_next(&rng);
    }
    memset(dst, 0x5a, blocks + GUARD);
    const uint8_t flip = i % 2 ? 0x80 : 0x00;
    uk->quartet_pack(pixels, src, flip, dst);
    for (size_t p = 0; p < pixels; p++) {
      if ((uint8_t) dst[sprig_qs8_quartet_byte(p, uk->plain_blocks)] != ((uint8_t) src[p] ^ flip)) {
        fail_msg("%s: %zu pixels: pixel %zu misplaced", *kernel_test_name(), pixels, p);
      }
    }
    for (size_t g = 0; g < GUARD; g++) {
      assert_int_equal(dst[blocks + g], 0x5a);
    }
    /* In place: the row copied to a buffer of whole blocks, packed onto itself. */
    int8_t* row = malloc(blocks);
    assert_non_null(row);
    memcpy(row, src, pixels);
    uk->quartet_pack(pixels, row, flip, row);
    for (size_t p = 0; p < pixels; p++) {
      if ((uint8_t) row[sprig_qs8_quartet_byte(p, uk->plain_blocks)] != ((uint8_t) src[p] ^ flip)) {
        fail_msg("%s: %zu pixels in place: pixel %zu misplaced", *kernel_test_name(), pixels, p);
      }
    }
    free(row);
    free(src);
    free(dst);
  }
}

static bool is_inorder(const void* ukernel) {
  return ((const struct sprig_qs8_spmm_ukernel*) ukernel)->inorder;
}

/* A CPU with only this kernel's ISA (and scalar): mostly in-order cores get the in-order variant,
 * others the ISA's default, which it replaces; the fit keeps it for full tiles of full entries. */
static void chosen_on_inorder_cores(const void* ukernel) {
  KERNEL(uk);
  const struct sprig_hardware inorder = hardware_with_only(uk->isa, true);
  assert_ptr_equal(sprig_choose_qs8_spmm_ukernel(&inorder), uk);
  assert_ptr_equal(sprig_fit_qs8_spmm_ukernel(&inorder, uk, uk->mr, 1, 4), uk);
  const struct sprig_hardware outoforder = hardware_with_only(uk->isa, false);
  const struct sprig_qs8_spmm_ukernel* other = sprig_choose_qs8_spmm_ukernel(&outoforder);
  assert_non_null(other);
  assert_true(other->is_default && !other->inorder && other->isa == uk->isa && other->mr == uk->mr);
}

/* A CPU with only this kernel's ISA (and scalar): the fit takes the ISA's quartet kernels for
 * entries of fewer than 2.5 nonzeros on rows of 32+ pixels, its c4 kernels for fuller entries and
 * shorter rows; the ISA's default is never a quartet kernel. */
static void fit_by_entry_density(const void* ukernel) {
  KERNEL(uk);
  const struct sprig_hardware hw = hardware_with_only(uk->isa, false);
  const struct sprig_qs8_spmm_ukernel* chosen = sprig_choose_qs8_spmm_ukernel(&hw);
  assert_int_not_equal(chosen->layout, sprig_qs8_spmm_layout_quartets);
  const size_t pixels = SPRIG_TEST_MAX(uk->mr, 64);
  assert_ptr_equal(sprig_fit_qs8_spmm_ukernel(&hw, chosen, pixels, 100, 116), uk);
  assert_ptr_equal(sprig_fit_qs8_spmm_ukernel(&hw, chosen, pixels, 100, 249), uk);
  assert_int_not_equal(sprig_fit_qs8_spmm_ukernel(&hw, chosen, pixels, 100, 250)->layout,
                       sprig_qs8_spmm_layout_quartets);
  assert_int_not_equal(sprig_fit_qs8_spmm_ukernel(&hw, chosen, 31, 100, 116)->layout, sprig_qs8_spmm_layout_quartets);
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
    {"input rows 4 GiB apart", far_rows, NULL},
    {"one nonzero per quad", unstructured_quads, NULL},
    {"every entry on one quad row", repeated_quads, NULL},
    {"output padding", output_padding, NULL},
    {"split calls", split_calls, NULL},
    {"sweep mc x nc", sweep, NULL},
    {"remainders 1 .. 15 after 0, 16, 32 pixels", remainders_1_to_15, NULL},
    {"-128 / 127, 126 .. 400 entries (chunks of 127)", chunk_boundaries, NULL},
    {"dense quads (mixed terms)", dense_quads, NULL},
    {"one row, one column", one_row_one_column, NULL},
    {"channel-0 singles without partners", singles_without_partners, NULL},
    {"every term kind, unbalanced", every_kind, NULL},
    {"mc = 6 MR + 7, several chunks", long_calls, NULL},
    {"chosen on in-order cores", chosen_on_inorder_cores, is_inorder},
    {"quartet input pack: block order", quartet_pack_order, is_quartets},
    {"fit: quartets for sparse entries", fit_by_entry_density, is_quartets},
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
