/* sprig_pack_weights_csr_f32 on fuzzed arrays: raw ones (any row_ptr, col_idx, nnz: must be
 * refused or packed, never crash) and repaired ones (sorted into valid CSR, column gaps up to
 * 4000 so that bridged gaps appear), which must pack and compute what the dense matrix does. */
#include "fuzz-common.h"

#include <reference/reference.h>

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

static int compare_u32(const void* a, const void* b) {
  const uint32_t x = *(const uint32_t*) a, y = *(const uint32_t*) b;
  return (x > y) - (x < y);
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz_init();
  struct fuzz_input in = {data, size, 0};
  const uint8_t mode = take_u8(&in);
  const bool repair = (mode & 1) != 0;
  const size_t rows = take_range(&in, 16);
  const size_t cols = 1 + take_u16(&in) % 4000;
  const size_t nnz_limit = SPRIG_FUZZ_MIN(rows * cols, 64);
  const size_t nnz = (size_t) take_u8(&in) % (repair ? nnz_limit + 1 : 80);
  uint32_t* row_ptr = calloc(rows + 1, sizeof(uint32_t));
  uint32_t* col_idx = calloc(nnz + 1, sizeof(uint32_t));
  float* values = calloc(nnz + 1, sizeof(float));
  FUZZ_CHECK(row_ptr != NULL && col_idx != NULL && values != NULL);
  for (size_t r = 0; r <= rows; r++) {
    row_ptr[r] = repair ? take_u8(&in) : (uint32_t) take_u8(&in) % 90;
  }
  for (size_t j = 0; j < nnz; j++) {
    col_idx[j] = repair ? take_u16(&in) : (mode & 2) ? take_u32(&in) : take_u16(&in) % 4100;
    values[j] = take_weight(&in);
  }
  if (repair) {
    /* Row lengths from the bytes, cut to nnz; unique sorted columns per row, < cols. */
    size_t total = 0;
    for (size_t r = 0; r < rows; r++) {
      const size_t length = SPRIG_FUZZ_MIN((size_t) row_ptr[r + 1] % 8, SPRIG_FUZZ_MIN(nnz - total, cols));
      row_ptr[r] = (uint32_t) total;
      total += r + 1 == rows ? SPRIG_FUZZ_MIN(nnz - row_ptr[r], cols) : length;
    }
    row_ptr[rows] = (uint32_t) total;
    for (size_t r = 0; r < rows; r++) {
      uint32_t* c = col_idx + row_ptr[r];
      const size_t length = row_ptr[r + 1] - row_ptr[r];
      for (size_t j = 0; j < length; j++) {
        c[j] %= (uint32_t) cols;
      }
      qsort(c, length, sizeof(uint32_t), compare_u32);
      for (size_t j = 1; j < length; j++) { /* make strictly increasing, wrapping inside [0, cols) */
        if (c[j] <= c[j - 1]) {
          c[j] = c[j - 1] + 1;
        }
      }
      if (length != 0 && c[length - 1] >= cols) { /* shift down: length <= cols keeps them distinct */
        for (size_t j = 0; j < length; j++) {
          c[j] = (uint32_t) (cols - length + j);
        }
      }
    }
  }
  const size_t pass_nnz = repair ? row_ptr[rows] : nnz;
  sprig_weights_t weights = NULL;
  const enum sprig_status status =
      sprig_pack_weights_csr_f32(rows, cols, pass_nnz, row_ptr, (mode & 4) && pass_nnz == 0 ? NULL : col_idx,
                                 (mode & 4) && pass_nnz == 0 ? NULL : values, 0, &weights);
  if (repair) {
    FUZZ_CHECK(status == sprig_status_success);
  }
  if (status != sprig_status_success) {
    FUZZ_CHECK(weights == NULL);
  } else {
    struct sprig_weights_info info;
    FUZZ_CHECK(sprig_get_weights_info(weights, &info) == sprig_status_success);
    FUZZ_CHECK(info.nnz == pass_nnz && info.stored_values >= pass_nnz);
    float* dense = calloc(rows * cols, sizeof(float));
    float* input = malloc(cols * sizeof(float));
    float* output = malloc(rows * 3 * sizeof(float));
    FUZZ_CHECK(dense != NULL && input != NULL && output != NULL);
    for (size_t r = 0; r < rows; r++) {
      for (uint32_t j = row_ptr[r]; j < row_ptr[r + 1]; j++) {
        dense[r * cols + col_idx[j]] = values[j];
      }
    }
    for (size_t c = 0; c < cols; c++) {
      input[c] = (float) ((int) (c % 11) - 5) / 2.0f;
    }
    sprig_operator_t op = NULL;
    FUZZ_CHECK(sprig_create_linear_from_weights_f32(weights, NULL, -INFINITY, INFINITY, 0, &op) ==
               sprig_status_success);
    FUZZ_CHECK(sprig_reshape_linear_f32(op, 1) == sprig_status_success);
    FUZZ_CHECK(sprig_setup_linear_f32(op, input, output) == sprig_status_success);
    FUZZ_CHECK(sprig_run_operator(op, NULL) == sprig_status_success);
    FUZZ_CHECK(sprig_delete_operator(op) == sprig_status_success);
    sprig_reference_f32_linear(1, cols, rows, input, dense, NULL, output + rows, -INFINITY, INFINITY);
    for (size_t i = 0; i < rows * cols; i++) {
      dense[i] = fabsf(dense[i]);
    }
    for (size_t c = 0; c < cols; c++) {
      input[c] = fabsf(input[c]);
    }
    sprig_reference_f32_linear(1, cols, rows, input, dense, NULL, output + 2 * rows, -INFINITY, INFINITY);
    fuzz_check_close(output, output + rows, output + 2 * rows, rows, pass_nnz);
    free(dense);
    free(input);
    free(output);
    FUZZ_CHECK(sprig_release_weights(weights) == sprig_status_success);
  }
  free(row_ptr);
  free(col_idx);
  free(values);
  return 0;
}
