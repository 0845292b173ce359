#include "stream.h"

#include <stdbool.h>
#include <stdlib.h>

/* Channels [first, first + count) have a nonzero in column j. */
static bool column_used(const float* weights, size_t k, size_t first, size_t count, size_t j) {
  for (size_t r = first; r < first + count; r++) {
    if (weights[r * k + j] != 0.0f) {
      return true;
    }
  }
  return false;
}

/* Appends one group of `count` channels starting at `first` (a block when count == NR, a
 * leftover channel when count == 1): biases, then the values of every used column. */
static uint32_t append_group(const float* weights, const float* bias, size_t k, size_t first, size_t count,
                             struct bench_kernel_stream* s, uint32_t* columns) {
  uint32_t used = 0;
  for (size_t r = first; r < first + count; r++) {
    s->weights[s->values++] = bias[r];
  }
  for (size_t j = 0; j < k; j++) {
    if (!column_used(weights, k, first, count, j)) {
      continue;
    }
    for (size_t r = first; r < first + count; r++) {
      s->weights[s->values++] = weights[r * k + j];
    }
    columns[s->columns++] = (uint32_t) j;
    used++;
  }
  return used;
}

int bench_kernel_stream_build(const float* weights, const float* bias, size_t n, size_t k, size_t nr,
                              size_t input_row_bytes, struct bench_kernel_stream* s) {
  const size_t blocks = n / nr;
  const size_t leftovers = n % nr;
  *s = (struct bench_kernel_stream){0};
  /* At most every column of every group, and NR values per column. */
  s->weights = malloc((n + n * k + 1) * sizeof(float));
  s->deltas = malloc(((blocks + leftovers) * k + 1) * sizeof(int32_t));
  s->nnz = malloc((blocks + leftovers + 1) * sizeof(uint32_t));
  uint32_t* columns = malloc(((blocks + leftovers) * k + 1) * sizeof(uint32_t));
  if (s->weights == NULL || s->deltas == NULL || s->nnz == NULL || columns == NULL) {
    free(columns);
    bench_kernel_stream_free(s);
    return -1;
  }
  for (size_t b = 0; b < blocks; b++) {
    s->nnz[b] = append_group(weights, bias, k, b * nr, nr, s, columns);
  }
  for (size_t l = 0; l < leftovers; l++) {
    s->nnz[blocks + l] = append_group(weights, bias, k, blocks * nr + l, 1, s, columns);
  }
  for (size_t c = 0; c < s->columns; c++) {
    const int64_t apart = c + 1 < s->columns ? (int64_t) columns[c + 1] - (int64_t) columns[c] : 0;
    s->deltas[c] = (int32_t) (apart * (int64_t) input_row_bytes);
  }
  s->first_row = s->columns > 0 ? columns[0] : 0;
  free(columns);
  return 0;
}

void bench_kernel_stream_free(struct bench_kernel_stream* s) {
  free(s->weights);
  free(s->deltas);
  free(s->nnz);
  *s = (struct bench_kernel_stream){0};
}

int bench_nm_stream_build(const float* weights, const float* bias, size_t channels, size_t k, size_t n, size_t m,
                          struct bench_nm_stream* s) {
  s->groups = (k + m - 1) / m;
  s->n = n;
  s->m = m;
  const size_t slots = s->groups * n;
  s->weights = calloc(channels * (1 + slots), sizeof(float));
  s->indices = calloc(channels * slots + 1, sizeof(uint8_t));
  if (s->weights == NULL || s->indices == NULL) {
    bench_nm_stream_free(s);
    return -1;
  }
  for (size_t c = 0; c < channels; c++) {
    float* values = s->weights + c * (1 + slots);
    values[0] = bias != NULL ? bias[c] : 0.0f;
    for (size_t g = 0; g < s->groups; g++) {
      size_t slot = g * n;
      for (size_t i = 0; i < m && g * m + i < k && slot < (g + 1) * n; i++) {
        const float v = weights[c * k + g * m + i];
        if (v != 0.0f) {
          values[1 + slot] = v;
          s->indices[c * slots + slot] = (uint8_t) i;
          slot++;
        }
      }
    }
  }
  return 0;
}

void bench_nm_stream_free(struct bench_nm_stream* s) {
  free(s->weights);
  free(s->indices);
  s->weights = NULL;
  s->indices = NULL;
}
