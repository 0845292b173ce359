/*
 * Every f32 sliced-ELL matrix-vector kernel of kernels/f32-sellmv/list.inc, and the sliced
 * layout it reads (src/pack/sell.c), against a plain-C evaluation of the sparse rows.
 *
 * How to read this file: struct sellmv_tester describes one problem (input features k, output
 * features n, how dense the rows are, clamps, special inputs, ...). sellmv_tester_run makes a
 * random matrix, packs it as CSR weights with sprig's packer, builds the sliced layout for the
 * kernel's slice height, calls the kernel the way operators do (once, or in two calls split at a
 * slice boundary, which must give bitwise the same outputs) and compares every output with the
 * sum over the row's nonzeros in double precision; nothing after the last output may be written.
 * The input holds exactly K + 1 floats (the zero slot last), so ASan sees any over-read.
 */
#include "test-util.h"

#include <stdbool.h>

#include <sprig.h>
#include <sprig/config.h>
#include <sprig/hardware.h>
#include <sprig/sellmv.h>
#include <sprig/weights.h>

struct sellmv_tester {
  size_t k;             /* input features */
  size_t n;             /* output features (rows) */
  double sparsity;      /* chance that an entry is zero */
  size_t first_col;     /* entries only in columns >= first_col */
  float min, max;       /* the output clamp */
  bool zero_bias;       /* all-zero bias */
  bool zero_rows;       /* rows 1, 4, 7, ... are empty */
  bool ragged;          /* row r keeps only its first (r % 5) * 3 nonzeros: padded slices */
  float special;        /* when not 0: input[special_col] takes this value (NaN, infinity) */
  size_t special_col;
  uint64_t seed;
};

static struct sellmv_tester sellmv_tester_for(void) {
  return (struct sellmv_tester){.k = 37, .n = 45, .sparsity = 0.5, .min = -INFINITY, .max = INFINITY, .seed = 11};
}

static float* make_dense(const struct sellmv_tester* t) {
  struct rng rng = {t->seed};
  float* dense = calloc(SPRIG_TEST_MAX(t->n * t->k, 1), sizeof(float));
  for (size_t r = 0; r < t->n; r++) {
    size_t kept = 0;
    for (size_t c = t->first_col; c < t->k; c++) {
      float v = rng_float(&rng);
      const bool zero = (double) rng_next(&rng) / 2147483648.0 < t->sparsity || (t->zero_rows && r % 3 == 1) ||
                        (t->ragged && kept >= (r % 5) * 3);
      v = v == 0.0f ? 0.5f : v;
      if (!zero && t->sparsity < 1.0) {
        dense[r * t->k + c] = v;
        kept++;
      }
    }
  }
  return dense;
}

/* bias + the sum over the row's nonzeros, in double, clamped as the kernels clamp; and the
 * error bound of a float evaluation, the same for every kernel, fused or not. error_bound allows
 * (terms + 2) x 2u of the magnitude (u = 2^-24). A kernel's sum takes each product through at most
 * ceil(terms / 4) additions in its partial sum, two adding the four partial sums and one adding
 * the bias, plus the product's own rounding where the multiply-add is not fused (armv7 neon's
 * vmla.f32; SSE2 and wasmsimd multiply, then add): ceil(terms / 4) + 4 <= 2 (terms + 2) units.
 * armv7 NEON flushes subnormal products and sums to zero, at most 2^-126 per term: inside the
 * bound's absolute 1e-30 for rows of fewer than 8e7 terms. */
static void expected_row(const float* dense, const float* x, const float* bias, const struct sellmv_tester* t,
                         size_t r, float* expected, float* bound) {
  double sum = bias[r];
  double magnitude = fabs(bias[r]);
  size_t terms = 0;
  for (size_t c = 0; c < t->k; c++) {
    const float w = dense[r * t->k + c];
    if (w != 0.0f) {
      sum += (double) w * (double) x[c];
      magnitude += fabs((double) w * (double) x[c]);
      terms++;
    }
  }
  float y = (float) sum;
  y = y < t->min ? t->min : y;
  *expected = y > t->max ? t->max : y;
  *bound = error_bound(terms, magnitude);
}

static void call_slices(const struct sprig_f32_sellmv_ukernel* uk, const struct sprig_sell* sell, const float* x,
                        const float* bias, float* y, size_t s0, size_t s1, const struct sprig_f32_minmax_params* p) {
  const size_t r0 = s0 * sell->c;
  const size_t r1 = SPRIG_TEST_MIN(s1 * sell->c, sell->rows);
  if (r0 >= r1) {
    return;
  }
  const size_t slot = sell->first[s0] * sell->c;
  uk->fn(r1 - r0, x, bias + r0, sell->values + slot, sell->offsets + slot, sell->widths + s0, sell->col_base + s0,
         y + r0, p);
}

static void check_outputs(const struct sellmv_tester* t, const float* dense, const float* x, const float* bias,
                          const float* y, const char* what) {
  for (size_t r = 0; r < t->n; r++) {
    float expected, bound;
    expected_row(dense, x, bias, t, r, &expected, &bound);
    const bool same_special = (isnan(expected) && isnan(y[r])) || (isinf(expected) && expected == y[r]);
    if (!same_special && !(fabsf(y[r] - expected) <= bound)) {
      fail_msg("%s: output %zu is %.9g, expected %.9g (bound %.3g)", what, r, (double) y[r], (double) expected,
               (double) bound);
    }
  }
  assert_all_equal(y + t->n, 4, SENTINEL, what);
}

static void sellmv_tester_run(const struct sellmv_tester* t, const struct sprig_f32_sellmv_ukernel* uk) {
  float* dense = make_dense(t);
  const struct sprig_sparsity csr = {.format = SPRIG_FORMAT_CSR};
  sprig_weights_t w = NULL;
  assert_int_equal(sprig_pack_weights_f32(t->n, t->k, dense, &csr, 0, &w), sprig_status_success);
  const struct sprig_sell_shape shape = sprig_sell_measure(w, uk->slice_rows);
  assert_true(shape.offsets_fit);
  struct sprig_sell* sell = sprig_build_sell(w, uk->slice_rows);
  assert_non_null(sell);
  assert_int_equal(sell->slots, shape.slots);
  assert_int_equal(sell->nonzeros, shape.nonzeros);

  struct rng rng = {t->seed + 1};
  float* bias = malloc(t->n * sizeof(float));
  fill_random(&rng, bias, t->n);
  if (t->zero_bias) {
    fill_value(bias, t->n, 0.0f);
  }
  float* x = malloc((t->k + 1) * sizeof(float));
  fill_random(&rng, x, t->k);
  x[t->k] = 0.0f;
  if (t->special != 0.0f) {
    x[t->special_col] = t->special;
  }
  float* y = malloc((t->n + 4) * sizeof(float));
  float* y_split = malloc((t->n + 4) * sizeof(float));
  fill_value(y, t->n + 4, SENTINEL);
  fill_value(y_split, t->n + 4, SENTINEL);
  const struct sprig_f32_minmax_params params = {t->min, t->max};
  call_slices(uk, sell, x, bias, y, 0, sell->slices, &params);
  const size_t mid = sell->slices / 2;
  call_slices(uk, sell, x, bias, y_split, 0, mid, &params);
  call_slices(uk, sell, x, bias, y_split, mid, sell->slices, &params);

  char what[384];
  snprintf(what, sizeof(what),
           "%s (k=%zu n=%zu sparsity=%.2f first_col=%zu clamp=[%g, %g] zero_bias=%d zero_rows=%d ragged=%d "
           "special=%g seed=%llu)",
           *kernel_test_name(), t->k, t->n, t->sparsity, t->first_col, (double) t->min, (double) t->max,
           t->zero_bias, t->zero_rows, t->ragged, (double) t->special, (unsigned long long) t->seed);
  check_outputs(t, dense, x, bias, y, what);
  if (memcmp(y, y_split, (t->n + 4) * sizeof(float)) != 0) {
    fail_msg("%s: two calls split at slice %zu differ from one call", what, mid);
  }
  sprig_free_sell(sell);
  sprig_release_weights(w);
  free(dense);
  free(bias);
  free(x);
  free(y);
  free(y_split);
}

/* ---- the cases (each runs on every listed kernel; the table below names them) ---- */

#define KERNEL(uk) const struct sprig_f32_sellmv_ukernel* uk = (const struct sprig_f32_sellmv_ukernel*) ukernel

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
  /* Every row length from 0 to 40 slots: the four accumulators and each remainder after them. */
  for (size_t k = 1; k <= 41; k++) {
    struct sellmv_tester t = sellmv_tester_for();
    t.k = k;
    t.n = uk->slice_rows + 3;
    t.sparsity = k == 41 ? 1.0 : 0.0;
    t.seed = k;
    sellmv_tester_run(&t, uk);
  }
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

static void wide_columns(const void* ukernel) {
  KERNEL(uk);
  /* K past 2^16: the slices' bases carry the high part of the columns (CSR gap bridges between
   * far-apart entries are dropped from the layout). */
  struct sellmv_tester t = sellmv_tester_for();
  t.k = 70000 + 37;
  t.first_col = 70000 - 500;
  t.n = 2 * uk->slice_rows + 1;
  t.sparsity = 0.9;
  sellmv_tester_run(&t, uk);
}

static void offsets_that_do_not_fit(const void* ukernel) {
  KERNEL(uk);
  /* A slice reading column 0 of a K > 2^16 + 1 matrix cannot reach the zero slot at K. */
  struct sellmv_tester t = sellmv_tester_for();
  t.k = 70000;
  t.n = 3;
  t.sparsity = 0.999;
  float* dense = make_dense(&t);
  dense[0] = 1.0f;
  const struct sprig_sparsity csr = {.format = SPRIG_FORMAT_CSR};
  sprig_weights_t w = NULL;
  assert_int_equal(sprig_pack_weights_f32(t.n, t.k, dense, &csr, 0, &w), sprig_status_success);
  const struct sprig_sell_shape shape = sprig_sell_measure(w, uk->slice_rows);
  assert_false(shape.offsets_fit);
  assert_false(sprig_sell_shape_usable(&shape));
  sprig_release_weights(w);
  free(dense);
}

static void padding_bound(const void* ukernel) {
  KERNEL(uk);
  /* One full row per slice and the rest nearly empty: far beyond SPRIG_SELL_MAX_PADDING. */
  struct sellmv_tester t = sellmv_tester_for();
  t.k = 100;
  t.n = 2 * uk->slice_rows;
  t.sparsity = 1.0;
  float* dense = make_dense(&t);
  for (size_t r = 0; r < t.n; r++) {
    for (size_t c = 0; c < (r % uk->slice_rows == 0 ? t.k : 1); c++) {
      dense[r * t.k + c] = 1.0f;
    }
  }
  const struct sprig_sparsity csr = {.format = SPRIG_FORMAT_CSR};
  sprig_weights_t w = NULL;
  assert_int_equal(sprig_pack_weights_f32(t.n, t.k, dense, &csr, 0, &w), sprig_status_success);
  const struct sprig_sell_shape shape = sprig_sell_measure(w, uk->slice_rows);
  assert_int_equal(shape.nonzeros, 2 * (t.k + uk->slice_rows - 1));
  assert_int_equal(shape.slots, 2 * t.k * uk->slice_rows);
  assert_false(sprig_sell_shape_usable(&shape));
  sprig_release_weights(w);
  free(dense);
}

static void clamps(const void* ukernel) {
  KERNEL(uk);
  const float mins[] = {-0.5f, -INFINITY, -0.5f};
  const float maxs[] = {INFINITY, 0.75f, 0.75f};
  for (size_t i = 0; i < 3; i++) {
    struct sellmv_tester t = sellmv_tester_for();
    t.min = mins[i];
    t.max = maxs[i];
    sellmv_tester_run(&t, uk);
  }
}

static void zero_bias(const void* ukernel) {
  KERNEL(uk);
  struct sellmv_tester t = sellmv_tester_for();
  t.zero_bias = true;
  sellmv_tester_run(&t, uk);
}

static void nan_and_infinity_inputs(const void* ukernel) {
  KERNEL(uk);
  /* Only the rows holding the special column turn NaN / infinite: padding reads the zero slot,
   * never a real input. Ragged rows make every slice padded. */
  const float specials[] = {NAN, INFINITY, -INFINITY};
  for (size_t i = 0; i < 3; i++) {
    struct sellmv_tester t = sellmv_tester_for();
    t.k = 60;
    t.ragged = true;
    t.sparsity = 0.3;
    t.special = specials[i];
    t.special_col = 1;
    t.seed = 30 + i;
    sellmv_tester_run(&t, uk);
  }
}

static void sweep(const void* ukernel) {
  KERNEL(uk);
  const size_t ks[] = {1, 2, 7, 37, 100, 1003, 4096};
  const size_t ns[] = {1, 2, 5, 8, 16, 17, 40, 129};
  const double sparsities[] = {0.0, 0.3, 0.9, 0.7};
  uint64_t seed = 11;
  for (size_t ki = 0; ki < sizeof(ks) / sizeof(ks[0]); ki++) {
    for (size_t ni = 0; ni < sizeof(ns) / sizeof(ns[0]); ni++) {
      const size_t variant = ki + ni;
      const struct sellmv_tester t = {.k = ks[ki], .n = ns[ni], .sparsity = sparsities[variant % 4],
                                      .min = variant % 3 == 0 ? -0.5f : -INFINITY,
                                      .max = variant % 3 == 0 ? 0.75f : INFINITY, .ragged = variant % 5 == 1,
                                      .seed = seed++};
      sellmv_tester_run(&t, uk);
    }
  }
}

static bool is_for_slow_gathers(const void* ukernel) {
  return ((const struct sprig_f32_sellmv_ukernel*) ukernel)->for_slow_gathers;
}

/* A CPU with only this kernel's ISA (and scalar): with microcoded gathers it gets this variant;
 * without, the ISA's default, which it replaces (same slice height). */
static void chosen_where_gathers_are_slow(const void* ukernel) {
  KERNEL(uk);
  struct sprig_hardware slow = hardware_with_only(uk->isa, false);
  slow.slow_gathers = true;
  assert_ptr_equal(sprig_choose_f32_sellmv_ukernel(&slow), uk);
  const struct sprig_hardware fast = hardware_with_only(uk->isa, false);
  const struct sprig_f32_sellmv_ukernel* other = sprig_choose_f32_sellmv_ukernel(&fast);
  assert_non_null(other);
  assert_true(other->is_default && !other->for_slow_gathers && other->isa == uk->isa);
  assert_int_equal(other->slice_rows, uk->slice_rows);
}

static const struct kernel_test_case cases[] = {
    {"k = 1", k_eq_1, NULL},
    {"n = 1", n_eq_1, NULL},
    {"n around C (partial last slice)", n_around_c, NULL},
    {"0 .. 40 slots per row (unroll remainders)", slot_count_remainders, NULL},
    {"empty rows", empty_rows, NULL},
    {"ragged rows (padded slices)", ragged_rows, NULL},
    {"sparsity 0", sparsity_0, NULL},
    {"sparsity 1", sparsity_1, NULL},
    {"columns past 2^16 (slice bases)", wide_columns, NULL},
    {"offsets that do not fit 16 bits", offsets_that_do_not_fit, NULL},
    {"padding beyond the bound", padding_bound, NULL},
    {"clamps", clamps, NULL},
    {"zero bias", zero_bias, NULL},
    {"NaN and infinite inputs", nan_and_infinity_inputs, NULL},
    {"sweep: k = 1 .. 4096, n = 1 .. 129", sweep, NULL},
    {"chosen where gathers are slow", chosen_where_gathers_are_slow, is_for_slow_gathers},
};

static enum sprig_isa isa_of(const void* entry) {
  return ((const struct sprig_f32_sellmv_ukernel*) entry)->isa;
}

static int initialize(void** state) {
  (void) state;
  (void) sprig_initialize();
  return 0;
}

int main(void) {
  return run_kernel_cases("f32-sellmv", sprig_f32_sellmv_ukernels, sprig_f32_sellmv_ukernel_count,
                          sizeof(sprig_f32_sellmv_ukernels[0]), isa_of, cases, sizeof(cases) / sizeof(cases[0]),
                          initialize);
}
