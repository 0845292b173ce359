/* The quartet stream of qs8 weights: each row's nonzeros taken four at a time with their input
 * columns, the layout `quartets` of src/sprig/qs8-spmm.h. Derived from the c4 entry stream on
 * first use by an operator whose plan runs a quartet kernel, then shared by every operator of
 * the weights; a build whose kernel list has none never makes it. */
#ifndef SPRIG_QS8_QUARTETS_H
#define SPRIG_QS8_QUARTETS_H

#include <stddef.h>
#include <stdint.h>

#include <sprig/weights.h>

struct sprig_qs8_stream;

struct sprig_qs8_quartets {
  size_t rows;
  size_t count;          /* quartets of all rows */
  uint32_t* weights;     /* per quartet: four int8 weights, weight t in byte t */
  uint32_t* columns;     /* per quartet: the four input columns of its weights */
  uint32_t* per_row;     /* per row: its quartets, ceil(nonzeros / 4) */
  size_t* first;         /* rows + 1: row r's quartets start at index first[r] */
};

/* The quartet stream of qs8 weights, built on first use (with the c4 stream it comes from);
 * NULL when out of memory. */
const struct sprig_qs8_quartets* sprig_weights_qs8_quartets(struct sprig_weights* weights);

/* Builds the quartet stream of a c4 stream (reads its rows, nnz, first_entry, weights and
 * quads); NULL when out of memory. */
struct sprig_qs8_quartets* sprig_build_qs8_quartets(const struct sprig_qs8_stream* stream);

size_t sprig_qs8_quartets_bytes(const struct sprig_qs8_quartets* quartets);

void sprig_free_qs8_quartets(struct sprig_qs8_quartets* quartets);

#endif /* SPRIG_QS8_QUARTETS_H */
