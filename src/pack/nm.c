/* N:M packing: every run of m consecutive inputs of a row keeps at most n nonzeros, stored as
 * n (value, one-byte index) slots, zero-padded. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sprig/common.h>
#include <sprig/log.h>
#include <sprig/weights.h>

bool sprig_dense_satisfies_nm(size_t rows, size_t cols, const float* dense, size_t n, size_t m,
                              size_t* bad_row, size_t* bad_run) {
  for (size_t r = 0; r < rows; r++) {
    for (size_t g = 0; g * m < cols; g++) {
      size_t count = 0;
      for (size_t c = g * m; c < SPRIG_MIN(cols, g * m + m); c++) {
        count += (size_t) (dense[r * cols + c] != 0.0f);
      }
      if (count > n) {
        *bad_row = r;
        *bad_run = g;
        return false;
      }
    }
  }
  return true;
}

/* A weight's rank in a run: the bits of |w|, which order every float by magnitude (+-0 lowest,
 * +-Inf above every finite value); every NaN ranks above +-Inf, all NaNs alike. */
static uint32_t magnitude_rank(float w) {
  if (isnan(w)) {
    return UINT32_C(0x7FC00000);
  }
  uint32_t bits;
  memcpy(&bits, &w, sizeof(bits));
  return bits & UINT32_C(0x7FFFFFFF);
}

/* Keeps the n highest ranks of each run (ties: the earlier entry), zeroing the others. */
void sprig_prune_runs_nm(size_t rows, size_t cols, float* w, size_t n, size_t m) {
  for (size_t r = 0; r < rows; r++) {
    for (size_t g = 0; g * m < cols; g++) {
      float* run = w + r * cols + g * m;
      const size_t length = SPRIG_MIN(m, cols - g * m);
      uint32_t rank[16];
      for (size_t i = 0; i < length; i++) {
        rank[i] = magnitude_rank(run[i]);
      }
      for (size_t i = 0; i < length; i++) {
        size_t outranked_by = 0;
        for (size_t j = 0; j < length; j++) {
          outranked_by += (size_t) (rank[j] > rank[i] || (rank[j] == rank[i] && j < i));
        }
        if (outranked_by >= n) {
          run[i] = 0.0f;
        }
      }
    }
  }
}

/* The in-run index a zero-filled slot of run g points at: the run's first column whose weight
 * is zero, so that the padding multiplies an input by zero exactly where a dense product does;
 * column 0 of the run when it has none (a short last run whose columns are all nonzero). */
static uint8_t padding_index(const float* row, size_t cols, size_t g, size_t m) {
  for (size_t i = 0; i < m && g * m + i < cols; i++) {
    if (row[g * m + i] == 0.0f) {
      return (uint8_t) i;
    }
  }
  return 0;
}

/* Packs one run into its n slots; false (nothing beyond the run's slots written) when the run
 * holds more than n nonzeros. Counts its nonzeros into *nnz. */
static bool pack_run(const float* row, size_t cols, size_t g, size_t n, size_t m, float* values, uint8_t* indices,
                     size_t* nnz) {
  size_t used = 0;
  for (size_t i = 0; i < m && g * m + i < cols; i++) {
    const float v = row[g * m + i];
    if (v == 0.0f) {
      continue;
    }
    if (used == n) {
      return false;
    }
    values[used] = v;
    indices[used] = (uint8_t) i;
    used++;
  }
  const uint8_t pad = padding_index(row, cols, g, m);
  for (size_t s = used; s < n; s++) {
    values[s] = 0.0f;
    indices[s] = pad;
  }
  *nnz += used;
  return true;
}

/* Packs weights that should satisfy n:m, checking every run as it goes (refused with
 * sprig_status_invalid_weights if one holds more than n nonzeros). */
static enum sprig_status pack_valid_nm(size_t rows, size_t cols, const float* dense, size_t n, size_t m,
                                       const char* caller, struct sprig_weights** out) {
  const size_t groups = sprig_divide_round_up(cols, m);
  size_t slots;
  if (!sprig_mul3_size(rows, groups, n, &slots)) {
    sprig_log_error("%s: N:M slot count overflows size_t", caller);
    return sprig_status_invalid_parameter;
  }
  struct sprig_weights* w = calloc(1, sizeof(struct sprig_weights));
  if (w != NULL) {
    w->nm_values = calloc(slots, sizeof(float));
    w->nm_indices = calloc(slots, sizeof(uint8_t));
  }
  if (w == NULL || w->nm_values == NULL || w->nm_indices == NULL) {
    sprig_log_error("%s: out of memory packing %zu N:M slots", caller, slots);
    sprig_release_weights(w);
    return sprig_status_out_of_memory;
  }
  atomic_init(&w->references, 1);
  w->pattern = (struct sprig_sparsity){.format = SPRIG_FORMAT_NM, .n = (uint32_t) n, .m = (uint32_t) m};
  w->rows = rows;
  w->cols = cols;
  w->nm_groups = groups;
  w->stored_values = slots;
  size_t nnz = 0;
  for (size_t r = 0; r < rows; r++) {
    for (size_t g = 0; g < groups; g++) {
      const size_t slot = (r * groups + g) * n;
      if (!pack_run(dense + r * cols, cols, g, n, m, w->nm_values + slot, w->nm_indices + slot, &nnz)) {
        sprig_log_error("%s: row %zu, inputs %zu..%zu hold more than %zu nonzeros: not %zu:%zu", caller, r, g * m,
                        SPRIG_MIN(cols, g * m + m) - 1, n, n, m);
        sprig_release_weights(w);
        return sprig_status_invalid_weights;
      }
    }
  }
  w->nnz = nnz;
  *out = w;
  return sprig_status_success;
}

enum sprig_status sprig_pack_dense_nm(size_t rows, size_t cols, const float* dense, size_t n, size_t m,
                                      uint32_t flags, const char* caller, struct sprig_weights** out) {
  size_t bad_row = 0, bad_run = 0;
  if (sprig_dense_satisfies_nm(rows, cols, dense, n, m, &bad_row, &bad_run)) {
    return pack_valid_nm(rows, cols, dense, n, m, caller, out);
  }
  if ((flags & SPRIG_FLAG_PRUNE) == 0) {
    sprig_log_error("%s: weights break the %zu:%zu pattern: row %zu, inputs %zu..%zu hold more than %zu "
                    "nonzeros (pass SPRIG_FLAG_PRUNE to prune while packing)",
                    caller, n, m, bad_row, bad_run * m, SPRIG_MIN(cols, bad_run * m + m) - 1, n);
    return sprig_status_invalid_weights;
  }
  float* pruned = malloc(rows * cols * sizeof(float));
  if (pruned == NULL) {
    sprig_log_error("%s: out of memory pruning to %zu:%zu", caller, n, m);
    return sprig_status_out_of_memory;
  }
  memcpy(pruned, dense, rows * cols * sizeof(float));
  sprig_prune_runs_nm(rows, cols, pruned, n, m);
  const enum sprig_status status = pack_valid_nm(rows, cols, pruned, n, m, caller, out);
  free(pruned);
  return status;
}
