/* Builds the SpMM kernel weight stream (layout: src/sprig/spmm.h): the values unit by unit, one
 * 8-bit input-row step per entry. Blocks of nr channels store the union of their rows' columns.
 * No biases: the kernels take them as an argument. */
#include <stdlib.h>
#include <string.h>

#include <sprig/common.h>
#include <sprig/spmm.h>
#include <sprig/stream.h>

/* The smallest column of the cursors' entries, UINT32_MAX when all are done. */
static uint32_t next_column(size_t n, const struct sprig_csr_cursor* heads) {
  uint32_t column = UINT32_MAX;
  for (size_t i = 0; i < n; i++) {
    column = SPRIG_MIN(column, heads[i].column);
  }
  return column;
}

/* The units before lay_out: each unit's columns in increasing order. */
struct gathered {
  size_t blocks;        /* units of nr channels, then single channels */
  size_t units;
  float* weights;       /* per unit: width values per column */
  uint32_t* rows;       /* per column: its input row */
  uint32_t* columns;    /* per unit: its column count */
  size_t* unit_weight;  /* units + 1 offsets into weights */
  size_t* unit_column;  /* units + 1 offsets into rows */
};

static void free_gathered(struct gathered* g) {
  free(g->weights);
  free(g->rows);
  free(g->columns);
  free(g->unit_weight);
  free(g->unit_column);
}

/* Walks the column union of rows [r0, r0 + n); with `g`, appends n values (0 where a row has no
 * entry) and the input row per column. Returns the union's size. */
static size_t walk_union(const struct sprig_weights* w, size_t r0, size_t n, struct gathered* g,
                         size_t* weight_index, size_t* column_index) {
  struct sprig_csr_cursor heads[8];
  for (size_t i = 0; i < n; i++) {
    heads[i] = sprig_csr_row(w, r0 + i);
  }
  size_t columns = 0;
  for (uint32_t column = next_column(n, heads); column != UINT32_MAX; column = next_column(n, heads)) {
    for (size_t i = 0; i < n; i++) {
      const bool present = heads[i].column == column;
      if (g != NULL) {
        g->weights[(*weight_index)++] = present ? w->values[heads[i].entry] : 0.0f;
      }
      if (present) {
        sprig_csr_next(w, &heads[i]);
      }
    }
    if (g != NULL) {
      g->rows[(*column_index)++] = column;
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

static void gather_unit(const struct sprig_weights* w, size_t r0, size_t n, size_t unit, struct gathered* g,
                        size_t* weight_index, size_t* column_index) {
  g->unit_weight[unit] = *weight_index;
  g->unit_column[unit] = *column_index;
  g->columns[unit] = (uint32_t) walk_union(w, r0, n, g, weight_index, column_index);
}

static enum sprig_status gather_units(const struct sprig_weights* w, size_t nr, struct gathered* g) {
  g->blocks = nr > 1 ? w->rows / nr : 0;
  g->units = g->blocks + (w->rows - g->blocks * nr);
  const size_t leftover_columns = w->row_ptr[w->rows] - w->row_ptr[g->blocks * nr];
  const size_t columns = nr > 1 ? sprig_count_block_entries(w, nr) : w->row_ptr[w->rows];
  const size_t values = nr > 1 ? (columns - leftover_columns) * nr + leftover_columns : columns;
  g->weights = malloc(SPRIG_MAX(values, 1) * sizeof(float));
  g->rows = malloc(SPRIG_MAX(columns, 1) * sizeof(uint32_t));
  g->columns = malloc(g->units * sizeof(uint32_t));
  g->unit_weight = malloc((g->units + 1) * sizeof(size_t));
  g->unit_column = malloc((g->units + 1) * sizeof(size_t));
  if (g->weights == NULL || g->rows == NULL || g->columns == NULL || g->unit_weight == NULL ||
      g->unit_column == NULL) {
    return sprig_status_out_of_memory;
  }
  size_t weight_index = 0, column_index = 0;
  for (size_t b = 0; b < g->blocks; b++) {
    gather_unit(w, b * nr, nr, b, g, &weight_index, &column_index);
  }
  for (size_t r = g->blocks * nr; r < w->rows; r++) {
    gather_unit(w, r, 1, g->blocks + (r - g->blocks * nr), g, &weight_index, &column_index);
  }
  g->unit_weight[g->units] = weight_index;
  g->unit_column[g->units] = column_index;
  return sprig_status_success;
}

/* Where lay_out is: the next weight and entry, and the input row of the last entry laid out. */
struct layout {
  struct sprig_spmm_stream* out; /* NULL: only count */
  size_t weight_index;
  size_t entry_index;
  int64_t current;               /* meaningful once an entry is laid out */
  size_t unit_first_entry;       /* the first entry of the unit being laid out */
};

/* Appends an entry at input `row` with `width` values (NULL: a zero-valued bridge); the previous
 * entry's delta is set to reach it. */
static void put_entry(struct layout* l, int64_t row, const float* values, size_t width) {
  if (l->out != NULL) {
    if (l->entry_index > 0) {
      l->out->deltas[l->entry_index - 1] = (int8_t) (row - l->current);
    }
    if (values != NULL) {
      memcpy(l->out->weights + l->weight_index, values, width * sizeof(float));
    } else {
      memset(l->out->weights + l->weight_index, 0, width * sizeof(float));
    }
    if (l->entry_index == 0) {
      l->out->first_row = (uint32_t) row;
    }
  }
  l->weight_index += width;
  l->entry_index++;
  l->current = row;
}

/* Appends the entries of gathered unit u, bridges first where a step is too long. */
static void lay_out_unit(struct layout* l, const struct gathered* g, size_t width, size_t u) {
  const size_t count = g->columns[u];
  const float* values = g->weights + g->unit_weight[u];
  for (size_t i = 0; i < count; i++) {
    const size_t column = u % 2 == 1 ? count - 1 - i : i;
    const int64_t row = g->rows[g->unit_column[u] + column];
    while (l->entry_index > 0 && (row - l->current > SPRIG_SPMM_MAX_STEP || l->current - row > SPRIG_SPMM_MAX_STEP)) {
      put_entry(l, l->current + (row > l->current ? SPRIG_SPMM_MAX_STEP : -SPRIG_SPMM_MAX_STEP), NULL, width);
    }
    put_entry(l, row, values + column * width, width);
  }
}

/*
 * Lays the gathered units out as the kernels walk them: odd units take their columns in
 * decreasing order, so that consecutive units meet near the same rows; a step between entries
 * longer than SPRIG_SPMM_MAX_STEP rows goes through zero-valued bridge entries (counted in
 * their unit). With l->out NULL only counts weights and entries.
 */
static void lay_out(struct layout* l, const struct gathered* g, size_t nr) {
  struct sprig_spmm_stream* out = l->out;
  for (size_t u = 0; u < g->units; u++) {
    const size_t width = u < g->blocks ? nr : 1;
    l->unit_first_entry = l->entry_index;
    lay_out_unit(l, g, width, u);
    if (out != NULL) {
      out->nnz[u] = (uint32_t) (l->entry_index - l->unit_first_entry);
    }
  }
}

enum sprig_status sprig_build_spmm_stream(const struct sprig_weights* w, size_t nr, struct sprig_spmm_stream* stream) {
  struct gathered gathered = {0};
  enum sprig_status status = gather_units(w, nr, &gathered);
  struct sprig_spmm_stream s = {.nr = nr, .blocks = gathered.blocks, .units = gathered.units};
  if (status == sprig_status_success) {
    struct layout count = {0};
    lay_out(&count, &gathered, nr);
    s.entries = count.entry_index;
    s.weight_count = count.weight_index;
    s.weights = malloc(SPRIG_MAX(s.weight_count, 1) * sizeof(float));
    s.deltas = malloc(SPRIG_MAX(s.entries, 1));
    s.nnz = malloc(SPRIG_MAX(s.units, 1) * sizeof(uint32_t));
    if (s.weights == NULL || s.deltas == NULL || s.nnz == NULL) {
      sprig_free_spmm_stream(&s);
      status = sprig_status_out_of_memory;
    }
  }
  if (status == sprig_status_success) {
    struct layout fill = {.out = &s};
    lay_out(&fill, &gathered, nr);
    if (s.entries != 0) {
      s.deltas[s.entries - 1] = 0;
    }
    *stream = s;
  }
  free_gathered(&gathered);
  return status;
}

void sprig_free_spmm_stream(struct sprig_spmm_stream* s) {
  free(s->weights);
  free(s->deltas);
  free(s->nnz);
  *s = (struct sprig_spmm_stream){0};
}
