/* qs8 weights: sprig_pack_weights_qs8 (the f32 packers on the exact float image of the int8
 * matrix, then the values narrowed back to int8) and the c4 entry stream derived from them. */
#include <stdlib.h>
#include <string.h>

#include <sprig/common.h>
#include <sprig/log.h>
#include <sprig/qs8-stream.h>
#include <sprig/weights.h>

/* Replaces a float array of `count` values by its int8 copy; false when out of memory (the
 * float array is then kept, for the release to free). */
static bool narrow_values(float** values, int8_t** narrowed, size_t count) {
  if (*values == NULL) {
    return true;
  }
  int8_t* copy = malloc(SPRIG_MAX(count, 1));
  if (copy == NULL) {
    return false;
  }
  for (size_t i = 0; i < count; i++) {
    copy[i] = (int8_t) (*values)[i];
  }
  free(*values);
  *values = NULL;
  *narrowed = copy;
  return true;
}

static enum sprig_status narrow_weights(struct sprig_weights* w) {
  const bool ok = narrow_values(&w->values, &w->values_s8, sprig_csr_stored_entries(w)) &&
                  narrow_values(&w->block_values, &w->block_values_s8, w->blocks * w->block_height * w->block_width) &&
                  narrow_values(&w->nm_values, &w->nm_values_s8, w->stored_values);
  w->dtype = sprig_weights_dtype_qs8;
  return ok ? sprig_status_success : sprig_status_out_of_memory;
}

static void widen_values(const void* dense, size_t count, float* image) {
  const int8_t* values = dense;
  for (size_t i = 0; i < count; i++) {
    image[i] = (float) values[i];
  }
}

enum sprig_status sprig_pack_dense_qs8(size_t rows, size_t cols, const int8_t* dense,
                                       const struct sprig_sparsity* pattern, uint32_t flags,
                                       const struct sprig_pack_names* names, struct sprig_weights** out) {
  return sprig_pack_dense_through_f32(rows, cols, dense, widen_values, narrow_weights, pattern, flags, names, out);
}

enum sprig_status sprig_pack_weights_qs8(size_t rows, size_t cols, const int8_t* dense,
                                         const struct sprig_sparsity* pattern, uint32_t flags,
                                         sprig_weights_t* weights_out) {
  static const struct sprig_pack_names names = {"sprig_pack_weights_qs8", "rows", "cols", "dense"};
  return sprig_pack_dense_qs8(rows, cols, dense, pattern, flags, &names, weights_out);
}

void sprig_qs8_expand_row(const struct sprig_weights* w, struct sprig_block_row_walk* walk, size_t row,
                          int8_t* dense) {
  memset(dense, 0, w->cols);
  switch (w->pattern.format) {
    case SPRIG_FORMAT_BLOCK:
    case SPRIG_FORMAT_GROUP: {
      const size_t bh = w->block_height, bw = w->block_width, br = row / bh, i = row % bh;
      for (struct sprig_block_cursor c = sprig_block_row(w, walk, br); c.block < c.end; sprig_block_next(w, &c)) {
        const size_t first = c.block_col * bw;
        for (size_t j = 0; j < bw && first + j < w->cols; j++) {
          dense[first + j] = w->block_values_s8[(size_t) c.block * bh * bw + i * bw + j];
        }
      }
      break;
    }
    case SPRIG_FORMAT_NM: {
      const size_t n = w->pattern.n, m = w->pattern.m;
      for (size_t g = 0; g < w->nm_groups; g++) {
        const size_t slot = (row * w->nm_groups + g) * n;
        for (size_t s = 0; s < n; s++) {
          /* Padding slots hold zeros on columns that may also hold a nonzero: skip them. */
          const size_t col = g * m + w->nm_indices[slot + s];
          if (w->nm_values_s8[slot + s] != 0 && col < w->cols) {
            dense[col] = w->nm_values_s8[slot + s];
          }
        }
      }
      break;
    }
    default:
      for (struct sprig_csr_cursor c = sprig_csr_row(w, row); c.entry < c.end; sprig_csr_next(w, &c)) {
        dense[c.column] = w->values_s8[c.entry];
      }
      break;
  }
}

void sprig_free_qs8_stream(struct sprig_qs8_stream* s) {
  if (s != NULL) {
    free(s->weights);
    free(s->quads);
    free(s->nnz);
    free(s->first_entry);
    free(s->weight_sums);
    free(s);
  }
}

size_t sprig_qs8_stream_bytes(const struct sprig_qs8_stream* s) {
  return s->entries * (4 + sizeof(uint32_t)) + s->rows * (sizeof(uint32_t) + sizeof(int32_t));
}

/* Entries of one dense row: groups of four columns holding a nonzero. */
static size_t count_row_entries(const int8_t* dense, size_t quad_rows) {
  size_t count = 0;
  for (size_t q = 0; q < quad_rows; q++) {
    uint32_t word;
    memcpy(&word, dense + 4 * q, 4);
    count += (size_t) (word != 0);
  }
  return count;
}

static struct sprig_qs8_stream* build_qs8_stream(const struct sprig_weights* w) {
  struct sprig_qs8_stream* s = calloc(1, sizeof(struct sprig_qs8_stream));
  const size_t quad_rows = sprig_divide_round_up(w->cols, 4);
  int8_t* dense = calloc(quad_rows * 4, 1); /* the last quad's columns past cols stay zero */
  if (s == NULL || dense == NULL) {
    goto fail;
  }
  s->rows = w->rows;
  s->quad_rows = quad_rows;
  s->nnz = malloc(w->rows * sizeof(uint32_t));
  s->first_entry = malloc((w->rows + 1) * sizeof(size_t));
  s->weight_sums = malloc(w->rows * sizeof(int32_t));
  if (s->nnz == NULL || s->first_entry == NULL || s->weight_sums == NULL) {
    goto fail;
  }
  s->first_entry[0] = 0;
  struct sprig_block_row_walk walk = {0};
  for (size_t r = 0; r < w->rows; r++) {
    sprig_qs8_expand_row(w, &walk, r, dense);
    const size_t count = count_row_entries(dense, quad_rows);
    s->nnz[r] = (uint32_t) count;
    s->first_entry[r + 1] = s->first_entry[r] + count;
  }
  s->entries = s->first_entry[w->rows];
  s->weights = malloc(SPRIG_MAX(s->entries, 1) * 4);
  s->quads = malloc(SPRIG_MAX(s->entries, 1) * sizeof(uint32_t));
  if (s->weights == NULL || s->quads == NULL) {
    goto fail;
  }
  walk = (struct sprig_block_row_walk){0, 0};
  for (size_t r = 0; r < w->rows; r++) {
    sprig_qs8_expand_row(w, &walk, r, dense);
    size_t e = s->first_entry[r];
    uint32_t sum = 0;
    for (size_t q = 0; q < quad_rows; q++) {
      const int8_t* quad = dense + 4 * q;
      if (quad[0] == 0 && quad[1] == 0 && quad[2] == 0 && quad[3] == 0) {
        continue;
      }
      memcpy(s->weights + 4 * e, quad, 4);
      s->quads[e++] = (uint32_t) q;
      sum += (uint32_t) ((int32_t) quad[0] + quad[1] + quad[2] + quad[3]);
    }
    s->weight_sums[r] = (int32_t) sum;
  }
  free(dense);
  return s;

fail:
  free(dense);
  sprig_free_qs8_stream(s);
  return NULL;
}

SPRIG_DEFINE_PUBLISH(publish_stream, struct sprig_qs8_stream, sprig_free_qs8_stream)

const struct sprig_qs8_stream* sprig_weights_qs8_stream(struct sprig_weights* w) {
  struct sprig_qs8_stream* published = atomic_load_explicit(&w->qs8_stream, memory_order_acquire);
  if (published != NULL) {
    return published;
  }
  struct sprig_qs8_stream* built = build_qs8_stream(w);
  return built != NULL ? publish_stream(&w->qs8_stream, built) : NULL;
}
