/* CSR packing: from dense matrices and from the caller's own CSR arrays, with validation. */
#include <stdlib.h>

#include <sprig/common.h>
#include <sprig/hardware.h>
#include <sprig/log.h>
#include <sprig/weights.h>

/* Largest matrix dimension and nonzero count: indices are stored in 32 bits. */
#define MAX_INDEX ((size_t) UINT32_MAX)

struct sprig_weights* sprig_allocate_csr_weights(size_t rows, size_t cols, size_t nnz, size_t entries,
                                                 struct sprig_csr_writer* writer) {
  struct sprig_weights* w = calloc(1, sizeof(struct sprig_weights));
  if (w == NULL) {
    return NULL;
  }
  atomic_init(&w->references, 1);
  w->pattern.format = SPRIG_FORMAT_CSR;
  w->rows = rows;
  w->cols = cols;
  w->nnz = nnz;
  w->stored_values = entries;
  w->row_ptr = malloc((rows + 1) * sizeof(uint32_t));
  /* Never malloc(0): an empty matrix still gets valid (unused) arrays. */
  w->col_gaps = malloc(SPRIG_MAX(entries, 1));
  w->values = malloc(SPRIG_MAX(entries, 1) * sizeof(float));
  if (w->row_ptr == NULL || w->col_gaps == NULL || w->values == NULL) {
    sprig_release_weights(w);
    return NULL;
  }
  w->row_ptr[0] = 0;
  *writer = (struct sprig_csr_writer){.w = w, .capacity = entries};
  return w;
}

/* The nonzeros of a dense matrix, row by row. */
static void put_dense_rows(size_t rows, size_t cols, const float* dense, struct sprig_csr_writer* writer) {
  for (size_t r = 0; r < rows; r++) {
    const float* row = dense + r * cols;
    for (size_t c = 0; c < cols; c++) {
      if (row[c] != 0.0f) {
        sprig_csr_put(writer, c, row[c]);
      }
    }
    sprig_csr_end_row(writer);
  }
}

enum sprig_status sprig_pack_dense_csr(size_t rows, size_t cols, const float* dense, const char* caller,
                                       struct sprig_weights** out) {
  struct sprig_csr_writer counter = {0};
  put_dense_rows(rows, cols, dense, &counter);
  const size_t nnz = counter.puts;
  const size_t entries = counter.entry;
  if (entries > MAX_INDEX) {
    sprig_log_error("%s: %zu stored entries exceed the 2^32-1 CSR indexes", caller, entries);
    return sprig_status_unsupported_parameter;
  }
  struct sprig_csr_writer writer;
  struct sprig_weights* w = sprig_allocate_csr_weights(rows, cols, nnz, entries, &writer);
  if (w == NULL) {
    sprig_log_error("%s: out of memory packing %zu nonzeros", caller, nnz);
    return sprig_status_out_of_memory;
  }
  put_dense_rows(rows, cols, dense, &writer);
  if (!sprig_csr_writer_filled(&writer)) {
    sprig_log_error("%s: the weights changed while being packed", caller);
    sprig_release_weights(w);
    return sprig_status_invalid_weights;
  }
  *out = w;
  return sprig_status_success;
}

static enum sprig_status validate_csr(size_t rows, size_t cols, size_t nnz, const uint32_t* row_ptr,
                                      const uint32_t* col_idx, const char* caller) {
  if (row_ptr[0] != 0) {
    sprig_log_error("%s: row_ptr[0] is %u, must be 0", caller, (unsigned) row_ptr[0]);
    return sprig_status_invalid_weights;
  }
  if (row_ptr[rows] != nnz) {
    sprig_log_error("%s: row_ptr[%zu] is %u, must equal nnz (%zu)", caller, rows, (unsigned) row_ptr[rows], nnz);
    return sprig_status_invalid_weights;
  }
  for (size_t r = 0; r < rows; r++) {
    if (row_ptr[r + 1] < row_ptr[r] || row_ptr[r + 1] > nnz) {
      sprig_log_error("%s: row_ptr is not non-decreasing within [0, nnz] at row %zu (%u -> %u)",
                      caller, r, (unsigned) row_ptr[r], (unsigned) row_ptr[r + 1]);
      return sprig_status_invalid_weights;
    }
  }
  for (size_t r = 0; r < rows; r++) {
    for (uint32_t j = row_ptr[r]; j < row_ptr[r + 1]; j++) {
      if (col_idx[j] >= cols) {
        sprig_log_error("%s: col_idx[%u] = %u is out of range (cols = %zu) in row %zu",
                        caller, (unsigned) j, (unsigned) col_idx[j], cols, r);
        return sprig_status_invalid_weights;
      }
      if (j > row_ptr[r] && col_idx[j] <= col_idx[j - 1]) {
        sprig_log_error("%s: col_idx is not strictly increasing in row %zu (index %u: %u after %u)",
                        caller, r, (unsigned) j, (unsigned) col_idx[j], (unsigned) col_idx[j - 1]);
        return sprig_status_invalid_weights;
      }
    }
  }
  return sprig_status_success;
}

/* The caller's validated CSR arrays, row by row (values may be NULL when there is no entry). */
static void put_caller_rows(size_t rows, const uint32_t* row_ptr, const uint32_t* col_idx, const float* values,
                            struct sprig_csr_writer* writer) {
  for (size_t r = 0; r < rows; r++) {
    for (uint32_t j = row_ptr[r]; j < row_ptr[r + 1]; j++) {
      sprig_csr_put(writer, col_idx[j], values[j]);
    }
    sprig_csr_end_row(writer);
  }
}

enum sprig_status sprig_pack_weights_csr_f32(
    size_t rows, size_t cols, size_t nnz, const uint32_t* row_ptr, const uint32_t* col_idx,
    const float* values, uint32_t flags, sprig_weights_t* weights_out) {
  static const char caller[] = "sprig_pack_weights_csr_f32";
  static const struct sprig_pack_names names = {caller, "rows", "cols", "values"};
  enum sprig_status status = sprig_check_pack_arguments(rows, cols, flags, 0, weights_out, &names);
  if (status != sprig_status_success) {
    return status;
  }
  if (nnz > MAX_INDEX) {
    sprig_log_error("%s: nnz (%zu) must be < 2^32", caller, nnz);
    return sprig_status_invalid_parameter;
  }
  size_t dense_elements;
  if (!sprig_mul_size(rows, cols, &dense_elements) || nnz > dense_elements) {
    sprig_log_error("%s: nnz (%zu) exceeds rows x cols (%zu x %zu)", caller, nnz, rows, cols);
    return sprig_status_invalid_weights;
  }
  if (row_ptr == NULL || (nnz != 0 && (col_idx == NULL || values == NULL))) {
    sprig_log_error("%s: row_ptr, col_idx or values is NULL", caller);
    return sprig_status_invalid_parameter;
  }
  if ((status = validate_csr(rows, cols, nnz, row_ptr, col_idx, caller)) != sprig_status_success) {
    return status;
  }
  struct sprig_csr_writer counter = {0};
  put_caller_rows(rows, row_ptr, col_idx, values, &counter);
  const size_t entries = counter.entry;
  if (entries > MAX_INDEX) {
    sprig_log_error("%s: %zu stored entries (nonzeros and column-gap bridges) exceed 2^32-1", caller, entries);
    return sprig_status_unsupported_parameter;
  }
  struct sprig_csr_writer writer;
  struct sprig_weights* w = sprig_allocate_csr_weights(rows, cols, nnz, entries, &writer);
  if (w == NULL) {
    sprig_log_error("%s: out of memory packing %zu nonzeros", caller, nnz);
    return sprig_status_out_of_memory;
  }
  put_caller_rows(rows, row_ptr, col_idx, values, &writer);
  if (!sprig_csr_writer_filled(&writer)) {
    sprig_log_error("%s: the CSR arrays changed while being packed", caller);
    sprig_release_weights(w);
    return sprig_status_invalid_weights;
  }
  *weights_out = w;
  return sprig_status_success;
}

