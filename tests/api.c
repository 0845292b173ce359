/* Bad input for every entry point: each returns the documented status, logs why, and leaves
 * every output (handles, tensors) untouched. */
#include "refusals.h"
#include "test-util.h"

#include <sprig.h>

#define UNTOUCHED_WEIGHTS ((sprig_weights_t) (uintptr_t) 0x5eed)

static int setup_group(void** state) {
  (void) state;
  sprig_set_log_callback(capture_log, NULL, sprig_log_level_error);
  return sprig_initialize() == sprig_status_success || getenv("SPRIG_FORCE_ISA") != NULL ? 0 : -1;
}

static void test_status_strings(void** state) {
  (void) state;
  for (int s = 0; s <= (int) sprig_status_invalid_weights; s++) {
    const char* text = sprig_status_string((enum sprig_status) s);
    assert_non_null(text);
    assert_true(strlen(text) > 0);
  }
  assert_string_equal(sprig_status_string((enum sprig_status) 999), "unknown status");
  assert_int_equal(sprig_initialize(), sprig_initialize()); /* idempotent */
}

static const float dense4x4[16] = {1, 0, 0, 2, 0, 0, 3, 0, 0, 0, 0, 0, 4, 5, 0, 6};

static void test_pack_dense_bad_input(void** state) {
  (void) state;
  require_sprig();
  sprig_weights_t w = UNTOUCHED_WEIGHTS;
  EXPECT_REFUSED(sprig_pack_weights_f32(4, 4, dense4x4, NULL, 0, NULL), sprig_status_invalid_parameter, "weights_out");
  EXPECT_REFUSED(sprig_pack_weights_f32(4, 4, NULL, NULL, 0, &w), sprig_status_invalid_parameter, "dense");
  EXPECT_REFUSED(sprig_pack_weights_f32(0, 4, dense4x4, NULL, 0, &w), sprig_status_invalid_parameter, "> 0");
  EXPECT_REFUSED(sprig_pack_weights_f32(4, 0, dense4x4, NULL, 0, &w), sprig_status_invalid_parameter, "> 0");
  EXPECT_REFUSED(sprig_pack_weights_f32(4, 4, dense4x4, NULL, 0x10, &w), sprig_status_invalid_parameter, "flags");
  /* Byte size overflows size_t (rows and cols each fit in 32 bits). */
  EXPECT_REFUSED(sprig_pack_weights_f32(UINT32_MAX, UINT32_MAX, dense4x4, NULL, 0, &w),
                 sprig_status_invalid_parameter, "overflow");
#if SIZE_MAX > UINT32_MAX
  EXPECT_REFUSED(sprig_pack_weights_f32(SIZE_MAX, 4, dense4x4, NULL, 0, &w), sprig_status_invalid_parameter, "2^32");
#endif
  struct sprig_sparsity bad_format = {(enum sprig_format) 77, 0, 0, 0, 0, 0};
  EXPECT_REFUSED(sprig_pack_weights_f32(4, 4, dense4x4, &bad_format, 0, &w), sprig_status_invalid_parameter,
                 "format");
  struct sprig_sparsity csr_with_block = {SPRIG_FORMAT_CSR, 4, 1, 0, 0, 0};
  EXPECT_REFUSED(sprig_pack_weights_f32(4, 4, dense4x4, &csr_with_block, 0, &w), sprig_status_invalid_parameter,
                 "CSR");
  assert_ptr_equal(w, UNTOUCHED_WEIGHTS);
}

/* Every invalid structured-pattern parameter, and weights that break an N:M pattern. */
static void test_pattern_bad_input(void** state) {
  (void) state;
  require_sprig();
  sprig_weights_t w = UNTOUCHED_WEIGHTS;
  const struct sprig_sparsity zero_rows = {SPRIG_FORMAT_BLOCK, 0, 4, 0, 0, 0};
  EXPECT_REFUSED(sprig_pack_weights_f32(4, 4, dense4x4, &zero_rows, 0, &w), sprig_status_invalid_parameter, "> 0");
  const struct sprig_sparsity zero_cols = {SPRIG_FORMAT_BLOCK, 4, 0, 0, 0, 0};
  EXPECT_REFUSED(sprig_pack_weights_f32(4, 4, dense4x4, &zero_cols, 0, &w), sprig_status_invalid_parameter, "> 0");
  const struct sprig_sparsity block3 = {SPRIG_FORMAT_BLOCK, 3, 1, 0, 0, 0};
  EXPECT_REFUSED(sprig_pack_weights_f32(4, 4, dense4x4, &block3, 0, &w), sprig_status_unsupported_parameter,
                 "block sides");
  const struct sprig_sparsity block_with_nm = {SPRIG_FORMAT_BLOCK, 4, 1, 2, 4, 0};
  EXPECT_REFUSED(sprig_pack_weights_f32(4, 4, dense4x4, &block_with_nm, 0, &w), sprig_status_invalid_parameter,
                 "only block_rows");
  const struct sprig_sparsity n_above_m = {SPRIG_FORMAT_NM, 0, 0, 5, 4, 0};
  EXPECT_REFUSED(sprig_pack_weights_f32(4, 4, dense4x4, &n_above_m, 0, &w), sprig_status_invalid_parameter, "n < m");
  const struct sprig_sparsity n_is_m = {SPRIG_FORMAT_NM, 0, 0, 4, 4, 0};
  EXPECT_REFUSED(sprig_pack_weights_f32(4, 4, dense4x4, &n_is_m, 0, &w), sprig_status_invalid_parameter, "n < m");
  const struct sprig_sparsity n_zero = {SPRIG_FORMAT_NM, 0, 0, 0, 4, 0};
  EXPECT_REFUSED(sprig_pack_weights_f32(4, 4, dense4x4, &n_zero, 0, &w), sprig_status_invalid_parameter, "n < m");
  const struct sprig_sparsity m_six = {SPRIG_FORMAT_NM, 0, 0, 2, 6, 0};
  EXPECT_REFUSED(sprig_pack_weights_f32(4, 4, dense4x4, &m_six, 0, &w), sprig_status_unsupported_parameter,
                 "m = 6");
  const struct sprig_sparsity big_group = {SPRIG_FORMAT_GROUP, 0, 0, 0, 0, 8};
  EXPECT_REFUSED(sprig_pack_weights_f32(4, 4, dense4x4, &big_group, 0, &w), sprig_status_invalid_parameter,
                 "at most the 4 output channels");
  const struct sprig_sparsity zero_group = {SPRIG_FORMAT_GROUP, 0, 0, 0, 0, 0};
  EXPECT_REFUSED(sprig_pack_weights_f32(4, 4, dense4x4, &zero_group, 0, &w), sprig_status_invalid_parameter,
                 "group");
  const struct sprig_sparsity group3 = {SPRIG_FORMAT_GROUP, 0, 0, 0, 0, 3};
  EXPECT_REFUSED(sprig_pack_weights_f32(4, 4, dense4x4, &group3, 0, &w), sprig_status_unsupported_parameter,
                 "2, 4 or 8");
  const struct sprig_sparsity auto_with_n = {SPRIG_FORMAT_AUTO, 0, 0, 2, 0, 0};
  EXPECT_REFUSED(sprig_pack_weights_f32(4, 4, dense4x4, &auto_with_n, 0, &w), sprig_status_invalid_parameter,
                 "AUTO");
  /* Row 3 of dense4x4 is {4, 5, 0, 6}: three nonzeros in one run of 4. */
  const struct sprig_sparsity two_of_four = {SPRIG_FORMAT_NM, 0, 0, 2, 4, 0};
  EXPECT_REFUSED(sprig_pack_weights_f32(4, 4, dense4x4, &two_of_four, 0, &w), sprig_status_invalid_weights,
                 "row 3, inputs 0..3");
  sprig_operator_t op = UNTOUCHED_OP;
  EXPECT_REFUSED(sprig_create_linear_f32(4, 4, dense4x4, NULL, &two_of_four, -INFINITY, INFINITY, 0, &op),
                 sprig_status_invalid_weights, "2:4");
  assert_ptr_equal(op, UNTOUCHED_OP);
  assert_ptr_equal(w, UNTOUCHED_WEIGHTS);
  /* With SPRIG_FLAG_PRUNE the same weights pack: row 3 keeps 5 and 6. */
  assert_int_equal(sprig_pack_weights_f32(4, 4, dense4x4, &two_of_four, SPRIG_FLAG_PRUNE, &w), sprig_status_success);
  struct sprig_weights_info info;
  assert_int_equal(sprig_get_weights_info(w, &info), sprig_status_success);
  assert_int_equal(info.pattern.format, SPRIG_FORMAT_NM);
  assert_int_equal(info.nnz, 5);
  assert_int_equal(info.stored_values, 8);
  sprig_release_weights(w);

  /* Pruning: bad arguments leave the weights as they were. */
  float weights[16];
  memcpy(weights, dense4x4, sizeof(weights));
  float achieved = -1.0f;
  EXPECT_REFUSED(sprig_prune_f32(4, 4, NULL, NULL, 0.5f, &achieved), sprig_status_invalid_parameter, "NULL");
  EXPECT_REFUSED(sprig_prune_f32(0, 4, weights, NULL, 0.5f, &achieved), sprig_status_invalid_parameter, "> 0");
  EXPECT_REFUSED(sprig_prune_f32(4, 4, weights, NULL, 1.5f, &achieved), sprig_status_invalid_parameter, "[0, 1]");
  EXPECT_REFUSED(sprig_prune_f32(4, 4, weights, NULL, NAN, &achieved), sprig_status_invalid_parameter, "[0, 1]");
  EXPECT_REFUSED(sprig_prune_f32(4, 4, weights, &n_above_m, 0.5f, &achieved), sprig_status_invalid_parameter, "n < m");
  EXPECT_REFUSED(sprig_prune_f32(4, 4, weights, &two_of_four, 0.9f, &achieved), sprig_status_invalid_parameter,
                 "2:4");
  const struct sprig_sparsity automatic = {SPRIG_FORMAT_AUTO, 0, 0, 0, 0, 0};
  EXPECT_REFUSED(sprig_prune_f32(4, 4, weights, &automatic, 0.5f, &achieved), sprig_status_invalid_parameter, "AUTO");
  assert_memory_equal(weights, dense4x4, sizeof(weights));
  assert_true(achieved == -1.0f);
}

static void test_pack_csr_bad_input(void** state) {
  (void) state;
  require_sprig();
  /* A valid 3 x 5 matrix with 4 nonzeros, then corrupted copies. */
  const uint32_t row_ptr[4] = {0, 2, 2, 4};
  const uint32_t col_idx[4] = {1, 3, 0, 4};
  const float values[4] = {1, 2, 3, 4};
  sprig_weights_t w = UNTOUCHED_WEIGHTS;
  EXPECT_REFUSED(sprig_pack_weights_csr_f32(3, 5, 4, NULL, col_idx, values, 0, &w), sprig_status_invalid_parameter,
                 "NULL");
  EXPECT_REFUSED(sprig_pack_weights_csr_f32(3, 5, 4, row_ptr, NULL, values, 0, &w), sprig_status_invalid_parameter,
                 "NULL");
  EXPECT_REFUSED(sprig_pack_weights_csr_f32(3, 5, 4, row_ptr, col_idx, NULL, 0, &w), sprig_status_invalid_parameter,
                 "NULL");
  EXPECT_REFUSED(sprig_pack_weights_csr_f32(3, 5, 4, row_ptr, col_idx, values, 0, NULL),
                 sprig_status_invalid_parameter, "weights_out");
  EXPECT_REFUSED(sprig_pack_weights_csr_f32(0, 5, 0, row_ptr, col_idx, values, 0, &w), sprig_status_invalid_parameter,
                 "> 0");
  EXPECT_REFUSED(sprig_pack_weights_csr_f32(3, 5, 16, row_ptr, col_idx, values, 0, &w), sprig_status_invalid_weights,
                 "exceeds");
#if SIZE_MAX > UINT32_MAX
  EXPECT_REFUSED(sprig_pack_weights_csr_f32(3, 5, (size_t) UINT32_MAX + 1, row_ptr, col_idx, values, 0, &w),
                 sprig_status_invalid_parameter, "2^32");
#endif
  EXPECT_REFUSED(sprig_pack_weights_csr_f32(3, 5, 3, row_ptr, col_idx, values, 0, &w), sprig_status_invalid_weights,
                 "nnz");
  const uint32_t bad_start[4] = {1, 2, 2, 4};
  EXPECT_REFUSED(sprig_pack_weights_csr_f32(3, 5, 4, bad_start, col_idx, values, 0, &w), sprig_status_invalid_weights,
                 "row_ptr[0]");
  const uint32_t non_monotonic[4] = {0, 3, 1, 4};
  EXPECT_REFUSED(sprig_pack_weights_csr_f32(3, 5, 4, non_monotonic, col_idx, values, 0, &w),
                 sprig_status_invalid_weights, "non-decreasing");
  const uint32_t out_of_range[4] = {1, 5, 0, 4};
  EXPECT_REFUSED(sprig_pack_weights_csr_f32(3, 5, 4, row_ptr, out_of_range, values, 0, &w),
                 sprig_status_invalid_weights, "out of range");
  const uint32_t unsorted[4] = {3, 1, 0, 4};
  EXPECT_REFUSED(sprig_pack_weights_csr_f32(3, 5, 4, row_ptr, unsorted, values, 0, &w), sprig_status_invalid_weights,
                 "increasing");
  const uint32_t duplicate[4] = {1, 1, 0, 4};
  EXPECT_REFUSED(sprig_pack_weights_csr_f32(3, 5, 4, row_ptr, duplicate, values, 0, &w), sprig_status_invalid_weights,
                 "increasing");
  EXPECT_REFUSED(sprig_pack_weights_csr_f32(3, 5, 4, row_ptr, col_idx, values, 2, &w), sprig_status_invalid_parameter,
                 "flags");
  assert_ptr_equal(w, UNTOUCHED_WEIGHTS);
  /* The valid arrays pack, and an empty matrix (nnz = 0, NULL arrays) packs. */
  assert_int_equal(sprig_pack_weights_csr_f32(3, 5, 4, row_ptr, col_idx, values, 0, &w), sprig_status_success);
  sprig_release_weights(w);
  const uint32_t empty_rows[4] = {0, 0, 0, 0};
  assert_int_equal(sprig_pack_weights_csr_f32(3, 5, 0, empty_rows, NULL, NULL, 0, &w), sprig_status_success);
  sprig_release_weights(w);
  assert_int_equal(sprig_release_weights(NULL), sprig_status_success);
  struct sprig_weights_info info;
  EXPECT_REFUSED(sprig_get_weights_info(NULL, &info), sprig_status_invalid_parameter, "NULL");
}

static void test_create_bad_input(void** state) {
  (void) state;
  require_sprig();
  sprig_operator_t op = UNTOUCHED_OP;
  EXPECT_REFUSED(sprig_create_linear_f32(4, 4, dense4x4, NULL, NULL, 0.0f, 1.0f, 0, NULL),
                 sprig_status_invalid_parameter, "op_out");
  EXPECT_REFUSED(sprig_create_linear_f32(0, 4, dense4x4, NULL, NULL, 0.0f, 1.0f, 0, &op),
                 sprig_status_invalid_parameter, "> 0");
  EXPECT_REFUSED(sprig_create_linear_f32(4, 0, dense4x4, NULL, NULL, 0.0f, 1.0f, 0, &op),
                 sprig_status_invalid_parameter, "> 0");
  EXPECT_REFUSED(sprig_create_linear_f32(4, 4, NULL, NULL, NULL, 0.0f, 1.0f, 0, &op),
                 sprig_status_invalid_parameter, "sprig_create_linear_f32: weights is NULL");
  EXPECT_REFUSED(sprig_create_linear_f32(4, 4, dense4x4, NULL, NULL, 1.0f, 0.0f, 0, &op),
                 sprig_status_invalid_parameter, "output_min");
  EXPECT_REFUSED(sprig_create_linear_f32(4, 4, dense4x4, NULL, NULL, NAN, 0.0f, 0, &op),
                 sprig_status_invalid_parameter, "NaN");
  EXPECT_REFUSED(sprig_create_linear_f32(4, 4, dense4x4, NULL, NULL, -INFINITY, INFINITY, 8, &op),
                 sprig_status_invalid_parameter, "flags");
#if SIZE_MAX > UINT32_MAX
  EXPECT_REFUSED(sprig_create_linear_f32(SIZE_MAX / 2, SIZE_MAX / 2, dense4x4, NULL, NULL, -INFINITY, INFINITY, 0, &op),
                 sprig_status_invalid_parameter, "2^32");
#else
  EXPECT_REFUSED(sprig_create_linear_f32(SIZE_MAX / 2, SIZE_MAX / 2, dense4x4, NULL, NULL, -INFINITY, INFINITY, 0, &op),
                 sprig_status_invalid_parameter, "overflow");
#endif
  EXPECT_REFUSED(sprig_create_linear_from_weights_f32(NULL, NULL, -INFINITY, INFINITY, 0, &op),
                 sprig_status_invalid_parameter, "weights");

  struct sprig_conv2d_params p = {1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 4, 4};
  EXPECT_REFUSED(sprig_create_conv2d_nchw_f32(NULL, dense4x4, NULL, NULL, -INFINITY, INFINITY, 0, &op),
                 sprig_status_invalid_parameter, "params");
  EXPECT_REFUSED(sprig_create_conv2d_nchw_f32(&p, dense4x4, NULL, NULL, -INFINITY, INFINITY, 0, NULL),
                 sprig_status_invalid_parameter, "op_out");
  struct sprig_conv2d_params zero_stride = p;
  zero_stride.stride_width = 0;
  EXPECT_REFUSED(sprig_create_conv2d_nchw_f32(&zero_stride, dense4x4, NULL, NULL, -INFINITY, INFINITY, 0, &op),
                 sprig_status_invalid_parameter, "stride_width = 0 is out of range");
  struct sprig_conv2d_params no_channels = p;
  no_channels.output_channels = 0;
  EXPECT_REFUSED(sprig_create_conv2d_nchw_f32(&no_channels, dense4x4, NULL, NULL, -INFINITY, INFINITY, 0, &op),
                 sprig_status_invalid_parameter, "output_channels");
  struct sprig_conv2d_params huge_kernel = p;
  huge_kernel.kernel_height = 65;
  EXPECT_REFUSED(sprig_create_conv2d_nchw_f32(&huge_kernel, dense4x4, NULL, NULL, -INFINITY, INFINITY, 0, &op),
                 sprig_status_invalid_parameter, "kernel_height = 65 is out of range");
  struct sprig_conv2d_params padded = p;
  padded.padding_left = 1025;
  EXPECT_REFUSED(sprig_create_conv2d_nchw_f32(&padded, dense4x4, NULL, NULL, -INFINITY, INFINITY, 0, &op),
                 sprig_status_invalid_parameter, "padding_left");
  struct sprig_conv2d_params no_groups = p;
  no_groups.groups = 0;
  EXPECT_REFUSED(sprig_create_conv2d_nchw_f32(&no_groups, dense4x4, NULL, NULL, -INFINITY, INFINITY, 0, &op),
                 sprig_status_invalid_parameter, "groups");
  EXPECT_REFUSED(sprig_create_conv2d_nchw_f32(&p, dense4x4, NULL, NULL, -INFINITY, INFINITY, 0x80, &op),
                 sprig_status_invalid_parameter, "flags");
  sprig_weights_t w = NULL;
  assert_int_equal(sprig_pack_weights_f32(2, 8, dense4x4, NULL, 0, &w), sprig_status_success);
  EXPECT_REFUSED(sprig_create_conv2d_nchw_from_weights_f32(&p, w, NULL, -INFINITY, INFINITY, 0, &op),
                 sprig_status_invalid_parameter, "weights are 2 x 8");
  sprig_release_weights(w);
  assert_ptr_equal(op, UNTOUCHED_OP);
}

static void test_lifecycle_bad_input(void** state) {
  (void) state;
  require_sprig();
  float x[4 * 3] = {0}, y[4 * 3];
  sprig_operator_t linear = NULL, conv = NULL;
  assert_int_equal(sprig_create_linear_f32(4, 4, dense4x4, NULL, NULL, -INFINITY, INFINITY, 0, &linear),
                   sprig_status_success);
  const struct sprig_conv2d_params p = {1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 4, 4};
  assert_int_equal(sprig_create_conv2d_nchw_f32(&p, dense4x4, NULL, NULL, -INFINITY, INFINITY, 0, &conv),
                   sprig_status_success);
  fill_value(y, 12, SENTINEL);

  /* Order: setup before reshape, run before setup. */
  EXPECT_REFUSED(sprig_setup_linear_f32(linear, x, y), sprig_status_invalid_state, "reshape");
  EXPECT_REFUSED(sprig_run_operator(linear, NULL), sprig_status_invalid_state, "set up");
  EXPECT_REFUSED(sprig_run_operator(NULL, NULL), sprig_status_invalid_parameter, "NULL");
  /* NULL operators, wrong operator type, zero and overflowing sizes. */
  EXPECT_REFUSED(sprig_reshape_linear_f32(NULL, 1), sprig_status_invalid_parameter, "NULL");
  EXPECT_REFUSED(sprig_reshape_linear_f32(conv, 1), sprig_status_invalid_parameter, "type");
  EXPECT_REFUSED(sprig_reshape_linear_f32(linear, 0), sprig_status_invalid_parameter, "batch");
  EXPECT_REFUSED(sprig_reshape_linear_f32(linear, SIZE_MAX / 8), sprig_status_invalid_parameter, "overflow");
  size_t oh = 77, ow = 77;
  EXPECT_REFUSED(sprig_reshape_conv2d_nchw_f32(linear, 1, 1, 1, &oh, &ow), sprig_status_invalid_parameter, "type");
  EXPECT_REFUSED(sprig_reshape_conv2d_nchw_f32(conv, 1, 0, 3, &oh, &ow), sprig_status_invalid_parameter, "> 0");
  /* Sizes of 2^32 and more are refused as such; on 32-bit targets SIZE_MAX / 2 is below that
   * and the byte size overflows instead. */
#if SIZE_MAX > UINT32_MAX
  EXPECT_REFUSED(sprig_reshape_conv2d_nchw_f32(conv, 1, SIZE_MAX / 2, 3, &oh, &ow), sprig_status_invalid_parameter,
                 "2^32");
#else
  EXPECT_REFUSED(sprig_reshape_conv2d_nchw_f32(conv, 1, SIZE_MAX / 2, 3, &oh, &ow), sprig_status_invalid_parameter,
                 "overflow");
#endif
  EXPECT_REFUSED(sprig_reshape_conv2d_nchw_f32(conv, SIZE_MAX / 8, 3, 3, &oh, &ow), sprig_status_invalid_parameter,
                 "overflow");
  assert_int_equal(oh, 77);
  assert_int_equal(ow, 77);
  /* Still not runnable after failed reshapes. */
  EXPECT_REFUSED(sprig_run_operator(conv, NULL), sprig_status_invalid_state, "set up");

  assert_int_equal(sprig_reshape_linear_f32(linear, 3), sprig_status_success);
  EXPECT_REFUSED(sprig_setup_linear_f32(linear, NULL, y), sprig_status_invalid_parameter, "input");
  EXPECT_REFUSED(sprig_setup_linear_f32(linear, x, NULL), sprig_status_invalid_parameter, "output");
  EXPECT_REFUSED(sprig_setup_linear_f32(linear, y, y), sprig_status_invalid_parameter, "overlap");
  EXPECT_REFUSED(sprig_setup_linear_f32(NULL, x, y), sprig_status_invalid_parameter, "NULL");
  EXPECT_REFUSED(sprig_setup_conv2d_nchw_f32(linear, x, y), sprig_status_invalid_parameter, "type");
  EXPECT_REFUSED(sprig_run_operator(linear, NULL), sprig_status_invalid_state, "set up");
  assert_all_equal(y, 12, SENTINEL, "output after refused calls");

  /* A reshape after setup requires a new setup. */
  assert_int_equal(sprig_setup_linear_f32(linear, x, y), sprig_status_success);
  assert_int_equal(sprig_reshape_linear_f32(linear, 2), sprig_status_success);
  EXPECT_REFUSED(sprig_run_operator(linear, NULL), sprig_status_invalid_state, "set up");
  assert_all_equal(y, 12, SENTINEL, "output after refused run");

  /* Workspaces: NULL refusals; an operator given one must be planned again, then runs. */
  EXPECT_REFUSED(sprig_create_workspace(NULL), sprig_status_invalid_parameter, "NULL");
  sprig_workspace_t workspace = NULL;
  assert_int_equal(sprig_create_workspace(&workspace), sprig_status_success);
  EXPECT_REFUSED(sprig_set_operator_workspace(NULL, workspace), sprig_status_invalid_parameter, "NULL");
  assert_int_equal(sprig_set_operator_workspace(linear, workspace), sprig_status_success);
  EXPECT_REFUSED(sprig_run_operator(linear, NULL), sprig_status_invalid_state, "set up");
  assert_all_equal(y, 12, SENTINEL, "output after refused run");
  assert_int_equal(sprig_release_workspace(workspace), sprig_status_success);
  assert_int_equal(sprig_reshape_linear_f32(linear, 3), sprig_status_success);
  assert_int_equal(sprig_setup_linear_f32(linear, x, y), sprig_status_success);
  assert_int_equal(sprig_run_operator(linear, NULL), sprig_status_success);
  assert_all_equal(y, 12, 0.0f, "zeros times zero input");
  assert_int_equal(sprig_release_workspace(NULL), sprig_status_success);
  assert_int_equal(sprig_workspace_bytes(NULL), 0);

  assert_null(sprig_operator_kernel_name(NULL));
  assert_non_null(sprig_operator_kernel_name(linear));
  assert_int_equal(sprig_delete_operator(NULL), sprig_status_success);
  assert_int_equal(sprig_delete_operator(linear), sprig_status_success);
  assert_int_equal(sprig_delete_operator(conv), sprig_status_success);
}

/* The rows of docs/bad-input.md the tests above leave out. */
static void test_entry_points_more_bad_input(void** state) {
  (void) state;
  require_sprig();
  sprig_weights_t w = NULL;
  assert_int_equal(sprig_pack_weights_f32(4, 4, dense4x4, NULL, 0, &w), sprig_status_success);
  EXPECT_REFUSED(sprig_get_weights_info(w, NULL), sprig_status_invalid_parameter, "NULL");
  float weights[16];
  memcpy(weights, dense4x4, sizeof(weights));
  const struct sprig_sparsity block3 = {SPRIG_FORMAT_BLOCK, 3, 1, 0, 0, 0};
  EXPECT_REFUSED(sprig_prune_f32(4, 4, weights, &block3, 0.5f, NULL), sprig_status_unsupported_parameter,
                 "block sides");
  assert_memory_equal(weights, dense4x4, sizeof(weights));
  sprig_operator_t op = UNTOUCHED_OP;
  EXPECT_REFUSED(sprig_create_linear_f32(4, 4, dense4x4, NULL, &block3, -INFINITY, INFINITY, 0, &op),
                 sprig_status_unsupported_parameter, "block sides");
  EXPECT_REFUSED(sprig_create_linear_from_weights_f32(w, NULL, -INFINITY, INFINITY, SPRIG_FLAG_PRUNE, &op),
                 sprig_status_invalid_parameter, "flags");
  EXPECT_REFUSED(sprig_create_linear_from_weights_f32(w, NULL, NAN, INFINITY, 0, &op), sprig_status_invalid_parameter,
                 "NaN");
  EXPECT_REFUSED(sprig_create_linear_from_weights_f32(w, NULL, -INFINITY, INFINITY, 0, NULL),
                 sprig_status_invalid_parameter, "op_out");
  const struct sprig_conv2d_params p = {1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 4, 4};
  EXPECT_REFUSED(sprig_create_conv2d_nchw_from_weights_f32(NULL, w, NULL, -INFINITY, INFINITY, 0, &op),
                 sprig_status_invalid_parameter, "params");
  EXPECT_REFUSED(sprig_create_conv2d_nchw_from_weights_f32(&p, NULL, NULL, -INFINITY, INFINITY, 0, &op),
                 sprig_status_invalid_parameter, "NULL");
  EXPECT_REFUSED(sprig_create_conv2d_nchw_from_weights_f32(&p, w, NULL, -INFINITY, INFINITY, SPRIG_FLAG_PRUNE, &op),
                 sprig_status_invalid_parameter, "flags");
  EXPECT_REFUSED(sprig_create_conv2d_nchw_from_weights_f32(&p, w, NULL, 1.0f, -1.0f, 0, &op),
                 sprig_status_invalid_parameter, "output_min");
  EXPECT_REFUSED(sprig_create_conv2d_nchw_f32(&p, NULL, NULL, NULL, -INFINITY, INFINITY, 0, &op),
                 sprig_status_invalid_parameter, "NULL");
  assert_ptr_equal(op, UNTOUCHED_OP);
  sprig_release_weights(w);

  /* A 3x3 conv on an image smaller than its kernel; setup before reshape, NULL and overlapping
   * tensors. */
  static const float w36[36] = {1, 0, 2, 0, 0, 3, 0, 4, 0, 5, 0, 0, 0, 6, 0, 0, 7, 0,
                                0, 0, 8, 0, 9, 0, 1, 0, 0, 0, 0, 2, 3, 0, 0, 0, 4, 0};
  const struct sprig_conv2d_params p3 = {3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 4};
  sprig_operator_t conv = NULL;
  assert_int_equal(sprig_create_conv2d_nchw_f32(&p3, w36, NULL, NULL, -INFINITY, INFINITY, 0, &conv),
                   sprig_status_success);
  float x[16] = {0}, y[16];
  fill_value(y, 16, SENTINEL);
  EXPECT_REFUSED(sprig_setup_conv2d_nchw_f32(conv, x, y), sprig_status_invalid_state, "reshape");
  size_t oh = 77, ow = 77;
  EXPECT_REFUSED(sprig_reshape_conv2d_nchw_f32(conv, 1, 2, 4, &oh, &ow), sprig_status_invalid_parameter,
                 "larger than the padded");
  assert_int_equal(oh, 77);
  assert_int_equal(sprig_reshape_conv2d_nchw_f32(conv, 1, 4, 4, &oh, &ow), sprig_status_success);
  EXPECT_REFUSED(sprig_setup_conv2d_nchw_f32(NULL, x, y), sprig_status_invalid_parameter, "NULL");
  EXPECT_REFUSED(sprig_setup_conv2d_nchw_f32(conv, NULL, y), sprig_status_invalid_parameter, "input");
  EXPECT_REFUSED(sprig_setup_conv2d_nchw_f32(conv, x, NULL), sprig_status_invalid_parameter, "output");
  EXPECT_REFUSED(sprig_setup_conv2d_nchw_f32(conv, x, x + 4), sprig_status_invalid_parameter, "overlap");
  EXPECT_REFUSED(sprig_run_operator(conv, NULL), sprig_status_invalid_state, "set up");
  assert_all_equal(y, 16, SENTINEL, "output after refused calls");
  assert_int_equal(sprig_operator_weight_bytes(NULL), 0);
  assert_true(sprig_operator_weight_bytes(conv) > 0);
  assert_int_equal(sprig_delete_operator(conv), sprig_status_success);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_status_strings),
      cmocka_unit_test(test_pack_dense_bad_input),
      cmocka_unit_test(test_pack_csr_bad_input),
      cmocka_unit_test(test_pattern_bad_input),
      cmocka_unit_test(test_create_bad_input),
      cmocka_unit_test(test_lifecycle_bad_input),
      cmocka_unit_test(test_entry_points_more_bad_input),
  };
  return cmocka_run_group_tests_name("api", tests, setup_group, NULL);
}
