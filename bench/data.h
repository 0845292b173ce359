/* Deterministic random data, padded buffers, layout changes and CSR views for sprig-bench. */
#ifndef SPRIG_BENCH_DATA_H
#define SPRIG_BENCH_DATA_H

#include <stddef.h>
#include <stdint.h>

struct bench_rng {
  uint64_t state;
};

/* Uniform in [-1, 1). */
float bench_rng_float(struct bench_rng* rng);
void bench_fill_random(struct bench_rng* rng, float* data, size_t count);

/* count floats, 64-byte aligned, zeroed, followed by 64 zeroed bytes of slack (XNNPACK's
 * kernels may read up to 16 bytes past a tensor). NULL when out of memory. Free with free(). */
float* bench_alloc_floats(size_t count);

/* destination[c][r] = source[r][c] for a [rows][cols] source. */
void bench_transpose(const float* source, float* destination, size_t rows, size_t cols);

/* CSR copy of a dense row-major matrix: its exact zeros define the pattern. */
struct bench_csr {
  size_t rows, cols, nnz;
  uint32_t* row_ptr;
  uint32_t* col_idx;
  float* values;
};

/* Returns 0 on success, -1 when out of memory (then nothing needs freeing). */
int bench_csr_from_dense(const float* dense, size_t rows, size_t cols, struct bench_csr* csr);
/* The same pattern with |value|. */
int bench_csr_abs(const struct bench_csr* source, struct bench_csr* csr);
void bench_csr_free(struct bench_csr* csr);

#endif /* SPRIG_BENCH_DATA_H */
