/* Builds the kernel weight stream: biases and values interleaved per unit, with the input row
 * of every stored column. Blocks of nr channels store the union of their rows' columns. */
#include <stdlib.h>
#include <string.h>

#include <sprig/common.h>
#include <sprig/stream.h>

/* The smallest column of the cursors' entries, UINT32_MAX when all are done. */
static uint32_t next_column(size_t n, const struct sprig_csr_cursor* heads) {
  uint32_t column = UINT32_MAX;
  for (size_t i = 0; i < n; i++) {
    column = SPRIG_MIN(column, heads[i].column);
  }
  return column;
}

/* Walks the column union of rows [r0, r0 + n); with a stream, appends n values (0 where a row
 * has no entry) and the input row per column. Returns the union's size. */
static size_t walk_union(const struct sprig_weights* w, size_t r0, size_t n, struct sprig_spmm_stream* s,
                         size_t* weight_index, size_t* entry_index) {
  struct sprig_csr_cursor heads[8];
  for (size_t i = 0; i < n; i++) {
    heads[i] = sprig_csr_row(w, r0 + i);
  }
  size_t columns = 0;
  for (uint32_t column = next_column(n, heads); column != UINT32_MAX; column = next_column(n, heads)) {
    for (size_t i = 0; i < n; i++) {
      const bool present = heads[i].column == column;
      if (s != NULL) {
        s->weights[(*weight_index)++] = present ? w->values[heads[i].entry] : 0.0f;
      }
      if (present) {
        sprig_csr_next(w, &heads[i]);
      }
    }
    if (s != NULL) {
      s->rows[(*entry_index)++] = column;
    }
    columns++;
  }
  return columns;
}

size_t sprig_count_block_entries(const struct sprig_weights* w, size_t nr) {
  size_t entries = 0;
  const size_t blocks = w->rows / nr;
  for (size_t b = 0; b < blocks; b++) {
    entries += walk_union(w, b * nr, nr, NULL, NULL, NULL);
  }
  return entries + (w->row_ptr[w->rows] - w->row_ptr[blocks * nr]);
}

static void append_unit(const struct sprig_weights* w, const float* bias, size_t r0, size_t n, size_t unit,
                        struct sprig_spmm_stream* s, size_t* weight_index, size_t* entry_index) {
  s->unit_weight[unit] = *weight_index;
  s->unit_entry[unit] = *entry_index;
  for (size_t i = 0; i < n; i++) {
    s->weights[(*weight_index)++] = bias != NULL ? bias[r0 + i] : 0.0f;
  }
  s->nnz[unit] = (uint32_t) walk_union(w, r0, n, s, weight_index, entry_index);
}

enum sprig_status sprig_build_spmm_stream(const struct sprig_weights* w, const float* bias, size_t nr,
                                          struct sprig_spmm_stream* stream) {
  struct sprig_spmm_stream s = {.nr = nr};
  s.blocks = nr > 1 ? w->rows / nr : 0;
  s.units = s.blocks + (w->rows - s.blocks * nr);
  const size_t leftover_entries = w->row_ptr[w->rows] - w->row_ptr[s.blocks * nr];
  s.entries = nr > 1 ? sprig_count_block_entries(w, nr) : w->row_ptr[w->rows];
  const size_t stored_values = nr > 1 ? (s.entries - leftover_entries) * nr + leftover_entries : s.entries;
  s.weights = malloc((w->rows + stored_values) * sizeof(float));
  s.nnz = malloc(s.units * sizeof(uint32_t));
  s.rows = malloc(SPRIG_MAX(s.entries, 1) * sizeof(uint32_t));
  s.unit_weight = malloc((s.units + 1) * sizeof(size_t));
  s.unit_entry = malloc((s.units + 1) * sizeof(size_t));
  if (s.weights == NULL || s.nnz == NULL || s.rows == NULL || s.unit_weight == NULL || s.unit_entry == NULL) {
    sprig_free_spmm_stream(&s);
    return sprig_status_out_of_memory;
  }
  size_t weight_index = 0, entry_index = 0;
  for (size_t b = 0; b < s.blocks; b++) {
    append_unit(w, bias, b * nr, nr, b, &s, &weight_index, &entry_index);
  }
  for (size_t r = s.blocks * nr; r < w->rows; r++) {
    append_unit(w, bias, r, 1, s.blocks + (r - s.blocks * nr), &s, &weight_index, &entry_index);
  }
  s.unit_weight[s.units] = weight_index;
  s.unit_entry[s.units] = entry_index;
  *stream = s;
  return sprig_status_success;
}

void sprig_compute_input_deltas(const struct sprig_spmm_stream* s, size_t input_row_stride, int32_t* deltas) {
  for (size_t i = 0; i + 1 < s->entries; i++) {
    const int64_t rows_apart = (int64_t) s->rows[i + 1] - (int64_t) s->rows[i];
    deltas[i] = (int32_t) (rows_apart * (int64_t) input_row_stride);
  }
  if (s->entries != 0) {
    deltas[s->entries - 1] = 0;
  }
}

float* sprig_build_nm_weight_stream(const struct sprig_weights* w, const float* bias) {
  const size_t slots = w->nm_groups * w->pattern.n;
  float* stream = malloc(w->rows * (1 + slots) * sizeof(float));
  if (stream != NULL) {
    for (size_t r = 0; r < w->rows; r++) {
      stream[r * (1 + slots)] = bias != NULL ? bias[r] : 0.0f;
      memcpy(stream + r * (1 + slots) + 1, w->nm_values + r * slots, slots * sizeof(float));
    }
  }
  return stream;
}

void sprig_free_spmm_stream(struct sprig_spmm_stream* s) {
  free(s->weights);
  free(s->nnz);
  free(s->rows);
  free(s->unit_weight);
  free(s->unit_entry);
}
