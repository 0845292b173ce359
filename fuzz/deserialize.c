/* sprig_deserialize_weights on fuzzed blobs. Two ways in: the raw bytes as a blob (the loader
 * must refuse them without reading past them), and a valid blob of weights packed from the
 * bytes, corrupted at fuzzed places with the CRC recomputed, so that the structural checks
 * behind the CRC are reached. Whatever loads must run in a linear operator. */
#include "fuzz-common.h"

#include <sprig/serialize.h>

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

static void run_loaded(sprig_weights_t weights) {
  struct sprig_weights_info info;
  FUZZ_CHECK(sprig_get_weights_info(weights, &info) == sprig_status_success);
  FUZZ_CHECK(info.rows >= 1 && info.cols >= 1 && info.nnz <= info.stored_values);
  if (info.rows > 4096 || info.cols > 4096) {
    return; /* valid, but too large to run here */
  }
  float* input = calloc(info.cols, sizeof(float));
  float* output = malloc(info.rows * sizeof(float));
  FUZZ_CHECK(input != NULL && output != NULL);
  for (size_t i = 0; i < info.cols; i++) {
    input[i] = (float) (i % 3);
  }
  sprig_operator_t op = NULL;
  FUZZ_CHECK(sprig_create_linear_from_weights_f32(weights, NULL, -INFINITY, INFINITY, 0, &op) == sprig_status_success);
  FUZZ_CHECK(sprig_reshape_linear_f32(op, 1) == sprig_status_success);
  FUZZ_CHECK(sprig_setup_linear_f32(op, input, output) == sprig_status_success);
  FUZZ_CHECK(sprig_run_operator(op, NULL) == sprig_status_success);
  FUZZ_CHECK(sprig_delete_operator(op) == sprig_status_success);
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
  struct fuzz_input in = {data, size, 1};
  const size_t rows = take_range(&in, 12), cols = take_range(&in, 40);
  struct sprig_sparsity storage;
  const struct sprig_sparsity* pattern = take_pattern(&in, &storage);
  float dense[12 * 40];
  for (size_t i = 0; i < rows * cols; i++) {
    dense[i] = take_weight(&in);
  }
  sprig_weights_t weights = NULL;
  if (sprig_pack_weights_f32(rows, cols, dense, pattern, SPRIG_FLAG_PRUNE, &weights) != sprig_status_success) {
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
