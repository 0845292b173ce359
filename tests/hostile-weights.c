/* Unusual but legal float weights through the public API: NaN, +-Inf, denormals, +-0 and
 * values near FLT_MAX must prune by the documented total order, pack without ever writing past
 * an allocation, and run with the non-finite semantics sprig.h states. */
#define _POSIX_C_SOURCE 200809L

#include "test-util.h"

#include <float.h>

#include <sprig.h>
#include <sprig/half.h>
#include <sprig/hardware.h>
#include <sprig/qs8-stream.h>
#include <sprig/weights.h>

/* Refusals are expected here (N:M weights packed without SPRIG_FLAG_PRUNE): keep the log quiet. */
static void quiet_log(enum sprig_log_level level, const char* message, void* user_data) {
  (void) level;
  (void) message;
  (void) user_data;
}

static int setup_group(void** state) {
  (void) state;
  sprig_set_log_callback(quiet_log, NULL, sprig_log_level_error);
  return sprig_initialize() == sprig_status_success || getenv("SPRIG_FORCE_ISA") != NULL ? 0 : -1;
}

static bool same_bits(float a, float b) {
  return memcmp(&a, &b, sizeof(float)) == 0;
}

static size_t count_nonzeros(const float* w, size_t count) {
  size_t nnz = 0;
  for (size_t i = 0; i < count; i++) {
    nnz += (size_t) (w[i] != 0.0f);
  }
  return nnz;
}

/* Runs a linear operator made from `packed` on `batch` rows of `input`; returns the output
 * (batch x rows floats, to free). */
static float* run_linear(sprig_weights_t packed, size_t batch, const float* input) {
  struct sprig_weights_info info;
  assert_int_equal(sprig_get_weights_info(packed, &info), sprig_status_success);
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_linear_from_weights_f32(packed, NULL, -INFINITY, INFINITY, 0, &op),
                   sprig_status_success);
  float* output = malloc(batch * info.rows * sizeof(float));
  assert_int_equal(sprig_reshape_linear_f32(op, batch), sprig_status_success);
  assert_int_equal(sprig_setup_linear_f32(op, input, output), sprig_status_success);
  assert_int_equal(sprig_run_operator(op, NULL), sprig_status_success);
  assert_int_equal(sprig_delete_operator(op), sprig_status_success);
  return output;
}

/* Issue case 1: NaN at every 4th weight and a whole run of NaN overflowed the N:M packer. */
static void test_nm_prune_nan_runs(void** state) {
  (void) state;
  require_sprig();
  enum { rows = 4, cols = 16 };
  float w[rows * cols];
  for (size_t i = 0; i < rows * cols; i++) {
    w[i] = (i % 4 == 0 || i % cols >= cols - 4) ? NAN : (float) (i % 7 + 1);
  }
  const struct sprig_sparsity p24 = {.format = SPRIG_FORMAT_NM, .n = 2, .m = 4};
  sprig_weights_t packed = NULL;
  assert_int_equal(sprig_pack_weights_f32(rows, cols, w, &p24, 0, &packed), sprig_status_invalid_weights);
  assert_null(packed);
  assert_int_equal(sprig_pack_weights_f32(rows, cols, w, &p24, SPRIG_FLAG_PRUNE, &packed), sprig_status_success);
  struct sprig_weights_info info;
  assert_int_equal(sprig_get_weights_info(packed, &info), sprig_status_success);
  assert_int_equal(info.stored_values, rows * cols / 2);
  assert_int_equal(info.nnz, rows * cols / 2); /* every run keeps 2, NaN first */

  /* Every output row holds a NaN weight: a finite input gives NaN. */
  float input[cols];
  fill_value(input, cols, 0.25f);
  float* output = run_linear(packed, 1, input);
  for (size_t r = 0; r < rows; r++) {
    assert_true(isnan(output[r]));
  }
  free(output);
  sprig_release_weights(packed);

  /* The same through the operator's own packing. */
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_linear_f32(cols, rows, w, NULL, &p24, -INFINITY, INFINITY, SPRIG_FLAG_PRUNE, &op),
                   sprig_status_success);
  assert_int_equal(sprig_delete_operator(op), sprig_status_success);
}

/* Issue case 2: NaN ranks above every magnitude; NaNs among themselves keep the earlier. */
static void test_prune_nm_nan_order(void** state) {
  (void) state;
  float w[8] = {NAN, 1, 2, 3, NAN, NAN, NAN, 4};
  const struct sprig_sparsity p24 = {.format = SPRIG_FORMAT_NM, .n = 2, .m = 4};
  float achieved = -1.0f;
  assert_int_equal(sprig_prune_f32(1, 8, w, &p24, 0.0f, &achieved), sprig_status_success);
  assert_true(isnan(w[0]));
  assert_true(w[1] == 0.0f && w[2] == 0.0f);
  assert_true(w[3] == 3.0f);
  assert_true(isnan(w[4]) && isnan(w[5]));
  assert_true(w[6] == 0.0f && w[7] == 0.0f);
  assert_float_equal(achieved, 0.5f, 1e-6f);

  /* +-Inf above FLT_MAX, -0 as zero, a denormal above +0. */
  float v[4] = {-0.0f, 1e-45f, -INFINITY, FLT_MAX};
  const struct sprig_sparsity p14 = {.format = SPRIG_FORMAT_NM, .n = 1, .m = 4};
  assert_int_equal(sprig_prune_f32(1, 4, v, &p14, 0.0f, NULL), sprig_status_success);
  assert_true(v[0] == 0.0f && v[1] == 0.0f && v[3] == 0.0f);
  assert_true(v[2] == -INFINITY);
  float d[2] = {0.0f, 1e-45f};
  const struct sprig_sparsity p12 = {.format = SPRIG_FORMAT_NM, .n = 1, .m = 2};
  assert_int_equal(sprig_prune_f32(1, 2, d, &p12, 0.0f, NULL), sprig_status_success);
  assert_true(same_bits(d[1], 1e-45f));
}

/* Issue case 3: scores neither underflow nor overflow, so the larger magnitude is kept. */
static void test_prune_extreme_magnitudes(void** state) {
  (void) state;
  static const float pairs[][2] = {
      {1e-30f, 2e-30f}, {1e20f, 2e20f}, {1e-45f, 3e-45f}, {FLT_MAX / 2, FLT_MAX}, {-FLT_MAX, INFINITY},
      {INFINITY, NAN},  {-3e38f, 3.1e38f},
  };
  const struct sprig_sparsity patterns[] = {
      {.format = SPRIG_FORMAT_CSR},
      {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 1},
      {.format = SPRIG_FORMAT_BLOCK, .block_rows = 2, .block_cols = 1},
      {.format = SPRIG_FORMAT_GROUP, .group = 2},
  };
  for (size_t p = 0; p < sizeof(patterns) / sizeof(patterns[0]); p++) {
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
      /* Two units of the pattern: for 1 x 1 units the two entries of one row; for 2 x 1 blocks
       * and groups of 2 the two columns of a 2-row matrix (each unit holds a value twice). */
      const bool tall = patterns[p].format == SPRIG_FORMAT_GROUP || patterns[p].block_rows == 2;
      float w[4] = {pairs[i][0], pairs[i][1], pairs[i][0], pairs[i][1]};
      const size_t rows = tall ? 2 : 1;
      assert_int_equal(sprig_prune_f32(rows, 2, w, &patterns[p], 0.5f, NULL), sprig_status_success);
      for (size_t r = 0; r < rows; r++) {
        if (w[r * 2] != 0.0f || !same_bits(w[r * 2 + 1], pairs[i][1])) {
          fail_msg("pattern %zu, pair %zu (%g, %g): row %zu became (%g, %g), expected (0, %g)", p, i,
                   (double) pairs[i][0], (double) pairs[i][1], r, (double) w[r * 2], (double) w[r * 2 + 1],
                   (double) pairs[i][1]);
        }
      }
    }
  }
}

/* Issue case 4: a name that is no ISA ('mmx') is refused as unknown on every architecture;
 * 'neon' (armv7 NEON, since issue 17) is a known name: never refused as unknown. */
static enum sprig_status detect_with_forced_isa(const char* name, struct sprig_hardware* hardware) {
  const char* previous = getenv("SPRIG_FORCE_ISA");
  char* saved = previous != NULL ? strdup(previous) : NULL;
  setenv("SPRIG_FORCE_ISA", name, 1);
  const enum sprig_status status = sprig_detect_hardware(hardware);
  if (saved != NULL) {
    setenv("SPRIG_FORCE_ISA", saved, 1);
    free(saved);
  } else {
    unsetenv("SPRIG_FORCE_ISA");
  }
  return status;
}

static void test_force_isa_unknown_name(void** state) {
  (void) state;
  struct sprig_hardware hardware = {0};
  assert_int_equal(detect_with_forced_isa("mmx", &hardware), sprig_status_invalid_parameter);
  assert_false(hardware.initialized);
  struct sprig_hardware neon = {0};
  assert_int_not_equal(detect_with_forced_isa("neon", &neon), sprig_status_invalid_parameter);
}

/* Issue case 5: N:M padding sits on a zero-weight column of its run, so an infinite input meets
 * it only where a dense product multiplies it by zero too. */
static void test_nm_padding_with_infinite_input(void** state) {
  (void) state;
  require_sprig();
  enum { in = 3, out = 3, batch = 33 };
  /* row 0: a zero at column 1; row 1: a zero at column 0; row 2: the documented exception (a
   * short last run, all nonzero: padding on column 0). */
  const float w[out * in] = {2, 0, 3, 0, 2, 3, 2, 3, 4};
  const struct sprig_sparsity p48 = {.format = SPRIG_FORMAT_NM, .n = 4, .m = 8};
  sprig_weights_t packed = NULL;
  assert_int_equal(sprig_pack_weights_f32(out, in, w, &p48, 0, &packed), sprig_status_success);
  static const size_t batches[] = {1, 2, 5, batch};
  for (size_t b = 0; b < sizeof(batches) / sizeof(batches[0]); b++) {
    float input[batch * in];
    for (size_t i = 0; i < batches[b]; i++) {
      input[i * in + 0] = -INFINITY;
      input[i * in + 1] = 1.0f;
      input[i * in + 2] = 1.0f;
    }
    float* output = run_linear(packed, batches[b], input);
    for (size_t i = 0; i < batches[b]; i++) {
      /* dense: 2 x -Inf + 0 x 1 + 3 = -Inf */
      if (output[i * out + 0] != -INFINITY) {
        fail_msg("batch %zu row %zu: channel 0 is %g, expected -inf", batches[b], i, (double) output[i * out]);
      }
      /* dense: 0 x -Inf = NaN */
      assert_true(isnan(output[i * out + 1]));
      /* documented exception: NaN where the dense product is -Inf */
      assert_true(isnan(output[i * out + 2]));
    }
    free(output);
  }
  sprig_release_weights(packed);
}

/* ---- randomized: every prune and pack path on hostile values ---- */

enum value_class { ordinary, huge, infinite, not_a_number };

static float hostile_value(struct rng* r) {
  static const float palette[] = {
      NAN,     -NAN,     INFINITY, -INFINITY, FLT_MAX, -FLT_MAX, 3.0e38f, -2.9e38f,
      1e-45f,  -1e-45f,  1e-40f,   -3e-39f,   0.0f,    -0.0f,    0.0f,    -0.0f,
  };
  const uint32_t u = rng_next(r) % 32;
  if (u < 16) {
    return palette[u];
  }
  const float v = rng_float(r);
  return u < 24 ? 0.0f : (v == 0.0f ? 0.5f : v);
}

static enum value_class classify(float w) {
  if (isnan(w)) {
    return not_a_number;
  }
  if (isinf(w)) {
    return infinite;
  }
  return fabsf(w) > 1e30f ? huge : ordinary;
}

static const struct sprig_sparsity hostile_patterns[] = {
    {.format = SPRIG_FORMAT_CSR},
    {.format = SPRIG_FORMAT_AUTO},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 1},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 4},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 8},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 4, .block_cols = 1},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 8, .block_cols = 1},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 2, .block_cols = 2},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 8, .block_cols = 8},
    {.format = SPRIG_FORMAT_GROUP, .group = 2},
    {.format = SPRIG_FORMAT_GROUP, .group = 4},
    {.format = SPRIG_FORMAT_GROUP, .group = 8},
    {.format = SPRIG_FORMAT_NM, .n = 1, .m = 2},
    {.format = SPRIG_FORMAT_NM, .n = 1, .m = 4},
    {.format = SPRIG_FORMAT_NM, .n = 2, .m = 4},
    {.format = SPRIG_FORMAT_NM, .n = 3, .m = 4},
    {.format = SPRIG_FORMAT_NM, .n = 2, .m = 8},
    {.format = SPRIG_FORMAT_NM, .n = 4, .m = 8},
    {.format = SPRIG_FORMAT_NM, .n = 7, .m = 8},
    {.format = SPRIG_FORMAT_NM, .n = 1, .m = 16},
    {.format = SPRIG_FORMAT_NM, .n = 8, .m = 16},
    {.format = SPRIG_FORMAT_NM, .n = 15, .m = 16},
};

/* Pruning only zeroes entries, and N:M runs end with at most n nonzeros, NaNs kept first. */
static void check_pruned(const float* before, const float* after, size_t rows, size_t cols,
                         const struct sprig_sparsity* p, const char* what) {
  for (size_t i = 0; i < rows * cols; i++) {
    if (after[i] != 0.0f && !same_bits(after[i], before[i])) {
      fail_msg("%s: pruning changed entry %zu from %g to %g", what, i, (double) before[i], (double) after[i]);
    }
  }
  if (p->format != SPRIG_FORMAT_NM) {
    return;
  }
  for (size_t r = 0; r < rows; r++) {
    for (size_t g = 0; g * p->m < cols; g++) {
      const size_t first = r * cols + g * p->m, length = SPRIG_TEST_MIN(p->m, cols - g * p->m);
      size_t kept = 0, nans_before = 0, nans_after = 0;
      for (size_t i = first; i < first + length; i++) {
        kept += (size_t) (after[i] != 0.0f);
        nans_before += (size_t) isnan(before[i]);
        nans_after += (size_t) isnan(after[i]);
      }
      if (kept > p->n || nans_after != SPRIG_TEST_MIN(nans_before, p->n)) {
        fail_msg("%s: row %zu run %zu keeps %zu nonzeros (n = %u) and %zu of %zu NaNs", what, r, g, kept,
                 (unsigned) p->n, nans_after, nans_before);
      }
    }
  }
}

/* Each output is checked by what its row holds: NaN weights give NaN, Inf weights a non-finite
 * value, ordinary weights the reference within rounding; rows with weights near FLT_MAX only
 * need to have run (their sums may overflow either way). */
static void check_outputs(const float* dense, size_t rows, size_t cols, size_t batch, const float* input,
                          const float* output, const char* what) {
  for (size_t r = 0; r < rows; r++) {
    enum value_class worst = ordinary;
    for (size_t c = 0; c < cols; c++) {
      const enum value_class k = classify(dense[r * cols + c]);
      worst = k > worst ? k : worst;
    }
    for (size_t b = 0; b < batch; b++) {
      const float y = output[b * rows + r];
      double sum = 0.0, magnitude = 0.0;
      for (size_t c = 0; c < cols; c++) {
        sum += (double) dense[r * cols + c] * (double) input[b * cols + c];
        magnitude += fabs((double) dense[r * cols + c] * (double) input[b * cols + c]);
      }
      const bool ok = worst == not_a_number ? isnan(y)
                      : worst == infinite   ? !isfinite(y)
                      : worst == huge       ? true
                                            : fabs((double) y - sum) <= (double) error_bound(cols, magnitude);
      if (!ok) {
        fail_msg("%s: batch row %zu, output %zu is %g, expected %g (row class %d)", what, b, r, (double) y, sum,
                 (int) worst);
      }
    }
  }
}

static void hostile_trial(struct rng* rng, const struct sprig_sparsity* p, size_t trial) {
  const size_t rows = 1 + rng_next(rng) % 19, cols = 1 + rng_next(rng) % 41;
  const size_t count = rows * cols;
  float* dense = malloc(count * sizeof(float));
  float* pruned = malloc(count * sizeof(float));
  for (size_t i = 0; i < count; i++) {
    dense[i] = hostile_value(rng);
  }
  char what[160];
  snprintf(what, sizeof(what), "trial %zu, format %d (%ux%u, %u:%u, group %u), %zu x %zu", trial, (int) p->format,
           (unsigned) p->block_rows, (unsigned) p->block_cols, (unsigned) p->n, (unsigned) p->m,
           (unsigned) p->group, rows, cols);
  const bool group_fits = p->format != SPRIG_FORMAT_GROUP || p->group <= rows;

  /* sprig_prune_f32 (AUTO names no pattern to prune to). */
  static const float targets[] = {0.0f, 0.5f, 0.9f, 1.0f};
  const float target = p->format == SPRIG_FORMAT_NM ? 0.0f : targets[rng_next(rng) % 4];
  memcpy(pruned, dense, count * sizeof(float));
  if (p->format != SPRIG_FORMAT_AUTO && group_fits) {
    float achieved = -1.0f;
    assert_int_equal(sprig_prune_f32(rows, cols, pruned, p, target, &achieved), sprig_status_success);
    check_pruned(dense, pruned, rows, cols, p, what);
    assert_true(achieved >= 0.0f && achieved <= 1.0f);
  }

  /* Packing: with SPRIG_FLAG_PRUNE always succeeds; without, only N:M may refuse. */
  for (uint32_t flags = 0; flags <= SPRIG_FLAG_PRUNE; flags += SPRIG_FLAG_PRUNE) {
    sprig_weights_t packed = NULL;
    const enum sprig_status status = sprig_pack_weights_f32(rows, cols, dense, p, flags, &packed);
    if (!group_fits) {
      assert_int_equal(status, sprig_status_invalid_parameter);
      continue;
    }
    if (status != sprig_status_success) {
      assert_int_equal(status, sprig_status_invalid_weights);
      assert_true(p->format == SPRIG_FORMAT_NM && flags == 0);
      assert_null(packed);
      continue;
    }
    struct sprig_weights_info info;
    assert_int_equal(sprig_get_weights_info(packed, &info), sprig_status_success);
    assert_true(info.nnz <= info.stored_values);
    const float* reference = p->format == SPRIG_FORMAT_NM ? pruned : dense;
    assert_int_equal(info.nnz, count_nonzeros(reference, count));
    if (info.pattern.format == SPRIG_FORMAT_NM) {
      assert_int_equal(info.stored_values, rows * sprig_divide_round_up_test(cols, info.pattern.m) * info.pattern.n);
    }
    const size_t batch = 1 + rng_next(rng) % 9;
    float* input = malloc(batch * cols * sizeof(float));
    fill_random(rng, input, batch * cols);
    for (size_t i = 0; i < batch * cols; i++) {
      input[i] = input[i] == 0.0f ? 0.5f : input[i];
    }
    float* output = run_linear(packed, batch, input);
    check_outputs(reference, rows, cols, batch, input, output, what);
    free(output);
    free(input);
    sprig_release_weights(packed);
  }

  /* The caller's own CSR arrays holding the same values. */
  struct csr m = csr_from_dense(dense, rows, cols);
  sprig_weights_t from_csr = NULL;
  assert_int_equal(sprig_pack_weights_csr_f32(rows, cols, m.nnz, m.row_ptr, m.col_idx, m.values, 0, &from_csr),
                   sprig_status_success);
  sprig_release_weights(from_csr);
  csr_free(&m);
  free(pruned);
  free(dense);
}

static void test_randomized_hostile_values(void** state) {
  (void) state;
  require_sprig();
  struct rng rng = {20261203};
  const size_t pattern_count = sizeof(hostile_patterns) / sizeof(hostile_patterns[0]);
  for (size_t trial = 0; trial < 40 * pattern_count; trial++) {
    hostile_trial(&rng, &hostile_patterns[trial % pattern_count], trial);
  }
}


/* ---- qs8 / f16 block weights: column gaps over long empty runs ---- */

static const struct sprig_sparsity gap_patterns[] = {
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 1},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 4},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 8},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 4, .block_cols = 1},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 8, .block_cols = 8},
    {.format = SPRIG_FORMAT_GROUP, .group = 2},
    {.format = SPRIG_FORMAT_GROUP, .group = 8},
};

/* Half bit patterns at the edges: NaNs (quiet, signalling, negative), +-Inf, -0, denormals,
 * the largest finite; or 0. */
static uint16_t hostile_half(struct rng* rng) {
  static const uint16_t edges[] = {0x7E00, 0x7C01, 0xFE00, 0x7C00, 0xFC00, 0x8000, 0x0001, 0x83FF, 0x7BFF, 0xFBFF};
  const uint32_t pick = rng_next(rng) % 16;
  return pick < (uint32_t) (sizeof(edges) / sizeof(edges[0])) ? edges[pick] : (uint16_t) (rng_next(rng) & 0xFFFF);
}

/* Same value as packing keeps it: zeros of either sign alike, NaNs alike (made quiet). */
static bool same_half(uint16_t a, uint16_t b) {
  const bool a_nan = (a & 0x7C00) == 0x7C00 && (a & 0x03FF) != 0, b_nan = (b & 0x7C00) == 0x7C00 && (b & 0x03FF) != 0;
  if (a_nan || b_nan) {
    return a_nan && b_nan;
  }
  return a == b || ((a & 0x7FFF) == 0 && (b & 0x7FFF) == 0);
}

/* Rows of a few nonzeros at random columns of a wide matrix (steps of hundreds to tens of
 * thousands of columns, first and last columns often taken), extreme values: qs8 and f16
 * pack every block shape into gaps and bridges that give the matrix back, and serialize and
 * load to the same weights. */
static void test_block_gaps_long_runs(void** state) {
  (void) state;
  require_sprig();
  struct rng rng = {4096};
  const size_t pattern_count = sizeof(gap_patterns) / sizeof(gap_patterns[0]);
  size_t bridged = 0; /* 1x1 trials whose blocks outnumber the nonzeros: bridges */
  for (size_t trial = 0; trial < 6 * pattern_count; trial++) {
    const struct sprig_sparsity* p = &gap_patterns[trial % pattern_count];
    const size_t rows = p->format == SPRIG_FORMAT_GROUP ? p->group + rng_next(&rng) % 9 : 1 + rng_next(&rng) % 9;
    const size_t cols = trial % 5 == 0 ? 70001 : 1 + rng_next(&rng) % 9000;
    int8_t* dense = calloc(rows * cols, 1);
    uint16_t* halves = calloc(rows * cols, sizeof(uint16_t));
    int8_t* row = malloc(cols);
    assert_true(dense != NULL && halves != NULL && row != NULL);
    for (size_t r = 0; r < rows; r++) {
      const size_t count = rng_next(&rng) % 5;
      for (size_t k = 0; k < count; k++) {
        const size_t c = k == 0 && rng_next(&rng) % 2 ? cols - 1 : k == 1 ? 0 : rng_next(&rng) % cols;
        dense[r * cols + c] = rng_next(&rng) % 2 ? (int8_t) -128 : (int8_t) 127;
        halves[r * cols + c] = hostile_half(&rng);
      }
    }
    sprig_weights_t q = NULL, h = NULL;
    assert_int_equal(sprig_pack_weights_qs8(rows, cols, dense, p, 0, &q), sprig_status_success);
    assert_int_equal(sprig_pack_weights_f16(rows, cols, halves, p, 0, &h), sprig_status_success);
    struct sprig_block_row_walk walk = {0};
    for (size_t r = 0; r < rows; r++) {
      sprig_qs8_expand_row(q, &walk, r, row);
      assert_memory_equal(row, dense + r * cols, cols);
    }
    bridged += (size_t) (q->block_height * q->block_width == 1 && q->blocks > q->nnz);
    /* f16: walk the blocks back onto the matrix. */
    uint16_t* back = calloc(rows * cols, sizeof(uint16_t));
    assert_non_null(back);
    const size_t bh = h->block_height, bw = h->block_width;
    walk = (struct sprig_block_row_walk){0, 0};
    for (size_t br = 0; br < (rows + bh - 1) / bh; br++) {
      for (struct sprig_block_cursor c = sprig_block_row(h, &walk, br); c.block < c.end; sprig_block_next(h, &c)) {
        assert_true(c.block_col * bw < cols);
        for (size_t i = 0; i < bh && br * bh + i < rows; i++) {
          for (size_t j = 0; j < bw && c.block_col * bw + j < cols; j++) {
            back[(br * bh + i) * cols + c.block_col * bw + j] = h->block_values_f16[(size_t) c.block * bh * bw + i * bw + j];
          }
        }
      }
    }
    for (size_t i = 0; i < rows * cols; i++) {
      if (!same_half(back[i], halves[i])) {
        fail_msg("trial %zu, %zu x %zu: f16 element %zu is 0x%04x, packed 0x%04x", trial, rows, cols, i,
                 (unsigned) back[i], (unsigned) halves[i]);
      }
    }
    free(back);
    sprig_weights_t both[2] = {q, h};
    for (size_t k = 0; k < 2; k++) {
      size_t size = 0;
      assert_int_equal(sprig_serialize_weights(both[k], NULL, 0, &size), sprig_status_success);
      void* blob = malloc(size);
      assert_non_null(blob);
      assert_int_equal(sprig_serialize_weights(both[k], blob, size, &size), sprig_status_success);
      sprig_weights_t loaded = NULL;
      assert_int_equal(sprig_deserialize_weights(blob, size, SPRIG_FLAG_BORROW_BUFFER, &loaded), sprig_status_success);
      struct sprig_weights_info x, y;
      assert_int_equal(sprig_get_weights_info(both[k], &x), sprig_status_success);
      assert_int_equal(sprig_get_weights_info(loaded, &y), sprig_status_success);
      assert_int_equal(x.nnz, y.nnz);
      assert_int_equal(x.stored_values, y.stored_values);
      assert_int_equal(x.packed_bytes, y.packed_bytes);
      assert_memory_equal(both[k]->block_col_gaps, loaded->block_col_gaps, both[k]->blocks);
      sprig_release_weights(loaded);
      free(blob);
    }
    sprig_release_weights(h);
    sprig_release_weights(q);
    free(row);
    free(halves);
    free(dense);
  }
  assert_true(bridged > 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nm_prune_nan_runs),
      cmocka_unit_test(test_prune_nm_nan_order),
      cmocka_unit_test(test_prune_extreme_magnitudes),
      cmocka_unit_test(test_force_isa_unknown_name),
      cmocka_unit_test(test_nm_padding_with_infinite_input),
      cmocka_unit_test(test_randomized_hostile_values),
      cmocka_unit_test(test_block_gaps_long_runs),
  };
  return cmocka_run_group_tests(tests, setup_group, NULL);
}
