/* --kernels: every microkernel this CPU runs of the lists that take the format (f32-spmm and
 * f32-bspmv, or f32-nmspmm for N:M formats: kernels/<family>/list.inc), called directly on one
 * shape, so that a kernel is benchmarked the moment it is listed. */
#ifndef SPRIG_BENCH_KERNELS_H
#define SPRIG_BENCH_KERNELS_H

#include <stdbool.h>

#include "options.h"
#include "report.h"

/* Appends one result per kernel and sparsity; false when a kernel disagrees with the reference. */
bool bench_run_kernels(const struct bench_options* options, struct bench_results* results);

#endif /* SPRIG_BENCH_KERNELS_H */
