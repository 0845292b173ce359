/* N:M packing: every run of m consecutive inputs of a row keeps at most n nonzeros, stored as
 * n (value, one-byte index) slots, zero-padded. */
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

/* Keeps the n largest magnitudes of each run (ties: the earlier entry), zeroing the others. */
void sprig_prune_runs_nm(size_t rows, size_t cols, float* w, size_t n, size_t m) {
  for (size_t r = 0; r < rows; r++) {
    for (size_t g = 0; g * m < cols; g++) {
      float* run = w + r * cols + g * m;
      const size_t length = SPRIG_MIN(m, cols - g * m);
      float magnitude[16];
      for (size_t i = 0; i < length; i++) {
        magnitude[i] = run[i] < 0.0f ? -run[i] : run[i];
      }
      for (size_t i = 0; i < length; i++) {
        size_t outranked_by = 0;
        for (size_t j = 0; j < length; j++) {
          outranked_by += (size_t) (magnitude[j] > magnitude[i] || (magnitude[j] == magnitude[i] && j < i));
        }
        if (outranked_by >= n) {
          run[i] = 0.0f;
        }
      }
    }
  }
}

static enum sprig_status pack_valid_nm(size_t rows, size_t cols, const float* dense, size_t n, size_t m,
                                       struct sprig_weights** out) {
  const size_t groups = sprig_divide_round_up(cols, m);
  size_t slots;
  if (!sprig_mul3_size(rows, groups, n, &slots)) {
    sprig_log_error("sprig_pack_weights_f32: N:M slot count overflows size_t");
    return sprig_status_invalid_parameter;
  }
  struct sprig_weights* w = calloc(1, sizeof(struct sprig_weights));
  if (w != NULL) {
    w->nm_values = calloc(slots, sizeof(float));
    w->nm_indices = calloc(slots, sizeof(uint8_t));
  }
  if (w == NULL || w->nm_values == NULL || w->nm_indices == NULL) {
    sprig_log_error("sprig_pack_weights_f32: out of memory packing %zu N:M slots", slots);
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
      size_t slot = (r * groups + g) * n;
      for (size_t i = 0; i < m && g * m + i < cols; i++) {
        const float v = dense[r * cols + g * m + i];
        if (v != 0.0f) {
          w->nm_values[slot] = v;
          w->nm_indices[slot] = (uint8_t) i;
          slot++;
          nnz++;
        }
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
    return pack_valid_nm(rows, cols, dense, n, m, out);
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
  const enum sprig_status status = pack_valid_nm(rows, cols, pruned, n, m, out);
  free(pruned);
  return status;
}
