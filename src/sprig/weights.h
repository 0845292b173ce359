/* Packed sparse weights (shared, immutable, reference-counted). */
#ifndef SPRIG_WEIGHTS_H
#define SPRIG_WEIGHTS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <sprig.h>

struct sprig_weights {
  atomic_size_t references;
  enum sprig_format format;
  size_t rows;
  size_t cols;
  size_t nnz;
  uint32_t* row_ptr;  /* rows + 1 */
  uint32_t* col_idx;  /* nnz */
  float* values;      /* nnz */
};

void sprig_retain_weights(struct sprig_weights* weights);

#endif /* SPRIG_WEIGHTS_H */
