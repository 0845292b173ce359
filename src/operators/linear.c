/* Linear (fully connected) operator: input [batch][in], output [batch][out]. */
#include <stdlib.h>

#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/log.h>
#include <sprig/operator.h>

enum sprig_status sprig_create_linear_from_weights_f32(
    sprig_weights_t weights, const float* bias, float output_min, float output_max, uint32_t flags,
    sprig_operator_t* op_out) {
  return sprig_create_operator(sprig_operator_type_linear, weights, bias, output_min, output_max, flags,
                               "sprig_create_linear_from_weights_f32", op_out);
}

enum sprig_status sprig_create_linear_f32(
    size_t in_features, size_t out_features, const float* weights, const float* bias,
    const struct sprig_sparsity* pattern, float output_min, float output_max, uint32_t flags,
    sprig_operator_t* op_out) {
  static const struct sprig_pack_names names = {"sprig_create_linear_f32", "out_features", "in_features",
                                                "weights"};
  if (op_out == NULL) {
    sprig_log_error("%s: op_out is NULL", names.function);
    return sprig_status_invalid_parameter;
  }
  struct sprig_weights* packed = NULL;
  enum sprig_status status =
      sprig_pack_dense_f32(out_features, in_features, weights, pattern, flags, &names, &packed);
  if (status != sprig_status_success) {
    return status;
  }
  /* SPRIG_FLAG_PRUNE was for packing; the operator itself takes no flags. */
  status = sprig_create_operator(sprig_operator_type_linear, packed, bias, output_min, output_max,
                                 flags & ~SPRIG_FLAG_PRUNE, names.function, op_out);
  sprig_release_weights(packed);
  return status;
}

/* The problem of a batch of 2 or more over transposed copies ([K][batch], [N][batch]), in rows
 * the kernels read well (aligned, see sprig_aligned_row_stride); the copies are returned through
 * the pointers on success. */
static enum sprig_status plan_transposed(struct sprig_operator* op, size_t batch, const char* caller,
                                         float** transposed_input_out, float** transposed_output_out) {
  const size_t row_bytes = sprig_aligned_row_stride(batch, batch * sizeof(float));
  size_t transposed_input_bytes, transposed_output_bytes;
  if (!sprig_mul_size(row_bytes, op->cols, &transposed_input_bytes) ||
      !sprig_mul_size(row_bytes, op->rows, &transposed_output_bytes)) {
    sprig_log_error("%s: batch %zu makes tensors whose byte size overflows size_t", caller, batch);
    return sprig_status_invalid_parameter;
  }
  float* transposed_input = sprig_allocate_aligned(transposed_input_bytes);
  float* transposed_output = sprig_allocate_aligned(transposed_output_bytes);
  if (transposed_input == NULL || transposed_output == NULL) {
    free(transposed_input);
    free(transposed_output);
    sprig_log_error("%s: out of memory for batch %zu", caller, batch);
    return sprig_status_out_of_memory;
  }
  const struct sprig_problem problem = {
      .images = 1,
      .pixels = batch,
      .input_row_stride = row_bytes,
      .input_image_stride = transposed_input_bytes,
      .output_row_stride = row_bytes,
      .output_image_stride = transposed_output_bytes,
  };
  const enum sprig_status status = op->path->plan(op, &problem, caller);
  if (status != sprig_status_success) {
    free(transposed_input);
    free(transposed_output);
    return status;
  }
  *transposed_input_out = transposed_input;
  *transposed_output_out = transposed_output;
  return sprig_status_success;
}

/* Batch rows one by one, each an image of one pixel per input row (no transposes). */
static enum sprig_status plan_one_pixel_images(struct sprig_operator* op, size_t batch, const char* caller) {
  const struct sprig_problem problem = {
      .images = batch,
      .pixels = 1,
      .input_row_stride = sizeof(float),
      .input_image_stride = op->cols * sizeof(float),
      .output_row_stride = sizeof(float),
      .output_image_stride = op->rows * sizeof(float),
  };
  return op->path->plan(op, &problem, caller);
}

enum sprig_status sprig_reshape_linear_f32(sprig_operator_t op, size_t batch) {
  static const char caller[] = "sprig_reshape_linear_f32";
  enum sprig_status status = sprig_check_operator(op, sprig_operator_type_linear, caller);
  if (status != sprig_status_success) {
    return status;
  }
  size_t input_bytes, output_bytes;
  if (batch == 0) {
    sprig_log_error("%s: batch must be > 0", caller);
    return sprig_status_invalid_parameter;
  }
  if (!sprig_mul3_size(batch, op->cols, sizeof(float), &input_bytes) ||
      !sprig_mul3_size(batch, op->rows, sizeof(float), &output_bytes)) {
    sprig_log_error("%s: batch %zu makes tensors whose byte size overflows size_t", caller, batch);
    return sprig_status_invalid_parameter;
  }
  float* transposed_input = NULL;
  float* transposed_output = NULL;
  if (batch < op->path->one_pixel_batches_below(op)) {
    status = plan_one_pixel_images(op, batch, caller);
  } else {
    status = plan_transposed(op, batch, caller, &transposed_input, &transposed_output);
  }
  if (status != sprig_status_success) {
    return status;
  }
  free(op->transposed_input);
  free(op->transposed_output);
  op->transposed_input = transposed_input;
  op->transposed_output = transposed_output;
  op->transposed_stride = sprig_aligned_row_stride(batch, batch * sizeof(float)) / sizeof(float);
  op->transpose = sprig_choose_x32_transpose_ukernel(sprig_get_hardware());
  op->batch = batch;
  sprig_finish_reshape(op);
  return sprig_status_success;
}

enum sprig_status sprig_setup_linear_f32(sprig_operator_t op, const float* input, float* output) {
  static const char caller[] = "sprig_setup_linear_f32";
  enum sprig_status status = sprig_check_operator(op, sprig_operator_type_linear, caller);
  if (status != sprig_status_success) {
    return status;
  }
  return sprig_bind_tensors(op, input, op->batch * op->cols * sizeof(float), output,
                            op->batch * op->rows * sizeof(float), caller);
}

struct transpose_context {
  sprig_x32_transpose_ukernel_fn fn;
  const float* source;  /* [rows][cols], rows source_stride floats apart */
  float* destination;   /* [cols][rows], rows destination_stride floats apart */
  size_t rows;
  size_t cols;
  size_t source_stride;
  size_t destination_stride;
};

/* Square tiles small enough that a tile's source rows and destination rows stay in L1. */
#define TRANSPOSE_TILE 32

static void transpose_tile(void* context, size_t row_tile, size_t col_tile) {
  const struct transpose_context* ctx = context;
  const size_t r0 = row_tile * TRANSPOSE_TILE;
  const size_t c0 = col_tile * TRANSPOSE_TILE;
  ctx->fn(SPRIG_MIN(TRANSPOSE_TILE, ctx->rows - r0), SPRIG_MIN(TRANSPOSE_TILE, ctx->cols - c0),
          (const uint32_t*) (ctx->source + r0 * ctx->source_stride + c0), ctx->source_stride * sizeof(float),
          (uint32_t*) (ctx->destination + c0 * ctx->destination_stride + r0),
          ctx->destination_stride * sizeof(float));
}

static void transpose(const struct sprig_operator* op, const float* source, size_t source_stride, float* destination,
                      size_t destination_stride, size_t rows, size_t cols, pthreadpool_t threadpool) {
  struct transpose_context context = {op->transpose->fn, source, destination, rows, cols, source_stride,
                                      destination_stride};
  pthreadpool_parallelize_2d(threadpool, transpose_tile, &context, sprig_divide_round_up(rows, TRANSPOSE_TILE),
                             sprig_divide_round_up(cols, TRANSPOSE_TILE), 0);
}

void sprig_run_linear(const struct sprig_operator* op, pthreadpool_t threadpool) {
  if (op->transposed_input == NULL) {
    op->path->run(op, op->input, op->output, threadpool);
    return;
  }
  const size_t stride = op->transposed_stride;
  transpose(op, op->input, op->cols, op->transposed_input, stride, op->batch, op->cols, threadpool);
  op->path->run(op, op->transposed_input, op->transposed_output, threadpool);
  transpose(op, op->transposed_output, stride, op->output, op->rows, op->rows, op->batch, threadpool);
}
