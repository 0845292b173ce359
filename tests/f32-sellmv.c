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
 * Kernels listed with windows read the windowed layout (src/sprig/sellmv.h) built the same way;
 * their input's float K is NaN (they read K floats: reading it would turn outputs NaN), and the
 * layout's invariants are checked (window widths add up to the slices, every index inside its
 * window and below K, or the padding index).
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
  if (uk->window_cols != 0) {
    uk->window_fn(r1 - r0, sell->cols, 1, x, 0, bias + r0, sell->values + slot, sell->indices + slot,
                  sell->window_widths + s0 * sell->windows, y + r0, 0, p);
    return;
  }
  uk->fn(r1 - r0, x, bias + r0, sell->values + slot, sell->offsets + slot, sell->widths + s0, sell->col_base + s0,
         y + r0, p);
}

/* Windowed layout: a slice's window widths add up to its slots, and every slot reads a column of
 * its window below K or is padding (index Q, weight 0). */
static void check_windows(const struct sprig_sell* sell) {
  const size_t q = sell->window_cols;
  assert_int_equal(sell->windows, (sell->cols + q - 1) / q);
  for (size_t s = 0; s < sell->slices; s++) {
    size_t slot = sell->first[s] * sell->c;
    for (size_t v = 0; v < sell->windows; v++) {
      const size_t width = sell->window_widths[s * sell->windows + v];
      assert_true(width <= q);
      for (size_t i = 0; i < width * sell->c; i++, slot++) {
        const size_t index = sell->indices[slot];
        assert_true(index == q ? sell->values[slot] == 0.0f : index < q && v * q + index < sell->cols);
      }
    }
    assert_int_equal(slot, sell->first[s + 1] * sell->c);
  }
}

/* The kernel's layout for these weights, checked against what the sliced layout's measure counts. */
static struct sprig_sell* build_layout(const struct sprig_f32_sellmv_ukernel* uk, const struct sprig_weights* w) {
  const struct sprig_sell_shape shape = sprig_sell_measure(w, uk->slice_rows);
  struct sprig_sell* sell;
  if (uk->window_cols != 0) {
    sell = sprig_build_windowed_sell(w, uk->slice_rows, uk->window_cols);
    assert_non_null(sell);
    assert_int_equal(sell->window_cols, uk->window_cols);
    check_windows(sell);
  } else {
    assert_true(shape.offsets_fit);
    sell = sprig_build_sell(w, uk->slice_rows);
    assert_non_null(sell);
    assert_int_equal(sell->slots, shape.slots);
  }
  assert_int_equal(sell->nonzeros, shape.nonzeros);
  return sell;
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
  struct sprig_sell* sell = build_layout(uk, w);

  struct rng rng = {t->seed + 1};
  float* bias = malloc(t->n * sizeof(float));
  fill_random(&rng, bias, t->n);
  if (t->zero_bias) {
    fill_value(bias, t->n, 0.0f);
  }
  struct guarded x_memory; /* K + 1 floats, then a guard page */
  float* x = guarded_alloc(&x_memory, (t->k + 1) * sizeof(float));
  fill_random(&rng, x, t->k);
  x[t->k] = uk->window_cols != 0 ? NAN : 0.0f;
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
  guarded_free(&x_memory);
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
  /* Only the rows holding the special column turn NaN / infinite: padding reads the zero slot
   * (windowed: the zero lane), never a real input. Ragged rows make every slice padded. */
  const float specials[] = {NAN, INFINITY, -INFINITY};
  for (size_t i = 0; i < 3; i++) {
    struct sellmv_tester t = sellmv_tester_for();
    t.k = 60;
    t.ragged = true;
    t.sparsity = 0.3;
    t.special = specials[i];
    /* Windowed: the first column of window 1, which window 0's padding lane would read if unmasked. */
    t.special_col = uk->window_cols != 0 ? uk->window_cols : 1;
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

static bool is_windowed(const void* ukernel) {
  return ((const struct sprig_f32_sellmv_ukernel*) ukernel)->window_cols != 0;
}

static bool is_sliced(const void* ukernel) {
  return !is_windowed(ukernel);
}

/* A windowed kernel stands in for its ISA's default (the sliced kernel an operator would choose
 * on a CPU with only that ISA), which is no windowed kernel itself. */
static void partner_of_the_default(const void* ukernel) {
  KERNEL(uk);
  const struct sprig_hardware only = hardware_with_only(uk->isa, false);
  const struct sprig_f32_sellmv_ukernel* sliced = sprig_choose_f32_sellmv_ukernel(&only);
  assert_non_null(sliced);
  assert_int_equal(sliced->window_cols, 0);
  assert_ptr_equal(sprig_f32_sellmv_window_partner(sliced), uk);
  assert_non_null(uk->window_fn);
  assert_null(uk->fn);
  assert_false(uk->is_default);
  /* Weights cache one windowed layout (src/pack/derived.c): a build's windowed kernels share C and Q. */
  for (size_t i = 0; i < sprig_f32_sellmv_ukernel_count; i++) {
    const struct sprig_f32_sellmv_ukernel* other = &sprig_f32_sellmv_ukernels[i];
    if (other->window_cols != 0) {
      assert_int_equal(other->window_cols, uk->window_cols);
      assert_int_equal(other->slice_rows, uk->slice_rows);
    }
  }
}

static void windows_partial_and_full(const void* ukernel) {
  KERNEL(uk);
  /* Column counts around whole windows (the last one masked), dense rows, 90% sparse and ragged ones. */
  const size_t q = uk->window_cols;
  const size_t ks[] = {1, q - 1, q, q + 1, 2 * q - 1, 2 * q, 2 * q + 1, 3 * q + 5, 300};
  for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
    for (size_t d = 0; d < 3; d++) {
      struct sellmv_tester t = sellmv_tester_for();
      t.k = ks[i];
      t.n = 2 * uk->slice_rows + 3;
      t.sparsity = d == 0 ? 0.0 : 0.9;
      t.ragged = d == 2;
      t.seed = 100 + 3 * i + d;
      sellmv_tester_run(&t, uk);
    }
  }
}

/* 1 .. SPRIG_F32_SELLMV_MAX_VECTORS vectors per call at strides with NaN between them (inputs)
 * and sentinels (outputs): each vector's outputs as the reference says, nothing else written. */
static void several_vectors(const void* ukernel) {
  KERNEL(uk);
  struct sellmv_tester t = sellmv_tester_for();
  t.k = 3 * uk->window_cols + 7;
  t.n = 3 * uk->slice_rows + 5;
  t.sparsity = 0.8;
  t.min = -1.5f;
  t.max = 2.0f;
  float* dense = make_dense(&t);
  const struct sprig_sparsity csr = {.format = SPRIG_FORMAT_CSR};
  sprig_weights_t w = NULL;
  assert_int_equal(sprig_pack_weights_f32(t.n, t.k, dense, &csr, 0, &w), sprig_status_success);
  struct sprig_sell* sell = build_layout(uk, w);
  const size_t in_stride = t.k + 9, out_stride = t.n + 6, most = SPRIG_F32_SELLMV_MAX_VECTORS;
  struct rng rng = {t.seed + 5};
  float* bias = malloc(t.n * sizeof(float));
  float* x = malloc(most * in_stride * sizeof(float));
  float* y = malloc(most * out_stride * sizeof(float));
  fill_random(&rng, bias, t.n);
  fill_value(x, most * in_stride, NAN);
  for (size_t j = 0; j < most; j++) {
    fill_random(&rng, x + j * in_stride, t.k);
  }
  const struct sprig_f32_minmax_params params = {t.min, t.max};
  for (size_t nv = 1; nv <= most; nv++) {
    fill_value(y, most * out_stride, SENTINEL);
    uk->window_fn(t.n, t.k, nv, x, in_stride, bias, sell->values, sell->indices, sell->window_widths, y, out_stride,
                  &params);
    for (size_t j = 0; j < most; j++) {
      char what[160];
      snprintf(what, sizeof(what), "%s: vector %zu of %zu", *kernel_test_name(), j, nv);
      if (j < nv) {
        check_outputs(&t, dense, x + j * in_stride, bias, y + j * out_stride, what);
        assert_all_equal(y + j * out_stride + t.n, out_stride - t.n, SENTINEL, what);
      } else {
        assert_all_equal(y + j * out_stride, out_stride, SENTINEL, what);
      }
    }
  }
  sprig_free_sell(sell);
  sprig_release_weights(w);
  free(dense);
  free(bias);
  free(x);
  free(y);
}

/* Usable where it pads within its bound; not with one full row per slice and the rest one entry
 * each (padding), nor with a window per few nonzeros (a wide, nearly empty matrix). */
static void windowed_usability(const void* ukernel) {
  KERNEL(uk);
  const size_t q = uk->window_cols, c = uk->slice_rows;
  for (size_t i = 0; i < 3; i++) {
    struct sellmv_tester t = sellmv_tester_for();
    t.k = i == 2 ? 100 * q : 200;
    t.n = 2 * c;
    t.sparsity = i == 0 ? 0.9 : 1.0;
    float* dense = make_dense(&t);
    for (size_t r = 0; i != 0 && r < t.n; r++) {
      for (size_t col = 0; col < (i == 1 && r % c == 0 ? t.k : 1); col++) {
        dense[r * t.k + col] = 1.0f;
      }
    }
    const struct sprig_sparsity csr = {.format = SPRIG_FORMAT_CSR};
    sprig_weights_t w = NULL;
    assert_int_equal(sprig_pack_weights_f32(t.n, t.k, dense, &csr, 0, &w), sprig_status_success);
    bool usable = false, measured = false;
    struct sprig_sell* sell = sprig_build_usable_windowed_sell(w, c, q, &usable);
    size_t bytes = 1;
    assert_true(sprig_windowed_sell_usable(w, c, q, &measured, &bytes) == (i == 0));
    assert_true(bytes == (sell != NULL ? sprig_sell_bytes(sell) : 0));
    assert_true(measured);
    assert_true(usable == (i == 0));
    assert_true((sell != NULL) == (i == 0));
    struct sprig_sell* any = sprig_build_windowed_sell(w, c, q);
    assert_non_null(any);
    assert_true(sprig_windowed_sell_layout_usable(any) == (i == 0));
    sprig_free_sell(any);
    sprig_free_sell(sell);
    sprig_release_weights(w);
    free(dense);
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
    {"offsets that do not fit 16 bits", offsets_that_do_not_fit, is_sliced},
    {"padding beyond the bound", padding_bound, is_sliced},
    {"clamps", clamps, NULL},
    {"zero bias", zero_bias, NULL},
    {"NaN and infinite inputs", nan_and_infinity_inputs, NULL},
    {"sweep: k = 1 .. 4096, n = 1 .. 129", sweep, NULL},
    {"chosen where gathers are slow", chosen_where_gathers_are_slow, is_for_slow_gathers},
    {"windowed partner of the default", partner_of_the_default, is_windowed},
    {"windows partial and full", windows_partial_and_full, is_windowed},
    {"several vectors per call", several_vectors, is_windowed},
    {"windowed layout: where it is usable", windowed_usability, is_windowed},
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
