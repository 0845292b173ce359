/* sprig_pack_weights_f32 on fuzzed shapes (up to 64 x 64), values and patterns (every format,
 * AUTO, NULL, invalid parameters), with and without SPRIG_FLAG_PRUNE. Packed weights must report
 * consistent info and compute, in a linear operator, what the dense (pruned) matrix computes. */
#include "fuzz-common.h"

#include <reference/reference.h>

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz_init();
  struct fuzz_input in = {data, size, 0};
  const size_t rows = take_range(&in, 64);
  const size_t cols = take_range(&in, 64);
  struct sprig_sparsity storage;
  const struct sprig_sparsity* pattern = take_pattern(&in, &storage);
  const uint8_t mode = take_u8(&in);
  const uint32_t flags = (mode & 1) ? SPRIG_FLAG_PRUNE : (mode & 2) ? (uint32_t) mode << 24 : 0;
  float* dense = malloc(rows * cols * sizeof(float));
  FUZZ_CHECK(dense != NULL);
  for (size_t i = 0; i < rows * cols; i++) {
    dense[i] = take_weight(&in);
  }
  sprig_weights_t weights = NULL;
  const enum sprig_status status = sprig_pack_weights_f32(rows, cols, dense, pattern, flags, &weights);
  if (status != sprig_status_success) {
    FUZZ_CHECK(weights == NULL);
    free(dense);
    return 0;
  }
  struct sprig_weights_info info;
  FUZZ_CHECK(sprig_get_weights_info(weights, &info) == sprig_status_success);
  FUZZ_CHECK(info.rows == rows && info.cols == cols);
  FUZZ_CHECK(info.pattern.format != SPRIG_FORMAT_AUTO);
  FUZZ_CHECK(info.nnz <= info.stored_values);
  if (info.pattern.format == SPRIG_FORMAT_NM && (flags & SPRIG_FLAG_PRUNE) != 0) {
    FUZZ_CHECK(sprig_prune_f32(rows, cols, dense, &info.pattern, 0.0f, NULL) == sprig_status_success);
  }
  size_t nonzeros = 0;
  for (size_t i = 0; i < rows * cols; i++) {
    nonzeros += dense[i] != 0.0f;
  }
  FUZZ_CHECK(info.nnz == nonzeros);

  const size_t batch = 1 + (mode >> 2) % 9;
  float* input = malloc(batch * cols * sizeof(float));
  float* output = malloc(batch * rows * sizeof(float) * 3);
  FUZZ_CHECK(input != NULL && output != NULL);
  float* expected = output + batch * rows;
  float* magnitude = expected + batch * rows;
  for (size_t i = 0; i < batch * cols; i++) {
    input[i] = (float) ((int) (i * 7 % 13) - 6) / 4.0f;
  }
  sprig_operator_t op = NULL;
  FUZZ_CHECK(sprig_create_linear_from_weights_f32(weights, NULL, -INFINITY, INFINITY, 0, &op) == sprig_status_success);
  FUZZ_CHECK(sprig_release_weights(weights) == sprig_status_success);
  FUZZ_CHECK(sprig_reshape_linear_f32(op, batch) == sprig_status_success);
  FUZZ_CHECK(sprig_setup_linear_f32(op, input, output) == sprig_status_success);
  FUZZ_CHECK(sprig_run_operator(op, NULL) == sprig_status_success);
  FUZZ_CHECK(sprig_delete_operator(op) == sprig_status_success);
  sprig_reference_f32_linear(batch, cols, rows, input, dense, NULL, expected, -INFINITY, INFINITY);
  for (size_t i = 0; i < rows * cols; i++) {
    dense[i] = fabsf(dense[i]);
  }
  for (size_t i = 0; i < batch * cols; i++) {
    input[i] = fabsf(input[i]);
  }
  sprig_reference_f32_linear(batch, cols, rows, input, dense, NULL, magnitude, -INFINITY, INFINITY);
  fuzz_check_close(output, expected, magnitude, batch * rows, cols);
  free(input);
  free(output);
  free(dense);
  return 0;
}
