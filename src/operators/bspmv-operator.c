/* Operators on 1 x 4 and 1 x 8 block weights, one input vector at a time (a linear layer's small
 * batches, a convolution over 1x1 images): the block-sparse matrix-vector kernels run straight
 * on the packed values, without the SpMM stream's transposes. (CSR weights at one pixel run the
 * scalar 1x1 SpMM kernel on their stream, as fast as a matrix-vector kernel on the packed
 * weights.) */
#include <stdlib.h>
#include <string.h>

#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/log.h>
#include <sprig/operator.h>

/* The weights as 1 x width blocks (BLOCK 1 x C as packed); false when they are not, or their
 * block columns do not fit 16 bits. */
static bool view_as_row_blocks(const struct sprig_weights* w, struct sprig_bspmv_weights* view) {
  if (w->pattern.format != SPRIG_FORMAT_BLOCK || w->block_height != 1 || w->block_col16 == NULL) {
    return false;
  }
  *view = (struct sprig_bspmv_weights){
      .width = w->block_width, .values = w->block_values, .cols = w->block_col16, .block_ptr = w->block_row_ptr};
  return true;
}

enum sprig_status sprig_prepare_bspmv(struct sprig_operator* op, const struct sprig_hardware* hardware,
                                      const struct sprig_weights* w, const float* bias) {
  struct sprig_bspmv_weights view;
  if (!view_as_row_blocks(w, &view)) {
    return sprig_status_success;
  }
  const struct sprig_f32_bspmv_ukernel* ukernel = sprig_choose_f32_bspmv_ukernel(hardware, (uint32_t) view.width);
  if (ukernel == NULL) {
    return sprig_status_success;
  }
  view.bias = calloc(w->rows, sizeof(float));
  view.nblocks = malloc(w->rows * sizeof(uint32_t));
  op->bspmv_weights = view; /* freed with the operator, whatever happens below */
  if (view.bias == NULL || view.nblocks == NULL) {
    return sprig_status_out_of_memory;
  }
  if (bias != NULL) {
    memcpy(view.bias, bias, w->rows * sizeof(float));
  }
  for (size_t r = 0; r < w->rows; r++) {
    view.nblocks[r] = view.block_ptr[r + 1] - view.block_ptr[r];
  }
  op->bspmv_ukernel = ukernel;
  return sprig_status_success;
}

void sprig_free_bspmv_weights(struct sprig_operator* op) {
  free(op->bspmv_weights.bias);
  free(op->bspmv_weights.nblocks);
  memset(&op->bspmv_weights, 0, sizeof(op->bspmv_weights));
}

void sprig_clear_bspmv_plan(struct sprig_operator* op) {
  free(op->bspmv.padded_input);
  free(op->bspmv.range_rows);
  memset(&op->bspmv, 0, sizeof(op->bspmv));
}

/* Row ranges with about equal block counts (plus one per row for its bias and sum). */
static size_t split_rows(const struct sprig_weights* w, const uint32_t* block_ptr, size_t range_count,
                         size_t* bounds) {
  const size_t total = block_ptr[w->rows] + w->rows;
  size_t row = 0;
  size_t used = 0;
  bounds[0] = 0;
  for (size_t r = 0; r < range_count && row < w->rows; r++) {
    const size_t goal = (size_t) ((uint64_t) total * (r + 1) / range_count);
    do {
      row++;
    } while (row < w->rows && block_ptr[row] + row < goal);
    bounds[++used] = r + 1 == range_count ? w->rows : row;
  }
  bounds[used] = w->rows;
  return used;
}

enum sprig_status sprig_plan_bspmv(struct sprig_operator* op, size_t vectors, const char* caller) {
  const struct sprig_weights* w = op->weights;
  const size_t padded_cols = sprig_round_up(w->cols, op->bspmv_weights.width);
  float* padded = NULL;
  if (padded_cols != w->cols) {
    size_t bytes;
    if (!sprig_mul3_size(vectors, padded_cols, sizeof(float), &bytes)) {
      sprig_log_error("%s: %zu input vectors overflow size_t", caller, vectors);
      return sprig_status_invalid_parameter;
    }
    padded = sprig_allocate_aligned(bytes); /* zero-filled: the pad columns stay 0 */
  }
  const size_t range_count = SPRIG_MIN(w->rows, sprig_divide_round_up(SPRIG_TARGET_TASKS, vectors));
  size_t* range_rows = malloc((range_count + 1) * sizeof(size_t));
  if (range_rows == NULL || (padded_cols != w->cols && padded == NULL)) {
    free(padded);
    free(range_rows);
    sprig_log_error("%s: out of memory", caller);
    return sprig_status_out_of_memory;
  }
  sprig_clear_bspmv_plan(op);
  op->bspmv = (struct sprig_bspmv_plan){
      .active = true,
      .vectors = vectors,
      .padded_input = padded,
      .padded_cols = padded_cols,
      .range_count = split_rows(w, op->bspmv_weights.block_ptr, range_count, range_rows),
      .range_rows = range_rows,
  };
  return sprig_status_success;
}

struct bspmv_context {
  const struct sprig_operator* op;
  const float* input;       /* vectors x input_stride floats */
  size_t input_stride;
  float* output;            /* vectors x rows floats */
};

static void pad_vector(void* context, size_t vector) {
  const struct bspmv_context* ctx = context;
  const struct sprig_weights* w = ctx->op->weights;
  memcpy(ctx->op->bspmv.padded_input + vector * ctx->op->bspmv.padded_cols,
         ctx->input + vector * w->cols, w->cols * sizeof(float));
}

static void bspmv_task(void* context, size_t vector, size_t range) {
  const struct bspmv_context* ctx = context;
  const struct sprig_operator* op = ctx->op;
  const struct sprig_bspmv_weights* bw = &op->bspmv_weights;
  const size_t r0 = op->bspmv.range_rows[range];
  const size_t r1 = op->bspmv.range_rows[range + 1];
  const size_t first_block = bw->block_ptr[r0];
  op->bspmv_ukernel->fn(r1 - r0, ctx->input + vector * ctx->input_stride, bw->bias + r0,
                        bw->values + first_block * bw->width, bw->cols + first_block, bw->nblocks + r0,
                        ctx->output + vector * op->rows + r0, &op->params);
}

void sprig_run_bspmv(const struct sprig_operator* op, const float* input, float* output, pthreadpool_t threadpool) {
  const struct sprig_weights* w = op->weights;
  struct bspmv_context context = {op, input, w->cols, output};
  if (op->bspmv.padded_input != NULL) {
    pthreadpool_parallelize_1d(threadpool, pad_vector, &context, op->bspmv.vectors, 0);
    context.input = op->bspmv.padded_input;
    context.input_stride = op->bspmv.padded_cols;
  }
  pthreadpool_parallelize_2d(threadpool, bspmv_task, &context, op->bspmv.vectors, op->bspmv.range_count, 0);
}
