/* sprig_deserialize_weights on fuzzed blobs. Two ways in: the raw bytes as a blob (the loader
 * must refuse them without reading past them), and a valid blob of weights packed from the
 * bytes (f32, qs8 or f16; qs8 and f16 block weights store 1-byte column gaps and 16-bit block
 * row counts, and columns spread out so that some steps need bridge blocks), corrupted at
 * fuzzed places with the CRC recomputed, so that the structural checks behind the CRC are
 * reached. Whatever loads must run in a linear operator of its dtype. */
#include "fuzz-common.h"

#include <sprig/half.h>
#include <sprig/serialize.h>
#include <sprig/weights.h>

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

/* One batch row through a linear operator of the weights' dtype. */
static void run_loaded(sprig_weights_t weights) {
  struct sprig_weights_info info;
  FUZZ_CHECK(sprig_get_weights_info(weights, &info) == sprig_status_success);
  FUZZ_CHECK(info.rows >= 1 && info.cols >= 1 && info.nnz <= info.stored_values);
  if (info.rows > 4096 || info.cols > 4096) {
    return; /* valid, but too large to run here */
  }
  void* input = calloc(info.cols, sizeof(float));
  void* output = malloc(info.rows * sizeof(float));
  float* scales = malloc(info.rows * sizeof(float));
  FUZZ_CHECK(input != NULL && output != NULL && scales != NULL);
  for (size_t i = 0; i < info.rows; i++) {
    scales[i] = 0.01f;
  }
  sprig_operator_t op = NULL;
  switch (weights->dtype) {
    case sprig_weights_dtype_qs8:
      for (size_t i = 0; i < info.cols; i++) {
        ((int8_t*) input)[i] = (int8_t) (i % 3);
      }
      FUZZ_CHECK(sprig_create_linear_from_weights_qs8(weights, 1, 0.5f, scales, NULL, -2, 0.25f, -128, 127, 0, &op) ==
                 sprig_status_success);
      FUZZ_CHECK(sprig_reshape_linear_qs8(op, 1) == sprig_status_success);
      FUZZ_CHECK(sprig_setup_linear_qs8(op, input, output) == sprig_status_success);
      break;
    case sprig_weights_dtype_f16:
      for (size_t i = 0; i < info.cols; i++) {
        ((uint16_t*) input)[i] = sprig_float_to_half((float) (i % 3));
      }
      FUZZ_CHECK(sprig_create_linear_from_weights_f16(weights, NULL, -INFINITY, INFINITY, 0, &op) ==
                 sprig_status_success);
      FUZZ_CHECK(sprig_reshape_linear_f16(op, 1) == sprig_status_success);
      FUZZ_CHECK(sprig_setup_linear_f16(op, input, output) == sprig_status_success);
      break;
    default:
      for (size_t i = 0; i < info.cols; i++) {
        ((float*) input)[i] = (float) (i % 3);
      }
      FUZZ_CHECK(sprig_create_linear_from_weights_f32(weights, NULL, -INFINITY, INFINITY, 0, &op) ==
                 sprig_status_success);
      FUZZ_CHECK(sprig_reshape_linear_f32(op, 1) == sprig_status_success);
      FUZZ_CHECK(sprig_setup_linear_f32(op, input, output) == sprig_status_success);
      break;
  }
  FUZZ_CHECK(sprig_run_operator(op, NULL) == sprig_status_success);
  FUZZ_CHECK(sprig_delete_operator(op) == sprig_status_success);
  free(scales);
  free(input);
  free(output);
}

static void load(const uint8_t* blob, size_t size, uint32_t flags) {
  sprig_weights_t weights = NULL;
  const enum sprig_status status = sprig_deserialize_weights(blob, size, flags, &weights);
  if (status == sprig_status_success) {
    run_loaded(weights);
    FUZZ_CHECK(sprig_release_weights(weights) == sprig_status_success);
  } else {
    FUZZ_CHECK(weights == NULL);
    FUZZ_CHECK(status == sprig_status_invalid_weights);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz_init();
  if (size == 0) {
    return 0;
  }
  if ((data[0] & 1) == 0) {
    /* The bytes after the first, as a blob, in a buffer of exactly their size. */
    uint8_t* blob = malloc(size - 1 + 1);
    FUZZ_CHECK(blob != NULL);
    memcpy(blob, data + 1, size - 1);
    load(blob, size - 1, (data[0] & 2) ? SPRIG_FLAG_BORROW_BUFFER : 0);
    free(blob);
    return 0;
  }
  /* data[0] bits 2-3: the dtype (f32, qs8, f16; 3 is f32 too). qs8 and f16 take a column
   * stretch: the fuzzed weights land on every `stretch`-th column of a wider matrix. */
  const size_t dtype = (data[0] >> 2) & 3;
  struct fuzz_input in = {data, size, 1};
  const size_t rows = take_range(&in, 12), fuzzed_cols = take_range(&in, 40);
  const size_t stretch = dtype == 1 || dtype == 2 ? take_range(&in, 64) : 1;
  const size_t cols = fuzzed_cols * stretch;
  struct sprig_sparsity storage;
  const struct sprig_sparsity* pattern = take_pattern(&in, &storage);
  float* dense = calloc(rows * cols, sizeof(float));
  int8_t* bytes = calloc(rows * cols, 1);
  uint16_t* halves = calloc(rows * cols, sizeof(uint16_t));
  FUZZ_CHECK(dense != NULL && bytes != NULL && halves != NULL);
  for (size_t r = 0; r < rows; r++) {
    for (size_t j = 0; j < fuzzed_cols; j++) {
      const size_t at = r * cols + j * stretch;
      dense[at] = take_weight(&in);
      bytes[at] = (int8_t) (dense[at] * 16.0f);
      halves[at] = sprig_float_to_half(dense[at]);
    }
  }
  sprig_weights_t weights = NULL;
  enum sprig_status status;
  switch (dtype) {
    case 1:
      status = sprig_pack_weights_qs8(rows, cols, bytes, pattern, SPRIG_FLAG_PRUNE, &weights);
      break;
    case 2:
      status = sprig_pack_weights_f16(rows, cols, halves, pattern, SPRIG_FLAG_PRUNE, &weights);
      break;
    default:
      status = sprig_pack_weights_f32(rows, cols, dense, pattern, SPRIG_FLAG_PRUNE, &weights);
      break;
  }
  free(halves);
  free(bytes);
  free(dense);
  if (status != sprig_status_success) {
    return 0;
  }
  size_t blob_size = 0;
  FUZZ_CHECK(sprig_serialize_weights(weights, NULL, 0, &blob_size) == sprig_status_success);
  uint8_t* blob = malloc(blob_size);
  FUZZ_CHECK(blob != NULL);
  FUZZ_CHECK(sprig_serialize_weights(weights, blob, blob_size, &blob_size) == sprig_status_success);
  FUZZ_CHECK(sprig_release_weights(weights) == sprig_status_success);
  /* Up to 4 edits: (offset, xor) pairs; the last byte picks the size change. */
  const size_t edits = take_u8(&in) % 5;
  for (size_t e = 0; e < edits; e++) {
    const size_t at = take_u16(&in) % blob_size;
    blob[at] ^= take_u8(&in);
  }
  const uint32_t crc = sprig_crc32c(blob, blob_size - 4);
  for (size_t i = 0; i < 4; i++) {
    blob[blob_size - 4 + i] = (uint8_t) (crc >> (8 * i));
  }
  load(blob, blob_size, (take_u8(&in) & 1) ? SPRIG_FLAG_BORROW_BUFFER : 0);
  free(blob);
  return 0;
}
