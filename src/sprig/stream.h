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
  size_t blocks;        /* rows / nr when nr > 1, else 0 */
  size_t units;
  size_t entries;       /* columns over all units: one input delta each */
  float* weights;       /* per unit: nr (or 1) biases, then nr (or 1) values per column */
  uint32_t* nnz;        /* per unit: its columns */
  uint32_t* rows;       /* per entry: the input row it reads */
  size_t* unit_weight;  /* units + 1 offsets into weights */
  size_t* unit_entry;   /* units + 1 offsets into rows / deltas */
};

/* Stored columns if the rows were packed in blocks of nr (column union per block). */
size_t sprig_count_block_entries(const struct sprig_weights* weights, size_t nr);

enum sprig_status sprig_build_spmm_stream(const struct sprig_weights* weights, const float* bias, size_t nr,
                                          struct sprig_spmm_stream* stream);
void sprig_free_spmm_stream(struct sprig_spmm_stream* stream);

/* Input byte deltas for the stream's entries (spmm.h): rows input_row_stride bytes apart; the
 * last entry's delta is 0. `deltas` holds stream->entries values. */
void sprig_compute_input_deltas(const struct sprig_spmm_stream* stream, size_t input_row_stride, int32_t* deltas);

/* The N:M kernel weight stream (nmspmm.h) of NM-format weights: per output channel the bias (or 0),
 * then its groups * n values. NULL when out of memory. */
float* sprig_build_nm_weight_stream(const struct sprig_weights* weights, const float* bias);

/* First output channel of a unit. */
static inline size_t sprig_unit_first_channel(const struct sprig_spmm_stream* s, size_t unit) {
  return unit < s->blocks ? unit * s->nr : s->blocks * s->nr + (unit - s->blocks);
}

#endif /* SPRIG_STREAM_H */
