/*
 * SPRIG_FORMAT_AUTO: the most structured pattern the weights satisfy, in this order:
 *   1. groups of 8, 4 or 2 consecutive output channels with identical nonzero masks
 *      -> GROUP(g) (kernels share every input load among the group's channels);
 *   2. N:M for 1:4, 2:8, 2:4, 4:8 (lowest density first), when zero padding of the runs adds at
 *      most a quarter to the stored values -> NM (one-byte indices, fixed loop counts);
 *   3. otherwise CSR (operators still detect channel blocks with little padding).
 */
#include <sprig/common.h>
#include <sprig/weights.h>

/* Stored values may exceed the nonzeros by at most this factor for N:M to be chosen. */
#define MAX_NM_PADDING 1.25

static bool rows_share_mask(const float* dense, size_t cols, size_t r0, size_t count) {
  for (size_t c = 0; c < cols; c++) {
    const bool first = dense[r0 * cols + c] != 0.0f;
    for (size_t r = r0 + 1; r < r0 + count; r++) {
      if ((dense[r * cols + c] != 0.0f) != first) {
        return false;
      }
    }
  }
  return true;
}

static bool channel_groups(size_t rows, size_t cols, const float* dense, size_t g) {
  if (rows < g) {
    return false;
  }
  for (size_t r0 = 0; r0 + g <= rows; r0 += g) {
    if (!rows_share_mask(dense, cols, r0, g)) {
      return false;
    }
  }
  return true;
}

struct sprig_sparsity sprig_detect_pattern(size_t rows, size_t cols, const float* dense) {
  const size_t nnz = sprig_count_nonzeros(dense, rows * cols);
  if (nnz != 0) {
    static const size_t groups[] = {8, 4, 2};
    for (size_t i = 0; i < 3; i++) {
      if (channel_groups(rows, cols, dense, groups[i])) {
        return (struct sprig_sparsity){.format = SPRIG_FORMAT_GROUP, .group = (uint32_t) groups[i]};
      }
    }
    static const size_t nm[][2] = {{1, 4}, {2, 8}, {2, 4}, {4, 8}};
    for (size_t i = 0; i < 4; i++) {
      size_t bad_row, bad_run;
      const size_t slots = rows * sprig_divide_round_up(cols, nm[i][1]) * nm[i][0];
      if ((double) slots <= MAX_NM_PADDING * (double) nnz &&
          sprig_dense_satisfies_nm(rows, cols, dense, nm[i][0], nm[i][1], &bad_row, &bad_run)) {
        return (struct sprig_sparsity){.format = SPRIG_FORMAT_NM, .n = (uint32_t) nm[i][0], .m = (uint32_t) nm[i][1]};
      }
    }
  }
  return (struct sprig_sparsity){.format = SPRIG_FORMAT_CSR};
}
