/* The sliced layout of qs8 weights for the qs8-sellmv kernels (contract: src/sprig/qs8-sellmv.h),
 * built from the weights' c4 entry stream. */
#include <stdlib.h>
#include <string.h>

#include <sprig/common.h>
#include <sprig/qs8-sellmv.h>
#include <sprig/qs8-stream.h>
#include <sprig/tiling.h>

/* Orders the rows of window [first, end) by entry count, longest first (ties: lower row first). */
static void sort_window(const struct sprig_qs8_stream* stream, size_t first, size_t end, uint32_t* row_of) {
  for (size_t p = first; p < end; p++) {
    const uint32_t row = (uint32_t) p;
    const uint32_t count = stream->nnz[row];
    size_t q = p;
    for (; q > first && stream->nnz[row_of[q - 1]] < count; q--) {
      row_of[q] = row_of[q - 1];
    }
    row_of[q] = row;
  }
}

/* Width and base quad of slice `slice` (its rows already placed in row_of). */
static void slice_extent(const struct sprig_qs8_stream* stream, struct sprig_qs8_sell* sell, size_t slice) {
  uint32_t longest = 0, lowest = UINT32_MAX, highest = 0;
  const size_t end = SPRIG_MIN(sell->rows, (slice + 1) * sell->c);
  for (size_t p = slice * sell->c; p < end; p++) {
    const uint32_t row = sell->row_of[p];
    const uint32_t count = stream->nnz[row];
    longest = SPRIG_MAX(longest, count);
    if (count != 0) {
      /* The entries of a row are in quad order. */
      lowest = SPRIG_MIN(lowest, stream->quads[stream->first_entry[row]]);
      highest = SPRIG_MAX(highest, stream->quads[stream->first_entry[row] + count - 1]);
    }
  }
  sell->widths[slice] = longest;
  sell->quad_base[slice] = lowest == UINT32_MAX ? 0 : lowest;
  if (longest != 0 && highest - lowest > SPRIG_QS8_SELL_MAX_OFFSET) {
    sell->offsets_fit = false;
  }
}

/* Position p of a slice: its row's entries in slots 0, 1, ..., then zero weights on offset 0. */
static void fill_position(const struct sprig_qs8_stream* stream, struct sprig_qs8_sell* sell, size_t p) {
  const size_t c = sell->c, slice = p / c, lane = p % c;
  const size_t slot0 = sell->first[slice] * c + lane;
  int8_t* weights = sell->weights + 4 * slot0;
  uint16_t* offsets = sell->offsets + slot0;
  size_t k = 0;
  if (p < sell->rows) {
    const uint32_t row = sell->row_of[p];
    const size_t e0 = stream->first_entry[row];
    for (; k < stream->nnz[row]; k++) {
      memcpy(weights + 4 * k * c, stream->weights + 4 * (e0 + k), 4);
      /* Out-of-range offsets are never read: the layout is then unusable. */
      offsets[k * c] = (uint16_t) (stream->quads[e0 + k] - sell->quad_base[slice]);
    }
  }
  for (; k < sell->widths[slice]; k++) {
    memset(weights + 4 * k * c, 0, 4);
    offsets[k * c] = 0;
  }
}

/* Windowed layout: the slots of slice `slice` in each window, the most entries one of its rows
 * has there (its rows already placed in row_of); returns their sum. */
static size_t slice_windows(const struct sprig_qs8_stream* stream, struct sprig_qs8_sell* sell, size_t slice) {
  uint8_t* widths = sell->window_widths + slice * sell->windows;
  memset(widths, 0, sell->windows);
  const size_t end = SPRIG_MIN(sell->rows, (slice + 1) * sell->c);
  for (size_t p = slice * sell->c; p < end; p++) {
    const uint32_t row = sell->row_of[p];
    const size_t last = stream->first_entry[row] + stream->nnz[row];
    for (size_t e = stream->first_entry[row]; e < last;) {
      const size_t v = stream->quads[e] / sell->window_quads;
      size_t count = 0;
      for (; e < last && stream->quads[e] / sell->window_quads == v; e++) {
        count++;
      }
      widths[v] = (uint8_t) SPRIG_MAX(widths[v], count);
    }
  }
  size_t total = 0;
  for (size_t v = 0; v < sell->windows; v++) {
    total += widths[v];
  }
  return total;
}

/* Windowed layout, position p of a slice: window by window, its row's entries there, then zero
 * weights on index 0 up to the window's width. */
static void fill_window_position(const struct sprig_qs8_stream* stream, struct sprig_qs8_sell* sell, size_t p) {
  const size_t c = sell->c, slice = p / c, q = sell->window_quads;
  size_t slot = sell->first[slice] * c + p % c;
  size_t e = 0, last = 0;
  if (p < sell->rows) {
    e = stream->first_entry[sell->row_of[p]];
    last = e + stream->nnz[sell->row_of[p]];
  }
  for (size_t v = 0; v < sell->windows; v++) {
    const size_t width = sell->window_widths[slice * sell->windows + v];
    size_t k = 0;
    for (; e < last && stream->quads[e] / q == v; e++, k++) {
      memcpy(sell->weights + 4 * (slot + k * c), stream->weights + 4 * e, 4);
      sell->indices[slot + k * c] = (uint8_t) (stream->quads[e] - v * q);
    }
    for (; k < width; k++) {
      memset(sell->weights + 4 * (slot + k * c), 0, 4);
      sell->indices[slot + k * c] = 0;
    }
    slot += width * c;
  }
}

static bool allocate_slices(struct sprig_qs8_sell* sell) {
  const size_t slices = SPRIG_MAX(sell->slices, 1);
  if (sell->window_quads != 0) {
    sell->window_widths = malloc(SPRIG_MAX(slices * sell->windows, 1));
  } else {
    sell->widths = malloc(slices * sizeof(uint32_t));
    sell->quad_base = malloc(slices * sizeof(uint32_t));
  }
  sell->first = malloc((sell->slices + 1) * sizeof(size_t));
  sell->row_of = malloc(SPRIG_MAX(sell->rows, 1) * sizeof(uint32_t));
  const bool per_slice = sell->window_quads != 0 ? sell->window_widths != NULL
                                                 : sell->widths != NULL && sell->quad_base != NULL;
  return per_slice && sell->first != NULL && sell->row_of != NULL;
}

/* The slot arrays, filled (first[] known). */
static bool fill_slots(const struct sprig_qs8_stream* stream, struct sprig_qs8_sell* sell) {
  const size_t slots = SPRIG_MAX(sell->slots, 1);
  sell->weights = sprig_allocate_aligned(slots * 4);
  if (sell->window_quads != 0) {
    sell->indices = malloc(slots);
  } else {
    sell->offsets = malloc(slots * sizeof(uint16_t));
  }
  if (sell->weights == NULL || (sell->indices == NULL && sell->offsets == NULL)) {
    return false;
  }
  for (size_t p = 0; p < sell->slices * sell->c; p++) {
    if (sell->window_quads != 0) {
      fill_window_position(stream, sell, p);
    } else {
      fill_position(stream, sell, p);
    }
  }
  return true;
}

struct sprig_qs8_sell* sprig_build_qs8_sell(const struct sprig_qs8_stream* stream, size_t c, size_t window_quads) {
  struct sprig_qs8_sell* sell = calloc(1, sizeof(struct sprig_qs8_sell));
  if (sell == NULL) {
    return NULL;
  }
  const size_t windows = window_quads != 0 ? sprig_divide_round_up(stream->quad_rows, window_quads) : 0;
  *sell = (struct sprig_qs8_sell){.c = c,
                                  .window_quads = window_quads,
                                  .windows = windows,
                                  .rows = stream->rows,
                                  .quad_rows = stream->quad_rows,
                                  .window = SPRIG_QS8_SELL_WINDOW,
                                  .slices = sprig_divide_round_up(stream->rows, c),
                                  .entries = stream->entries,
                                  .offsets_fit = true};
  if (!allocate_slices(sell)) {
    sprig_free_qs8_sell(sell);
    return NULL;
  }
  for (size_t first = 0; first < sell->rows; first += sell->window) {
    sort_window(stream, first, SPRIG_MIN(sell->rows, first + sell->window), sell->row_of);
  }
  sell->first[0] = 0;
  for (size_t s = 0; s < sell->slices; s++) {
    size_t width;
    if (window_quads != 0) {
      width = slice_windows(stream, sell, s);
    } else {
      slice_extent(stream, sell, s);
      width = sell->widths[s];
    }
    sell->first[s + 1] = sell->first[s] + width;
  }
  sell->slots = sell->first[sell->slices] * c;
  if (sell->slices != 0) {
    const size_t last_width = sell->first[sell->slices] - sell->first[sell->slices - 1];
    sell->tail_slots = last_width * (sell->slices * c - sell->rows);
  }
  if (!fill_slots(stream, sell)) {
    sprig_free_qs8_sell(sell);
    return NULL;
  }
  return sell;
}

void sprig_free_qs8_sell(struct sprig_qs8_sell* sell) {
  if (sell != NULL) {
    free(sell->widths);
    free(sell->quad_base);
    free(sell->window_widths);
    free(sell->first);
    free(sell->row_of);
    free(sell->weights);
    free(sell->offsets);
    free(sell->indices);
    free(sell);
  }
}

size_t sprig_qs8_sell_bytes(const struct sprig_qs8_sell* sell) {
  const size_t common = sell->slices * sizeof(size_t) + sizeof(size_t) + sell->rows * sizeof(uint32_t);
  if (sell->window_quads != 0) {
    return common + sell->slots * (4 + sizeof(uint8_t)) + sell->slices * sell->windows;
  }
  return common + sell->slots * (4 + sizeof(uint16_t)) + sell->slices * 2 * sizeof(uint32_t);
}

bool sprig_qs8_sell_usable(const struct sprig_qs8_sell* sell) {
  const double bound = sell->window_quads != 0 ? SPRIG_QS8_SELL_MAX_WINDOW_PADDING : SPRIG_QS8_SELL_MAX_PADDING;
  return sell->offsets_fit && (double) (sell->slots - sell->tail_slots) <= bound * (double) sell->entries;
}
