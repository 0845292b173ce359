/* The sparse formats sprig-bench can sweep. A new format plugs in with one table entry in
 * formats.c: how to prune dense weights to its pattern, and the sprig_sparsity to pack with. */
#ifndef SPRIG_BENCH_FORMATS_H
#define SPRIG_BENCH_FORMATS_H

#include <stddef.h>
#include <stdio.h>

#include <sprig.h>

struct bench_format {
  const char* name;         /* command line and report name, e.g. "csr" */
  const char* description;
  struct sprig_sparsity pattern;
  /* Zeroes weights [rows][cols] by magnitude to `sparsity` in this format's pattern; returns
   * the nonzeros left, or (size_t) -1 when out of memory. */
  size_t (*prune)(float* weights, size_t rows, size_t cols, double sparsity);
};

/* NULL when no format has that name. */
const struct bench_format* bench_find_format(const char* name);
void bench_print_formats(FILE* stream);

#endif /* SPRIG_BENCH_FORMATS_H */
