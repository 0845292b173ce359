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
  struct sprig_spmm_stream packed;  /* weights (biases + values), nnz per unit, input rows */
  int32_t* deltas;                  /* byte distance to the next column's input row */
  const float* weights;             /* packed.weights */
  const uint32_t* nnz;              /* packed.nnz */
  size_t first_row;                 /* input row of the first column (0 if none) */
};

/* weights: dense [n][k]; input rows are input_row_bytes apart. Returns 0 or -1. */
int bench_kernel_stream_build(const float* weights, const float* bias, size_t n, size_t k, size_t nr,
                              size_t input_row_bytes, struct bench_kernel_stream* stream);
void bench_kernel_stream_free(struct bench_kernel_stream* stream);

/* The N:M kernel's view (src/sprig/nmspmm.h) of dense weights that satisfy n:m. */
struct bench_nm_stream {
  sprig_weights_t packed;   /* NM-format weights: the indices live here */
  size_t groups, n, m;
  float* weights;           /* per channel: bias, groups * n values */
  const uint8_t* indices;   /* per channel: groups * n in-run indices */
};

/* weights: dense [channels][k] with at most n nonzeros per run of m. Returns 0 or -1. */
int bench_nm_stream_build(const float* weights, const float* bias, size_t channels, size_t k, size_t n, size_t m,
                          struct bench_nm_stream* stream);
void bench_nm_stream_free(struct bench_nm_stream* stream);

#endif /* SPRIG_BENCH_STREAM_H */
