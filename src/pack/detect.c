/*
 * SPRIG_FORMAT_AUTO: the most structured pattern the weights satisfy, in this order (each
 * format ahead of the ones its measured break-even against dense is lower than; README, AUTO):
 *   1. groups of 8, 4 or 2 consecutive output channels with identical nonzero masks
 *      -> GROUP(g) (kernels share every input load among the group's channels);
 *   2. output-channel blocks 8x1, then 4x1, whose zero padding adds at most a quarter to the
 *      stored values -> BLOCK (the NR = 4 SpMM kernels; fastest on convolutions);
 *   3. N:M for 1:4, 2:8, 2:4, 4:8 (lowest density first), with the same padding limit -> NM
 *      (one-byte indices, fixed loop counts);
 *   4. input blocks 1x8, then 1x4, with the same padding limit -> BLOCK (the block-sparse
 *      matrix-vector kernels at small linear batches);
 *   5. otherwise CSR (operators still detect channel blocks with little padding).
 */
#include <sprig/common.h>
#include <sprig/weights.h>

/* Stored values may exceed the nonzeros by at most this factor for a padded format (blocks,
 * N:M) to be chosen. */
#define MAX_PADDING 1.25

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

/* Values stored if the matrix were packed in bh x bw blocks (every block with a nonzero whole). */
static size_t block_stored_values(size_t rows, size_t cols, const float* dense, size_t bh, size_t bw) {
  size_t blocks = 0;
  for (size_t r0 = 0; r0 < rows; r0 += bh) {
    for (size_t c0 = 0; c0 < cols; c0 += bw) {
      bool nonzero = false;
      for (size_t r = r0; r < SPRIG_MIN(r0 + bh, rows) && !nonzero; r++) {
        for (size_t c = c0; c < SPRIG_MIN(c0 + bw, cols) && !nonzero; c++) {
          nonzero = dense[r * cols + c] != 0.0f;
        }
      }
      blocks += (size_t) nonzero;
    }
  }
  return blocks * bh * bw;
}

static bool little_padding(size_t stored, size_t nnz) {
  return (double) stored <= MAX_PADDING * (double) nnz;
}

/* The first of `count` block shapes whose padding is small, or a zero pattern. */
static struct sprig_sparsity first_block_shape(size_t rows, size_t cols, const float* dense, size_t nnz,
                                               const uint32_t shapes[][2], size_t count) {
  for (size_t i = 0; i < count; i++) {
    if (little_padding(block_stored_values(rows, cols, dense, shapes[i][0], shapes[i][1]), nnz)) {
      return (struct sprig_sparsity){.format = SPRIG_FORMAT_BLOCK, .block_rows = shapes[i][0],
                                     .block_cols = shapes[i][1]};
    }
  }
  return (struct sprig_sparsity){0};
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
    static const uint32_t output_blocks[][2] = {{8, 1}, {4, 1}};
    struct sprig_sparsity blocks = first_block_shape(rows, cols, dense, nnz, output_blocks, 2);
    if (blocks.format == SPRIG_FORMAT_BLOCK) {
      return blocks;
    }
    static const size_t nm[][2] = {{1, 4}, {2, 8}, {2, 4}, {4, 8}};
    for (size_t i = 0; i < 4; i++) {
      size_t bad_row, bad_run;
      const size_t slots = rows * sprig_divide_round_up(cols, nm[i][1]) * nm[i][0];
      if (little_padding(slots, nnz) &&
          sprig_dense_satisfies_nm(rows, cols, dense, nm[i][0], nm[i][1], &bad_row, &bad_run)) {
        return (struct sprig_sparsity){.format = SPRIG_FORMAT_NM, .n = (uint32_t) nm[i][0], .m = (uint32_t) nm[i][1]};
      }
    }
    static const uint32_t input_blocks[][2] = {{1, 8}, {1, 4}};
    blocks = first_block_shape(rows, cols, dense, nnz, input_blocks, 2);
    if (blocks.format == SPRIG_FORMAT_BLOCK) {
      return blocks;
    }
  }
  return (struct sprig_sparsity){.format = SPRIG_FORMAT_CSR};
}
