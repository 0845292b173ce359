/* The packers, pattern detection (AUTO) and pruning on their own: layouts of the packed
 * arrays, which pattern AUTO picks, what pruning keeps, and the warnings and refusals. */
#include "test-util.h"

#include <sprig.h>
#include <sprig/half.h>
#include <sprig/qs8-stream.h>
#include <sprig/serialize.h>
#include <sprig/stream.h>
#include <sprig/weights.h>

static int warnings;
static char last_warning[512];

static void capture_log(enum sprig_log_level level, const char* message, void* user_data) {
  (void) user_data;
  if (level == sprig_log_level_warning) {
    warnings++;
    snprintf(last_warning, sizeof(last_warning), "%s", message);
  }
}

static int setup_group(void** state) {
  (void) state;
  sprig_set_log_callback(capture_log, NULL, sprig_log_level_warning);
  return sprig_initialize() == sprig_status_success || getenv("SPRIG_FORCE_ISA") != NULL ? 0 : -1;
}

static sprig_weights_t pack(size_t rows, size_t cols, const float* dense, struct sprig_sparsity pattern) {
  sprig_weights_t w = NULL;
  assert_int_equal(sprig_pack_weights_f32(rows, cols, dense, &pattern, 0, &w), sprig_status_success);
  return w;
}

/* Dense [rows][cols] whose nonzeros are bh x bw blocks, about half of them kept, with `holes`
 * zeros punched inside kept blocks (one per block, at most) so that masks differ. */
static void fill_blocks(struct rng* rng, float* dense, size_t rows, size_t cols, size_t bh, size_t bw, bool holes) {
  for (size_t r0 = 0; r0 < rows; r0 += bh) {
    for (size_t c0 = 0; c0 < cols; c0 += bw) {
      const bool keep = rng_next(rng) % 2 == 0;
      const size_t hole = holes && bh * bw >= 4 && rng_next(rng) % 4 == 0 ? rng_next(rng) % (bh * bw) : SIZE_MAX;
      for (size_t i = 0; i < bh; i++) {
        for (size_t j = 0; j < bw; j++) {
          float v = rng_float(rng);
          v = v == 0.0f ? 0.5f : v;
          dense[(r0 + i) * cols + c0 + j] = keep && i * bw + j != hole ? v : 0.0f;
        }
      }
    }
  }
}

/* AUTO: groups, then output-channel blocks, then N:M, then input blocks, then CSR. */
static void test_auto_detection_order(void** state) {
  (void) state;
  enum { ROWS = 32, COLS = 64 };
  float* dense = malloc(ROWS * COLS * sizeof(float));
  const struct {
    const char* name;
    size_t bh, bw;
    bool holes;
    struct sprig_sparsity expected;
  } cases[] = {
      {"8x1 blocks, shared masks", 8, 1, false, {.format = SPRIG_FORMAT_GROUP, .group = 8}},
      {"4x1 blocks, shared masks", 4, 1, false, {.format = SPRIG_FORMAT_GROUP, .group = 4}},
      {"8x1 blocks with holes", 8, 1, true, {.format = SPRIG_FORMAT_BLOCK, .block_rows = 8, .block_cols = 1}},
      {"4x1 blocks with holes", 4, 1, true, {.format = SPRIG_FORMAT_BLOCK, .block_rows = 4, .block_cols = 1}},
      {"1x8 blocks", 1, 8, false, {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 8}},
      {"1x8 blocks with holes", 1, 8, true, {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 8}},
      {"1x4 blocks", 1, 4, false, {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 4}},
      {"unstructured", 1, 1, false, {.format = SPRIG_FORMAT_CSR}},
  };
  const struct sprig_sparsity automatic = {.format = SPRIG_FORMAT_AUTO};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct rng rng = {700 + i};
    fill_blocks(&rng, dense, ROWS, COLS, cases[i].bh, cases[i].bw, cases[i].holes);
    sprig_weights_t w = pack(ROWS, COLS, dense, automatic);
    struct sprig_weights_info info;
    assert_int_equal(sprig_get_weights_info(w, &info), sprig_status_success);
    if (memcmp(&info.pattern, &cases[i].expected, sizeof(info.pattern)) != 0) {
      fail_msg("%s: AUTO chose %s %ux%u n:m %u:%u group %u", cases[i].name, sprig_format_name(info.pattern.format),
               (unsigned) info.pattern.block_rows, (unsigned) info.pattern.block_cols, (unsigned) info.pattern.n,
               (unsigned) info.pattern.m, (unsigned) info.pattern.group);
    }
    sprig_release_weights(w);
  }
  /* 2:4 beats 1x4 blocks: exact 2:4 weights are stored as N:M. */
  struct rng rng = {777};
  fill_random(&rng, dense, ROWS * COLS);
  const struct sprig_sparsity two_of_four = {.format = SPRIG_FORMAT_NM, .n = 2, .m = 4};
  assert_int_equal(sprig_prune_f32(ROWS, COLS, dense, &two_of_four, 0.0f, NULL), sprig_status_success);
  sprig_weights_t w = pack(ROWS, COLS, dense, automatic);
  assert_int_equal(w->pattern.format, SPRIG_FORMAT_NM);
  sprig_release_weights(w);
  /* An all-zero matrix is CSR with no entries. */
  fill_value(dense, ROWS * COLS, 0.0f);
  w = pack(ROWS, COLS, dense, automatic);
  assert_int_equal(w->pattern.format, SPRIG_FORMAT_CSR);
  assert_int_equal(w->nnz, 0);
  sprig_release_weights(w);
  free(dense);
}

/* CSR: one-byte gaps, bridges of stored zeros every 255 columns, row pointers. */
static void test_csr_layout(void** state) {
  (void) state;
  enum { COLS = 700 };
  float dense[2 * COLS] = {0};
  dense[3] = 1.0f;           /* row 0: column 3 */
  dense[600] = 2.0f;         /* row 0: column 600, 597 columns after the previous */
  dense[COLS + 0] = -1.0f;   /* row 1: column 0 */
  sprig_weights_t w = pack(2, COLS, dense, (struct sprig_sparsity){.format = SPRIG_FORMAT_CSR});
  assert_int_equal(w->nnz, 3);
  /* 600 - 3 = 597 = 255 + 255 + 87: two bridges before the second value. */
  assert_int_equal(w->stored_values, 5);
  assert_int_equal(w->row_ptr[0], 0);
  assert_int_equal(w->row_ptr[1], 4);
  assert_int_equal(w->row_ptr[2], 5);
  const uint8_t gaps[5] = {4, 255, 255, 87, 1};
  const float values[5] = {1.0f, 0.0f, 0.0f, 2.0f, -1.0f};
  for (size_t i = 0; i < 5; i++) {
    assert_int_equal(w->col_gaps[i], gaps[i]);
    assert_true(w->values[i] == values[i]);
  }
  /* The cursor walks the columns back. */
  struct sprig_csr_cursor c = sprig_csr_row(w, 0);
  const uint32_t columns[4] = {3, 258, 513, 600};
  for (size_t i = 0; i < 4; i++, sprig_csr_next(w, &c)) {
    assert_int_equal(c.column, columns[i]);
  }
  assert_int_equal(c.column, UINT32_MAX);
  sprig_release_weights(w);
}

/* BLOCK: block rows, block columns, whole blocks with zeros outside the matrix; the CSR view
 * holds every stored entry inside the matrix. */
static void test_block_layout(void** state) {
  (void) state;
  /* 3 x 5 in 2 x 2 blocks: block row 0 has blocks at block columns 0 and 2 (the latter crosses
   * the right edge), block row 1 (one matrix row) a block at block column 1. */
  const float dense[15] = {1, 0, 0, 0, 5,  /**/ 0, 2, 0, 0, 0, /**/ 0, 0, 3, 0, 0};
  sprig_weights_t w = pack(3, 5, dense, (struct sprig_sparsity){.format = SPRIG_FORMAT_BLOCK, .block_rows = 2,
                                                                  .block_cols = 2});
  assert_int_equal(w->blocks, 3);
  assert_int_equal(w->stored_values, 12);
  assert_int_equal(w->nnz, 4);
  assert_int_equal(w->block_row_ptr[1], 2);
  assert_int_equal(w->block_row_ptr[2], 3);
  assert_non_null(w->block_col16); /* f32 keeps 16-bit block columns (the f32 kernels read them) */
  assert_null(w->block_col_gaps);
  struct sprig_block_row_walk walk = {0};
  struct sprig_block_cursor c = sprig_block_row(w, &walk, 0);
  assert_int_equal(c.block_col, 0);
  sprig_block_next(w, &c);
  assert_int_equal(c.block_col, 2);
  sprig_block_next(w, &c);
  assert_int_equal(c.block, c.end);
  c = sprig_block_row(w, &walk, 1);
  assert_int_equal(c.block_col, 1);
  const float block0[4] = {1, 0, 0, 2}, block1[4] = {5, 0, 0, 0}, block2[4] = {3, 0, 0, 0};
  assert_memory_equal(w->block_values, block0, sizeof(block0));
  assert_memory_equal(w->block_values + 4, block1, sizeof(block1));
  assert_memory_equal(w->block_values + 8, block2, sizeof(block2));
  struct sprig_weights* csr = sprig_block_weights_as_csr(w);
  assert_non_null(csr);
  /* Row 0: columns 0, 1 (block 0) and 4 (block 1 cut at the edge); row 1: 0, 1, 4; row 2: 2, 3. */
  assert_int_equal(csr->row_ptr[1], 3);
  assert_int_equal(csr->row_ptr[2], 6);
  assert_int_equal(csr->row_ptr[3], 8);
  assert_int_equal(csr->nnz, 8);
  sprig_release_weights(csr);
  sprig_release_weights(w);
}

/* N:M: n slots per run, in-run indices, padding on a zero-weight column of the run. */
static void test_nm_layout(void** state) {
  (void) state;
  /* 2:4 over 7 columns: runs [0..3] and [4..6]. */
  const float dense[14] = {0, 7, 0, 0, /**/ 1, 2, 0, /**/ 0, 0, 0, 0, /**/ 3, 4, 5};
  const struct sprig_sparsity p = {.format = SPRIG_FORMAT_NM, .n = 2, .m = 4};
  sprig_weights_t w = NULL;
  assert_int_equal(sprig_pack_weights_f32(2, 7, dense, &p, 0, &w), sprig_status_invalid_weights);
  float fits[14];
  memcpy(fits, dense, sizeof(fits));
  fits[13] = 0.0f; /* row 1's short run now holds 2 */
  w = pack(2, 7, fits, p);
  assert_int_equal(w->nm_groups, 2);
  assert_int_equal(w->stored_values, 8);
  assert_int_equal(w->nnz, 5);
  /* row 0 run 0: 7 at index 1, padding on index 0 (zero weight); run 1: 1, 2 at 0, 1. */
  const float values[8] = {7, 0, 1, 2, 0, 0, 3, 4};
  const uint8_t indices[8] = {1, 0, 0, 1, 0, 0, 0, 1};
  assert_memory_equal(w->nm_values, values, sizeof(values));
  assert_memory_equal(w->nm_indices, indices, sizeof(indices));
  sprig_release_weights(w);
  /* A short last run whose columns are all nonzero pads on its first column (the documented
   * exception); a full run pads on its first zero column. */
  const float short_run[5] = {0, 0, 0, 9, /**/ 6};
  const struct sprig_sparsity p48 = {.format = SPRIG_FORMAT_NM, .n = 2, .m = 4};
  w = pack(1, 5, short_run, p48);
  assert_int_equal(w->nm_indices[0], 3);
  assert_int_equal(w->nm_indices[1], 0);
  assert_int_equal(w->nm_indices[2], 0);
  assert_int_equal(w->nm_indices[3], 0);
  sprig_release_weights(w);
}

/* A block pattern transposed against the weights is mostly padding: packing warns, naming the
 * share. */
static void test_block_padding_warning(void** state) {
  (void) state;
  enum { ROWS = 16, COLS = 32 };
  /* One 1 x 8 block per row, at columns (8 r) mod 32: 8 x 1 blocks would store 4x the nonzeros. */
  float dense[ROWS * COLS] = {0};
  for (size_t r = 0; r < ROWS; r++) {
    for (size_t j = 0; j < 8; j++) {
      dense[r * COLS + (r * 8) % COLS + j] = 1.0f + (float) j;
    }
  }
  warnings = 0;
  sprig_weights_t w = pack(ROWS, COLS, dense, (struct sprig_sparsity){.format = SPRIG_FORMAT_BLOCK,
                                                                      .block_rows = 1, .block_cols = 8});
  assert_int_equal(warnings, 0);
  sprig_release_weights(w);
  w = pack(ROWS, COLS, dense, (struct sprig_sparsity){.format = SPRIG_FORMAT_BLOCK, .block_rows = 8,
                                                      .block_cols = 1});
  assert_int_equal(warnings, 1);
  assert_non_null(strstr(last_warning, "zero padding"));
  assert_non_null(strstr(last_warning, "8x1"));
  assert_non_null(strstr(last_warning, "75%"));
  sprig_release_weights(w);
}

/* Pruning: exact counts, ties keep the earlier entry, blocks by their L2 norm. */
static void test_prune_rules(void** state) {
  (void) state;
  float ties[6] = {1, -1, 1, -1, 1, -1};
  float achieved = 0.0f;
  assert_int_equal(sprig_prune_f32(1, 6, ties, NULL, 0.5f, &achieved), sprig_status_success);
  const float kept_first[6] = {1, -1, 1, 0, 0, 0};
  assert_memory_equal(ties, kept_first, sizeof(ties));
  assert_float_equal(achieved, 0.5f, 1e-6f);
  /* 2 x 2 blocks: the block {3, 0, 0, 3} (norm^2 18) outranks {4, 0, 0, 0} (16). */
  float blocks[8] = {3, 0, 4, 0, /**/ 0, 3, 0, 0};
  const struct sprig_sparsity b22 = {.format = SPRIG_FORMAT_BLOCK, .block_rows = 2, .block_cols = 2};
  assert_int_equal(sprig_prune_f32(2, 4, blocks, &b22, 0.5f, NULL), sprig_status_success);
  const float kept_block[8] = {3, 0, 0, 0, 0, 3, 0, 0};
  assert_memory_equal(blocks, kept_block, sizeof(blocks));
  /* N:M: target beyond 1 - n/m is refused; the pattern alone fixes the sparsity. */
  float run[4] = {1, 2, 3, 4};
  const struct sprig_sparsity p24 = {.format = SPRIG_FORMAT_NM, .n = 2, .m = 4};
  assert_int_equal(sprig_prune_f32(1, 4, run, &p24, 0.75f, NULL), sprig_status_invalid_parameter);
  assert_int_equal(sprig_prune_f32(1, 4, run, &p24, 0.5f, NULL), sprig_status_success);
  const float kept_run[4] = {0, 0, 3, 4};
  assert_memory_equal(run, kept_run, sizeof(run));
}

/* Pruning a large matrix with many equal magnitudes, NaNs and infinities drops exactly the
 * round(target x units) weakest by the documented order (NaN strongest, then magnitude, ties to
 * the earlier entry), whatever the selection does inside. */
static void test_prune_large_ties(void** state) {
  (void) state;
  enum { ROWS = 301, COLS = 257 };
  static float w[ROWS * COLS];
  static float expected[ROWS * COLS];
  static const float levels[] = {0.5f, -0.5f, 1.0f, 2.0f, -2.0f, 3.0f, 0.0f, INFINITY};
  uint64_t state_rng = 77;
  for (size_t i = 0; i < ROWS * COLS; i++) {
    state_rng = state_rng * 6364136223846793005ull + 1442695040888963407ull;
    const unsigned pick = (unsigned) (state_rng >> 59);
    w[i] = pick < 8 ? levels[pick] : (pick == 8 ? NAN : (float) (pick % 5) * 0.25f);
  }
  const float targets[] = {0.0f, 0.37f, 0.9f, 1.0f};
  for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
    float* actual = malloc(sizeof(w));
    assert_non_null(actual);
    memcpy(actual, w, sizeof(w));
    memcpy(expected, w, sizeof(w));
    /* The reference: a unit is dropped when fewer than `drop` units rank below it. Rank of a
     * value: (NaN, v^2, -index) in that order; count by classes of equal |v|. */
    const size_t units = ROWS * COLS;
    const size_t drop = (size_t) llround((double) targets[t] * (double) units);
    size_t dropped = 0;
    /* Visit the units weakest first: classes by (NaN, |v|) ascending, within a class the later
     * index first. Values come from a small set, so classes are few. */
    static const float order[] = {0.0f, 0.25f, 0.5f, 0.75f, 1.0f, 2.0f, 3.0f, INFINITY, NAN};
    for (size_t c = 0; c < sizeof(order) / sizeof(order[0]) && dropped < drop; c++) {
      for (size_t i = units; i-- > 0 && dropped < drop;) {
        const bool same = isnan(order[c]) ? isnan(w[i]) : (!isnan(w[i]) && fabsf(w[i]) == order[c]);
        if (same) {
          expected[i] = 0.0f;
          dropped++;
        }
      }
    }
    assert_int_equal(sprig_prune_f32(ROWS, COLS, actual, NULL, targets[t], NULL), sprig_status_success);
    for (size_t i = 0; i < units; i++) {
      if (memcmp(&actual[i], &expected[i], sizeof(float)) != 0) {
        fail_msg("target %.2f: entry %zu is %g, expected %g", (double) targets[t], i, (double) actual[i],
                 (double) expected[i]);
      }
    }
    free(actual);
  }
}

/* The SpMM stream: values unit by unit, one-byte row steps (bridged beyond 127 rows), odd units
 * walked backwards; built once per weights object and shared. */
static void test_spmm_stream_layout(void** state) {
  (void) state;
  enum { COLS = 300 };
  float dense[3 * COLS] = {0};
  dense[5] = 1.0f;
  dense[200] = 2.0f;
  dense[COLS + 10] = 3.0f;
  dense[COLS + 20] = 4.0f;
  dense[2 * COLS + 250] = 5.0f;
  sprig_weights_t w = pack(3, COLS, dense, (struct sprig_sparsity){.format = SPRIG_FORMAT_CSR});
  const struct sprig_spmm_stream* s = sprig_weights_spmm_stream(w, 1);
  assert_non_null(s);
  assert_ptr_equal(sprig_weights_spmm_stream(w, 1), s); /* built once, then shared */
  assert_int_equal(s->units, 3);
  assert_int_equal(s->entries, 8);
  assert_int_equal(s->first_row, 5);
  /* rows: 5, 132 (bridge), 200 | 73 (bridge), 20, 10 | 137 (bridge), 250 */
  const uint32_t nnz[3] = {3, 3, 2};
  const int8_t deltas[8] = {127, 68, -127, -53, -10, 127, 113, 0};
  const float values[8] = {1, 0, 2, 0, 4, 3, 0, 5};
  assert_memory_equal(s->nnz, nnz, sizeof(nnz));
  assert_memory_equal(s->deltas, deltas, sizeof(deltas));
  assert_memory_equal(s->weights, values, sizeof(values));
  assert_true(sprig_weights_derived_bytes(w) >= 8 * 5 + 3 * 4);
  sprig_release_weights(w);
}


/* ---- qs8 / f16 block weights: 1-byte column gaps with zero bridge blocks ---- */

/* The block shapes int8 packs: BLOCK r x c and GROUP g (block_rows = g, block_cols = 0). */
static const struct {
  uint32_t block_rows, block_cols;
} gap_shapes[] = {{1, 4}, {1, 8}, {4, 1}, {8, 1}, {2, 2}, {4, 0}, {8, 0}};
#define GAP_SHAPES (sizeof(gap_shapes) / sizeof(gap_shapes[0]))

static struct sprig_sparsity gap_pattern(size_t s) {
  if (gap_shapes[s].block_cols == 0) {
    return (struct sprig_sparsity){.format = SPRIG_FORMAT_GROUP, .group = gap_shapes[s].block_rows};
  }
  return (struct sprig_sparsity){.format = SPRIG_FORMAT_BLOCK, .block_rows = gap_shapes[s].block_rows,
                                 .block_cols = gap_shapes[s].block_cols};
}

/* Packs `dense` as qs8 and as f16 and checks the gap encoding against the dense matrix: each
 * block row's steps are 1..255, bridges are zero blocks exactly 255 block columns after the
 * previous block, the cursor's columns and the expanded rows give the matrix back, the counts
 * and packed bytes follow (bridges stored, not nonzeros). Returns the qs8 bridge count. */
static size_t check_gap_packing(size_t rows, size_t cols, const int8_t* dense, const struct sprig_sparsity* p) {
  uint16_t* halves = malloc(rows * cols * sizeof(uint16_t));
  int8_t* row = malloc(cols);
  assert_true(halves != NULL && row != NULL);
  for (size_t i = 0; i < rows * cols; i++) {
    halves[i] = sprig_float_to_half((float) dense[i]); /* exact: small integers */
  }
  size_t bridges_seen = 0;
  for (size_t kind = 0; kind < 2; kind++) {
    sprig_weights_t w = NULL;
    if (kind == 0) {
      assert_int_equal(sprig_pack_weights_qs8(rows, cols, dense, p, 0, &w), sprig_status_success);
    } else {
      assert_int_equal(sprig_pack_weights_f16(rows, cols, halves, p, 0, &w), sprig_status_success);
    }
    assert_null(w->block_col16);
    assert_null(w->block_col32);
    assert_non_null(w->block_col_gaps);
    const size_t bh = w->block_height, bw = w->block_width, per_block = bh * bw;
    const size_t block_rows = (rows + bh - 1) / bh, block_cols = (cols + bw - 1) / bw;
    /* Block rows of at most 65535 blocks here: 16-bit counts, summing to the blocks. */
    assert_null(w->block_row_ptr);
    assert_non_null(w->block_row_counts16);
    size_t counted = 0;
    for (size_t br = 0; br < block_rows; br++) {
      counted += w->block_row_counts16[br];
    }
    assert_int_equal(counted, w->blocks);
    size_t nnz = 0, bridges = 0;
    for (size_t i = 0; i < rows * cols; i++) {
      nnz += dense[i] != 0;
    }
    assert_int_equal(w->nnz, nnz);
    assert_int_equal(w->stored_values, w->blocks * per_block);
    struct sprig_block_row_walk walk = {0};
    for (size_t br = 0; br < block_rows; br++) {
      size_t next_base = 0;
      for (struct sprig_block_cursor c = sprig_block_row(w, &walk, br); c.block < c.end; sprig_block_next(w, &c)) {
        const size_t gap = w->block_col_gaps[c.block];
        assert_true(gap >= 1 && gap <= SPRIG_BLOCK_MAX_GAP);
        assert_int_equal(c.block_col, next_base + gap - 1);
        assert_true(c.block_col < block_cols);
        bool zero = true;
        for (size_t k = 0; k < per_block; k++) {
          zero = zero && (kind == 0 ? w->block_values_s8[c.block * per_block + k] == 0
                                    : (w->block_values_f16[c.block * per_block + k] & 0x7FFF) == 0);
        }
        if (zero) { /* only bridges are all-zero blocks: a full step, followed by a block */
          assert_int_equal(gap, SPRIG_BLOCK_MAX_GAP);
          assert_true(c.block + 1 < c.end);
          bridges++;
        }
        next_base = c.block_col + 1;
      }
    }
    /* The rows back, with one walk in increasing row order, then backwards (each step back
     * starts the walk over). */
    walk = (struct sprig_block_row_walk){0, 0};
    for (size_t r = 0; r < rows && kind == 0; r++) {
      sprig_qs8_expand_row(w, &walk, r, row);
      assert_memory_equal(row, dense + r * cols, cols);
    }
    for (size_t r = rows; r-- > 0 && kind == 0;) {
      sprig_qs8_expand_row(w, &walk, r, row);
      assert_memory_equal(row, dense + r * cols, cols);
    }
    struct sprig_weights_info info;
    assert_int_equal(sprig_get_weights_info(w, &info), sprig_status_success);
    assert_int_equal(info.stored_values, w->blocks * per_block);
    assert_int_equal(info.packed_bytes,
                     block_rows * sizeof(uint16_t) + w->blocks * (1 + per_block * (kind == 0 ? 1 : 2)));
    if (kind == 0) {
      bridges_seen = bridges;
    } else {
      assert_int_equal(bridges, bridges_seen); /* f16 packs the same blocks */
    }
    sprig_release_weights(w);
  }
  free(row);
  free(halves);
  return bridges_seen;
}

/* Dense int8 [rows][cols] of the shape's blocks, each kept with probability 1 - sparsity and
 * then full of nonzeros (or each entry nonzero with `element_sparsity`). */
static void fill_int8_blocks(struct rng* rng, int8_t* dense, size_t rows, size_t cols, size_t bh, size_t bw,
                             double sparsity) {
  for (size_t r0 = 0; r0 < rows; r0 += bh) {
    for (size_t c0 = 0; c0 < cols; c0 += bw) {
      const bool keep = (double) rng_next(rng) / 2147483648.0 >= sparsity;
      for (size_t i = 0; i < bh && r0 + i < rows; i++) {
        for (size_t j = 0; j < bw && c0 + j < cols; j++) {
          dense[(r0 + i) * cols + c0 + j] = keep ? (int8_t) (1 + rng_next(rng) % 127) * (rng_next(rng) % 2 ? 1 : -1) : 0;
        }
      }
    }
  }
}

/* Bytes per nonzero of qs8 block weights: a 1-byte gap and the values per block, plus a 16-bit
 * count per block row; 90% sparse layers of transformer widths, K = 3072 and K = 768 (the
 * 1x4 goal, <= 1.3, which 32-bit block row pointers missed at K = 768). */
static void test_block_gaps_bytes_per_nonzero(void** state) {
  (void) state;
  struct rng rng = {77};
  const size_t shapes[2][2] = {{768, 3072}, {3072, 768}};
  int8_t* dense = malloc(768 * 3072);
  assert_non_null(dense);
  for (size_t k = 0; k < 2; k++) {
    const size_t rows = shapes[k][0], cols = shapes[k][1];
    for (size_t s = 0; s < GAP_SHAPES; s++) {
      const struct sprig_sparsity p = gap_pattern(s);
      const size_t bh = gap_shapes[s].block_rows, bw = gap_shapes[s].block_cols == 0 ? 1 : gap_shapes[s].block_cols;
      fill_int8_blocks(&rng, dense, rows, cols, bh, bw, 0.9);
      check_gap_packing(rows, cols, dense, &p);
      sprig_weights_t w = NULL;
      struct sprig_weights_info info;
      assert_int_equal(sprig_pack_weights_qs8(rows, cols, dense, &p, 0, &w), sprig_status_success);
      assert_int_equal(sprig_get_weights_info(w, &info), sprig_status_success);
      const double per_nonzero = (double) info.packed_bytes / (double) info.nnz;
      const double counts = (double) ((rows + bh - 1) / bh) * 2.0 / (double) info.nnz;
      print_message("qs8 %ux%u%s %zu x %zu at 90%%: %.3f bytes per nonzero (%.3f without the block row counts)\n",
                    (unsigned) bh, (unsigned) bw, gap_shapes[s].block_cols == 0 ? " group" : "", rows, cols,
                    per_nonzero, per_nonzero - counts);
      /* No bridge at these widths: exactly (1 + bh x bw) / (bh x bw) per nonzero beside the counts. */
      assert_true(fabs(per_nonzero - counts - (1.0 + (double) (bh * bw)) / (double) (bh * bw)) < 1e-9);
      if (bh == 1 && bw == 4) {
        assert_true(per_nonzero <= 1.3);
      }
      sprig_release_weights(w);
    }
  }
  free(dense);
}

/* Long empty runs: bridges at every 255 block columns, whatever the shape; edge sizes. */
static void test_block_gap_bridges(void** state) {
  (void) state;
  /* One row of 4096 columns, one 1x4 block at the end: block column 1023 = 4 bridges + a step of 4. */
  enum { WIDE = 4096 };
  int8_t* dense = calloc(16 * WIDE, 1);
  assert_non_null(dense);
  for (size_t j = 0; j < 4; j++) {
    dense[WIDE - 4 + j] = (int8_t) (j == 2 ? -128 : 127 - (int) j);
  }
  const struct sprig_sparsity b14 = {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 4};
  assert_int_equal(check_gap_packing(1, WIDE, dense, &b14), 4);
  sprig_weights_t w = NULL;
  assert_int_equal(sprig_pack_weights_qs8(1, WIDE, dense, &b14, 0, &w), sprig_status_success);
  const uint8_t gaps[5] = {255, 255, 255, 255, 4};
  assert_int_equal(w->blocks, 5);
  assert_memory_equal(w->block_col_gaps, gaps, sizeof(gaps));
  assert_int_equal(w->nnz, 4);
  assert_int_equal(w->stored_values, 20);
  struct sprig_weights_info info;
  assert_int_equal(sprig_get_weights_info(w, &info), sprig_status_success);
  assert_int_equal(info.packed_bytes, 2 + 5 * (1 + 4));
  sprig_release_weights(w);

  /* Every shape: a first block exactly 254 block columns in (no bridge: step 255), another one
   * 255 further (no bridge), one 256 further (one bridge) and rows starting past 255 (bridge
   * first); 16 rows so that groups of 8 and 8x1 blocks have two block rows. */
  for (size_t s = 0; s < GAP_SHAPES; s++) {
    const struct sprig_sparsity p = gap_pattern(s);
    const size_t bw = gap_shapes[s].block_cols == 0 ? 1 : gap_shapes[s].block_cols;
    const size_t cols = 1200 * bw;
    int8_t* m = calloc(16 * cols, 1);
    assert_non_null(m);
    const size_t first[2] = {254, 300};
    for (size_t r = 0; r < 16; r++) {
      const size_t half = r < 8 ? 0 : 1;
      const size_t at[3] = {first[half], first[half] + 255, first[half] + 255 + 256};
      for (size_t k = 0; k < 3; k++) {
        m[r * cols + at[k] * bw + (r % bw)] = (int8_t) (1 + r + k);
      }
    }
    const size_t bridges = check_gap_packing(16, cols, m, &p);
    /* block rows of the first 8 rows: one bridge; of the last 8: two (the start past 255) */
    const size_t bh = gap_shapes[s].block_rows;
    const size_t rows_low = 8 / bh > 0 ? 8 / bh : 1;
    assert_int_equal(bridges, rows_low * 1 + rows_low * 2);
    free(m);
  }

  /* 0% and 100% sparsity, one row, one column. */
  struct rng rng = {5};
  for (size_t s = 0; s < GAP_SHAPES; s++) {
    const struct sprig_sparsity p = gap_pattern(s);
    const size_t bh = gap_shapes[s].block_rows, bw = gap_shapes[s].block_cols == 0 ? 1 : gap_shapes[s].block_cols;
    fill_int8_blocks(&rng, dense, 16, 300, bh, bw, 0.0);
    assert_int_equal(check_gap_packing(16, 300, dense, &p), 0);
    memset(dense, 0, 16 * 300);
    assert_int_equal(check_gap_packing(16, 300, dense, &p), 0);
    if (gap_shapes[s].block_cols != 0) { /* a group needs group rows */
      fill_int8_blocks(&rng, dense, 1, 2000, bh, bw, 0.95);
      check_gap_packing(1, 2000, dense, &p);
    }
    fill_int8_blocks(&rng, dense, 16, 1, bh, bw, 0.5);
    assert_int_equal(check_gap_packing(16, 1, dense, &p), 0);
  }
  free(dense);
}

/* Int8 outputs of a qs8 linear operator of `w` (batch 1; input and output scales 1). */
static void qs8_linear(sprig_weights_t w, const float* weight_scales, const int8_t* input, int8_t* output) {
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_linear_from_weights_qs8(w, 0, 1.0f, weight_scales, NULL, 0, 1.0f, -128, 127, 0, &op),
                   sprig_status_success);
  assert_int_equal(sprig_reshape_linear_qs8(op, 1), sprig_status_success);
  assert_int_equal(sprig_setup_linear_qs8(op, input, output), sprig_status_success);
  assert_int_equal(sprig_run_operator(op, NULL), sprig_status_success);
  assert_int_equal(sprig_delete_operator(op), sprig_status_success);
}

/* Serializes `w`, checks the block row array the blob names (10: 16-bit counts, 4: 32-bit
 * pointers), and loads it (copied, then borrowed) as weights of the same form and info; the
 * copy is returned (release it). */
static sprig_weights_t reload(sprig_weights_t w, uint32_t row_array) {
  size_t size = 0;
  assert_int_equal(sprig_serialize_weights(w, NULL, 0, &size), sprig_status_success);
  uint8_t* blob = malloc(size);
  assert_non_null(blob);
  assert_int_equal(sprig_serialize_weights(w, blob, size, &size), sprig_status_success);
  assert_int_equal(blob[SPRIG_BLOB_HEADER_BYTES], row_array);
  sprig_weights_t loaded[2] = {NULL, NULL};
  struct sprig_weights_info a, b;
  assert_int_equal(sprig_get_weights_info(w, &a), sprig_status_success);
  for (size_t k = 0; k < 2; k++) {
    assert_int_equal(sprig_deserialize_weights(blob, size, k == 0 ? 0 : SPRIG_FLAG_BORROW_BUFFER, &loaded[k]),
                     sprig_status_success);
    assert_true(loaded[k]->borrowed == (k == 1));
    assert_true((loaded[k]->block_row_counts16 != NULL) == (w->block_row_counts16 != NULL));
    assert_true((loaded[k]->block_row_ptr != NULL) == (w->block_row_ptr != NULL));
    assert_int_equal(sprig_get_weights_info(loaded[k], &b), sprig_status_success);
    assert_int_equal(a.packed_bytes, b.packed_bytes);
    assert_int_equal(a.stored_values, b.stored_values);
  }
  sprig_release_weights(loaded[1]);
  free(blob);
  return loaded[0];
}

/* qs8 / f16 block rows: 16-bit counts while every block row holds at most 65535 blocks, bridges
 * included, 32-bit pointers beyond. 1x1 blocks on LIMIT_ROWS x LIMIT_COLS: row 0 holds nonzeros
 * on columns 0 .. 65533 and one `step` columns further (255: no bridge, 65535 blocks; 256: a
 * bridge, 65536 blocks), row 1 none, row 2 two nonzeros 65528 columns apart (256 bridges). */
enum { LIMIT_ROWS = 3, LIMIT_COLS = 65534 + 256 };

static void test_block_row_count_limit(void** state) {
  (void) state;
  int8_t* dense = malloc(LIMIT_ROWS * LIMIT_COLS);
  uint16_t* halves = malloc(LIMIT_ROWS * LIMIT_COLS * sizeof(uint16_t));
  uint16_t* back = malloc(LIMIT_ROWS * LIMIT_COLS * sizeof(uint16_t));
  int8_t* row = malloc(LIMIT_COLS);
  int8_t* input = malloc(LIMIT_COLS);
  assert_true(dense != NULL && halves != NULL && back != NULL && row != NULL && input != NULL);
  for (size_t c = 0; c < LIMIT_COLS; c++) {
    input[c] = (int8_t) ((int) (c % 3) - 1);
  }
  const struct sprig_sparsity b11 = {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 1};
  const struct sprig_sparsity csr = {.format = SPRIG_FORMAT_CSR};
  for (size_t step = 255; step <= 256; step++) {
    memset(dense, 0, LIMIT_ROWS * LIMIT_COLS);
    for (size_t c = 0; c < 65534; c++) {
      dense[c] = (int8_t) (1 + c % 3);
    }
    dense[65533 + step] = -5;
    dense[2 * LIMIT_COLS + 7] = 9;
    dense[2 * LIMIT_COLS + 7 + 65528] = -9;
    for (size_t i = 0; i < LIMIT_ROWS * LIMIT_COLS; i++) {
      halves[i] = sprig_float_to_half((float) dense[i]);
    }
    const uint32_t row_blocks[LIMIT_ROWS] = {(uint32_t) (65535 + (step - 1) / 255), 0, 2 + 256};
    const bool counts16 = row_blocks[0] <= UINT16_MAX;
    assert_true(counts16 == (step == 255));
    for (size_t kind = 0; kind < 2; kind++) {
      sprig_weights_t w = NULL;
      if (kind == 0) {
        assert_int_equal(sprig_pack_weights_qs8(LIMIT_ROWS, LIMIT_COLS, dense, &b11, 0, &w), sprig_status_success);
      } else {
        assert_int_equal(sprig_pack_weights_f16(LIMIT_ROWS, LIMIT_COLS, halves, &b11, 0, &w), sprig_status_success);
      }
      assert_int_equal(w->blocks, row_blocks[0] + row_blocks[2]);
      size_t row_bytes;
      if (counts16) {
        assert_null(w->block_row_ptr);
        assert_non_null(w->block_row_counts16);
        for (size_t r = 0; r < LIMIT_ROWS; r++) {
          assert_int_equal(w->block_row_counts16[r], row_blocks[r]);
        }
        row_bytes = LIMIT_ROWS * sizeof(uint16_t);
      } else {
        assert_non_null(w->block_row_ptr);
        assert_null(w->block_row_counts16);
        for (size_t r = 0; r < LIMIT_ROWS; r++) {
          assert_int_equal(w->block_row_ptr[r + 1] - w->block_row_ptr[r], row_blocks[r]);
        }
        row_bytes = (LIMIT_ROWS + 1) * sizeof(uint32_t);
      }
      struct sprig_weights_info info;
      assert_int_equal(sprig_get_weights_info(w, &info), sprig_status_success);
      assert_int_equal(info.packed_bytes, row_bytes + w->blocks * (1 + (kind == 0 ? 1 : 2)));
      /* The blocks walk back onto the matrix. */
      struct sprig_block_row_walk walk = {0};
      memset(back, 0, LIMIT_ROWS * LIMIT_COLS * sizeof(uint16_t));
      for (size_t r = 0; r < LIMIT_ROWS; r++) {
        for (struct sprig_block_cursor c = sprig_block_row(w, &walk, r); c.block < c.end; sprig_block_next(w, &c)) {
          assert_true(c.block_col < LIMIT_COLS);
          back[r * LIMIT_COLS + c.block_col] =
              kind == 0 ? (uint16_t) (uint8_t) w->block_values_s8[c.block] : w->block_values_f16[c.block];
        }
      }
      for (size_t i = 0; i < LIMIT_ROWS * LIMIT_COLS; i++) {
        if (back[i] != (kind == 0 ? (uint16_t) (uint8_t) dense[i] : halves[i])) {
          fail_msg("step %zu, %s: element %zu walks back as 0x%04x", step, kind == 0 ? "qs8" : "f16", i,
                   (unsigned) back[i]);
        }
      }
      sprig_weights_t loaded = reload(w, counts16 ? sprig_blob_block_row_counts : sprig_blob_block_row_ptr);
      if (kind == 0) {
        /* The operators of the weights, their reload and CSR weights of the matrix agree. */
        walk = (struct sprig_block_row_walk){0, 0};
        for (size_t r = 0; r < LIMIT_ROWS; r++) {
          sprig_qs8_expand_row(loaded, &walk, r, row);
          assert_memory_equal(row, dense + r * LIMIT_COLS, LIMIT_COLS);
        }
        sprig_weights_t plain = NULL;
        assert_int_equal(sprig_pack_weights_qs8(LIMIT_ROWS, LIMIT_COLS, dense, &csr, 0, &plain), sprig_status_success);
        /* Row 0 sums to about 43700, row 2 to 9. */
        const float scales[LIMIT_ROWS] = {1.0f / 512, 1.0f, 1.0f};
        int8_t expected[LIMIT_ROWS], actual[LIMIT_ROWS], reloaded[LIMIT_ROWS];
        qs8_linear(plain, scales, input, expected);
        qs8_linear(w, scales, input, actual);
        qs8_linear(loaded, scales, input, reloaded);
        assert_memory_equal(actual, expected, LIMIT_ROWS);
        assert_memory_equal(reloaded, expected, LIMIT_ROWS);
        assert_true(expected[0] > 64 && expected[0] < 127 && expected[2] == 9);
        sprig_release_weights(plain);
      }
      sprig_release_weights(loaded);
      sprig_release_weights(w);
    }
  }
  free(input);
  free(row);
  free(back);
  free(halves);
  free(dense);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_auto_detection_order),
      cmocka_unit_test(test_csr_layout),
      cmocka_unit_test(test_block_layout),
      cmocka_unit_test(test_nm_layout),
      cmocka_unit_test(test_block_padding_warning),
      cmocka_unit_test(test_prune_rules),
      cmocka_unit_test(test_prune_large_ties),
      cmocka_unit_test(test_spmm_stream_layout),
      cmocka_unit_test(test_block_gaps_bytes_per_nonzero),
      cmocka_unit_test(test_block_gap_bridges),
      cmocka_unit_test(test_block_row_count_limit),
  };
  return cmocka_run_group_tests_name("pack", tests, setup_group, NULL);
}
