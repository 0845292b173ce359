#include "data.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_ALIGNMENT 64

static uint32_t rng_next(struct bench_rng* rng) {
  rng->state = rng->state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
  return (uint32_t) (rng->state >> 33);
}

float bench_rng_float(struct bench_rng* rng) {
  return (float) rng_next(rng) / 1073741824.0f - 1.0f; /* rng_next is 31 bits: [-1, 1) */
}

void bench_fill_random(struct bench_rng* rng, float* data, size_t count) {
  for (size_t i = 0; i < count; i++) {
    data[i] = bench_rng_float(rng);
  }
}

float* bench_alloc_floats(size_t count) {
  const size_t bytes = count * sizeof(float) + BENCH_ALIGNMENT;
  const size_t rounded = (bytes + BENCH_ALIGNMENT - 1) / BENCH_ALIGNMENT * BENCH_ALIGNMENT;
  float* data = aligned_alloc(BENCH_ALIGNMENT, rounded);
  if (data != NULL) {
    memset(data, 0, rounded);
  }
  return data;
}

#define TRANSPOSE_TILE 32

void bench_transpose(const float* source, float* destination, size_t rows, size_t cols) {
  for (size_t r0 = 0; r0 < rows; r0 += TRANSPOSE_TILE) {
    const size_t r1 = r0 + TRANSPOSE_TILE < rows ? r0 + TRANSPOSE_TILE : rows;
    for (size_t c0 = 0; c0 < cols; c0 += TRANSPOSE_TILE) {
      const size_t c1 = c0 + TRANSPOSE_TILE < cols ? c0 + TRANSPOSE_TILE : cols;
      for (size_t r = r0; r < r1; r++) {
        for (size_t c = c0; c < c1; c++) {
          destination[c * rows + r] = source[r * cols + c];
        }
      }
    }
  }
}

static int csr_alloc(size_t rows, size_t cols, size_t nnz, struct bench_csr* csr) {
  *csr = (struct bench_csr){rows, cols, nnz, NULL, NULL, NULL};
  csr->row_ptr = malloc((rows + 1) * sizeof(uint32_t));
  csr->col_idx = malloc((nnz + 1) * sizeof(uint32_t));
  csr->values = malloc((nnz + 1) * sizeof(float));
  if (csr->row_ptr == NULL || csr->col_idx == NULL || csr->values == NULL) {
    bench_csr_free(csr);
    return -1;
  }
  return 0;
}

int bench_csr_from_dense(const float* dense, size_t rows, size_t cols, struct bench_csr* csr) {
  size_t nnz = 0;
  for (size_t i = 0; i < rows * cols; i++) {
    nnz += dense[i] != 0.0f;
  }
  if (csr_alloc(rows, cols, nnz, csr) != 0) {
    return -1;
  }
  size_t k = 0;
  csr->row_ptr[0] = 0;
  for (size_t r = 0; r < rows; r++) {
    for (size_t c = 0; c < cols; c++) {
      const float v = dense[r * cols + c];
      if (v != 0.0f) {
        csr->col_idx[k] = (uint32_t) c;
        csr->values[k++] = v;
      }
    }
    csr->row_ptr[r + 1] = (uint32_t) k;
  }
  return 0;
}

int bench_csr_abs(const struct bench_csr* source, struct bench_csr* csr) {
  if (csr_alloc(source->rows, source->cols, source->nnz, csr) != 0) {
    return -1;
  }
  memcpy(csr->row_ptr, source->row_ptr, (source->rows + 1) * sizeof(uint32_t));
  memcpy(csr->col_idx, source->col_idx, source->nnz * sizeof(uint32_t));
  for (size_t i = 0; i < source->nnz; i++) {
    csr->values[i] = fabsf(source->values[i]);
  }
  return 0;
}

void bench_csr_free(struct bench_csr* csr) {
  free(csr->row_ptr);
  free(csr->col_idx);
  free(csr->values);
  csr->row_ptr = NULL;
  csr->col_idx = NULL;
  csr->values = NULL;
}
