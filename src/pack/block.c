/* BLOCK and GROUP packing: block_height x block_width tiles, each all-zero (dropped) or stored
 * whole; tiles that cross the matrix edge store zeros outside it. */
#include <stdlib.h>
#include <string.h>

#include <sprig/common.h>
#include <sprig/log.h>
#include <sprig/weights.h>

static bool tile_is_zero(const float* dense, size_t rows, size_t cols, size_t r0, size_t c0, size_t bh, size_t bw) {
  for (size_t r = r0; r < SPRIG_MIN(r0 + bh, rows); r++) {
    for (size_t c = c0; c < SPRIG_MIN(c0 + bw, cols); c++) {
      if (dense[r * cols + c] != 0.0f) {
        return false;
      }
    }
  }
  return true;
}

/* Stored values more than this many times the nonzeros earn a warning: the blocks are mostly
 * padding, as when (output, input) are swapped against (block_rows, block_cols). */
#define PADDING_WARNING_FACTOR 2

static void warn_if_mostly_padding(const struct sprig_weights* w, const char* caller) {
  if (w->stored_values > PADDING_WARNING_FACTOR * w->nnz) {
    const double share = 100.0 * (double) (w->stored_values - w->nnz) / (double) w->stored_values;
    sprig_log_warning("%s: %.0f%% of the %zu values stored in %zux%zu %s are zero padding "
                      "(blocks are block_rows output channels x block_cols inputs; is the pattern transposed?)",
                      caller, share, w->stored_values, w->block_height, w->block_width,
                      w->pattern.format == SPRIG_FORMAT_GROUP ? "groups" : "blocks");
  }
}

enum sprig_status sprig_pack_dense_block(size_t rows, size_t cols, const float* dense, size_t bh, size_t bw,
                                         const struct sprig_sparsity* pattern, const char* caller,
                                         struct sprig_weights** out) {
  const size_t block_rows = sprig_divide_round_up(rows, bh);
  const size_t block_cols = sprig_divide_round_up(cols, bw);
  size_t blocks = 0;
  for (size_t br = 0; br < block_rows; br++) {
    for (size_t bc = 0; bc < block_cols; bc++) {
      blocks += (size_t) !tile_is_zero(dense, rows, cols, br * bh, bc * bw, bh, bw);
    }
  }
  struct sprig_weights* w = calloc(1, sizeof(struct sprig_weights));
  if (w == NULL) {
    goto out_of_memory;
  }
  atomic_init(&w->references, 1);
  w->pattern = *pattern;
  w->rows = rows;
  w->cols = cols;
  w->nnz = sprig_count_nonzeros(dense, rows * cols);
  w->stored_values = blocks * bh * bw;
  w->block_height = bh;
  w->block_width = bw;
  w->blocks = blocks;
  w->block_row_ptr = malloc((block_rows + 1) * sizeof(uint32_t));
  if (block_cols <= UINT16_MAX + 1) {
    w->block_col16 = malloc(SPRIG_MAX(blocks, 1) * sizeof(uint16_t));
  } else {
    w->block_col32 = malloc(SPRIG_MAX(blocks, 1) * sizeof(uint32_t));
  }
  w->block_values = calloc(SPRIG_MAX(blocks, 1) * bh * bw, sizeof(float));
  if (w->block_row_ptr == NULL || (w->block_col16 == NULL && w->block_col32 == NULL) || w->block_values == NULL) {
    goto out_of_memory;
  }
  size_t b = 0;
  w->block_row_ptr[0] = 0;
  for (size_t br = 0; br < block_rows; br++) {
    for (size_t bc = 0; bc < block_cols; bc++) {
      if (tile_is_zero(dense, rows, cols, br * bh, bc * bw, bh, bw)) {
        continue;
      }
      if (b == blocks) {
        sprig_log_error("%s: the weights changed while being packed", caller);
        sprig_release_weights(w);
        return sprig_status_invalid_weights;
      }
      if (w->block_col16 != NULL) {
        w->block_col16[b] = (uint16_t) bc;
      } else {
        w->block_col32[b] = (uint32_t) bc;
      }
      float* tile = w->block_values + b * bh * bw;
      for (size_t i = 0; i < bh && br * bh + i < rows; i++) {
        for (size_t j = 0; j < bw && bc * bw + j < cols; j++) {
          tile[i * bw + j] = dense[(br * bh + i) * cols + bc * bw + j];
        }
      }
      b++;
    }
    w->block_row_ptr[br + 1] = (uint32_t) b;
  }
  if (b != blocks) {
    sprig_log_error("%s: the weights changed while being packed", caller);
    sprig_release_weights(w);
    return sprig_status_invalid_weights;
  }
  warn_if_mostly_padding(w, caller);
  *out = w;
  return sprig_status_success;

out_of_memory:
  sprig_log_error("%s: out of memory packing %zu x %zu blocks", caller, bh, bw);
  sprig_release_weights(w);
  return sprig_status_out_of_memory;
}

/* The stored entries of block weights inside the matrix, row by row (the parts of edge blocks
 * outside it left out). */
static void put_block_rows(const struct sprig_weights* w, struct sprig_csr_writer* writer) {
  const size_t bh = w->block_height, bw = w->block_width;
  struct sprig_block_row_walk walk = {0};
  for (size_t r = 0; r < w->rows; r++) {
    const size_t br = r / bh, i = r % bh;
    for (struct sprig_block_cursor c = sprig_block_row(w, &walk, br); c.block < c.end; sprig_block_next(w, &c)) {
      const size_t first_col = c.block_col * bw;
      const size_t width = SPRIG_MIN(bw, w->cols - first_col);
      for (size_t j = 0; j < width; j++) {
        sprig_csr_put(writer, first_col + j, w->block_values[(size_t) c.block * bh * bw + i * bw + j]);
      }
    }
    sprig_csr_end_row(writer);
  }
}

struct sprig_weights* sprig_block_weights_as_csr(const struct sprig_weights* w) {
  struct sprig_csr_writer counter = {0};
  put_block_rows(w, &counter);
  struct sprig_csr_writer writer;
  struct sprig_weights* csr = counter.entry <= UINT32_MAX
                                  ? sprig_allocate_csr_weights(w->rows, w->cols, counter.puts, counter.entry, &writer)
                                  : NULL;
  if (csr != NULL) {
    put_block_rows(w, &writer);
    if (!sprig_csr_writer_filled(&writer)) {
      sprig_release_weights(csr);
      return NULL;
    }
  }
  return csr;
}

/* The stored values array of block weights and its element size, by dtype. */
static void** block_values_field(struct sprig_weights* w, size_t* element) {
  switch (w->dtype) {
    case sprig_weights_dtype_qs8:
      *element = sizeof(int8_t);
      return (void**) &w->block_values_s8;
    case sprig_weights_dtype_f16:
      *element = sizeof(uint16_t);
      return (void**) &w->block_values_f16;
    default:
      *element = sizeof(float);
      return (void**) &w->block_values;
  }
}

/* Walks every block of stored block columns as gaps, the bridges CSR's rule asks for included:
 * with `gaps` NULL it only counts (returns the blocks); else it fills gaps, row_ptr and the
 * values (zero bridges: the array comes zeroed). */
static size_t bridge_blocks(const struct sprig_weights* w, const uint8_t* old_values, size_t block_bytes,
                            uint8_t* gaps, uint32_t* row_ptr, uint8_t* values) {
  const size_t block_rows = sprig_divide_round_up(w->rows, w->block_height);
  struct sprig_block_row_walk walk = {0};
  size_t out = 0;
  for (size_t br = 0; br < block_rows; br++) {
    size_t next_base = 0; /* the previous block's column + 1 (0 at the block row's start) */
    for (struct sprig_block_cursor c = sprig_block_row(w, &walk, br); c.block < c.end; sprig_block_next(w, &c)) {
      size_t gap = c.block_col + 1 - next_base;
      for (; gap > SPRIG_BLOCK_MAX_GAP; gap -= SPRIG_BLOCK_MAX_GAP) {
        if (gaps != NULL) {
          gaps[out] = SPRIG_BLOCK_MAX_GAP;
        }
        out++;
      }
      if (gaps != NULL) {
        gaps[out] = (uint8_t) gap;
        memcpy(values + out * block_bytes, old_values + (size_t) c.block * block_bytes, block_bytes);
      }
      out++;
      next_base = c.block_col + 1;
    }
    if (row_ptr != NULL) {
      row_ptr[br + 1] = (uint32_t) out;
    }
  }
  return out;
}

/* The block rows' counts of `row_ptr` as 16 bits into *counts16 when each fits, else NULL
 * there; false when out of memory. */
static bool narrow_row_counts(const uint32_t* row_ptr, size_t block_rows, uint16_t** counts16) {
  *counts16 = NULL;
  for (size_t br = 0; br < block_rows; br++) {
    if (row_ptr[br + 1] - row_ptr[br] > UINT16_MAX) {
      return true;
    }
  }
  *counts16 = malloc(SPRIG_MAX(block_rows, 1) * sizeof(uint16_t));
  if (*counts16 == NULL) {
    return false;
  }
  for (size_t br = 0; br < block_rows; br++) {
    (*counts16)[br] = (uint16_t) (row_ptr[br + 1] - row_ptr[br]);
  }
  return true;
}

enum sprig_status sprig_block_columns_to_gaps(struct sprig_weights* w) {
  size_t element;
  void** values_field = block_values_field(w, &element);
  const size_t block_bytes = w->block_height * w->block_width * element;
  const size_t blocks = bridge_blocks(w, NULL, block_bytes, NULL, NULL, NULL);
  if (blocks > UINT32_MAX) {
    return sprig_status_unsupported_parameter;
  }
  const size_t block_rows = sprig_divide_round_up(w->rows, w->block_height);
  uint8_t* gaps = malloc(SPRIG_MAX(blocks, 1));
  uint32_t* row_ptr = malloc((block_rows + 1) * sizeof(uint32_t));
  uint8_t* values = calloc(SPRIG_MAX(blocks, 1), block_bytes);
  uint16_t* counts16 = NULL;
  if (gaps == NULL || row_ptr == NULL || values == NULL) {
    goto out_of_memory;
  }
  row_ptr[0] = 0;
  bridge_blocks(w, *values_field, block_bytes, gaps, row_ptr, values);
  if (!narrow_row_counts(row_ptr, block_rows, &counts16)) {
    goto out_of_memory;
  }
  if (counts16 != NULL) {
    free(row_ptr);
    row_ptr = NULL;
  }
  free(w->block_col16);
  free(w->block_col32);
  free(w->block_row_ptr);
  free(w->block_row_counts16);
  free(*values_field);
  w->block_col16 = NULL;
  w->block_col32 = NULL;
  w->block_col_gaps = gaps;
  w->block_row_ptr = row_ptr;
  w->block_row_counts16 = counts16;
  *values_field = values;
  w->blocks = blocks;
  w->stored_values = blocks * w->block_height * w->block_width;
  return sprig_status_success;

out_of_memory:
  free(gaps);
  free(row_ptr);
  free(values);
  return sprig_status_out_of_memory;
}
