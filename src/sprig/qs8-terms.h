/* The term stream of qs8 weights: their c4 entry stream (src/sprig/qs8-stream.h) sorted once
 * into the term layout of src/sprig/qs8-spmm.h (chunks of at most SPRIG_QS8_TERMS_CHUNK_ENTRIES
 * entries, terms by kind), for the kernels listed with layout `terms`. Derived on first use by
 * an operator whose plan runs such a kernel, then shared by every operator of the weights; a
 * build whose kernel list has none never makes it. */
#ifndef SPRIG_QS8_TERMS_H
#define SPRIG_QS8_TERMS_H

#include <stddef.h>
#include <stdint.h>

#include <sprig/qs8-spmm.h>
#include <sprig/weights.h>

struct sprig_qs8_stream;

struct sprig_qs8_terms {
  size_t rows;
  size_t chunk_count;                  /* sum over rows of max(1, ceil(entries / 127)) */
  size_t word_count;
  struct sprig_qs8_term_chunk* chunks; /* chunk_count */
  uint32_t* words;                     /* word_count */
  size_t* first_chunk;                 /* rows + 1: row r's chunks start at chunks + first_chunk[r] */
  size_t* first_word;                  /* rows + 1: row r's terms start at words + first_word[r] */
};

/* The term stream of qs8 weights, built on first use (with the c4 stream it comes from); NULL
 * when out of memory. */
const struct sprig_qs8_terms* sprig_weights_qs8_terms(struct sprig_weights* weights);

/* Builds the term stream of a c4 stream (reads its rows, nnz, first_entry, weights and quads);
 * NULL when out of memory. */
struct sprig_qs8_terms* sprig_build_qs8_terms(const struct sprig_qs8_stream* stream);

size_t sprig_qs8_terms_bytes(const struct sprig_qs8_terms* terms);

void sprig_free_qs8_terms(struct sprig_qs8_terms* terms);

#endif /* SPRIG_QS8_TERMS_H */
