/* The sliced layout of CSR weights for the f32-sellmv kernels (contract: src/sprig/sellmv.h). */
#include <stdlib.h>
#include <string.h>

#include <sprig/common.h>
#include <sprig/f16-stream.h>
#include <sprig/half.h>
#include <sprig/sellmv.h>
#include <sprig/tiling.h>
#include <sprig/weights.h>

/* Entry `entry`'s value as a float (f16 weights: the half widened exactly). */
static float value_at(const struct sprig_weights* w, size_t entry) {
  return w->dtype == sprig_weights_dtype_f16 ? sprig_half_to_float(w->values_f16[entry]) : w->values[entry];
}

/* A row's nonzero values and its smallest column (UINT32_MAX when it has none). */
struct row_summary {
  size_t nonzeros;
  uint32_t min_column;
};

static struct row_summary summarize_row(const struct sprig_weights* w, size_t row) {
  struct row_summary s = {0, UINT32_MAX};
  for (struct sprig_csr_cursor c = sprig_csr_row(w, row); c.entry < c.end; sprig_csr_next(w, &c)) {
    if (value_at(w, c.entry) != 0.0f) {
      s.min_column = s.nonzeros == 0 ? c.column : s.min_column;
      s.nonzeros++;
    }
  }
  return s;
}

/* The slots per row and the base column of slice `slice`. */
static void slice_extent(const struct sprig_weights* w, size_t c, size_t slice, uint32_t* width, uint32_t* base,
                         size_t* nonzeros) {
  size_t longest = 0;
  uint32_t lowest = UINT32_MAX;
  const size_t end = SPRIG_MIN(w->rows, (slice + 1) * c);
  for (size_t r = slice * c; r < end; r++) {
    const struct row_summary s = summarize_row(w, r);
    longest = SPRIG_MAX(longest, s.nonzeros);
    lowest = SPRIG_MIN(lowest, s.min_column);
    *nonzeros += s.nonzeros;
  }
  *width = (uint32_t) longest;
  *base = lowest == UINT32_MAX ? 0 : lowest;
}

/* f16 weights of another format than CSR are read through a float CSR copy of their entries. */
static bool read_through_view(const struct sprig_weights* w) {
  return w->dtype == sprig_weights_dtype_f16 && w->pattern.format != SPRIG_FORMAT_CSR;
}

struct sprig_sell_shape sprig_sell_measure(const struct sprig_weights* w, size_t c) {
  struct sprig_sell_shape shape = {0, 0, 0, true};
  const size_t slices = sprig_divide_round_up(w->rows, c);
  for (size_t s = 0; s < slices; s++) {
    uint32_t width, base;
    slice_extent(w, c, s, &width, &base, &shape.nonzeros);
    shape.slots += (size_t) width * c;
    if (s + 1 == slices) {
      shape.tail_slots = (size_t) width * (slices * c - w->rows);
    }
    if (width != 0 && w->cols - base > SPRIG_SELL_MAX_OFFSET) {
      shape.offsets_fit = false;
    }
  }
  return shape;
}

bool sprig_sell_shape_usable(const struct sprig_sell_shape* shape) {
  return shape->offsets_fit &&
         (double) (shape->slots - shape->tail_slots) <= SPRIG_SELL_MAX_PADDING * (double) shape->nonzeros;
}

bool sprig_sell_usable(const struct sprig_weights* csr, size_t c) {
  const struct sprig_sell_shape shape = sprig_sell_measure(csr, c);
  return sprig_sell_shape_usable(&shape);
}

/* Row `lane` of a slice: its nonzeros in slots 0, 1, ..., then zero weights on the zero slot. */
static void fill_lane(const struct sprig_weights* w, struct sprig_sell* sell, size_t slice, size_t lane) {
  const size_t c = sell->c;
  const size_t row = slice * c + lane;
  const uint32_t base = sell->col_base[slice];
  float* values = sell->values + sell->first[slice] * c + lane;
  uint16_t* offsets = sell->offsets + sell->first[slice] * c + lane;
  size_t k = 0;
  if (row < w->rows) {
    for (struct sprig_csr_cursor cur = sprig_csr_row(w, row); cur.entry < cur.end; sprig_csr_next(w, &cur)) {
      const float value = value_at(w, cur.entry);
      if (value != 0.0f) {
        values[k * c] = value;
        offsets[k * c] = (uint16_t) (cur.column - base);
        k++;
      }
    }
  }
  for (; k < sell->widths[slice]; k++) {
    values[k * c] = 0.0f;
    offsets[k * c] = (uint16_t) (w->cols - base);
  }
}

struct sprig_sell* sprig_build_sell(const struct sprig_weights* w, size_t c) {
  struct sprig_sell* sell = calloc(1, sizeof(struct sprig_sell));
  if (sell == NULL) {
    return NULL;
  }
  *sell = (struct sprig_sell){.c = c, .rows = w->rows, .cols = w->cols, .slices = sprig_divide_round_up(w->rows, c)};
  sell->widths = malloc(SPRIG_MAX(sell->slices, 1) * sizeof(uint32_t));
  sell->col_base = malloc(SPRIG_MAX(sell->slices, 1) * sizeof(uint32_t));
  sell->first = malloc((sell->slices + 1) * sizeof(size_t));
  if (sell->widths == NULL || sell->col_base == NULL || sell->first == NULL) {
    sprig_free_sell(sell);
    return NULL;
  }
  sell->first[0] = 0;
  for (size_t s = 0; s < sell->slices; s++) {
    slice_extent(w, c, s, &sell->widths[s], &sell->col_base[s], &sell->nonzeros);
    sell->first[s + 1] = sell->first[s] + sell->widths[s];
  }
  sell->slots = sell->first[sell->slices] * c;
  sell->values = sprig_allocate_aligned(SPRIG_MAX(sell->slots, 1) * sizeof(float));
  sell->offsets = malloc(SPRIG_MAX(sell->slots, 1) * sizeof(uint16_t));
  if (sell->values == NULL || sell->offsets == NULL) {
    sprig_free_sell(sell);
    return NULL;
  }
  for (size_t s = 0; s < sell->slices; s++) {
    for (size_t lane = 0; lane < c; lane++) {
      fill_lane(w, sell, s, lane);
    }
  }
  return sell;
}

struct sprig_sell* sprig_build_usable_sell(const struct sprig_weights* w, size_t c, bool* usable) {
  struct sprig_weights* view = read_through_view(w) ? sprig_f16_float_csr_view(w) : NULL;
  *usable = true;
  if (read_through_view(w) && view == NULL) {
    return NULL;
  }
  const struct sprig_weights* csr = view != NULL ? view : w;
  *usable = sprig_sell_usable(csr, c);
  struct sprig_sell* sell = *usable ? sprig_build_sell(csr, c) : NULL;
  sprig_release_weights(view);
  return sell;
}

/* Windowed layout: the widths of slice `slice`'s windows (the most nonzeros one of its rows has
 * in each) and the nonzeros counted; returns the slots per row. */
static size_t slice_windows(const struct sprig_weights* w, struct sprig_sell* sell, size_t slice) {
  uint8_t* widths = sell->window_widths + slice * sell->windows;
  memset(widths, 0, sell->windows);
  const size_t end = SPRIG_MIN(w->rows, (slice + 1) * sell->c);
  for (size_t r = slice * sell->c; r < end; r++) {
    size_t window = SIZE_MAX, count = 0;
    for (struct sprig_csr_cursor cur = sprig_csr_row(w, r); cur.entry < cur.end; sprig_csr_next(w, &cur)) {
      if (value_at(w, cur.entry) == 0.0f) {
        continue;
      }
      const size_t v = cur.column / sell->window_cols;
      count = v == window ? count + 1 : 1; /* a row's columns ascend */
      window = v;
      widths[v] = (uint8_t) SPRIG_MAX(widths[v], count);
      sell->nonzeros++;
    }
  }
  size_t total = 0;
  for (size_t v = 0; v < sell->windows; v++) {
    total += widths[v];
  }
  return total;
}

/* Windowed layout, row `lane` of a slice: window by window, its nonzeros there, then zero weights
 * on index Q up to the window's width. */
static void fill_window_lane(const struct sprig_weights* w, struct sprig_sell* sell, size_t slice, size_t lane) {
  const size_t c = sell->c, q = sell->window_cols, row = slice * c + lane;
  size_t slot = sell->first[slice] * c + lane;
  struct sprig_csr_cursor cur = {0, 0, UINT32_MAX};
  if (row < w->rows) {
    cur = sprig_csr_row(w, row);
  }
  for (size_t v = 0; v < sell->windows; v++) {
    const size_t width = sell->window_widths[slice * sell->windows + v];
    size_t k = 0;
    for (; cur.entry < cur.end && cur.column / q == v; sprig_csr_next(w, &cur)) {
      const float value = value_at(w, cur.entry);
      if (value != 0.0f) {
        sell->values[slot + k * c] = value;
        sell->indices[slot + k * c] = (uint8_t) (cur.column - v * q);
        k++;
      }
    }
    for (; k < width; k++) {
      sell->values[slot + k * c] = 0.0f;
      sell->indices[slot + k * c] = (uint8_t) q;
    }
    slot += width * c;
  }
}

/* The per-slice arrays and every slice's windows; false when out of memory. */
static bool measure_windows(const struct sprig_weights* w, struct sprig_sell* sell) {
  if (sell->windows != 0 && sell->slices > SIZE_MAX / sell->windows) {
    return false;
  }
  sell->window_widths = malloc(SPRIG_MAX(sell->slices * sell->windows, 1));
  sell->first = malloc((sell->slices + 1) * sizeof(size_t));
  if (sell->window_widths == NULL || sell->first == NULL) {
    return false;
  }
  sell->first[0] = 0;
  for (size_t s = 0; s < sell->slices; s++) {
    sell->first[s + 1] = sell->first[s] + slice_windows(w, sell, s);
  }
  sell->slots = sell->first[sell->slices] * sell->c;
  if (sell->slices != 0) {
    const size_t last_width = sell->first[sell->slices] - sell->first[sell->slices - 1];
    sell->tail_slots = last_width * (sell->slices * sell->c - sell->rows);
  }
  return true;
}

static bool windows_fit(size_t slices, size_t windows, size_t nonzeros) {
  return (double) slices * (double) windows <= SPRIG_SELL_MAX_WINDOWS_PER_NONZERO * (double) nonzeros;
}

/* Checked before the widths are allocated: w->nnz bounds the nonzeros from above, so the widths
 * are never allocated for far too many windows. */
static bool may_be_usable(const struct sprig_weights* w, size_t c, size_t q) {
  return (w->dtype == sprig_weights_dtype_f32 || w->dtype == sprig_weights_dtype_f16) &&
         w->pattern.format == SPRIG_FORMAT_CSR && w->nnz != 0 &&
         windows_fit(sprig_divide_round_up(w->rows, c), sprig_divide_round_up(w->cols, q), w->nnz);
}

/* The windowed layout with its windows measured (no slots yet); NULL when out of memory. */
static struct sprig_sell* measured_windows(const struct sprig_weights* w, size_t c, size_t q) {
  struct sprig_sell* sell = calloc(1, sizeof(struct sprig_sell));
  if (sell == NULL) {
    return NULL;
  }
  *sell = (struct sprig_sell){.c = c,
                              .window_cols = q,
                              .windows = sprig_divide_round_up(w->cols, q),
                              .rows = w->rows,
                              .cols = w->cols,
                              .slices = sprig_divide_round_up(w->rows, c)};
  if (!measure_windows(w, sell)) {
    sprig_free_sell(sell);
    return NULL;
  }
  return sell;
}

static struct sprig_sell* filled_windows(const struct sprig_weights* w, struct sprig_sell* sell) {
  sell->values = sprig_allocate_aligned(SPRIG_MAX(sell->slots, 1) * sizeof(float));
  sell->indices = malloc(SPRIG_MAX(sell->slots, 1));
  if (sell->values == NULL || sell->indices == NULL) {
    sprig_free_sell(sell);
    return NULL;
  }
  for (size_t s = 0; s < sell->slices; s++) {
    for (size_t lane = 0; lane < sell->c; lane++) {
      fill_window_lane(w, sell, s, lane);
    }
  }
  return sell;
}

struct sprig_sell* sprig_build_windowed_sell(const struct sprig_weights* w, size_t c, size_t q) {
  struct sprig_sell* sell = measured_windows(w, c, q);
  return sell != NULL ? filled_windows(w, sell) : NULL;
}

bool sprig_windowed_sell_layout_usable(const struct sprig_sell* sell) {
  return sell->nonzeros != 0 && windows_fit(sell->slices, sell->windows, sell->nonzeros) &&
         (double) (sell->slots - sell->tail_slots) <= SPRIG_SELL_MAX_WINDOW_PADDING * (double) sell->nonzeros;
}

bool sprig_windowed_sell_usable(const struct sprig_weights* w, size_t c, size_t q, bool* measured, size_t* bytes) {
  *measured = true;
  *bytes = 0;
  if (!may_be_usable(w, c, q)) {
    return false;
  }
  struct sprig_sell* sell = measured_windows(w, c, q);
  *measured = sell != NULL;
  const bool usable = sell != NULL && sprig_windowed_sell_layout_usable(sell);
  *bytes = usable ? sprig_sell_bytes(sell) : 0;
  sprig_free_sell(sell);
  return usable;
}

struct sprig_sell* sprig_build_usable_windowed_sell(const struct sprig_weights* w, size_t c, size_t q, bool* usable) {
  *usable = may_be_usable(w, c, q);
  struct sprig_sell* sell = *usable ? measured_windows(w, c, q) : NULL;
  if (sell == NULL) {
    return NULL;
  }
  *usable = sprig_windowed_sell_layout_usable(sell);
  if (!*usable) {
    sprig_free_sell(sell);
    return NULL;
  }
  return filled_windows(w, sell);
}

void sprig_free_sell(struct sprig_sell* sell) {
  if (sell != NULL) {
    free(sell->widths);
    free(sell->col_base);
    free(sell->window_widths);
    free(sell->first);
    free(sell->values);
    free(sell->offsets);
    free(sell->indices);
    free(sell);
  }
}

size_t sprig_sell_bytes(const struct sprig_sell* sell) {
  const size_t common = sell->slices * sizeof(size_t) + sizeof(size_t);
  if (sell->window_cols != 0) {
    return common + sell->slots * (sizeof(float) + sizeof(uint8_t)) + sell->slices * sell->windows;
  }
  return common + sell->slots * (sizeof(float) + sizeof(uint16_t)) + sell->slices * 2 * sizeof(uint32_t);
}
