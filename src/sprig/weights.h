/* Packed sparse weights (shared, immutable, reference-counted). One representation per format:
 *   CSR:          row_ptr / col_gaps / values: 5 bytes per stored entry plus 4 per row
 *   BLOCK, GROUP: block rows (32-bit pointers or 16-bit counts) / block columns / block_values,
 *                 blocks of pattern.block_rows x pattern.block_cols (GROUP: group x 1), row-major
 *                 inside; f32 keeps each block's column (16 or 32 bits), qs8 and f16 a 1-byte gap
 *   NM:           nm_values / nm_indices, rows x groups x n slots (zero-padded runs) */
#ifndef SPRIG_WEIGHTS_H
#define SPRIG_WEIGHTS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sprig.h>

struct sprig_spmm_stream;
struct sprig_qs8_stream;
struct sprig_qs8_terms;
struct sprig_qs8_quartets;
struct sprig_f16_stream;
struct sprig_f16_wide_blocks;
struct sprig_sell;
struct sprig_qs8_sell;

/* Kinds of SpMM stream a weights object can hold: NR = 1, 2 and 4. */
#define SPRIG_SPMM_STREAM_KINDS 3

/* Kinds of sliced layout (src/sprig/sellmv.h) a weights object can hold: slices of 8 and 16 rows,
 * and the windowed layout of the build's windowed kernels. */
#define SPRIG_SELL_KINDS 3
/* The qs8 sliced-row layouts a weights object may hold: sliced for slices of 8 and 16 rows,
 * windowed for 16 (src/sprig/qs8-sellmv.h). */
#define SPRIG_QS8_SELL_KINDS 3

/* The element type of the stored values. */
enum sprig_weights_dtype {
  sprig_weights_dtype_f32 = 0, /* values, block_values, nm_values */
  sprig_weights_dtype_qs8 = 1, /* values_s8, block_values_s8, nm_values_s8 (the float arrays NULL) */
  sprig_weights_dtype_f16 = 2, /* values_f16, block_values_f16, nm_values_f16 (IEEE half bit patterns) */
};

struct sprig_weights {
  atomic_size_t references;
  enum sprig_weights_dtype dtype;
  struct sprig_sparsity pattern; /* resolved: never AUTO */
  size_t rows;
  size_t cols;
  size_t nnz;            /* nonzero weights */
  size_t stored_values;  /* values stored, zeros inside blocks and padded runs included */
  /* The packed arrays below point into a caller's buffer (sprig_deserialize_weights with
   * SPRIG_FLAG_BORROW_BUFFER): never freed here. */
  bool borrowed;

  /* CSR: entries row_ptr[r] .. row_ptr[r + 1] of row r, each a value and a column gap: its
   * column minus the previous entry's (the row's first entry: its column + 1), 1 to
   * SPRIG_CSR_MAX_GAP. A longer gap is bridged by stored zeros SPRIG_CSR_MAX_GAP columns apart,
   * counted in stored_values but not in nnz. */
  uint32_t* row_ptr;
  uint8_t* col_gaps;
  float* values;

  size_t block_height;   /* rows per block (BLOCK: block_rows, GROUP: group) */
  size_t block_width;    /* cols per block */
  size_t blocks;
  /* Where each block row's blocks are (block rows follow each other in the block arrays),
   * exactly one of two set:
   * block_row_ptr: block row br holds blocks block_row_ptr[br] .. block_row_ptr[br + 1]
   * (ceil(rows / block_height) + 1 entries). f32 weights always (their matrix-vector kernels
   * read it); packed qs8 and f16 weights when a block row holds more than 65535 blocks.
   * block_row_counts16: block row br holds block_row_counts16[br] blocks (ceil(rows /
   * block_height) entries). Packed qs8 and f16 weights when every block row's count, bridges
   * included, fits 16 bits. Loaded weights hold what their blob stores.
   * Read them through sprig_block_row_count / sprig_block_row (or block_row_ptr for f32). */
  uint32_t* block_row_ptr;
  uint16_t* block_row_counts16;
  /* Block columns (a block's first column divided by block_width), exactly one of three set:
   * f32: each block's column, 16-bit when ceil(cols / block_width) <= 65536, else 32-bit (the
   * f32 matrix-vector kernels read block_col16 directly).
   * qs8, f16: block_col_gaps, each block's column minus the previous block's of its block row
   * (the block row's first block: its column + 1), 1 to SPRIG_BLOCK_MAX_GAP. A longer step is
   * bridged by all-zero blocks SPRIG_BLOCK_MAX_GAP block columns apart, counted in blocks and
   * stored_values but not in nnz.
   * Read them only through sprig_block_row / sprig_block_next. */
  uint16_t* block_col16;
  uint32_t* block_col32;
  uint8_t* block_col_gaps;
  float* block_values;     /* block_height x block_width per block */

  size_t nm_groups;        /* runs per row: ceil(cols / m) */
  float* nm_values;
  uint8_t* nm_indices;

  /* qs8 weights: the same arrays' values as int8 (same layout and counts). */
  int8_t* values_s8;
  int8_t* block_values_s8;
  int8_t* nm_values_s8;
  /* f16 weights: the same arrays' values as IEEE half bit patterns (same layout and counts). */
  uint16_t* values_f16;
  uint16_t* block_values_f16;
  uint16_t* nm_values_f16;

  /* Derived from the above on first use by an operator, then immutable and shared by every
   * operator of these weights; published with a compare-and-swap, so operators may be created
   * from one weights object on several threads at once (src/pack/derived.c). */
  _Atomic(struct sprig_spmm_stream*) spmm_streams[SPRIG_SPMM_STREAM_KINDS]; /* by NR: 1, 2, 4 */
  _Atomic(uint32_t*) row_block_counts;                                   /* BLOCK 1 x C: per row */
  _Atomic(struct sprig_qs8_stream*) qs8_stream;                            /* qs8: the c4 entry stream */
  _Atomic(struct sprig_qs8_terms*) qs8_terms;                              /* qs8: its term stream (terms kernels) */
  _Atomic(struct sprig_qs8_quartets*) qs8_quartets;                        /* qs8: its quartet stream */
  _Atomic(struct sprig_f16_stream*) f16_stream;                            /* f16: the NR = 1 stream in halves */
  _Atomic(struct sprig_weights*) f16_float_view;                          /* f16: float copy (wide mode; N:M or CSR) */
  _Atomic(struct sprig_f16_wide_blocks*) f16_wide_blocks;                  /* f16 BLOCK 1 x C: f32-bspmv layout */
  _Atomic(struct sprig_sell*) sells[SPRIG_SELL_KINDS]; /* f32 CSR, f16: by slice height 8, 16; f32 CSR windowed */
  _Atomic(struct sprig_qs8_sell*) qs8_sells[SPRIG_QS8_SELL_KINDS];         /* qs8: 8, 16 rows; 16 windowed */
};

/* SPRIG_DEFINE_PUBLISH(name, type, free_fn) defines
 *   static type* name(_Atomic(type*)* slot, type* built)
 * for derived data: publishes `built` (not NULL) in the empty `slot` unless another thread
 * published first, in which case `built` goes to free_fn; returns what the slot then holds. */
#define SPRIG_DEFINE_PUBLISH(name, type, free_fn)                                                    \
  static type* name(_Atomic(type*)* slot, type* built) {                                           \
    type* published = NULL;                                                                        \
    if (!atomic_compare_exchange_strong_explicit(slot, &published, built, memory_order_acq_rel,   \
                                                 memory_order_acquire)) {                          \
      free_fn(built);                                                                              \
      return published;                                                                            \
    }                                                                                              \
    return built;                                                                                  \
  }

/* The SpMM kernel stream of the weights for kernels of `nr` channels per unit (1, 2 or 4),
 * built on first use; NULL when out of memory. */
const struct sprig_spmm_stream* sprig_weights_spmm_stream(struct sprig_weights* weights, size_t nr);

/* For BLOCK 1 x C weights: each row's block count, built on first use; NULL when out of memory. */
const uint32_t* sprig_weights_row_block_counts(struct sprig_weights* weights);

/* For CSR weights, f32 or f16: the sliced layout of slice height c (8 or 16; its shape must be usable,
 * see sprig_sell_shape_usable), built on first use; NULL when out of memory. */
const struct sprig_sell* sprig_weights_sell(struct sprig_weights* weights, size_t c);

/* For f32 CSR weights or f16 weights of any format: the same layout (f32 values) when its shape
 * is usable, built on first use; NULL with *usable false when it is not, NULL with *usable true
 * when out of memory. */
const struct sprig_sell* sprig_weights_usable_sell(struct sprig_weights* weights, size_t c, bool* usable);

/* For CSR weights, f32 or f16: the windowed layout for slices of c rows and windows of q
 * columns (one c and q per build: its windowed kernels') when usable
 * (sprig_build_usable_windowed_sell), built on first use; NULL with *usable false when it is not
 * (not kept: callers remember), NULL with *usable true when out of memory. */
const struct sprig_sell* sprig_weights_windowed_sell(struct sprig_weights* weights, size_t c, size_t q, bool* usable);

/* For qs8 weights: the sliced layout of their c4 stream for slice height c (8 or 16), or its
 * windowed layout (window_quads != 0: c = 16, one window size per build; usable or not, see
 * sprig_qs8_sell_usable), built on first use; NULL when out of memory. */
const struct sprig_qs8_sell* sprig_weights_qs8_sell(struct sprig_weights* weights, size_t c, size_t window_quads);

/* Bytes of the derived data built so far. */
size_t sprig_weights_derived_bytes(const struct sprig_weights* weights);

/* Frees the derived data (when the last reference goes). */
void sprig_free_derived(struct sprig_weights* weights);

void sprig_retain_weights(struct sprig_weights* weights);

/* What sprig_get_weights_info reports as packed_bytes. */
size_t sprig_packed_bytes(const struct sprig_weights* weights);

#define SPRIG_CSR_MAX_GAP 255

/* Appends entries to CSR weights row by row: sprig_csr_put per nonzero, in increasing column
 * order, then sprig_csr_end_row. A writer with w NULL only counts: run the same rows through a
 * counting writer first to size the arrays (entry: stored entries, bridges included; puts:
 * sprig_csr_put calls). */
struct sprig_csr_writer {
  struct sprig_weights* w;
  size_t capacity;      /* entries the arrays hold: stores beyond it are dropped, not written */
  size_t row;
  size_t entry;
  size_t puts;
  size_t next_gap_base; /* the previous entry's column + 1 (0 at a row's start) */
};

static inline void sprig_csr_store(struct sprig_csr_writer* wr, size_t gap, float value) {
  if (wr->w != NULL && wr->entry < wr->capacity) {
    wr->w->col_gaps[wr->entry] = (uint8_t) gap;
    wr->w->values[wr->entry] = value;
  }
  wr->entry++;
}

static inline void sprig_csr_put(struct sprig_csr_writer* wr, size_t column, float value) {
  size_t gap = column + 1 - wr->next_gap_base;
  for (; gap > SPRIG_CSR_MAX_GAP; gap -= SPRIG_CSR_MAX_GAP) {
    sprig_csr_store(wr, SPRIG_CSR_MAX_GAP, 0.0f);
  }
  sprig_csr_store(wr, gap, value);
  wr->puts++;
  wr->next_gap_base = column + 1;
}

static inline void sprig_csr_end_row(struct sprig_csr_writer* wr) {
  wr->row++;
  if (wr->w != NULL && wr->row <= wr->w->rows) {
    wr->w->row_ptr[wr->row] = (uint32_t) wr->entry;
  }
  wr->next_gap_base = 0;
}

/* Walks the entries of one CSR row with their columns (column UINT32_MAX past the end). */
struct sprig_csr_cursor {
  uint32_t entry;
  uint32_t end;
  uint32_t column;
};

static inline struct sprig_csr_cursor sprig_csr_row(const struct sprig_weights* w, size_t row) {
  struct sprig_csr_cursor c = {w->row_ptr[row], w->row_ptr[row + 1], UINT32_MAX};
  if (c.entry < c.end) {
    c.column = (uint32_t) w->col_gaps[c.entry] - 1;
  }
  return c;
}

static inline void sprig_csr_next(const struct sprig_weights* w, struct sprig_csr_cursor* c) {
  c->entry++;
  c->column = c->entry < c->end ? c->column + w->col_gaps[c->entry] : UINT32_MAX;
}

#define SPRIG_BLOCK_MAX_GAP 255

/* Walks the blocks of one block row with their block columns (first column / block_width),
 * whichever way the weights store them; block_col is meaningful while block < end. The
 * columns of weights that were not validated (a blob being loaded) may be out of range: the
 * loader checks each step before it uses the column. */
struct sprig_block_cursor {
  uint32_t block;
  uint32_t end;
  size_t block_col;
};

static inline size_t sprig_stored_block_col(const struct sprig_weights* w, size_t block) {
  return w->block_col16 != NULL ? (size_t) w->block_col16[block] : (size_t) w->block_col32[block];
}

/* The blocks block row `block_row` holds. */
static inline uint32_t sprig_block_row_count(const struct sprig_weights* w, size_t block_row) {
  return w->block_row_counts16 != NULL ? (uint32_t) w->block_row_counts16[block_row]
                                       : w->block_row_ptr[block_row + 1] - w->block_row_ptr[block_row];
}

/* Finds block rows' first blocks, summing 16-bit counts from the last block row it found:
 * start it zeroed and keep it while asking for block rows in nondecreasing order (amortized
 * O(1) per block row; a block row may be asked for again, once per matrix row of it). Asked for
 * an earlier block row, it starts over from block row 0. O(1) with 32-bit pointers. */
struct sprig_block_row_walk {
  size_t block_row; /* the last block row found */
  uint32_t first;   /* its first block */
};

static inline uint32_t sprig_block_row_first(const struct sprig_weights* w, struct sprig_block_row_walk* walk,
                                             size_t block_row) {
  if (w->block_row_counts16 == NULL) {
    return w->block_row_ptr[block_row];
  }
  if (block_row < walk->block_row) {
    *walk = (struct sprig_block_row_walk){0, 0};
  }
  for (; walk->block_row < block_row; walk->block_row++) {
    walk->first += w->block_row_counts16[walk->block_row];
  }
  return walk->first;
}

static inline struct sprig_block_cursor sprig_block_row(const struct sprig_weights* w,
                                                        struct sprig_block_row_walk* walk, size_t block_row) {
  const uint32_t first = sprig_block_row_first(w, walk, block_row);
  struct sprig_block_cursor c = {first, first + sprig_block_row_count(w, block_row), 0};
  if (c.block < c.end) {
    c.block_col = w->block_col_gaps != NULL ? (size_t) w->block_col_gaps[c.block] - 1
                                            : sprig_stored_block_col(w, c.block);
  }
  return c;
}

static inline void sprig_block_next(const struct sprig_weights* w, struct sprig_block_cursor* c) {
  c->block++;
  if (c->block < c->end) {
    c->block_col = w->block_col_gaps != NULL ? c->block_col + w->block_col_gaps[c->block]
                                             : sprig_stored_block_col(w, c->block);
  }
}

/* For qs8 and f16 BLOCK / GROUP weights holding block_col16 / block_col32 (packed through f32,
 * or loaded from a blob written before the gaps): replaces them by block_col_gaps, inserting
 * the zero bridge blocks (the values, blocks and stored_values follow), and the block row
 * pointers by 16-bit counts when every block row's count fits (else new pointers). Returns
 * sprig_status_out_of_memory, or sprig_status_unsupported_parameter when the blocks with their
 * bridges exceed 2^32 - 1; the weights are then unchanged. Not for borrowed arrays. */
enum sprig_status sprig_block_columns_to_gaps(struct sprig_weights* weights);

/* A new CSR-format weights object holding the same stored entries (explicit zeros inside
 * blocks kept), for BLOCK and GROUP weights; NULL when out of memory. Release it when done. */
struct sprig_weights* sprig_block_weights_as_csr(const struct sprig_weights* weights);

/* A CSR weights object with room for `entries` stored entries (nonzeros and bridges), row_ptr[0]
 * set, and a writer at its start; NULL when out of memory. */
struct sprig_weights* sprig_allocate_csr_weights(size_t rows, size_t cols, size_t nnz, size_t entries,
                                                 struct sprig_csr_writer* writer);

/* After the writer has been given every row: true when it wrote exactly the rows and entries
 * the weights were allocated for (the counting pass and the filling pass agreed). */
static inline bool sprig_csr_writer_filled(const struct sprig_csr_writer* wr) {
  return wr->row == wr->w->rows && wr->entry == wr->capacity && wr->puts == wr->w->nnz;
}

/* The public entry point a packing serves and the names its caller knows the matrix by, so
 * that log messages name what the caller passed ("sprig_create_linear_f32: weights is NULL"). */
struct sprig_pack_names {
  const char* function;
  const char* rows;   /* e.g. "out_features" */
  const char* cols;   /* e.g. "in_features" */
  const char* dense;  /* e.g. "weights" */
};

/* sprig_pack_weights_f32 for a caller known by `names`. */
enum sprig_status sprig_pack_dense_f32(size_t rows, size_t cols, const float* dense,
                                       const struct sprig_sparsity* pattern, uint32_t flags,
                                       const struct sprig_pack_names* names, struct sprig_weights** out);

/* Packing of a narrower element type through the f32 packers: `widen` writes the exact float
 * image of `count` elements, `narrow` replaces the packed float arrays by the type's own (and
 * sets the dtype), returning sprig_status_out_of_memory when it cannot. */
typedef void (*sprig_widen_fn)(const void* dense, size_t count, float* image);
typedef enum sprig_status (*sprig_narrow_fn)(struct sprig_weights* w);

/* Checks the arguments as sprig_pack_dense_f32 does (dense NULL, sizes, flags, pattern), packs
 * the float image with it, then narrows, and gives block weights 1-byte column gaps
 * (sprig_block_columns_to_gaps); on error nothing is kept. */
enum sprig_status sprig_pack_dense_through_f32(size_t rows, size_t cols, const void* dense, sprig_widen_fn widen,
                                               sprig_narrow_fn narrow, const struct sprig_sparsity* pattern,
                                               uint32_t flags, const struct sprig_pack_names* names,
                                               struct sprig_weights** out);

/* Stored CSR entries (bridges included) of packed weights; 0 for the other formats. */
static inline size_t sprig_csr_stored_entries(const struct sprig_weights* w) {
  return w->row_ptr != NULL ? w->row_ptr[w->rows] : 0;
}

/* sprig_pack_weights_qs8 for a caller known by `names`. */
enum sprig_status sprig_pack_dense_qs8(size_t rows, size_t cols, const int8_t* dense,
                                       const struct sprig_sparsity* pattern, uint32_t flags,
                                       const struct sprig_pack_names* names, struct sprig_weights** out);

/* sprig_pack_weights_f16 for a caller known by `names`. */
enum sprig_status sprig_pack_dense_f16(size_t rows, size_t cols, const uint16_t* dense,
                                       const struct sprig_sparsity* pattern, uint32_t flags,
                                       const struct sprig_pack_names* names, struct sprig_weights** out);

/* The name of the dtype's packing function ("sprig_pack_weights_qs8", ...), for messages. */
const char* sprig_weights_dtype_packer(enum sprig_weights_dtype dtype);

/* The format's name as the header spells it ("CSR", "BLOCK", "NM", "GROUP", "AUTO"). */
const char* sprig_format_name(enum sprig_format format);

/* Packing entry points per format (dense input already validated for NULL and sizes). */
enum sprig_status sprig_pack_dense_csr(size_t rows, size_t cols, const float* dense, const char* caller,
                                       struct sprig_weights** out);
enum sprig_status sprig_pack_dense_block(size_t rows, size_t cols, const float* dense, size_t block_height,
                                         size_t block_width, const struct sprig_sparsity* pattern,
                                         const char* caller, struct sprig_weights** out);
enum sprig_status sprig_pack_dense_nm(size_t rows, size_t cols, const float* dense, size_t n, size_t m,
                                      uint32_t flags, const char* caller, struct sprig_weights** out);

/* Entries of dense[0 .. count) that are not zero (NaN counts as nonzero, -0 as zero). */
size_t sprig_count_nonzeros(const float* dense, size_t count);

/* Initialized, weights_out not NULL, 0 < rows, cols < 2^32, no flags beyond allowed_flags. */
enum sprig_status sprig_check_pack_arguments(size_t rows, size_t cols, uint32_t flags, uint32_t allowed_flags,
                                             const void* weights_out, const struct sprig_pack_names* names);

/* Pattern checks shared by packing and pruning. */
enum sprig_status sprig_check_pattern(size_t rows, const struct sprig_sparsity* pattern, const char* caller);

/* AUTO: the most structured pattern `dense` satisfies (documented in the README). */
struct sprig_sparsity sprig_detect_pattern(size_t rows, size_t cols, const float* dense);

/* True when every run of m along each row has at most n nonzeros; else false with the first
 * offending row and run. */
bool sprig_dense_satisfies_nm(size_t rows, size_t cols, const float* dense, size_t n, size_t m,
                              size_t* bad_row, size_t* bad_run);

/* Keeps the n largest magnitudes of each run of m (ties: the earlier entry), zeroing the rest. */
void sprig_prune_runs_nm(size_t rows, size_t cols, float* weights, size_t n, size_t m);

#endif /* SPRIG_WEIGHTS_H */
