/* The quartet stream of qs8 weights (src/sprig/qs8-quartets.h): a row's nonzeros in c4 entry
 * order (so by input column), four per quartet; the last quartet of a row with a multiple of 4
 * plus 1-3 nonzeros has zero weights on its last nonzero's column. */
#include <stdatomic.h>
#include <stdlib.h>

#include <sprig/common.h>
#include <sprig/qs8-quartets.h>
#include <sprig/qs8-stream.h>

/* Row r's nonzeros as quartets at q->weights / q->columns + q->first[r]. */
static void fill_row(const struct sprig_qs8_stream* stream, size_t r, struct sprig_qs8_quartets* q) {
  uint32_t* weights = q->weights + q->first[r];
  uint32_t* columns = q->columns + 4 * q->first[r];
  size_t slot = 0;
  for (size_t e = stream->first_entry[r]; e < stream->first_entry[r] + stream->nnz[r]; e++) {
    for (uint32_t t = 0; t < 4; t++) {
      const int8_t w = stream->weights[4 * e + t];
      if (w == 0) {
        continue;
      }
      if (slot % 4 == 0) {
        weights[slot / 4] = 0;
      }
      weights[slot / 4] |= (uint32_t) (uint8_t) w << (8 * (slot % 4));
      columns[slot] = 4 * stream->quads[e] + t;
      slot++;
    }
  }
  for (; slot % 4 != 0; slot++) {
    columns[slot] = columns[slot - 1];
  }
}

struct sprig_qs8_quartets* sprig_build_qs8_quartets(const struct sprig_qs8_stream* stream) {
  struct sprig_qs8_quartets* q = calloc(1, sizeof(struct sprig_qs8_quartets));
  if (q == NULL) {
    return NULL;
  }
  q->rows = stream->rows;
  q->per_row = malloc(SPRIG_MAX(stream->rows, 1) * sizeof(uint32_t));
  q->first = malloc((stream->rows + 1) * sizeof(size_t));
  if (q->per_row == NULL || q->first == NULL) {
    goto fail;
  }
  q->first[0] = 0;
  for (size_t r = 0; r < stream->rows; r++) {
    size_t nonzeros = 0;
    for (size_t e = stream->first_entry[r]; e < stream->first_entry[r] + stream->nnz[r]; e++) {
      for (size_t t = 0; t < 4; t++) {
        nonzeros += stream->weights[4 * e + t] != 0;
      }
    }
    q->per_row[r] = (uint32_t) sprig_divide_round_up(nonzeros, 4);
    q->first[r + 1] = q->first[r] + q->per_row[r];
  }
  q->count = q->first[stream->rows];
  q->weights = malloc(SPRIG_MAX(q->count, 1) * sizeof(uint32_t));
  q->columns = malloc(SPRIG_MAX(q->count, 1) * 4 * sizeof(uint32_t));
  if (q->weights == NULL || q->columns == NULL) {
    goto fail;
  }
  for (size_t r = 0; r < stream->rows; r++) {
    fill_row(stream, r, q);
  }
  return q;

fail:
  sprig_free_qs8_quartets(q);
  return NULL;
}

void sprig_free_qs8_quartets(struct sprig_qs8_quartets* q) {
  if (q != NULL) {
    free(q->weights);
    free(q->columns);
    free(q->per_row);
    free(q->first);
    free(q);
  }
}

size_t sprig_qs8_quartets_bytes(const struct sprig_qs8_quartets* q) {
  return q->count * 5 * sizeof(uint32_t) + q->rows * sizeof(uint32_t) + (q->rows + 1) * sizeof(size_t);
}

SPRIG_DEFINE_PUBLISH(publish_quartets, struct sprig_qs8_quartets, sprig_free_qs8_quartets)

const struct sprig_qs8_quartets* sprig_weights_qs8_quartets(struct sprig_weights* w) {
  struct sprig_qs8_quartets* published = atomic_load_explicit(&w->qs8_quartets, memory_order_acquire);
  if (published != NULL) {
    return published;
  }
  const struct sprig_qs8_stream* stream = sprig_weights_qs8_stream(w);
  struct sprig_qs8_quartets* built = stream != NULL ? sprig_build_qs8_quartets(stream) : NULL;
  return built != NULL ? publish_quartets(&w->qs8_quartets, built) : NULL;
}
