/* The SpMM stream of f16 weights: the f32 NR = 1 stream's layout (src/pack/spmm-stream.c: one
 * entry per stored value, an 8-bit input-row step each, per-channel entry counts) with the values
 * as IEEE half bit patterns, which is what the f16 kernels read (src/sprig/f16-spmm.h). Derived
 * once per weights object and shared, like the other streams (src/pack/derived.c). */
#ifndef SPRIG_F16_STREAM_H
#define SPRIG_F16_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include <sprig/weights.h>

struct sprig_f16_stream {
  size_t rows;
  size_t entries;        /* bridges included */
  uint16_t* weights;     /* per entry */
  int8_t* deltas;        /* per entry: input rows to the next entry's row (0 after the last) */
  uint32_t* nnz;         /* per row: its entries */
  size_t* first_entry;   /* rows + 1: where each row's entries start */
  uint32_t* start_row;   /* per row: the input row a kernel starting at that row begins at (the
                          * row of the next entry at or after first_entry[row], 0 past the last) */
};

/* The stream of f16 weights, built on first use; NULL when out of memory. */
const struct sprig_f16_stream* sprig_weights_f16_stream(struct sprig_weights* weights);

size_t sprig_f16_stream_bytes(const struct sprig_f16_stream* stream);

/* A float CSR copy of f16 weights' stored entries, any format (a reference to release): the one
 * the weights keep for wide mode (below) when that one is CSR, else a new one; NULL when out of
 * memory. The f16 stream and the sliced layout read the weights through it, so the copy is made
 * once when the one kept exists first. */
struct sprig_weights* sprig_f16_float_csr_view(const struct sprig_weights* weights);

/* The f16 weights in float, kept as derived data of the weights: the weights of the f32 operators
 * that f16 operators run in wide mode, built on first use and shared; NULL when out of memory.
 * N:M weights keep their format (same runs, values widened: the f32 N:M kernels run them), every
 * other format becomes a CSR copy of its stored entries (sprig_f16_float_csr_view; f32 operators
 * find channel blocks in CSR themselves). Owned by the f16 weights (do not release). */
struct sprig_weights* sprig_weights_f16_float_view(struct sprig_weights* weights);

void sprig_free_f16_stream(struct sprig_f16_stream* stream);

/* f16 BLOCK 1 x C weights in the f32-bspmv kernels' layout (src/sprig/bspmv.h): each stored
 * block's values widened to floats and its block column in 16 bits, in packed order (bridge
 * blocks included, as sprig_weights_row_block_counts counts them). For the operators whose f16
 * kernels would widen every weight in software (WebAssembly, scalar targets, armv7). */
struct sprig_f16_wide_blocks {
  size_t blocks;
  float* values;   /* block_width per block */
  uint16_t* cols;
};

/* Whether the weights can have that layout: BLOCK 1 x C with ceil(cols / C) <= 65536. */
bool sprig_f16_wide_blocks_fit(const struct sprig_weights* weights);

/* The layout, built on first use; NULL when out of memory. The weights must fit (above). */
const struct sprig_f16_wide_blocks* sprig_weights_f16_wide_blocks(struct sprig_weights* weights);

size_t sprig_f16_wide_blocks_bytes(const struct sprig_f16_wide_blocks* blocks, size_t block_width);
void sprig_free_f16_wide_blocks(struct sprig_f16_wide_blocks* blocks);

#endif /* SPRIG_F16_STREAM_H */
