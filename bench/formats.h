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
  /* N:M patterns fix their sparsity: they run once, at this value, whatever --sparsity says
   * (0 for formats that follow the sweep). */
  double fixed_sparsity;
};

/* Zeroes weights [rows][cols] by magnitude (sprig_prune_f32) to `sparsity` in the format's
 * pattern; returns the nonzeros left, or (size_t) -1 on failure. */
size_t bench_prune(const struct bench_format* format, float* weights, size_t rows, size_t cols, double sparsity);

/* NULL when no format has that name. */
const struct bench_format* bench_find_format(const char* name);
void bench_print_formats(FILE* stream);

#endif /* SPRIG_BENCH_FORMATS_H */
