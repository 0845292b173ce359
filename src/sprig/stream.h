/* The SpMM kernel weight stream built from CSR weights (layout: src/sprig/spmm.h). */
#ifndef SPRIG_STREAM_H
#define SPRIG_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include <sprig.h>
#include <sprig/weights.h>

/* Units are blocks of nr output channels (nr > 1) followed by single leftover channels. */
struct sprig_spmm_stream {
  size_t nr;
  size_t blocks;            /* rows / nr when nr > 1, else 0 */
  size_t units;
  size_t entries;           /* over all units, bridges included: one delta each */
  size_t weight_count;      /* floats in weights */
  float* weights;           /* per unit: nr (or 1) values per entry (no biases: kernels take them apart) */
  int8_t* deltas;           /* per entry: input rows to the next entry's row (0 after the last) */
  uint32_t* nnz;            /* per unit: its entries */
  uint32_t first_row;       /* input row of the first entry (0 if none) */
};

/* Where a unit's data starts in a stream: found by walking the units from the first. */
struct sprig_spmm_position {
  size_t unit;
  size_t weight;            /* index into weights */
  size_t entry;             /* index into deltas */
  int64_t row;              /* input row of that entry (meaningless past the last) */
};

static inline struct sprig_spmm_position sprig_spmm_start(const struct sprig_spmm_stream* s) {
  return (struct sprig_spmm_position){0, 0, 0, s->first_row};
}

/* Moves `p` past its unit. */
static inline void sprig_spmm_next_unit(const struct sprig_spmm_stream* s, struct sprig_spmm_position* p) {
  const size_t width = p->unit < s->blocks ? s->nr : 1;
  const size_t count = s->nnz[p->unit];
  for (size_t j = 0; j < count; j++) {
    p->row += s->deltas[p->entry + j];
  }
  p->weight += width * count;
  p->entry += count;
  p->unit++;
}

/* Columns stored if the rows were packed in blocks of nr (column union per block), before
 * bridging. */
size_t sprig_count_block_entries(const struct sprig_weights* weights, size_t nr);

/* Builds the stream of CSR weights (BLOCK / GROUP weights go through sprig_block_weights_as_csr). It
 * depends on the weights and nr only, so operators with the same weights can share it. */
enum sprig_status sprig_build_spmm_stream(const struct sprig_weights* weights, size_t nr,
                                          struct sprig_spmm_stream* stream);
/* Bytes the stream's arrays hold (values, one-byte steps, per-unit counts). */
static inline size_t sprig_spmm_stream_bytes(const struct sprig_spmm_stream* s) {
  return s->weight_count * sizeof(float) + s->entries * sizeof(int8_t) + s->units * sizeof(uint32_t);
}

/* Frees the arrays and zeroes the stream. */
void sprig_free_spmm_stream(struct sprig_spmm_stream* stream);

/* First output channel of a unit. */
static inline size_t sprig_unit_first_channel(const struct sprig_spmm_stream* s, size_t unit) {
  return unit < s->blocks ? unit * s->nr : s->blocks * s->nr + (unit - s->blocks);
}

#endif /* SPRIG_STREAM_H */
