/* The c4 entry stream of qs8 weights (the kernels' layout, src/sprig/qs8-spmm.h): for each row,
 * one entry per group of four input columns (4q .. 4q + 3) holding a stored nonzero, with its
 * four int8 weights and its quad row q. Derived once per weights object and shared. */
#ifndef SPRIG_QS8_STREAM_H
#define SPRIG_QS8_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include <sprig/weights.h>

struct sprig_qs8_stream {
  size_t rows;
  size_t quad_rows;     /* ceil(cols / 4) */
  size_t entries;
  int8_t* weights;      /* 4 per entry */
  uint32_t* quads;      /* per entry */
  uint32_t* nnz;        /* per row: entries */
  size_t* first_entry;  /* rows + 1 */
  int32_t* weight_sums; /* per row: the sum of its weights (zero-point corrections) */
};

/* The stream of qs8 weights, built on first use; NULL when out of memory. */
const struct sprig_qs8_stream* sprig_weights_qs8_stream(struct sprig_weights* weights);

size_t sprig_qs8_stream_bytes(const struct sprig_qs8_stream* stream);

void sprig_free_qs8_stream(struct sprig_qs8_stream* stream);

/* Row `row` of qs8 weights written densely into dense[0 .. cols) (any format). `walk` finds
 * BLOCK / GROUP weights' block rows: start it zeroed and keep it across rows in increasing
 * order (see struct sprig_block_row_walk); the other formats leave it alone. */
void sprig_qs8_expand_row(const struct sprig_weights* weights, struct sprig_block_row_walk* walk, size_t row,
                          int8_t* dense);

#endif /* SPRIG_QS8_STREAM_H */
