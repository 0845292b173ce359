#include "formats.h"

#include <string.h>

#include "prune.h"

static size_t prune_unstructured(float* weights, size_t rows, size_t cols, double sparsity) {
  return bench_prune_magnitude(weights, rows * cols, sparsity);
}

static const struct bench_format formats[] = {
    {
        .name = "csr",
        .description = "unstructured magnitude pruning, compressed sparse rows",
        .pattern = {.format = SPRIG_FORMAT_CSR},
        .prune = prune_unstructured,
    },
};

const struct bench_format* bench_find_format(const char* name) {
  for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
    if (strcmp(formats[i].name, name) == 0) {
      return &formats[i];
    }
  }
  return NULL;
}

void bench_print_formats(FILE* stream) {
  for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
    fprintf(stream, "  %-12s %s\n", formats[i].name, formats[i].description);
  }
}
