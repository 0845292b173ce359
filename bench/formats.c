#include "formats.h"

#include <string.h>

size_t bench_prune(const struct bench_format* format, float* weights, size_t rows, size_t cols, double sparsity) {
  const float target = format->fixed_sparsity > 0.0 ? 0.0f : (float) sparsity;
  if (sprig_prune_f32(rows, cols, weights, &format->pattern, target, NULL) != sprig_status_success) {
    return (size_t) -1;
  }
  size_t nnz = 0;
  for (size_t i = 0; i < rows * cols; i++) {
    nnz += weights[i] != 0.0f;
  }
  return nnz;
}

#define BLOCK(r, c) {.format = SPRIG_FORMAT_BLOCK, .block_rows = r, .block_cols = c}
#define GROUP(g) {.format = SPRIG_FORMAT_GROUP, .group = g}
#define NM(n_, m_) {.format = SPRIG_FORMAT_NM, .n = n_, .m = m_}

static const struct bench_format formats[] = {
    {"csr", "unstructured magnitude pruning, compressed sparse rows", {.format = SPRIG_FORMAT_CSR}, 0.0},
    {"block4x1", "4x1 blocks (4 output channels x 1 input) by block L2 norm", BLOCK(4, 1), 0.0},
    {"block8x1", "8x1 blocks (8 output channels x 1 input) by block L2 norm", BLOCK(8, 1), 0.0},
    {"block1x4", "1x4 blocks (1 output channel x 4 inputs) by block L2 norm", BLOCK(1, 4), 0.0},
    {"block1x8", "1x8 blocks (1 output channel x 8 inputs) by block L2 norm", BLOCK(1, 8), 0.0},
    {"block4x4", "4x4 blocks by block L2 norm", BLOCK(4, 4), 0.0},
    {"group4", "groups of 4 output channels sharing one mask", GROUP(4), 0.0},
    {"group8", "groups of 8 output channels sharing one mask", GROUP(8), 0.0},
    {"nm2:4", "2 of every 4 inputs (runs at 0.50 whatever --sparsity says)", NM(2, 4), 0.5},
    {"nm1:4", "1 of every 4 inputs (runs at 0.75)", NM(1, 4), 0.75},
    {"nm2:8", "2 of every 8 inputs (runs at 0.75)", NM(2, 8), 0.75},
    {"nm4:8", "4 of every 8 inputs (runs at 0.50)", NM(4, 8), 0.5},
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
