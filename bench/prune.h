/* Magnitude pruning: the patterns the benchmark's sparse formats ask for. */
#ifndef SPRIG_BENCH_PRUNE_H
#define SPRIG_BENCH_PRUNE_H

#include <stddef.h>

/* Unstructured: keeps the round((1 - sparsity) * count) entries of largest magnitude (among
 * equal magnitudes, the first ones), sets the others to zero. Returns the nonzeros left, or
 * (size_t) -1 when out of memory. */
size_t bench_prune_magnitude(float* values, size_t count, double sparsity);

#endif /* SPRIG_BENCH_PRUNE_H */
