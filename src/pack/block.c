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
  for (size_t r = 0; r < w->rows; r++) {
    const size_t br = r / bh, i = r % bh;
    for (uint32_t b = w->block_row_ptr[br]; b < w->block_row_ptr[br + 1]; b++) {
      const size_t first_col = sprig_block_first_col(w, b);
      const size_t width = SPRIG_MIN(bw, w->cols - first_col);
      for (size_t j = 0; j < width; j++) {
        sprig_csr_put(writer, first_col + j, w->block_values[b * bh * bw + i * bw + j]);
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
