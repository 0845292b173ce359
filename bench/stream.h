/* The weight streams the microkernels read, built by sprig's own packers (src/pack) from dense
 * pruned weights, so that --kernels can call any listed kernel directly on exactly the layout
 * operators use, NR > 1 and N:M included. */
#ifndef SPRIG_BENCH_STREAM_H
#define SPRIG_BENCH_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include <sprig.h>
#include <sprig/stream.h>

struct bench_kernel_stream {
  struct sprig_spmm_stream packed;  /* values, input-row steps, nnz per unit (biases apart) */
  size_t first_row;                 /* input row of the first entry (0 if none) */
};

/* weights: dense [n][k]. Returns 0 or -1. */
int bench_kernel_stream_build(const float* weights, size_t n, size_t k, size_t nr, struct bench_kernel_stream* stream);
void bench_kernel_stream_free(struct bench_kernel_stream* stream);

/* The N:M kernel's view (src/sprig/nmspmm.h) of dense weights that satisfy n:m. */
struct bench_nm_stream {
  sprig_weights_t packed;   /* NM-format weights: the indices live here */
  size_t groups, n, m;
  const float* weights;     /* per channel: groups * n values (the packed weights') */
  const uint8_t* indices;   /* per channel: groups * n in-run indices (the packed weights') */
};

/* weights: dense [channels][k] with at most n nonzeros per run of m. Returns 0 or -1. */
int bench_nm_stream_build(const float* weights, size_t channels, size_t k, size_t n, size_t m,
                          struct bench_nm_stream* stream);
void bench_nm_stream_free(struct bench_nm_stream* stream);

#endif /* SPRIG_BENCH_STREAM_H */
