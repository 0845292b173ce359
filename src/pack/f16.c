/* f16 weights: sprig_pack_weights_f16 (the f32 packers on the exact float image of the half
 * matrix, then the values narrowed back to halves) and the NR = 1 SpMM stream derived from them
 * (the f32 stream builder on a float CSR view of the stored entries, values narrowed). */
#include <stdlib.h>
#include <string.h>

#include <sprig/common.h>
#include <sprig/f16-stream.h>
#include <sprig/half.h>
#include <sprig/log.h>
#include <sprig/stream.h>
#include <sprig/weights.h>

/* Replaces a float array of `count` values by its half copy; false when out of memory (the
 * float array is then kept, for the release to free). Every value came from a half, so the
 * narrowing is exact (NaNs keep sign and payload, made quiet). */
static bool narrow_values(float** values, uint16_t** narrowed, size_t count) {
  if (*values == NULL) {
    return true;
  }
  uint16_t* copy = malloc(SPRIG_MAX(count, 1) * sizeof(uint16_t));
  if (copy == NULL) {
    return false;
  }
  for (size_t i = 0; i < count; i++) {
    copy[i] = sprig_float_to_half((*values)[i]);
  }
  free(*values);
  *values = NULL;
  *narrowed = copy;
  return true;
}

static enum sprig_status narrow_weights(struct sprig_weights* w) {
  const bool ok = narrow_values(&w->values, &w->values_f16, sprig_csr_stored_entries(w)) &&
                  narrow_values(&w->block_values, &w->block_values_f16, w->blocks * w->block_height * w->block_width) &&
                  narrow_values(&w->nm_values, &w->nm_values_f16, w->stored_values);
  w->dtype = sprig_weights_dtype_f16;
  return ok ? sprig_status_success : sprig_status_out_of_memory;
}

/* count halves (as uint16_t) to floats, exactly. */
static void widen_values(const void* halves, size_t count, float* image) {
  const uint16_t* values = halves;
  for (size_t i = 0; i < count; i++) {
    image[i] = sprig_half_to_float(values[i]);
  }
}

enum sprig_status sprig_pack_dense_f16(size_t rows, size_t cols, const uint16_t* dense,
                                       const struct sprig_sparsity* pattern, uint32_t flags,
                                       const struct sprig_pack_names* names, struct sprig_weights** out) {
  return sprig_pack_dense_through_f32(rows, cols, dense, widen_values, narrow_weights, pattern, flags, names, out);
}

enum sprig_status sprig_pack_weights_f16(size_t rows, size_t cols, const uint16_t* dense,
                                         const struct sprig_sparsity* pattern, uint32_t flags,
                                         sprig_weights_t* weights_out) {
  static const struct sprig_pack_names names = {"sprig_pack_weights_f16", "rows", "cols", "dense"};
  return sprig_pack_dense_f16(rows, cols, dense, pattern, flags, &names, weights_out);
}

/* ---- the stream ---- */

/* One N:M run's stored slots in column order; a padding zero on a column another slot of the
 * run holds is left out (it would repeat the column), the slot's nonzero kept. */
static void put_nm_run(const struct sprig_weights* w, size_t row, size_t g, struct sprig_csr_writer* writer) {
  const size_t n = w->pattern.n, m = w->pattern.m;
  const size_t slot = (row * w->nm_groups + g) * n;
  uint32_t columns[16];
  uint16_t values[16];
  size_t count = 0;
  for (size_t s = 0; s < n; s++) {
    const uint32_t column = (uint32_t) (g * m + w->nm_indices[slot + s]);
    const uint16_t value = w->nm_values_f16[slot + s];
    if (column >= w->cols) {
      continue;
    }
    size_t i = 0;
    while (i < count && columns[i] < column) {
      i++;
    }
    if (i < count && columns[i] == column) {
      if ((value & 0x7FFFu) != 0) {
        values[i] = value;
      }
      continue;
    }
    memmove(columns + i + 1, columns + i, (count - i) * sizeof(columns[0]));
    memmove(values + i + 1, values + i, (count - i) * sizeof(values[0]));
    columns[i] = column;
    values[i] = value;
    count++;
  }
  for (size_t i = 0; i < count; i++) {
    sprig_csr_put(writer, columns[i], sprig_half_to_float(values[i]));
  }
}

/* Every stored entry of the f16 weights, row by row, as floats (zeros inside blocks, bridge
 * blocks, N:M padding and CSR bridges kept: they are stored, so the kernels multiply by them). */
static void put_stored_rows(const struct sprig_weights* w, struct sprig_csr_writer* writer) {
  struct sprig_block_row_walk walk = {0};
  for (size_t r = 0; r < w->rows; r++) {
    switch (w->pattern.format) {
      case SPRIG_FORMAT_BLOCK:
      case SPRIG_FORMAT_GROUP: {
        const size_t bh = w->block_height, bw = w->block_width, br = r / bh, i = r % bh;
        for (struct sprig_block_cursor c = sprig_block_row(w, &walk, br); c.block < c.end;
             sprig_block_next(w, &c)) {
          const size_t first = c.block_col * bw;
          const size_t width = SPRIG_MIN(bw, w->cols - first);
          const uint16_t* block = w->block_values_f16 + (size_t) c.block * bh * bw + i * bw;
          for (size_t j = 0; j < width; j++) {
            sprig_csr_put(writer, first + j, sprig_half_to_float(block[j]));
          }
        }
        break;
      }
      case SPRIG_FORMAT_NM:
        for (size_t g = 0; g < w->nm_groups; g++) {
          put_nm_run(w, r, g, writer);
        }
        break;
      default:
        for (struct sprig_csr_cursor c = sprig_csr_row(w, r); c.entry < c.end; sprig_csr_next(w, &c)) {
          sprig_csr_put(writer, c.column, sprig_half_to_float(w->values_f16[c.entry]));
        }
        break;
    }
    sprig_csr_end_row(writer);
  }
}

struct sprig_weights* sprig_f16_float_csr_view(const struct sprig_weights* w) {
  struct sprig_weights* kept =
      atomic_load_explicit((_Atomic(struct sprig_weights*)*) &w->f16_float_view, memory_order_acquire);
  if (kept != NULL && kept->pattern.format == SPRIG_FORMAT_CSR) {
    sprig_retain_weights(kept);
    return kept;
  }
  struct sprig_csr_writer counter = {0};
  put_stored_rows(w, &counter);
  struct sprig_csr_writer writer;
  struct sprig_weights* csr = counter.entry <= UINT32_MAX
                                  ? sprig_allocate_csr_weights(w->rows, w->cols, counter.puts, counter.entry, &writer)
                                  : NULL;
  if (csr != NULL) {
    put_stored_rows(w, &writer);
    if (!sprig_csr_writer_filled(&writer)) {
      sprig_release_weights(csr);
      return NULL;
    }
  }
  return csr;
}

void sprig_free_f16_stream(struct sprig_f16_stream* s) {
  if (s != NULL) {
    free(s->weights);
    free(s->deltas);
    free(s->nnz);
    free(s->first_entry);
    free(s->start_row);
    free(s);
  }
}

size_t sprig_f16_stream_bytes(const struct sprig_f16_stream* s) {
  return s->entries * (sizeof(uint16_t) + sizeof(int8_t)) + s->rows * sizeof(uint32_t);
}

/* Takes the f32 stream's deltas and counts, narrows its values, and finds each row's start. */
static bool adopt_stream(struct sprig_f16_stream* s, struct sprig_spmm_stream* f32) {
  s->rows = f32->units;
  s->entries = f32->entries;
  s->weights = malloc(SPRIG_MAX(s->entries, 1) * sizeof(uint16_t));
  s->first_entry = malloc((s->rows + 1) * sizeof(size_t));
  s->start_row = malloc(SPRIG_MAX(s->rows, 1) * sizeof(uint32_t));
  if (s->weights == NULL || s->first_entry == NULL || s->start_row == NULL) {
    return false;
  }
  for (size_t e = 0; e < s->entries; e++) {
    s->weights[e] = sprig_float_to_half(f32->weights[e]);
  }
  s->deltas = f32->deltas;
  s->nnz = f32->nnz;
  f32->deltas = NULL;
  f32->nnz = NULL;
  int64_t row = f32->first_row;
  size_t entry = 0;
  for (size_t r = 0; r < s->rows; r++) {
    s->first_entry[r] = entry;
    s->start_row[r] = entry < s->entries ? (uint32_t) row : 0;
    for (uint32_t j = 0; j < s->nnz[r]; j++) {
      row += s->deltas[entry++];
    }
  }
  s->first_entry[s->rows] = entry;
  return true;
}

static struct sprig_f16_stream* build_f16_stream(const struct sprig_weights* w) {
  struct sprig_f16_stream* s = calloc(1, sizeof(struct sprig_f16_stream));
  struct sprig_weights* view = sprig_f16_float_csr_view(w);
  struct sprig_spmm_stream f32 = {0};
  bool ok = s != NULL && view != NULL && sprig_build_spmm_stream(view, 1, &f32) == sprig_status_success;
  sprig_release_weights(view);
  ok = ok && adopt_stream(s, &f32);
  sprig_free_spmm_stream(&f32);
  if (!ok) {
    sprig_free_f16_stream(s);
    return NULL;
  }
  return s;
}

/* f32 N:M weights with f16 N:M weights' runs: the same slots and indices, the values widened. */
static struct sprig_weights* float_nm_copy(const struct sprig_weights* w) {
  struct sprig_weights* copy = calloc(1, sizeof(struct sprig_weights));
  if (copy == NULL) {
    return NULL;
  }
  atomic_init(&copy->references, 1);
  copy->dtype = sprig_weights_dtype_f32;
  copy->pattern = w->pattern;
  copy->rows = w->rows;
  copy->cols = w->cols;
  copy->nnz = w->nnz;
  copy->stored_values = w->stored_values;
  copy->nm_groups = w->nm_groups;
  copy->nm_values = malloc(SPRIG_MAX(w->stored_values, 1) * sizeof(float));
  copy->nm_indices = malloc(SPRIG_MAX(w->stored_values, 1));
  if (copy->nm_values == NULL || copy->nm_indices == NULL) {
    sprig_release_weights(copy);
    return NULL;
  }
  widen_values(w->nm_values_f16, w->stored_values, copy->nm_values);
  memcpy(copy->nm_indices, w->nm_indices, w->stored_values);
  return copy;
}

SPRIG_DEFINE_PUBLISH(publish_view, struct sprig_weights, sprig_release_weights)

struct sprig_weights* sprig_weights_f16_float_view(struct sprig_weights* w) {
  struct sprig_weights* published = atomic_load_explicit(&w->f16_float_view, memory_order_acquire);
  if (published != NULL) {
    return published;
  }
  struct sprig_weights* built =
      w->pattern.format == SPRIG_FORMAT_NM ? float_nm_copy(w) : sprig_f16_float_csr_view(w);
  return built != NULL ? publish_view(&w->f16_float_view, built) : NULL;
}

SPRIG_DEFINE_PUBLISH(publish_stream, struct sprig_f16_stream, sprig_free_f16_stream)

const struct sprig_f16_stream* sprig_weights_f16_stream(struct sprig_weights* w) {
  struct sprig_f16_stream* published = atomic_load_explicit(&w->f16_stream, memory_order_acquire);
  if (published != NULL) {
    return published;
  }
  struct sprig_f16_stream* built = build_f16_stream(w);
  return built != NULL ? publish_stream(&w->f16_stream, built) : NULL;
}

bool sprig_f16_wide_blocks_fit(const struct sprig_weights* w) {
  return w->dtype == sprig_weights_dtype_f16 && w->pattern.format == SPRIG_FORMAT_BLOCK && w->block_height == 1 &&
         sprig_divide_round_up(w->cols, w->block_width) <= (size_t) UINT16_MAX + 1;
}

void sprig_free_f16_wide_blocks(struct sprig_f16_wide_blocks* b) {
  if (b != NULL) {
    free(b->values);
    free(b->cols);
    free(b);
  }
}

size_t sprig_f16_wide_blocks_bytes(const struct sprig_f16_wide_blocks* b, size_t block_width) {
  return b->blocks * (block_width * sizeof(float) + sizeof(uint16_t));
}

static struct sprig_f16_wide_blocks* build_wide_blocks(const struct sprig_weights* w) {
  struct sprig_f16_wide_blocks* b = calloc(1, sizeof(struct sprig_f16_wide_blocks));
  if (b == NULL) {
    return NULL;
  }
  b->blocks = w->blocks;
  b->values = malloc(SPRIG_MAX(w->blocks * w->block_width, 1) * sizeof(float));
  b->cols = malloc(SPRIG_MAX(w->blocks, 1) * sizeof(uint16_t));
  if (b->values == NULL || b->cols == NULL) {
    sprig_free_f16_wide_blocks(b);
    return NULL;
  }
  widen_values(w->block_values_f16, w->blocks * w->block_width, b->values);
  struct sprig_block_row_walk walk = {0, 0};
  for (size_t r = 0; r < w->rows; r++) {
    for (struct sprig_block_cursor c = sprig_block_row(w, &walk, r); c.block < c.end; sprig_block_next(w, &c)) {
      b->cols[c.block] = (uint16_t) c.block_col;
    }
  }
  return b;
}

SPRIG_DEFINE_PUBLISH(publish_wide_blocks, struct sprig_f16_wide_blocks, sprig_free_f16_wide_blocks)

const struct sprig_f16_wide_blocks* sprig_weights_f16_wide_blocks(struct sprig_weights* w) {
  struct sprig_f16_wide_blocks* published = atomic_load_explicit(&w->f16_wide_blocks, memory_order_acquire);
  if (published != NULL) {
    return published;
  }
  struct sprig_f16_wide_blocks* built = build_wide_blocks(w);
  return built != NULL ? publish_wide_blocks(&w->f16_wide_blocks, built) : NULL;
}
