/* Serialized weights: a round trip gives weights that compute bitwise what the originals compute
 * (every format, copied and borrowed); the size query and capacity rules; and the loader refuses
 * every corruption: truncation at every length, any flipped bit (CRC), and, with the CRC
 * recomputed, every field and array inconsistency it checks. The fixture blob
 * (tests/data/weights-fixture.h, written on x86) loads on every target with known outputs.
 * qs8 / f16 block weights: their 1-byte column gaps (with bridges) and 16-bit block row counts
 * round-trip, blobs written before the gaps or the counts (built here field by field) load as
 * the same weights, corrupt gaps and counts are refused.
 *
 * Regenerating the fixture (only when the format version changes):
 *   build/native-release/tests/serialize-test --write-fixture tests/data/weights-fixture.h */
#include "refusals.h"
#include "test-util.h"

#include <sprig.h>
#include <sprig/half.h>
#include <sprig/qs8-stream.h>
#include <sprig/serialize.h>
#include <sprig/weights.h>

#include "data/weights-fixture.h"

static int setup_group(void** state) {
  (void) state;
  sprig_set_log_callback(capture_log, NULL, sprig_log_level_error);
  return sprig_initialize() == sprig_status_success || getenv("SPRIG_FORCE_ISA") != NULL ? 0 : -1;
}

#define UNTOUCHED_WEIGHTS ((sprig_weights_t) (uintptr_t) 0x5eed)

/* Rows x cols = G*O x I*kh*kw of a 3-channel 5x5 convolution with 37 outputs: edge blocks in
 * both directions for every block shape, a short last N:M run. */
enum { ROWS = 37, KH = 5, KW = 5, CIN = 3, COLS = CIN * KH * KW, BATCH = 7, HEIGHT = 9, WIDTH = 8 };

static const struct sprig_sparsity formats[] = {
    {.format = SPRIG_FORMAT_CSR},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 4, .block_cols = 1},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 8, .block_cols = 1},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 4},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 8},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 2, .block_cols = 2},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 4, .block_cols = 4},
    {.format = SPRIG_FORMAT_NM, .n = 2, .m = 4},
    {.format = SPRIG_FORMAT_NM, .n = 1, .m = 4},
    {.format = SPRIG_FORMAT_NM, .n = 4, .m = 8},
    {.format = SPRIG_FORMAT_NM, .n = 3, .m = 16},
    {.format = SPRIG_FORMAT_NM, .n = 1, .m = 2},
    {.format = SPRIG_FORMAT_GROUP, .group = 2},
    {.format = SPRIG_FORMAT_GROUP, .group = 4},
    {.format = SPRIG_FORMAT_GROUP, .group = 8},
};
#define FORMAT_COUNT (sizeof(formats) / sizeof(formats[0]))

static sprig_weights_t pack_format(const struct sprig_sparsity* p, uint64_t seed) {
  float w[ROWS * COLS];
  struct rng rng = {seed};
  fill_random(&rng, w, ROWS * COLS);
  const float target = p->format == SPRIG_FORMAT_NM ? 0.0f : 0.7f;
  assert_int_equal(sprig_prune_f32(ROWS, COLS, w, p, target, NULL), sprig_status_success);
  sprig_weights_t packed = NULL;
  assert_int_equal(sprig_pack_weights_f32(ROWS, COLS, w, p, 0, &packed), sprig_status_success);
  return packed;
}

/* The blob of `w` in a new malloc'd buffer. */
static uint8_t* serialize(sprig_weights_t w, size_t* size) {
  assert_int_equal(sprig_serialize_weights(w, NULL, 0, size), sprig_status_success);
  uint8_t* blob = malloc(*size);
  assert_non_null(blob);
  size_t written = 0;
  assert_int_equal(sprig_serialize_weights(w, blob, *size, &written), sprig_status_success);
  assert_int_equal(written, *size);
  return blob;
}

/* Outputs of a linear (batch 1 and BATCH) and a conv2d operator made from `w`: ROWS x (1 +
 * BATCH) + ROWS x HEIGHT x WIDTH floats, to free. */
static float* run_operators(sprig_weights_t w) {
  static float input[BATCH * HEIGHT * WIDTH * CIN];
  static float bias[ROWS];
  struct rng rng = {4242};
  fill_random(&rng, input, BATCH * HEIGHT * WIDTH * CIN);
  fill_random(&rng, bias, ROWS);
  float* out = malloc((ROWS * (1 + BATCH) + ROWS * HEIGHT * WIDTH) * sizeof(float));
  assert_non_null(out);
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_linear_from_weights_f32(w, bias, -INFINITY, INFINITY, 0, &op), sprig_status_success);
  assert_int_equal(sprig_reshape_linear_f32(op, 1), sprig_status_success);
  assert_int_equal(sprig_setup_linear_f32(op, input, out), sprig_status_success);
  assert_int_equal(sprig_run_operator(op, NULL), sprig_status_success);
  assert_int_equal(sprig_reshape_linear_f32(op, BATCH), sprig_status_success);
  assert_int_equal(sprig_setup_linear_f32(op, input, out + ROWS), sprig_status_success);
  assert_int_equal(sprig_run_operator(op, NULL), sprig_status_success);
  assert_int_equal(sprig_delete_operator(op), sprig_status_success);
  const struct sprig_conv2d_params p = {KH, KW, 1, 1, 1, 1, 2, 1, 0, 2, 1, CIN, ROWS};
  assert_int_equal(sprig_create_conv2d_nchw_from_weights_f32(&p, w, bias, -INFINITY, INFINITY, 0, &op),
                   sprig_status_success);
  size_t oh = 0, ow = 0;
  assert_int_equal(sprig_reshape_conv2d_nchw_f32(op, 1, HEIGHT, WIDTH, &oh, &ow), sprig_status_success);
  assert_int_equal(oh * ow, (size_t) (HEIGHT - 2) * (WIDTH - 1));
  assert_int_equal(sprig_setup_conv2d_nchw_f32(op, input, out + ROWS * (1 + BATCH)), sprig_status_success);
  assert_int_equal(sprig_run_operator(op, NULL), sprig_status_success);
  assert_int_equal(sprig_delete_operator(op), sprig_status_success);
  return out;
}

static size_t output_count(void) {
  return ROWS * (1 + BATCH) + ROWS * (HEIGHT - 2) * (WIDTH - 1);
}

static void assert_same_info(sprig_weights_t a, sprig_weights_t b) {
  struct sprig_weights_info x, y;
  assert_int_equal(sprig_get_weights_info(a, &x), sprig_status_success);
  assert_int_equal(sprig_get_weights_info(b, &y), sprig_status_success);
  assert_memory_equal(&x.pattern, &y.pattern, sizeof(x.pattern));
  assert_int_equal(x.rows, y.rows);
  assert_int_equal(x.cols, y.cols);
  assert_int_equal(x.nnz, y.nnz);
  assert_int_equal(x.stored_values, y.stored_values);
  assert_int_equal(x.packed_bytes, y.packed_bytes);
}

/* Serialize, load (copied, borrowed, borrowed from a misaligned copy: copied), run: the same bits
 * as the original weights; and the loaded weights serialize to the same blob. */
static void round_trip(sprig_weights_t original, const char* what) {
  size_t size = 0;
  uint8_t* blob = serialize(original, &size);
  float* expected = run_operators(original);
  uint8_t* misaligned_storage = malloc(size + 1);
  assert_non_null(misaligned_storage);
  memcpy(misaligned_storage + 1, blob, size);
  const struct {
    const uint8_t* data;
    uint32_t flags;
    bool borrowed;
  } loads[] = {
      {blob, 0, false},
      {blob, SPRIG_FLAG_BORROW_BUFFER, true},
      {misaligned_storage + 1, SPRIG_FLAG_BORROW_BUFFER, false},
  };
  for (size_t l = 0; l < sizeof(loads) / sizeof(loads[0]); l++) {
    sprig_weights_t loaded = NULL;
    assert_int_equal(sprig_deserialize_weights(loads[l].data, size, loads[l].flags, &loaded), sprig_status_success);
    if (loaded->borrowed != loads[l].borrowed) {
      fail_msg("%s, load %zu: borrowed is %d", what, l, (int) loaded->borrowed);
    }
    assert_same_info(original, loaded);
    float* actual = run_operators(loaded);
    if (memcmp(actual, expected, output_count() * sizeof(float)) != 0) {
      fail_msg("%s, load %zu: outputs differ from the original weights'", what, l);
    }
    free(actual);
    size_t again_size = 0;
    uint8_t* again = serialize(loaded, &again_size);
    assert_int_equal(again_size, size);
    if (memcmp(again, blob, size) != 0) {
      fail_msg("%s, load %zu: the loaded weights serialize to another blob", what, l);
    }
    free(again);
    assert_int_equal(sprig_release_weights(loaded), sprig_status_success);
  }
  free(expected);
  free(misaligned_storage);
  free(blob);
}

static void test_round_trip_every_format(void** state) {
  (void) state;
  require_sprig();
  for (size_t f = 0; f < FORMAT_COUNT; f++) {
    sprig_weights_t w = pack_format(&formats[f], 100 + f);
    char what[128];
    snprintf(what, sizeof(what), "format %zu (%d)", f, (int) formats[f].format);
    round_trip(w, what);
    sprig_release_weights(w);
  }
  /* AUTO's choice, an all-zero matrix, and CSR from arrays with gaps over 255 columns. */
  float dense[ROWS * COLS];
  struct rng rng = {9};
  fill_sparse(&rng, dense, ROWS, COLS, 0.9);
  const struct sprig_sparsity automatic = {.format = SPRIG_FORMAT_AUTO};
  sprig_weights_t w = NULL;
  assert_int_equal(sprig_pack_weights_f32(ROWS, COLS, dense, &automatic, 0, &w), sprig_status_success);
  round_trip(w, "AUTO");
  sprig_release_weights(w);
  fill_value(dense, ROWS * COLS, 0.0f);
  assert_int_equal(sprig_pack_weights_f32(ROWS, COLS, dense, NULL, 0, &w), sprig_status_success);
  round_trip(w, "all zero");
  sprig_release_weights(w);

  enum { WIDE = 1000 };
  uint32_t row_ptr[3] = {0, 3, 4};
  const uint32_t col_idx[4] = {0, 600, 999, 300};
  const float values[4] = {1.5f, -2.0f, 0.0f, 4.0f};
  assert_int_equal(sprig_pack_weights_csr_f32(2, WIDE, 4, row_ptr, col_idx, values, 0, &w), sprig_status_success);
  size_t size = 0;
  uint8_t* blob = serialize(w, &size);
  sprig_weights_t loaded = NULL;
  assert_int_equal(sprig_deserialize_weights(blob, size, 0, &loaded), sprig_status_success);
  assert_same_info(w, loaded);
  float input[WIDE], out_a[2], out_b[2];
  for (size_t i = 0; i < WIDE; i++) {
    input[i] = (float) (i % 7);
  }
  sprig_weights_t both[2] = {w, loaded};
  float* outs[2] = {out_a, out_b};
  for (size_t k = 0; k < 2; k++) {
    sprig_operator_t op = NULL;
    assert_int_equal(sprig_create_linear_from_weights_f32(both[k], NULL, -INFINITY, INFINITY, 0, &op),
                     sprig_status_success);
    assert_int_equal(sprig_reshape_linear_f32(op, 1), sprig_status_success);
    assert_int_equal(sprig_setup_linear_f32(op, input, outs[k]), sprig_status_success);
    assert_int_equal(sprig_run_operator(op, NULL), sprig_status_success);
    sprig_delete_operator(op);
  }
  assert_memory_equal(out_a, out_b, sizeof(out_a));
  assert_true(out_a[0] == 1.5f * 0 - 2.0f * (600 % 7) && out_a[1] == 4.0f * (300 % 7));
  sprig_release_weights(loaded);
  sprig_release_weights(w);
  free(blob);
}

/* A borrowed blob stays the caller's: released weights leave it alone, and operators made from
 * the weights keep working after the weights are released. */
static void test_borrowed_buffer(void** state) {
  (void) state;
  require_sprig();
  sprig_weights_t w = pack_format(&formats[0], 5);
  size_t size = 0;
  uint8_t* blob = serialize(w, &size);
  uint8_t* copy = malloc(size);
  memcpy(copy, blob, size);
  sprig_weights_t loaded = NULL;
  assert_int_equal(sprig_deserialize_weights(blob, size, SPRIG_FLAG_BORROW_BUFFER, &loaded), sprig_status_success);
  assert_true(loaded->borrowed);
  assert_true((const uint8_t*) loaded->row_ptr > blob && (const uint8_t*) loaded->row_ptr < blob + size);
  assert_true((const uint8_t*) loaded->values > blob && (const uint8_t*) loaded->values < blob + size);
  float* expected = run_operators(w);
  float* actual = run_operators(loaded);
  assert_memory_equal(actual, expected, output_count() * sizeof(float));
  assert_int_equal(sprig_release_weights(loaded), sprig_status_success);
  assert_memory_equal(blob, copy, size); /* untouched, still allocated (ASan / valgrind check) */
  free(actual);
  free(expected);
  free(copy);
  free(blob);
  sprig_release_weights(w);
}

static void test_size_query_and_capacity(void** state) {
  (void) state;
  require_sprig();
  sprig_weights_t w = pack_format(&formats[7], 11);
  size_t size = 0;
  assert_int_equal(sprig_serialize_weights(w, NULL, 0, &size), sprig_status_success);
  assert_true(size > SPRIG_BLOB_HEADER_BYTES);
  uint8_t* buffer = malloc(size + 16);
  memset(buffer, 0xAB, size + 16);
  size_t written = 77;
  logged_errors = 0;
  assert_int_equal(sprig_serialize_weights(w, buffer, size - 1, &written), sprig_status_invalid_parameter);
  assert_int_equal(logged_errors, 1);
  assert_non_null(strstr(last_message, "capacity"));
  assert_int_equal(written, 77);
  for (size_t i = 0; i < size + 16; i++) {
    assert_int_equal(buffer[i], 0xAB);
  }
  assert_int_equal(sprig_serialize_weights(w, buffer, 0, &written), sprig_status_invalid_parameter);
  assert_int_equal(sprig_serialize_weights(NULL, buffer, size, &written), sprig_status_invalid_parameter);
  assert_int_equal(sprig_serialize_weights(w, buffer, size, NULL), sprig_status_invalid_parameter);
  assert_int_equal(written, 77);
  /* A larger capacity writes exactly `size` bytes. */
  assert_int_equal(sprig_serialize_weights(w, buffer, size + 16, &written), sprig_status_success);
  assert_int_equal(written, size);
  for (size_t i = size; i < size + 16; i++) {
    assert_int_equal(buffer[i], 0xAB);
  }
  sprig_weights_t loaded = UNTOUCHED_WEIGHTS;
  assert_int_equal(sprig_deserialize_weights(NULL, size, 0, &loaded), sprig_status_invalid_parameter);
  assert_int_equal(sprig_deserialize_weights(buffer, size, 0, NULL), sprig_status_invalid_parameter);
  assert_int_equal(sprig_deserialize_weights(buffer, size, 0x100, &loaded), sprig_status_invalid_parameter);
  assert_ptr_equal(loaded, UNTOUCHED_WEIGHTS);
  free(buffer);
  sprig_release_weights(w);
}

/* A small blob of each format family. */
static uint8_t* small_blob(size_t which, size_t* size) {
  static const float dense[4 * 6] = {1, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0, 0, 4, 5, 0, 0, 0, 6, 0, 0, 0, 0, 7, 0};
  static const struct sprig_sparsity kinds[] = {
      {.format = SPRIG_FORMAT_CSR},
      {.format = SPRIG_FORMAT_BLOCK, .block_rows = 4, .block_cols = 1},
      {.format = SPRIG_FORMAT_NM, .n = 2, .m = 4},
      {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 4},
  };
  sprig_weights_t w = NULL;
  assert_int_equal(sprig_pack_weights_f32(4, 6, dense, &kinds[which], 0, &w), sprig_status_success);
  uint8_t* blob = serialize(w, size);
  sprig_release_weights(w);
  return blob;
}

static void expect_corrupt(const uint8_t* blob, size_t size, const char* needle, const char* what) {
  sprig_weights_t loaded = UNTOUCHED_WEIGHTS;
  logged_errors = 0;
  last_message[0] = '\0';
  const enum sprig_status status = sprig_deserialize_weights(blob, size, SPRIG_FLAG_BORROW_BUFFER, &loaded);
  if (status != sprig_status_invalid_weights) {
    fail_msg("%s: returned %s, expected invalid weights", what, sprig_status_string(status));
  }
  if (loaded != UNTOUCHED_WEIGHTS) {
    fail_msg("%s: weights_out was written", what);
  }
  if (logged_errors < 1 || (needle != NULL && strstr(last_message, needle) == NULL)) {
    fail_msg("%s: logged \"%s\", expected a mention of \"%s\"", what, last_message, needle != NULL ? needle : "");
  }
}

static void test_truncation_at_every_length(void** state) {
  (void) state;
  require_sprig();
  for (size_t which = 0; which < 4; which++) {
    size_t size = 0;
    uint8_t* blob = small_blob(which, &size);
    for (size_t length = 0; length < size; length++) {
      /* In a buffer of exactly that length, so that ASan / valgrind see any read past it. */
      uint8_t* cut = malloc(SPRIG_TEST_MAX(length, 1));
      memcpy(cut, blob, length);
      char what[128];
      snprintf(what, sizeof(what), "blob %zu cut to %zu of %zu bytes", which, length, size);
      expect_corrupt(cut, length, "truncated", what);
      free(cut);
    }
    uint8_t* longer = calloc(size + 1, 1);
    memcpy(longer, blob, size);
    expect_corrupt(longer, size + 1, "size differs", "one byte more");
    free(longer);
    free(blob);
  }
}

static void test_bit_flips_fail_the_crc(void** state) {
  (void) state;
  require_sprig();
  for (size_t which = 0; which < 4; which++) {
    size_t size = 0;
    uint8_t* blob = small_blob(which, &size);
    /* Past the magic, version and total size (which have their own messages), every bit. */
    for (size_t at = SPRIG_BLOB_OFFSET_DTYPE; at < size; at++) {
      if (at >= SPRIG_BLOB_OFFSET_TOTAL && at < SPRIG_BLOB_OFFSET_TOTAL + 8) {
        continue;
      }
      for (unsigned bit = 0; bit < 8; bit++) {
        blob[at] ^= (uint8_t) (1u << bit);
        char what[128];
        snprintf(what, sizeof(what), "blob %zu, byte %zu bit %u", which, at, bit);
        expect_corrupt(blob, size, "CRC-32C", what);
        blob[at] ^= (uint8_t) (1u << bit);
      }
    }
    for (size_t at = 0; at < SPRIG_BLOB_OFFSET_DTYPE; at++) {
      blob[at] ^= 0x10;
      expect_corrupt(blob, size, at < 8 ? "magic" : "version", "magic or version");
      blob[at] ^= 0x10;
    }
    for (size_t at = SPRIG_BLOB_OFFSET_TOTAL; at < SPRIG_BLOB_OFFSET_TOTAL + 8; at++) {
      blob[at] ^= 0x01;
      expect_corrupt(blob, size, "size", "total size");
      blob[at] ^= 0x01;
    }
    free(blob);
  }
}

static void reseal(uint8_t* blob, size_t size) {
  const uint32_t crc = sprig_crc32c(blob, size - 4);
  for (size_t i = 0; i < 4; i++) {
    blob[size - 4 + i] = (uint8_t) (crc >> (8 * i));
  }
}

static void put_le(uint8_t* p, uint64_t v, size_t bytes) {
  for (size_t i = 0; i < bytes; i++) {
    p[i] = (uint8_t) (v >> (8 * i));
  }
}

/* Offset of array `i` in a blob (from its table). */
static size_t array_offset(const uint8_t* blob, size_t i) {
  size_t at = 144;
  for (size_t k = 0; k < i; k++) {
    const uint8_t* entry = blob + SPRIG_BLOB_HEADER_BYTES + k * SPRIG_BLOB_TABLE_ENTRY_BYTES;
    uint64_t count = 0;
    for (size_t b = 0; b < 8; b++) {
      count |= (uint64_t) entry[8 + b] << (8 * b);
    }
    const uint32_t element = entry[4];
    at = (at + (size_t) count * element + 15) / 16 * 16;
  }
  return at;
}

/* One field changed (CRC recomputed): refused with `needle` in the log. */
static void expect_field_refused(size_t which, size_t offset, uint64_t value, size_t bytes, const char* needle) {
  size_t size = 0;
  uint8_t* blob = small_blob(which, &size);
  put_le(blob + offset, value, bytes);
  reseal(blob, size);
  char what[128];
  snprintf(what, sizeof(what), "blob %zu, offset %zu = %llu", which, offset, (unsigned long long) value);
  expect_corrupt(blob, size, needle, what);
  free(blob);
}

static void test_structural_checks(void** state) {
  (void) state;
  require_sprig();
  /* Header fields. */
  expect_field_refused(0, SPRIG_BLOB_OFFSET_DTYPE, 3, 4, "dtype"); /* 0 f32, 1 qs8, 2 f16 */
  expect_field_refused(0, SPRIG_BLOB_OFFSET_FORMAT, SPRIG_FORMAT_AUTO, 4, "format");
  expect_field_refused(0, SPRIG_BLOB_OFFSET_FORMAT, 0, 4, "format");
  expect_field_refused(1, SPRIG_BLOB_OFFSET_PATTERN, 3, 4, "pattern");      /* BLOCK 3x1 */
  expect_field_refused(2, SPRIG_BLOB_OFFSET_PATTERN + 8, 4, 4, "pattern");  /* N:M 4:4 */
  expect_field_refused(0, SPRIG_BLOB_OFFSET_PATTERN + 16, 2, 4, "pattern"); /* CSR with a group */
  expect_field_refused(0, SPRIG_BLOB_OFFSET_ROWS, 0, 8, "rows");
  expect_field_refused(0, SPRIG_BLOB_OFFSET_COLS, (uint64_t) 1 << 32, 8, "rows and cols");
  expect_field_refused(0, SPRIG_BLOB_OFFSET_NNZ, 100, 8, "nnz");
  expect_field_refused(0, SPRIG_BLOB_OFFSET_STORED, 8, 8, "table");
  expect_field_refused(0, SPRIG_BLOB_OFFSET_ROWS, 5, 8, "table");
  expect_field_refused(2, SPRIG_BLOB_OFFSET_COLS, 9, 8, "N:M stored values");
  expect_field_refused(1, SPRIG_BLOB_OFFSET_STORED, 7, 8, "whole blocks");
  expect_field_refused(0, SPRIG_BLOB_OFFSET_ARRAY_COUNT, 4, 4, "array count");
  expect_field_refused(0, SPRIG_BLOB_OFFSET_RESERVED, 1, 4, "reserved");
  expect_field_refused(0, SPRIG_BLOB_HEADER_BYTES + 4, 2, 4, "table");      /* row_ptr element size */
  expect_field_refused(0, SPRIG_BLOB_HEADER_BYTES + 16, 9, 4, "table");     /* second array id */
  expect_field_refused(0, 140, 1, 1, "padding");                            /* before the arrays */

  /* CSR (4 x 6, entries per row 2, 1, 3, 1): row_ptr, then gaps, then values. */
  size_t size = 0;
  uint8_t* csr = small_blob(0, &size);
  const size_t row_ptr = array_offset(csr, 0), gaps = array_offset(csr, 1), values = array_offset(csr, 2);
  free(csr);
  expect_field_refused(0, row_ptr, 1, 4, "row_ptr");                 /* row_ptr[0] != 0 */
  expect_field_refused(0, row_ptr + 16, 6, 4, "row_ptr");            /* row_ptr[rows] != stored */
  expect_field_refused(0, row_ptr + 8, 1, 4, "decreases");           /* 2, 1, 5 */
  expect_field_refused(0, row_ptr + 12, 9, 4, "decreases");          /* past the end */
  expect_field_refused(0, gaps, 0, 1, "gap 0");
  expect_field_refused(0, gaps + 1, 6, 1, "column out of range");    /* 0 + 6 = column 6 of 6 */
  expect_field_refused(0, gaps + 1, 255, 1, "column out of range");
  expect_field_refused(0, gaps + 7, 1, 1, "padding");                /* after the 7 gaps */
  (void) values;

  /* BLOCK 4x1 (one block row, blocks at columns 0, 1, 2, 3, 5). */
  uint8_t* block = small_blob(1, &size);
  const size_t block_ptr = array_offset(block, 0), block_cols = array_offset(block, 1);
  const size_t block_values = array_offset(block, 2);
  free(block);
  expect_field_refused(1, block_ptr, 1, 4, "block row pointers");
  expect_field_refused(1, block_ptr + 4, 4, 4, "block row pointers");
  expect_field_refused(1, block_cols + 2 * 4, 6, 2, "block column out of range");
  expect_field_refused(1, block_cols + 2 * 1, 0, 2, "strictly increasing");
  expect_field_refused(1, block_cols + 2 * 2, 1, 2, "strictly increasing");
  expect_field_refused(1, block_values, 0, 4, "nnz");               /* the value 1 zeroed */

  /* BLOCK 1x4 on 6 columns: columns 6 and 7 of each second block are outside the matrix. */
  uint8_t* wide = small_blob(3, &size);
  const size_t wide_cols = array_offset(wide, 1), wide_values = array_offset(wide, 2);
  size_t edge_block = SIZE_MAX;
  for (size_t b = 0; b < 8 && edge_block == SIZE_MAX; b++) {
    if (wide[wide_cols + 2 * b] == 1) {
      edge_block = b;
    }
  }
  free(wide);
  assert_true(edge_block != SIZE_MAX);
  expect_field_refused(3, wide_values + (edge_block * 4 + 3) * 4, 0x3f800000, 4, "outside the matrix");

  /* N:M 2:4 on 6 columns (runs of 4 and 2). */
  uint8_t* nm = small_blob(2, &size);
  const size_t indices = array_offset(nm, 0), nm_values = array_offset(nm, 1);
  free(nm);
  expect_field_refused(2, indices, 4, 1, "N:M index");
  expect_field_refused(2, indices + 2, 2, 1, "N:M index");           /* run 1 has columns 4, 5 only */
  expect_field_refused(2, indices + 3, 200, 1, "N:M index");
  expect_field_refused(2, indices + 9, 0, 1, "same column"); /* row 2, run 0: 4 and 5 both on column 0 */
  expect_field_refused(2, nm_values, 0, 4, "nnz");
}

/* Every byte and three masks, CRC recomputed: the loader refuses, or accepts weights that run
 * (within bounds: ASan / valgrind check the accesses). */
static void test_any_corruption_with_valid_crc(void** state) {
  (void) state;
  require_sprig();
  static const uint8_t masks[] = {0x01, 0x80, 0xFF};
  /* A changed cols field can stay valid (wider matrices); rows cannot. */
  float input[256], output[16];
  for (size_t i = 0; i < 256; i++) {
    input[i] = (float) (i % 5) - 2.0f;
  }
  for (size_t which = 0; which < 4; which++) {
    size_t size = 0;
    uint8_t* blob = small_blob(which, &size);
    size_t accepted = 0;
    for (size_t at = 0; at + 4 < size; at++) {
      for (size_t k = 0; k < sizeof(masks); k++) {
        uint8_t* copy = malloc(size);
        memcpy(copy, blob, size);
        copy[at] ^= masks[k];
        reseal(copy, size);
        sprig_weights_t loaded = NULL;
        const enum sprig_status status = sprig_deserialize_weights(copy, size, SPRIG_FLAG_BORROW_BUFFER, &loaded);
        if (status == sprig_status_success) {
          accepted++;
          struct sprig_weights_info info;
          assert_int_equal(sprig_get_weights_info(loaded, &info), sprig_status_success);
          assert_int_equal(info.rows, 4);
          if (info.cols > 256) { /* a valid wider matrix: too wide for this input */
            sprig_release_weights(loaded);
            free(copy);
            continue;
          }
          sprig_operator_t op = NULL;
          assert_int_equal(sprig_create_linear_from_weights_f32(loaded, NULL, -INFINITY, INFINITY, 0, &op),
                           sprig_status_success);
          assert_int_equal(sprig_reshape_linear_f32(op, 1), sprig_status_success);
          assert_int_equal(sprig_setup_linear_f32(op, input, output), sprig_status_success);
          assert_int_equal(sprig_run_operator(op, NULL), sprig_status_success);
          sprig_delete_operator(op);
          sprig_release_weights(loaded);
        } else if (status != sprig_status_invalid_weights) {
          fail_msg("blob %zu, byte %zu ^ 0x%02x: %s", which, at, masks[k], sprig_status_string(status));
        }
        free(copy);
      }
    }
    /* Changed values (and only they, mostly) still make valid weights. */
    assert_true(accepted > 0);
    free(blob);
  }
}


/* ---- qs8 / f16 block weights: 1-byte column gaps (array id 9), and blobs from before them ---- */

/* rows x GAP_COLS int8 with 1x4-aligned runs of nonzeros: row r has blocks at block columns
 * 0 and 1023 (a 1020-block step: 4 bridges), or 600 alone, or none. */
enum { GAP_ROWS = 8, GAP_COLS = 4096 };

static void gap_dense(int8_t* dense) {
  memset(dense, 0, GAP_ROWS * GAP_COLS);
  for (size_t r = 0; r < GAP_ROWS; r++) {
    const size_t kind = r % 3;
    for (size_t j = 0; j < 4; j++) {
      const int8_t v = (int8_t) (j == 3 ? -128 : (int) (r * 4 + j + 1));
      if (kind == 0) {
        dense[r * GAP_COLS + j] = v;
        dense[r * GAP_COLS + 1023 * 4 + j] = v;
      } else if (kind == 1) {
        dense[r * GAP_COLS + 600 * 4 + j] = v;
      }
    }
  }
}

static void gap_halves(const int8_t* dense, uint16_t* halves) {
  for (size_t i = 0; i < GAP_ROWS * GAP_COLS; i++) {
    halves[i] = sprig_float_to_half((float) dense[i]);
  }
}

static const struct sprig_sparsity gap_formats[] = {
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 4},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 4, .block_cols = 1},
    {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 8},
    {.format = SPRIG_FORMAT_GROUP, .group = 8},
};
#define GAP_FORMATS (sizeof(gap_formats) / sizeof(gap_formats[0]))

static sprig_weights_t pack_gap_weights(size_t dtype, const struct sprig_sparsity* p) {
  static int8_t dense[GAP_ROWS * GAP_COLS];
  static uint16_t halves[GAP_ROWS * GAP_COLS];
  gap_dense(dense);
  gap_halves(dense, halves);
  sprig_weights_t w = NULL;
  if (dtype == sprig_weights_dtype_qs8) {
    assert_int_equal(sprig_pack_weights_qs8(GAP_ROWS, GAP_COLS, dense, p, 0, &w), sprig_status_success);
  } else {
    assert_int_equal(sprig_pack_weights_f16(GAP_ROWS, GAP_COLS, halves, p, 0, &w), sprig_status_success);
  }
  return w;
}

/* Same packed arrays (gaps, block row counts or pointers, values), element for element. */
static void assert_same_block_arrays(const struct sprig_weights* a, const struct sprig_weights* b) {
  assert_int_equal(a->blocks, b->blocks);
  assert_non_null(a->block_col_gaps);
  assert_non_null(b->block_col_gaps);
  assert_memory_equal(a->block_col_gaps, b->block_col_gaps, a->blocks);
  const size_t block_rows = (a->rows + a->block_height - 1) / a->block_height;
  assert_true((a->block_row_counts16 != NULL) == (b->block_row_counts16 != NULL));
  if (a->block_row_counts16 != NULL) {
    assert_memory_equal(a->block_row_counts16, b->block_row_counts16, block_rows * sizeof(uint16_t));
  } else {
    assert_memory_equal(a->block_row_ptr, b->block_row_ptr, (block_rows + 1) * sizeof(uint32_t));
  }
  if (a->dtype == sprig_weights_dtype_qs8) {
    assert_memory_equal(a->block_values_s8, b->block_values_s8, a->stored_values);
  } else {
    assert_memory_equal(a->block_values_f16, b->block_values_f16, a->stored_values * sizeof(uint16_t));
  }
}

/* Outputs of a batch-1 linear operator of the weights' dtype (qs8: int8 in and out; f16: half
 * in and out; f32) for an input of small integers: rows x the output element size bytes, to free. */
static void* dtype_linear_outputs(sprig_weights_t w) {
  const size_t rows = w->rows, cols = w->cols;
  float* scales = malloc(rows * sizeof(float));
  uint8_t* input = malloc(cols * sizeof(float));
  uint8_t* output = malloc(rows * sizeof(float));
  assert_true(scales != NULL && input != NULL && output != NULL);
  for (size_t r = 0; r < rows; r++) {
    scales[r] = 1.0f / 64;
  }
  sprig_operator_t op = NULL;
  switch (w->dtype) {
    case sprig_weights_dtype_qs8:
      for (size_t i = 0; i < cols; i++) {
        ((int8_t*) input)[i] = (int8_t) ((int) (i % 5) - 2);
      }
      assert_int_equal(sprig_create_linear_from_weights_qs8(w, 1, 1.0f, scales, NULL, -3, 1.0f, -128, 127, 0, &op),
                       sprig_status_success);
      assert_int_equal(sprig_reshape_linear_qs8(op, 1), sprig_status_success);
      assert_int_equal(sprig_setup_linear_qs8(op, (const int8_t*) input, (int8_t*) output), sprig_status_success);
      break;
    case sprig_weights_dtype_f16:
      for (size_t i = 0; i < cols; i++) {
        ((uint16_t*) input)[i] = sprig_float_to_half((float) ((int) (i % 5) - 2));
      }
      assert_int_equal(sprig_create_linear_from_weights_f16(w, NULL, -INFINITY, INFINITY, 0, &op),
                       sprig_status_success);
      assert_int_equal(sprig_reshape_linear_f16(op, 1), sprig_status_success);
      assert_int_equal(sprig_setup_linear_f16(op, (const uint16_t*) input, (uint16_t*) output),
                       sprig_status_success);
      break;
    default:
      for (size_t i = 0; i < cols; i++) {
        ((float*) input)[i] = (float) ((int) (i % 5) - 2);
      }
      assert_int_equal(sprig_create_linear_from_weights_f32(w, NULL, -INFINITY, INFINITY, 0, &op),
                       sprig_status_success);
      assert_int_equal(sprig_reshape_linear_f32(op, 1), sprig_status_success);
      assert_int_equal(sprig_setup_linear_f32(op, (const float*) input, (float*) output), sprig_status_success);
      break;
  }
  assert_int_equal(sprig_run_operator(op, NULL), sprig_status_success);
  assert_int_equal(sprig_delete_operator(op), sprig_status_success);
  free(input);
  free(scales);
  return output;
}

static size_t output_bytes(const struct sprig_weights* w) {
  return w->rows * (w->dtype == sprig_weights_dtype_qs8 ? 1 : w->dtype == sprig_weights_dtype_f16 ? 2 : 4);
}

/* Loads `blob` copied and borrowed: weights whose linear outputs are those of `w`, and with
 * `same_arrays`, whose info and block arrays are too. */
static void assert_loads_as(const uint8_t* blob, size_t size, sprig_weights_t w, bool same_arrays) {
  void* expected = dtype_linear_outputs(w);
  for (uint32_t flags = 0; flags <= SPRIG_FLAG_BORROW_BUFFER; flags += SPRIG_FLAG_BORROW_BUFFER) {
    sprig_weights_t loaded = NULL;
    assert_int_equal(sprig_deserialize_weights(blob, size, flags, &loaded), sprig_status_success);
    assert_true(loaded->borrowed == (flags != 0));
    if (same_arrays) {
      assert_same_info(w, loaded);
      assert_same_block_arrays(w, loaded);
    }
    void* actual = dtype_linear_outputs(loaded);
    assert_memory_equal(actual, expected, output_bytes(w));
    free(actual);
    sprig_release_weights(loaded);
  }
  free(expected);
}

static void test_block_gaps_round_trip(void** state) {
  (void) state;
  require_sprig();
  const size_t dtypes[2] = {sprig_weights_dtype_qs8, sprig_weights_dtype_f16};
  for (size_t d = 0; d < 2; d++) {
    for (size_t f = 0; f < GAP_FORMATS; f++) {
      sprig_weights_t w = pack_gap_weights(dtypes[d], &gap_formats[f]);
      assert_true(w->stored_values > w->nnz); /* bridges */
      assert_non_null(w->block_row_counts16);
      size_t size = 0;
      uint8_t* blob = serialize(w, &size);
      const uint8_t* entry = blob + SPRIG_BLOB_HEADER_BYTES;
      const size_t block_rows = (w->rows + w->block_height - 1) / w->block_height;
      assert_int_equal(entry[0], sprig_blob_block_row_counts);
      assert_int_equal(entry[4], 2);
      assert_int_equal(entry[8], block_rows);
      entry += SPRIG_BLOB_TABLE_ENTRY_BYTES;
      assert_int_equal(entry[0], sprig_blob_block_col_gaps);
      assert_int_equal(entry[4], 1);
      assert_loads_as(blob, size, w, true);
      free(blob);
      sprig_release_weights(w);
    }
  }
}

/* A blob as the format lays it out (docs/serialization.md), built field by field. */
struct forged_array {
  uint32_t id, element;
  size_t count;
  const void* data; /* little-endian elements */
};

static uint8_t* forge_blob(uint32_t dtype, const struct sprig_sparsity* p, size_t rows, size_t cols, size_t nnz,
                           size_t stored, const struct forged_array arrays[3], size_t* size) {
  size_t offsets[3], at = 144;
  for (size_t i = 0; i < 3; i++) {
    offsets[i] = at;
    at = (at + arrays[i].count * arrays[i].element + 15) / 16 * 16;
  }
  const size_t end = (offsets[2] + arrays[2].count * arrays[2].element + 3) / 4 * 4;
  *size = end + 4;
  uint8_t* blob = calloc(*size, 1);
  assert_non_null(blob);
  memcpy(blob, SPRIG_BLOB_MAGIC, 8);
  put_le(blob + SPRIG_BLOB_OFFSET_VERSION, 1, 4);
  put_le(blob + SPRIG_BLOB_OFFSET_DTYPE, dtype, 4);
  put_le(blob + SPRIG_BLOB_OFFSET_FORMAT, (uint64_t) p->format, 4);
  const uint32_t fields[5] = {p->block_rows, p->block_cols, p->n, p->m, p->group};
  for (size_t i = 0; i < 5; i++) {
    put_le(blob + SPRIG_BLOB_OFFSET_PATTERN + 4 * i, fields[i], 4);
  }
  put_le(blob + SPRIG_BLOB_OFFSET_ROWS, rows, 8);
  put_le(blob + SPRIG_BLOB_OFFSET_COLS, cols, 8);
  put_le(blob + SPRIG_BLOB_OFFSET_NNZ, nnz, 8);
  put_le(blob + SPRIG_BLOB_OFFSET_STORED, stored, 8);
  put_le(blob + SPRIG_BLOB_OFFSET_TOTAL, *size, 8);
  put_le(blob + SPRIG_BLOB_OFFSET_ARRAY_COUNT, 3, 4);
  for (size_t i = 0; i < 3; i++) {
    uint8_t* entry = blob + SPRIG_BLOB_HEADER_BYTES + i * SPRIG_BLOB_TABLE_ENTRY_BYTES;
    put_le(entry, arrays[i].id, 4);
    put_le(entry + 4, arrays[i].element, 4);
    put_le(entry + 8, arrays[i].count, 8);
    memcpy(blob + offsets[i], arrays[i].data, arrays[i].count * arrays[i].element);
  }
  reseal(blob, *size);
  return blob;
}

/* The blob a library from before the gaps wrote for qs8 / f16 block weights: 16-bit (or
 * 32-bit) block columns under id 5, no bridges. `wide` stores 32-bit columns. */
static uint8_t* legacy_blob(const struct sprig_weights* w, bool wide, size_t* size) {
  const size_t bh = w->block_height, bw = w->block_width, per_block = bh * bw;
  const size_t block_rows = (w->rows + bh - 1) / bh;
  const size_t value_bytes = w->dtype == sprig_weights_dtype_qs8 ? 1 : 2;
  uint8_t* pointers = malloc((block_rows + 1) * 4);
  uint8_t* columns = malloc(w->blocks * 4 + 1);
  uint8_t* values = malloc(w->stored_values * value_bytes + 1);
  assert_true(pointers != NULL && columns != NULL && values != NULL);
  const uint8_t* all_values = w->dtype == sprig_weights_dtype_qs8 ? (const uint8_t*) w->block_values_s8
                                                                  : (const uint8_t*) w->block_values_f16;
  size_t kept = 0;
  put_le(pointers, 0, 4);
  struct sprig_block_row_walk walk = {0};
  for (size_t br = 0; br < block_rows; br++) {
    for (struct sprig_block_cursor c = sprig_block_row(w, &walk, br); c.block < c.end; sprig_block_next(w, &c)) {
      bool zero = true;
      for (size_t k = 0; k < per_block * value_bytes; k++) {
        zero = zero && (all_values[c.block * per_block * value_bytes + k] & (k % 2 == 1 && value_bytes == 2 ? 0x7F : 0xFF)) == 0;
      }
      if (zero) {
        continue; /* a bridge: the old layout had none */
      }
      put_le(columns + kept * (wide ? 4 : 2), c.block_col, wide ? 4 : 2);
      for (size_t k = 0; k < per_block * value_bytes; k += value_bytes) {
        /* little-endian elements */
        uint64_t v = all_values[c.block * per_block * value_bytes + k];
        if (value_bytes == 2) {
          v = ((const uint16_t*) (const void*) all_values)[(c.block * per_block * value_bytes + k) / 2];
        }
        put_le(values + kept * per_block * value_bytes + k, v, value_bytes);
      }
      kept++;
    }
    put_le(pointers + 4 * (br + 1), kept, 4);
  }
  const struct forged_array arrays[3] = {
      {sprig_blob_block_row_ptr, 4, block_rows + 1, pointers},
      {sprig_blob_block_cols, wide ? 4 : 2, kept, columns},
      {sprig_blob_block_values, (uint32_t) value_bytes, kept * per_block, values},
  };
  uint8_t* blob = forge_blob(w->dtype, &w->pattern, w->rows, w->cols, w->nnz, kept * per_block, arrays, size);
  free(pointers);
  free(columns);
  free(values);
  return blob;
}

/* Blobs written before the gaps load (copied, even when borrowing is asked), as the same
 * weights packing gives now: same info, same arrays, the same blob when written again. */
static void test_legacy_block_columns_load(void** state) {
  (void) state;
  require_sprig();
  const size_t dtypes[2] = {sprig_weights_dtype_qs8, sprig_weights_dtype_f16};
  for (size_t d = 0; d < 2; d++) {
    for (size_t f = 0; f < GAP_FORMATS; f++) {
      sprig_weights_t w = pack_gap_weights(dtypes[d], &gap_formats[f]);
      size_t fresh_size = 0, legacy_size = 0;
      uint8_t* fresh = serialize(w, &fresh_size);
      uint8_t* legacy = legacy_blob(w, false, &legacy_size);
      assert_true(legacy_size != fresh_size);
      for (uint32_t flags = 0; flags <= SPRIG_FLAG_BORROW_BUFFER; flags += SPRIG_FLAG_BORROW_BUFFER) {
        sprig_weights_t loaded = NULL;
        assert_int_equal(sprig_deserialize_weights(legacy, legacy_size, flags, &loaded), sprig_status_success);
        assert_false(loaded->borrowed);
        assert_null(loaded->block_col16);
        assert_same_info(w, loaded);
        assert_same_block_arrays(w, loaded);
        size_t again_size = 0;
        uint8_t* again = serialize(loaded, &again_size);
        assert_int_equal(again_size, fresh_size);
        assert_memory_equal(again, fresh, fresh_size);
        free(again);
        sprig_release_weights(loaded);
      }
      free(legacy);
      free(fresh);
      sprig_release_weights(w);
    }
  }
  /* 32-bit block columns (ceil(cols / bw) > 65536): 1x1 blocks on 70000 columns. */
  enum { LONG = 70000 };
  int8_t* row = calloc(LONG, 1);
  assert_non_null(row);
  row[3] = 5;
  row[LONG - 1] = -7;
  const struct sprig_sparsity b11 = {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 1};
  sprig_weights_t w = NULL;
  assert_int_equal(sprig_pack_weights_qs8(1, LONG, row, &b11, 0, &w), sprig_status_success);
  assert_int_equal(w->blocks, 2 + (LONG - 1 - 3 - 1) / 255);
  size_t legacy_size = 0;
  uint8_t* legacy = legacy_blob(w, true, &legacy_size);
  sprig_weights_t loaded = NULL;
  assert_int_equal(sprig_deserialize_weights(legacy, legacy_size, 0, &loaded), sprig_status_success);
  assert_same_info(w, loaded);
  assert_same_block_arrays(w, loaded);
  int8_t* expanded = malloc(LONG);
  assert_non_null(expanded);
  struct sprig_block_row_walk walk = {0};
  sprig_qs8_expand_row(loaded, &walk, 0, expanded);
  assert_memory_equal(expanded, row, LONG);
  free(expanded);
  sprig_release_weights(loaded);
  free(legacy);
  sprig_release_weights(w);
  free(row);
}

/* The blob of qs8 / f16 block weights with gaps and 32-bit block row pointers (array 4), as
 * libraries before the 16-bit counts wrote it (and as large block rows still are). */
static uint8_t* row_pointer_blob(const struct sprig_weights* w, size_t* size) {
  const size_t block_rows = (w->rows + w->block_height - 1) / w->block_height;
  const size_t value_bytes = w->dtype == sprig_weights_dtype_qs8 ? 1 : 2;
  uint8_t* pointers = malloc((block_rows + 1) * 4);
  assert_non_null(pointers);
  size_t at = 0;
  put_le(pointers, 0, 4);
  for (size_t br = 0; br < block_rows; br++) {
    at += w->block_row_counts16[br];
    put_le(pointers + 4 * (br + 1), at, 4);
  }
  const void* values = w->dtype == sprig_weights_dtype_qs8 ? (const void*) w->block_values_s8
                                                           : (const void*) w->block_values_f16;
  const struct forged_array arrays[3] = {
      {sprig_blob_block_row_ptr, 4, block_rows + 1, pointers},
      {sprig_blob_block_col_gaps, 1, w->blocks, w->block_col_gaps},
      {sprig_blob_block_values, (uint32_t) value_bytes, w->stored_values, values},
  };
  uint8_t* blob = forge_blob(w->dtype, &w->pattern, w->rows, w->cols, w->nnz, w->stored_values, arrays, size);
  free(pointers);
  return blob;
}

/* Blobs with 32-bit block row pointers and gaps load, copied or borrowed, as weights holding
 * the pointers (2 bytes per block row more than packing gives now) that compute what the packed
 * weights compute, and write the same blob again. */
static void test_block_row_pointers_load(void** state) {
  (void) state;
  require_sprig();
  const size_t dtypes[2] = {sprig_weights_dtype_qs8, sprig_weights_dtype_f16};
  for (size_t d = 0; d < 2; d++) {
    for (size_t f = 0; f < GAP_FORMATS; f++) {
      sprig_weights_t w = pack_gap_weights(dtypes[d], &gap_formats[f]);
      size_t size = 0, again_size = 0;
      uint8_t* blob = row_pointer_blob(w, &size);
      assert_loads_as(blob, size, w, false);
      sprig_weights_t loaded = NULL;
      assert_int_equal(sprig_deserialize_weights(blob, size, 0, &loaded), sprig_status_success);
      assert_non_null(loaded->block_row_ptr);
      assert_null(loaded->block_row_counts16);
      assert_memory_equal(loaded->block_col_gaps, w->block_col_gaps, w->blocks);
      struct sprig_weights_info packed_info, loaded_info;
      assert_int_equal(sprig_get_weights_info(w, &packed_info), sprig_status_success);
      assert_int_equal(sprig_get_weights_info(loaded, &loaded_info), sprig_status_success);
      const size_t block_rows = (w->rows + w->block_height - 1) / w->block_height;
      assert_int_equal(loaded_info.packed_bytes, packed_info.packed_bytes + (block_rows + 1) * 4 - block_rows * 2);
      uint8_t* again = serialize(loaded, &again_size);
      assert_int_equal(again_size, size);
      assert_memory_equal(again, blob, size);
      free(again);
      sprig_release_weights(loaded);
      free(blob);
      sprig_release_weights(w);
    }
  }
}

/* One byte of a blob changed (CRC recomputed): refused with `needle` in the log, nothing written. */
static void expect_byte_refused(const uint8_t* blob, size_t size, size_t offset, uint8_t value, const char* needle) {
  uint8_t* copy = malloc(size);
  assert_non_null(copy);
  memcpy(copy, blob, size);
  copy[offset] = value;
  reseal(copy, size);
  char what[128];
  snprintf(what, sizeof(what), "offset %zu = %u", offset, (unsigned) value);
  expect_corrupt(copy, size, needle, what);
  free(copy);
}

/* Corrupt gap arrays: gap 0, a step or a run of bridges past the block row's end, a wrong
 * length, gaps in f32 weights; and corrupt columns in blobs from before the gaps. */
static void test_corrupt_block_gaps(void** state) {
  (void) state;
  require_sprig();
  /* qs8 1x4 on 4 x 40 (10 block columns): row 0 blocks at block columns 2, 9; row 1 at 0;
   * row 3 at 5. Gaps: 3, 7 | 1 | | 6. */
  int8_t dense[4 * 40] = {0};
  const size_t at[4][2] = {{2, 9}, {0, SIZE_MAX}, {SIZE_MAX, SIZE_MAX}, {5, SIZE_MAX}};
  for (size_t r = 0; r < 4; r++) {
    for (size_t k = 0; k < 2; k++) {
      if (at[r][k] != SIZE_MAX) {
        dense[r * 40 + at[r][k] * 4 + 1] = (int8_t) (r + 1);
      }
    }
  }
  const struct sprig_sparsity b14 = {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 4};
  sprig_weights_t w = NULL;
  assert_int_equal(sprig_pack_weights_qs8(4, 40, dense, &b14, 0, &w), sprig_status_success);
  size_t size = 0;
  uint8_t* blob = serialize(w, &size);
  const size_t gaps = array_offset(blob, 1);
  const uint8_t expected_gaps[4] = {3, 7, 1, 6};
  assert_memory_equal(blob + gaps, expected_gaps, 4);
  sprig_weights_t loaded = NULL;
  assert_int_equal(sprig_deserialize_weights(blob, size, 0, &loaded), sprig_status_success);
  sprig_release_weights(loaded);
  expect_byte_refused(blob, size, gaps, 0, "gap 0");
  expect_byte_refused(blob, size, gaps + 1, 0, "gap 0");
  expect_byte_refused(blob, size, gaps + 1, 8, "past the block row's end");  /* 2 + 8 = column 10 of 10 */
  expect_byte_refused(blob, size, gaps + 2, 11, "past the block row's end"); /* first block at 10 */
  expect_byte_refused(blob, size, gaps + 3, 255, "past the block row's end"); /* a bridge's step */
  expect_byte_refused(blob, size, gaps + 4, 1, "padding");                    /* after the 4 gaps */
  /* Wrong length: the table's count, and the stored values with it (whole blocks still). */
  expect_byte_refused(blob, size, SPRIG_BLOB_HEADER_BYTES + SPRIG_BLOB_TABLE_ENTRY_BYTES + 8, 3, "table");
  expect_byte_refused(blob, size, SPRIG_BLOB_OFFSET_STORED, 12, "table");
  /* The gap array in f32 weights (whose kernels read 16-bit columns), and a u16 table entry
   * over the gap bytes, are refused. */
  expect_byte_refused(blob, size, SPRIG_BLOB_OFFSET_DTYPE, sprig_weights_dtype_f32, "table");
  expect_byte_refused(blob, size, SPRIG_BLOB_HEADER_BYTES + SPRIG_BLOB_TABLE_ENTRY_BYTES + 4, 2, "table");
  free(blob);

  /* Bridges that run past the end: 1 row of 300 1x1 blocks, blocks at 0 and 299 (gaps 1,
   * bridge 255, 44); a second bridge in place of the last step overflows the row. */
  int8_t wide[300] = {0};
  wide[0] = 1;
  wide[299] = 2;
  const struct sprig_sparsity b11 = {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 1};
  sprig_release_weights(w);
  assert_int_equal(sprig_pack_weights_qs8(1, 300, wide, &b11, 0, &w), sprig_status_success);
  blob = serialize(w, &size);
  const size_t wide_gaps = array_offset(blob, 1);
  const uint8_t bridged[3] = {1, 255, 44};
  assert_memory_equal(blob + wide_gaps, bridged, 3);
  expect_byte_refused(blob, size, wide_gaps + 2, 255, "past the block row's end");
  expect_byte_refused(blob, size, wide_gaps + 2, 45, "past the block row's end");
  expect_byte_refused(blob, size, wide_gaps + 1, 0, "gap 0");
  free(blob);

  /* Blobs from before the gaps: columns out of range or not increasing. */
  sprig_release_weights(w);
  assert_int_equal(sprig_pack_weights_qs8(4, 40, dense, &b14, 0, &w), sprig_status_success);
  uint8_t* legacy = legacy_blob(w, false, &size);
  const size_t columns = array_offset(legacy, 1);
  expect_byte_refused(legacy, size, columns, 10, "block column out of range");
  expect_byte_refused(legacy, size, columns + 2, 2, "strictly increasing");
  free(legacy);
  sprig_release_weights(w);
}

/* Corrupt 16-bit block row counts (array 10): counts that do not sum to the block count, the
 * array truncated, of the wrong element size or length, in f32 weights or beside block columns
 * (array 5), more block rows than bytes; every byte changed (CRC recomputed) is refused or
 * loads as weights that run. */
static void test_corrupt_block_row_counts(void** state) {
  (void) state;
  require_sprig();
  /* qs8 1x4 on 4 x 40: block row counts 2, 1, 0, 1 (as in test_corrupt_block_gaps). */
  int8_t dense[4 * 40] = {0};
  dense[0 * 40 + 2 * 4 + 1] = 1;
  dense[0 * 40 + 9 * 4 + 1] = 1;
  dense[1 * 40 + 0 * 4 + 1] = 2;
  dense[3 * 40 + 5 * 4 + 1] = 4;
  const struct sprig_sparsity b14 = {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 4};
  sprig_weights_t w = NULL;
  assert_int_equal(sprig_pack_weights_qs8(4, 40, dense, &b14, 0, &w), sprig_status_success);
  size_t size = 0;
  uint8_t* blob = serialize(w, &size);
  const size_t counts = array_offset(blob, 0);
  const uint8_t expected_counts[8] = {2, 0, 1, 0, 0, 0, 1, 0};
  assert_memory_equal(blob + counts, expected_counts, 8);
  expect_byte_refused(blob, size, counts, 3, "sum to the block count");
  expect_byte_refused(blob, size, counts + 4, 1, "sum to the block count");
  expect_byte_refused(blob, size, counts + 6, 0, "sum to the block count");
  expect_byte_refused(blob, size, counts + 3, 1, "sum to the block count"); /* 256 + 1 */
  expect_byte_refused(blob, size, counts + 8, 1, "padding");               /* after the 4 counts */
  /* The table: element size 4, one count more or fewer, the id in f32 weights (which keep
   * block row pointers), the id beside 16-bit block columns. */
  expect_byte_refused(blob, size, SPRIG_BLOB_HEADER_BYTES + 4, 4, "table");
  expect_byte_refused(blob, size, SPRIG_BLOB_HEADER_BYTES + 8, 5, "table");
  expect_byte_refused(blob, size, SPRIG_BLOB_HEADER_BYTES + 8, 3, "table");
  expect_byte_refused(blob, size, SPRIG_BLOB_OFFSET_DTYPE, sprig_weights_dtype_f32, "table");
  expect_byte_refused(blob, size, SPRIG_BLOB_HEADER_BYTES, sprig_blob_block_row_ptr, "table");
  expect_byte_refused(blob, size, SPRIG_BLOB_HEADER_BYTES + SPRIG_BLOB_TABLE_ENTRY_BYTES, sprig_blob_block_cols,
                      "table");
  /* More block rows than 2 bytes each in the blob. */
  uint8_t* many = malloc(size);
  memcpy(many, blob, size);
  put_le(many + SPRIG_BLOB_OFFSET_ROWS, size / 2, 8);
  reseal(many, size);
  expect_corrupt(many, size, "more block rows than the blob holds", "rows = size / 2");
  free(many);
  /* Cut at every length (in buffers of exactly that length). */
  for (size_t length = 0; length < size; length++) {
    uint8_t* cut = malloc(SPRIG_TEST_MAX(length, 1));
    memcpy(cut, blob, length);
    char what[64];
    snprintf(what, sizeof(what), "cut to %zu of %zu bytes", length, size);
    expect_corrupt(cut, length, "truncated", what);
    free(cut);
  }
  /* Every byte, three masks: refused, or weights that load borrowed and run. */
  static const uint8_t masks[] = {0x01, 0x80, 0xFF};
  size_t accepted = 0;
  for (size_t at = 0; at + 4 < size; at++) {
    for (size_t k = 0; k < sizeof(masks); k++) {
      uint8_t* copy = malloc(size);
      memcpy(copy, blob, size);
      copy[at] ^= masks[k];
      reseal(copy, size);
      sprig_weights_t loaded = NULL;
      const enum sprig_status status = sprig_deserialize_weights(copy, size, SPRIG_FLAG_BORROW_BUFFER, &loaded);
      if (status == sprig_status_success) {
        accepted++;
        if (loaded->cols <= 4096) { /* a changed cols field may make a valid wider matrix */
          free(dtype_linear_outputs(loaded));
        }
        sprig_release_weights(loaded);
      } else if (status != sprig_status_invalid_weights) {
        fail_msg("byte %zu ^ 0x%02x: %s", at, masks[k], sprig_status_string(status));
      }
      free(copy);
    }
  }
  assert_true(accepted > 0);
  free(blob);
  sprig_release_weights(w);
}

/* ---- the fixture ---- */

/* The fixture's weights: small dyadic values, so that every kernel on every target sums them
 * exactly and the outputs are known bit for bit. */
static void fixture_dense(size_t rows, size_t cols, uint64_t seed, size_t keep_one_in, float* dense) {
  struct rng rng = {seed};
  for (size_t i = 0; i < rows * cols; i++) {
    const uint32_t r = rng_next(&rng);
    dense[i] = r % keep_one_in == 0 ? (float) ((int) (r / keep_one_in % 15) - 7) / 4.0f : 0.0f;
  }
}

static const struct {
  size_t rows, cols;
  struct sprig_sparsity pattern;
  size_t keep_one_in;
} fixture_layers[SPRIG_FIXTURE_BLOBS] = {
    {6, 300, {.format = SPRIG_FORMAT_CSR}, 9},                                   /* gaps over 255 */
    {6, 10, {.format = SPRIG_FORMAT_BLOCK, .block_rows = 4, .block_cols = 1}, 3}, /* edge block row */
    {5, 10, {.format = SPRIG_FORMAT_NM, .n = 2, .m = 4}, 3},                      /* short last run */
};

static void fixture_input(size_t cols, float* input) {
  for (size_t i = 0; i < cols; i++) {
    input[i] = (float) ((int) (i % 9) - 4) / 2.0f;
  }
}

static sprig_weights_t fixture_weights(size_t k) {
  float* dense = malloc(fixture_layers[k].rows * fixture_layers[k].cols * sizeof(float));
  fixture_dense(fixture_layers[k].rows, fixture_layers[k].cols, 1000 + k, fixture_layers[k].keep_one_in, dense);
  sprig_weights_t w = NULL;
  const enum sprig_status status = sprig_pack_weights_f32(fixture_layers[k].rows, fixture_layers[k].cols, dense,
                                                          &fixture_layers[k].pattern, SPRIG_FLAG_PRUNE, &w);
  free(dense);
  return status == sprig_status_success ? w : NULL;
}

static void run_linear_once(sprig_weights_t w, size_t cols, float* output) {
  float* input = malloc(cols * sizeof(float));
  fixture_input(cols, input);
  sprig_operator_t op = NULL;
  assert_int_equal(sprig_create_linear_from_weights_f32(w, NULL, -INFINITY, INFINITY, 0, &op), sprig_status_success);
  assert_int_equal(sprig_reshape_linear_f32(op, 1), sprig_status_success);
  assert_int_equal(sprig_setup_linear_f32(op, input, output), sprig_status_success);
  assert_int_equal(sprig_run_operator(op, NULL), sprig_status_success);
  sprig_delete_operator(op);
  free(input);
}

static void test_fixture_blob_on_this_target(void** state) {
  (void) state;
  require_sprig();
  for (size_t k = 0; k < SPRIG_FIXTURE_BLOBS; k++) {
    const uint8_t* fixture = sprig_fixture_blob_bytes + sprig_fixture_blob_offsets[k];
    const size_t size = sprig_fixture_blob_offsets[k + 1] - sprig_fixture_blob_offsets[k];
    /* From an aligned copy (borrowed) and as it is in the binary (copied). */
    uint8_t* aligned = malloc(size);
    memcpy(aligned, fixture, size);
    sprig_weights_t loaded[2] = {NULL, NULL};
    assert_int_equal(sprig_deserialize_weights(aligned, size, SPRIG_FLAG_BORROW_BUFFER, &loaded[0]),
                     sprig_status_success);
    assert_int_equal(sprig_deserialize_weights(fixture, size, 0, &loaded[1]), sprig_status_success);
    for (size_t l = 0; l < 2; l++) {
      float output[8];
      run_linear_once(loaded[l], fixture_layers[k].cols, output);
      for (size_t r = 0; r < fixture_layers[k].rows; r++) {
        if (memcmp(&output[r], &sprig_fixture_outputs[k][r], sizeof(float)) != 0) {
          fail_msg("fixture %zu, row %zu: %.9g, expected %.9g", k, r, (double) output[r],
                   (double) sprig_fixture_outputs[k][r]);
        }
      }
      sprig_release_weights(loaded[l]);
    }
    free(aligned);
    /* Packing the same weights here writes the same bytes. */
    sprig_weights_t packed = fixture_weights(k);
    assert_non_null(packed);
    size_t own_size = 0;
    uint8_t* own = serialize(packed, &own_size);
    assert_int_equal(own_size, size);
    if (memcmp(own, fixture, size) != 0) {
      fail_msg("fixture %zu: this target serializes the same weights to other bytes", k);
    }
    free(own);
    sprig_release_weights(packed);
  }
}

/* Writes tests/data/weights-fixture.h from the weights above. */
static int write_fixture(const char* path) {
  if (sprig_initialize() != sprig_status_success) {
    return 1;
  }
  FILE* f = fopen(path, "w");
  if (f == NULL) {
    return 1;
  }
  fprintf(f, "/* Serialized weights written on x86-64 by `serialize-test --write-fixture` (tests/serialize.c,\n"
             " * which also holds the weights and input they come from), loaded on every target. */\n"
             "#ifndef SPRIG_WEIGHTS_FIXTURE_H\n#define SPRIG_WEIGHTS_FIXTURE_H\n\n#include <stddef.h>\n"
             "#include <stdint.h>\n\n#define SPRIG_FIXTURE_BLOBS %d\n\n",
          SPRIG_FIXTURE_BLOBS);
  uint8_t* blobs[SPRIG_FIXTURE_BLOBS];
  size_t sizes[SPRIG_FIXTURE_BLOBS];
  float outputs[SPRIG_FIXTURE_BLOBS][8];
  for (size_t k = 0; k < SPRIG_FIXTURE_BLOBS; k++) {
    sprig_weights_t w = fixture_weights(k);
    if (w == NULL || sprig_serialize_weights(w, NULL, 0, &sizes[k]) != sprig_status_success) {
      return 1;
    }
    blobs[k] = malloc(sizes[k]);
    if (sprig_serialize_weights(w, blobs[k], sizes[k], &sizes[k]) != sprig_status_success) {
      return 1;
    }
    run_linear_once(w, fixture_layers[k].cols, outputs[k]);
    sprig_release_weights(w);
  }
  fprintf(f, "/* Blob k is bytes[offsets[k] .. offsets[k + 1]). */\nstatic const size_t sprig_fixture_blob_offsets[] = {0");
  size_t total = 0;
  for (size_t k = 0; k < SPRIG_FIXTURE_BLOBS; k++) {
    total += sizes[k];
    fprintf(f, ", %zu", total);
  }
  fprintf(f, "};\n\nstatic const uint8_t sprig_fixture_blob_bytes[] = {");
  size_t n = 0;
  for (size_t k = 0; k < SPRIG_FIXTURE_BLOBS; k++) {
    for (size_t i = 0; i < sizes[k]; i++, n++) {
      fprintf(f, "%s0x%02x,", n % 16 == 0 ? "\n    " : " ", blobs[k][i]);
    }
    free(blobs[k]);
  }
  fprintf(f, "\n};\n\n/* Linear outputs (batch 1, no bias) for the input of tests/serialize.c. */\n"
             "static const float sprig_fixture_outputs[SPRIG_FIXTURE_BLOBS][8] = {\n");
  for (size_t k = 0; k < SPRIG_FIXTURE_BLOBS; k++) {
    fprintf(f, "    {");
    for (size_t r = 0; r < fixture_layers[k].rows; r++) {
      fprintf(f, "%s%a", r == 0 ? "" : ", ", (double) outputs[k][r]);
    }
    fprintf(f, "},\n");
  }
  fprintf(f, "};\n\n#endif /* SPRIG_WEIGHTS_FIXTURE_H */\n");
  return fclose(f) == 0 ? 0 : 1;
}

int main(int argc, char** argv) {
  if (argc == 3 && strcmp(argv[1], "--write-fixture") == 0) {
    return write_fixture(argv[2]);
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip_every_format),
      cmocka_unit_test(test_borrowed_buffer),
      cmocka_unit_test(test_size_query_and_capacity),
      cmocka_unit_test(test_truncation_at_every_length),
      cmocka_unit_test(test_bit_flips_fail_the_crc),
      cmocka_unit_test(test_structural_checks),
      cmocka_unit_test(test_any_corruption_with_valid_crc),
      cmocka_unit_test(test_fixture_blob_on_this_target),
      cmocka_unit_test(test_block_gaps_round_trip),
      cmocka_unit_test(test_legacy_block_columns_load),
      cmocka_unit_test(test_corrupt_block_gaps),
      cmocka_unit_test(test_block_row_pointers_load),
      cmocka_unit_test(test_corrupt_block_row_counts),
  };
  return cmocka_run_group_tests_name("serialize", tests, setup_group, NULL);
}
