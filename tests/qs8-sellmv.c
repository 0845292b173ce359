/*
 * Every int8 sliced matrix-vector kernel of kernels/qs8-sellmv/list.inc, and the sliced layout
 * it reads (src/pack/qs8-sell.c), against exact int32 sums over a dense int8 matrix.
 *
 * How to read this file: struct sellmv_tester describes one problem (input features k, output
 * features n, how dense the rows are, the weight and input ranges, ragged rows). sellmv_tester_run
 * makes a random int8 matrix, packs it with sprig's packer (CSR, or 1x4 blocks), builds the c4
 * stream and the sliced (or, for kernels listed with windows, the windowed) layout for the kernel's
 * slice height, checks the layout's invariants (each window's rows permuted within it, longest
 * first; windowed: slot indices inside their window), calls the kernel the way operators do
 * (once, and in two calls split at a slice boundary, which must give the same outputs) and
 * compares output position p with the wrapping int32 sum of row row_of[p]. Kernels listed with
 * unsigned_input read the input bytes as uint8, and the sums here do the same for them. The
 * input holds exactly 4 x ceil(k / 4) bytes and nothing after the last output may be written.
 */
#include "test-util.h"

#include <stdbool.h>

#include <sprig.h>
#include <sprig/config.h>
#include <sprig/hardware.h>
#include <sprig/qs8-sellmv.h>
#include <sprig/qs8-stream.h>
#include <sprig/weights.h>

#define OUTPUT_GUARD 4
#define GUARD_VALUE INT32_C(0x5EA5EA5E)

struct sellmv_tester {
  size_t k;           /* input features */
  size_t n;           /* output features (rows) */
  double sparsity;    /* chance that a weight is zero */
  size_t first_col;   /* weights only in columns >= first_col */
  bool blocks;        /* pack as 1x4 blocks instead of CSR */
  bool zero_rows;     /* rows 1, 4, 7, ... are empty */
  bool ragged;        /* row r keeps only its first (r % 7) * 3 nonzeros */
  bool extremes;      /* weights -128 and inputs 127 (or their uint8 extremes) only */
  uint64_t seed;
};

static struct sellmv_tester sellmv_tester_for(void) {
  return (struct sellmv_tester){.k = 37, .n = 45, .sparsity = 0.5, .seed = 11};
}

static int8_t random_int8(struct rng* rng) {
  return (int8_t) (rng_next(rng) % 256 - 128);
}

static int8_t* make_dense(const struct sellmv_tester* t) {
  struct rng rng = {t->seed};
  int8_t* dense = calloc(SPRIG_TEST_MAX(t->n * t->k, 1), 1);
  for (size_t r = 0; r < t->n; r++) {
    size_t kept = 0;
    for (size_t c = t->first_col; c < t->k; c++) {
      int8_t v = t->extremes ? INT8_MIN : random_int8(&rng);
      v = v == 0 ? 1 : v;
      const bool zero = (double) rng_next(&rng) / 2147483648.0 < t->sparsity || (t->zero_rows && r % 3 == 1) ||
                        (t->ragged && kept >= (r % 7) * 3);
      if (!zero && t->sparsity < 1.0) {
        dense[r * t->k + c] = v;
        kept++;
      }
    }
  }
  return dense;
}

/* The wrapping sum of row r over the input bytes as the kernel reads them. */
static int32_t expected_sum(const int8_t* dense, const int8_t* x, const struct sellmv_tester* t, bool unsigned_input,
                            size_t r) {
  uint32_t sum = 0;
  for (size_t c = 0; c < t->k; c++) {
    const int32_t v = unsigned_input ? (int32_t) (uint8_t) x[c] : (int32_t) x[c];
    sum += (uint32_t) (dense[r * t->k + c] * v);
  }
  return (int32_t) sum;
}

static void call_slices(const struct sprig_qs8_sellmv_ukernel* uk, const struct sprig_qs8_sell* sell, const int8_t* x,
                        int32_t* y, size_t s0, size_t s1) {
  const size_t r0 = s0 * sell->c;
  const size_t r1 = SPRIG_TEST_MIN(s1 * sell->c, sell->rows);
  if (r0 >= r1) {
    return;
  }
  const size_t slot = sell->first[s0] * sell->c;
  if (uk->window_quads != 0) {
    uk->window_fn(r1 - r0, sell->quad_rows, 1, x, 0, sell->weights + 4 * slot, sell->indices + slot,
                  sell->window_widths + s0 * sell->windows, y + r0, 0);
  } else {
    uk->fn(r1 - r0, x, sell->weights + 4 * slot, sell->offsets + slot, sell->widths + s0, sell->quad_base + s0,
           y + r0);
  }
}

/* Windowed layout: a slice's window widths add up to its slots, and every slot reads a quad of
 * its window below quad_rows. */
static void check_windows(const struct sprig_qs8_sell* sell) {
  assert_int_equal(sell->windows, (sell->quad_rows + sell->window_quads - 1) / sell->window_quads);
  for (size_t s = 0; s < sell->slices; s++) {
    size_t slot = sell->first[s] * sell->c, total = 0;
    for (size_t v = 0; v < sell->windows; v++) {
      const size_t width = sell->window_widths[s * sell->windows + v];
      assert_true(width <= sell->window_quads);
      for (size_t i = 0; i < width * sell->c; i++, slot++) {
        assert_true(sell->indices[slot] < sell->window_quads);
        assert_true(v * sell->window_quads + sell->indices[slot] < sell->quad_rows);
      }
      total += width;
    }
    assert_int_equal(total, sell->first[s + 1] - sell->first[s]);
  }
}

/* Each window's positions hold its own rows, each once, longest first. */
static void check_layout(const struct sprig_qs8_sell* sell, const struct sprig_qs8_stream* stream) {
  assert_int_equal(sell->window % sell->c, 0);
  if (sell->window_quads != 0) {
    check_windows(sell);
  }
  bool* seen = calloc(SPRIG_TEST_MAX(sell->rows, 1), sizeof(bool));
  for (size_t p = 0; p < sell->rows; p++) {
    const size_t row = sell->row_of[p];
    assert_true(row < sell->rows);
    assert_int_equal(row / sell->window, p / sell->window);
    assert_false(seen[row]);
    seen[row] = true;
    if (p % sell->window != 0) {
      assert_true(stream->nnz[sell->row_of[p - 1]] >= stream->nnz[row]);
    }
  }
  free(seen);
}

static void check_outputs(const struct sellmv_tester* t, const int8_t* dense, const int8_t* x, bool unsigned_input,
                          const struct sprig_qs8_sell* sell, const int32_t* y, const char* what) {
  for (size_t p = 0; p < t->n; p++) {
    const int32_t expected = expected_sum(dense, x, t, unsigned_input, sell->row_of[p]);
    if (y[p] != expected) {
      fail_msg("%s: output %zu (row %u) is %d, expected %d", what, p, (unsigned) sell->row_of[p], (int) y[p],
               (int) expected);
    }
  }
  for (size_t i = 0; i < OUTPUT_GUARD; i++) {
    if (y[t->n + i] != GUARD_VALUE) {
      fail_msg("%s: wrote past the last output (guard %zu)", what, i);
    }
  }
}

static struct sprig_weights* pack(const struct sellmv_tester* t, const int8_t* dense) {
  const struct sprig_sparsity csr = {.format = SPRIG_FORMAT_CSR};
  const struct sprig_sparsity blocks = {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 4};
  sprig_weights_t w = NULL;
  assert_int_equal(sprig_pack_weights_qs8(t->n, t->k, dense, t->blocks ? &blocks : &csr, 0, &w), sprig_status_success);
  return w;
}

static int8_t* make_input(const struct sellmv_tester* t, size_t quad_rows) {
  struct rng rng = {t->seed + 1};
  int8_t* x = malloc(4 * quad_rows);
  for (size_t c = 0; c < 4 * quad_rows; c++) {
    /* Past k: what an operator stores there (0, read against zero weights only). */
    x[c] = c >= t->k ? 0 : t->extremes ? (int8_t) (c % 2 == 0 ? 127 : -128) : random_int8(&rng);
  }
  return x;
}

static void sellmv_tester_run(const struct sellmv_tester* t, const struct sprig_qs8_sellmv_ukernel* uk) {
  int8_t* dense = make_dense(t);
  struct sprig_weights* w = pack(t, dense);
  const struct sprig_qs8_stream* stream = sprig_weights_qs8_stream(w);
  assert_non_null(stream);
  struct sprig_qs8_sell* sell = sprig_build_qs8_sell(stream, uk->slice_rows, uk->window_quads);
  assert_non_null(sell);
  assert_int_equal(sell->window_quads, uk->window_quads);
  assert_true(sell->offsets_fit);
  assert_int_equal(sell->entries, stream->entries);
  check_layout(sell, stream);

  int8_t* x = make_input(t, stream->quad_rows);
  int32_t* y = malloc((t->n + OUTPUT_GUARD) * sizeof(int32_t));
  int32_t* y_split = malloc((t->n + OUTPUT_GUARD) * sizeof(int32_t));
  for (size_t i = 0; i < t->n + OUTPUT_GUARD; i++) {
    y[i] = y_split[i] = GUARD_VALUE;
  }
  call_slices(uk, sell, x, y, 0, sell->slices);
  const size_t mid = sell->slices / 2;
  call_slices(uk, sell, x, y_split, 0, mid);
  call_slices(uk, sell, x, y_split, mid, sell->slices);

  char what[320];
  snprintf(what, sizeof(what),
           "%s (k=%zu n=%zu sparsity=%.2f first_col=%zu blocks=%d zero_rows=%d ragged=%d extremes=%d seed=%llu)",
           *kernel_test_name(), t->k, t->n, t->sparsity, t->first_col, t->blocks, t->zero_rows, t->ragged,
           t->extremes, (unsigned long long) t->seed);
  check_outputs(t, dense, x, uk->unsigned_input, sell, y, what);
  if (memcmp(y, y_split, (t->n + OUTPUT_GUARD) * sizeof(int32_t)) != 0) {
    fail_msg("%s: two calls split at slice %zu differ from one call", what, mid);
  }
  sprig_free_qs8_sell(sell);
  sprig_release_weights(w);
  free(dense);
  free(x);
  free(y);
  free(y_split);
}

/* ---- the cases (each runs on every listed kernel; the table below names them) ---- */

#define KERNEL(uk) const struct sprig_qs8_sellmv_ukernel* uk = (const struct sprig_qs8_sellmv_ukernel*) ukernel

static void k_eq_1(const void* ukernel) {
  KERNEL(uk);
  struct sellmv_tester t = sellmv_tester_for();
  t.k = 1;
  t.sparsity = 0.0;
  sellmv_tester_run(&t, uk);
}

static void n_eq_1(const void* ukernel) {
  KERNEL(uk);
  struct sellmv_tester t = sellmv_tester_for();
  t.n = 1;
  sellmv_tester_run(&t, uk);
}

static void n_around_c(const void* ukernel) {
  KERNEL(uk);
  const size_t c = uk->slice_rows;
  const size_t ns[] = {c - 1, c, c + 1, 2 * c - 1, 3 * c + 2};
  for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
    struct sellmv_tester t = sellmv_tester_for();
    t.n = ns[i];
    t.seed = i;
    sellmv_tester_run(&t, uk);
  }
}

static void slot_count_remainders(const void* ukernel) {
  KERNEL(uk);
  /* Every slice width from 0 to 40 slots (dense rows of 4 w columns): each unrolled loop and
   * each remainder after it. */
  for (size_t width = 0; width <= 40; width++) {
    struct sellmv_tester t = sellmv_tester_for();
    t.k = SPRIG_TEST_MAX(4 * width, 1);
    t.n = uk->slice_rows + 3;
    t.sparsity = width == 0 ? 1.0 : 0.0;
    t.seed = width;
    sellmv_tester_run(&t, uk);
  }
}

static void several_windows(const void* ukernel) {
  KERNEL(uk);
  /* Rows sorted in windows of SPRIG_QS8_SELL_WINDOW: three windows, the last partial. */
  struct sellmv_tester t = sellmv_tester_for();
  t.k = 150;
  t.n = 2 * SPRIG_QS8_SELL_WINDOW + 37;
  t.ragged = true;
  t.sparsity = 0.3;
  sellmv_tester_run(&t, uk);
}

static void empty_rows(const void* ukernel) {
  KERNEL(uk);
  struct sellmv_tester t = sellmv_tester_for();
  t.zero_rows = true;
  sellmv_tester_run(&t, uk);
}

static void ragged_rows(const void* ukernel) {
  KERNEL(uk);
  struct sellmv_tester t = sellmv_tester_for();
  t.k = 200;
  t.n = 53;
  t.ragged = true;
  t.sparsity = 0.2;
  sellmv_tester_run(&t, uk);
}

static void sparsity_0(const void* ukernel) {
  KERNEL(uk);
  struct sellmv_tester t = sellmv_tester_for();
  t.sparsity = 0.0;
  sellmv_tester_run(&t, uk);
}

static void sparsity_1(const void* ukernel) {
  KERNEL(uk);
  struct sellmv_tester t = sellmv_tester_for();
  t.sparsity = 1.0;
  sellmv_tester_run(&t, uk);
}

static void unstructured_90(const void* ukernel) {
  KERNEL(uk);
  struct sellmv_tester t = sellmv_tester_for();
  t.k = 768;
  t.n = 100;
  t.sparsity = 0.9;
  sellmv_tester_run(&t, uk);
}

static void blocks_1x4(const void* ukernel) {
  KERNEL(uk);
  struct sellmv_tester t = sellmv_tester_for();
  t.k = 301;
  t.n = 77;
  t.sparsity = 0.6;
  t.blocks = true;
  sellmv_tester_run(&t, uk);
}

static void extremes_long_rows(const void* ukernel) {
  KERNEL(uk);
  /* -128 weights against 127 / -128 inputs over 4096 columns: sums near +-2^26 per row. */
  struct sellmv_tester t = sellmv_tester_for();
  t.k = 4096;
  t.n = uk->slice_rows + 1;
  t.sparsity = 0.0;
  t.extremes = true;
  sellmv_tester_run(&t, uk);
}

static void wide_columns(const void* ukernel) {
  KERNEL(uk);
  /* Quads past 2^16: the slices' bases carry the high part. */
  struct sellmv_tester t = sellmv_tester_for();
  t.k = 4 * 70000 + 37;
  t.first_col = 4 * 70000 - 500;
  t.n = 2 * uk->slice_rows + 1;
  t.sparsity = 0.9;
  sellmv_tester_run(&t, uk);
}

static void offsets_that_do_not_fit(const void* ukernel) {
  KERNEL(uk);
  /* One row reading quad 0 and quad 70000: no 16-bit offset spans them. */
  struct sellmv_tester t = sellmv_tester_for();
  t.k = 4 * 70001;
  t.n = 3;
  t.sparsity = 1.0;
  int8_t* dense = make_dense(&t);
  dense[0] = 1;
  dense[4 * 70000] = 1;
  struct sprig_weights* w = pack(&t, dense);
  struct sprig_qs8_sell* sell = sprig_build_qs8_sell(sprig_weights_qs8_stream(w), uk->slice_rows, 0);
  assert_non_null(sell);
  assert_false(sell->offsets_fit);
  assert_false(sprig_qs8_sell_usable(sell));
  sprig_free_qs8_sell(sell);
  sprig_release_weights(w);
  free(dense);
}

static void padding_bound(const void* ukernel) {
  KERNEL(uk);
  /* One full row per window and the rest one entry each: far beyond the padding bound. */
  struct sellmv_tester t = sellmv_tester_for();
  t.k = 400;
  t.n = 2 * uk->slice_rows;
  t.sparsity = 1.0;
  int8_t* dense = make_dense(&t);
  for (size_t r = 0; r < t.n; r++) {
    for (size_t c = 0; c < (r % uk->slice_rows == 0 ? t.k : 1); c++) {
      dense[r * t.k + c] = 1;
    }
  }
  struct sprig_weights* w = pack(&t, dense);
  struct sprig_qs8_sell* sell = sprig_build_qs8_sell(sprig_weights_qs8_stream(w), uk->slice_rows, uk->window_quads);
  assert_non_null(sell);
  assert_int_equal(sell->entries, 2 * (t.k / 4 + uk->slice_rows - 1));
  assert_false(sprig_qs8_sell_usable(sell));
  sprig_free_qs8_sell(sell);
  sprig_release_weights(w);
  free(dense);
}

static bool is_for_slow_gathers(const void* ukernel) {
  return ((const struct sprig_qs8_sellmv_ukernel*) ukernel)->for_slow_gathers;
}

static bool is_sliced(const void* ukernel) {
  return ((const struct sprig_qs8_sellmv_ukernel*) ukernel)->window_quads == 0;
}

static bool is_windowed(const void* ukernel) {
  return !is_sliced(ukernel);
}

/* A windowed kernel stands in for its ISA's default (the sliced kernel an operator would choose
 * on a CPU with only that ISA), which is no windowed kernel itself. */
static void partner_of_the_default(const void* ukernel) {
  KERNEL(uk);
  const struct sprig_hardware only = hardware_with_only(uk->isa, false);
  const struct sprig_qs8_sellmv_ukernel* sliced = sprig_choose_qs8_sellmv_ukernel(&only);
  assert_non_null(sliced);
  assert_int_equal(sliced->window_quads, 0);
  assert_ptr_equal(sprig_qs8_sellmv_window_partner(sliced), uk);
  assert_null(uk->fn);
  assert_non_null(uk->window_fn);
}

/* 1 to SPRIG_QS8_SELLMV_MAX_VECTORS input vectors per call, at a stride, their sums at another:
 * each vector's sums as one call on it alone gives, nothing written between them. */
static void several_vectors(const void* ukernel) {
  KERNEL(uk);
  struct sellmv_tester t = sellmv_tester_for();
  t.k = 4 * 75 + 2;
  t.n = 2 * uk->slice_rows + 7;
  t.sparsity = 0.8;
  int8_t* dense = make_dense(&t);
  struct sprig_weights* w = pack(&t, dense);
  const struct sprig_qs8_stream* stream = sprig_weights_qs8_stream(w);
  struct sprig_qs8_sell* sell = sprig_build_qs8_sell(stream, uk->slice_rows, uk->window_quads);
  assert_non_null(sell);
  const size_t in_stride = 4 * stream->quad_rows + 12, out_stride = t.n + 5;
  int8_t* x = malloc(SPRIG_QS8_SELLMV_MAX_VECTORS * in_stride);
  int32_t* y = malloc(SPRIG_QS8_SELLMV_MAX_VECTORS * out_stride * sizeof(int32_t));
  for (size_t i = 0; i < SPRIG_QS8_SELLMV_MAX_VECTORS * in_stride; i++) {
    x[i] = (int8_t) (i * 37 % 251);
  }
  for (size_t vectors = 1; vectors <= SPRIG_QS8_SELLMV_MAX_VECTORS; vectors++) {
    for (size_t i = 0; i < SPRIG_QS8_SELLMV_MAX_VECTORS * out_stride; i++) {
      y[i] = GUARD_VALUE;
    }
    uk->window_fn(t.n, sell->quad_rows, vectors, x, in_stride, sell->weights, sell->indices, sell->window_widths, y,
                  out_stride);
    for (size_t j = 0; j < SPRIG_QS8_SELLMV_MAX_VECTORS; j++) {
      for (size_t p = 0; p < out_stride; p++) {
        const int32_t got = y[j * out_stride + p];
        const int32_t want = j < vectors && p < t.n ? expected_sum(dense, x + j * in_stride, &t, uk->unsigned_input,
                                                                    sell->row_of[p])
                                                    : GUARD_VALUE;
        if (got != want) {
          fail_msg("%s: %zu vectors: vector %zu output %zu is %d, expected %d", uk->name, vectors, j, p, (int) got,
                   (int) want);
        }
      }
    }
  }
  sprig_free_qs8_sell(sell);
  sprig_release_weights(w);
  free(dense);
  free(x);
  free(y);
}

static void windows_partial_and_full(const void* ukernel) {
  KERNEL(uk);
  /* Quad counts around whole windows (the last one masked), dense rows and 90% sparse ones. */
  const size_t q = uk->window_quads;
  const size_t quads[] = {q - 1, q, q + 1, 2 * q, 3 * q - 5, 7 * q + 3};
  for (size_t i = 0; i < sizeof(quads) / sizeof(quads[0]); i++) {
    for (int dense = 0; dense < 2; dense++) {
      struct sellmv_tester t = sellmv_tester_for();
      t.k = 4 * quads[i] - (i % 4);
      t.n = 3 * uk->slice_rows + 5;
      t.sparsity = dense ? 0.0 : 0.9;
      t.seed = 100 + i;
      sellmv_tester_run(&t, uk);
    }
  }
}

/* A CPU with only this kernel's ISA (and scalar): with microcoded gathers it gets this variant;
 * without, the ISA's default, which it replaces (same slice height). */
static void chosen_where_gathers_are_slow(const void* ukernel) {
  KERNEL(uk);
  struct sprig_hardware slow = hardware_with_only(uk->isa, false);
  slow.slow_gathers = true;
  assert_ptr_equal(sprig_choose_qs8_sellmv_ukernel(&slow), uk);
  const struct sprig_hardware fast = hardware_with_only(uk->isa, false);
  const struct sprig_qs8_sellmv_ukernel* other = sprig_choose_qs8_sellmv_ukernel(&fast);
  assert_non_null(other);
  assert_true(other->is_default && !other->for_slow_gathers && other->isa == uk->isa);
  assert_int_equal(other->slice_rows, uk->slice_rows);
  assert_int_equal(other->unsigned_input, uk->unsigned_input);
}

static const struct kernel_test_case cases[] = {
    {"k = 1", k_eq_1, NULL},
    {"n = 1", n_eq_1, NULL},
    {"n around C", n_around_c, NULL},
    {"slice widths 0 to 40", slot_count_remainders, NULL},
    {"several sorting windows", several_windows, NULL},
    {"empty rows", empty_rows, NULL},
    {"ragged rows", ragged_rows, NULL},
    {"sparsity 0", sparsity_0, NULL},
    {"sparsity 1", sparsity_1, NULL},
    {"768 columns at 90%", unstructured_90, NULL},
    {"1x4 blocks", blocks_1x4, NULL},
    {"-128 / 127 over 4096 columns", extremes_long_rows, NULL},
    {"quads past 2^16", wide_columns, NULL},
    {"offsets that do not fit", offsets_that_do_not_fit, is_sliced},
    {"padding bound", padding_bound, NULL},
    {"chosen where gathers are slow", chosen_where_gathers_are_slow, is_for_slow_gathers},
    {"windowed partner of the default", partner_of_the_default, is_windowed},
    {"windows partial and full", windows_partial_and_full, is_windowed},
    {"several vectors per call", several_vectors, is_windowed},
};

static enum sprig_isa isa_of(const void* entry) {
  return ((const struct sprig_qs8_sellmv_ukernel*) entry)->isa;
}

static int initialize(void** state) {
  (void) state;
  return sprig_initialize() == sprig_status_success ? 0 : -1;
}

int main(void) {
  return run_kernel_cases("qs8-sellmv", sprig_qs8_sellmv_ukernels, sprig_qs8_sellmv_ukernel_count,
                          sizeof(sprig_qs8_sellmv_ukernels[0]), isa_of, cases, sizeof(cases) / sizeof(cases[0]),
                          initialize);
}
