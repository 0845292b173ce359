/* The row-block path: BLOCK 1 x 4 / 1 x 8 weights. Problems of one pixel (a linear layer's small
 * batches, convolutions over 1x1 images) run the block-sparse matrix-vector kernels straight on
 * the packed blocks, one input vector at a time; wider problems run the SpMM path's kernels on
 * the weights' shared SpMM stream, built the first time such a problem is planned. */
#include <stdlib.h>
#include <string.h>

#include <sprig/bspmv.h>
#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/log.h>
#include <sprig/operator.h>

/* Linear batches below this run the matrix-vector kernels per batch row. */
#define MATVEC_BELOW_BATCH 8

struct rowblock_state {
  const struct sprig_f32_bspmv_ukernel* ukernel;
  const uint32_t* nblocks;     /* per row (shared: owned by the weights) */
  bool matvec;                 /* the current plan is for the matrix-vector kernels */
  size_t vectors;              /* input vectors: batch rows or 1x1 images */
  float* padded_input;         /* vectors x padded_cols floats when K % C != 0, else NULL */
  size_t padded_cols;          /* round_up(K, C) */
  size_t range_count;
  size_t* range_rows;          /* range_count + 1 row bounds */
  struct sprig_spmm_state spmm;
};

static enum sprig_status rowblock_create(struct sprig_operator* op, const struct sprig_hardware* hardware) {
  struct rowblock_state* s = calloc(1, sizeof(struct rowblock_state));
  op->path_state = s;
  if (s == NULL) {
    return sprig_status_out_of_memory;
  }
  s->ukernel = sprig_choose_f32_bspmv_ukernel(hardware, (uint32_t) op->weights->block_width);
  s->nblocks = sprig_weights_row_block_counts(op->weights);
  if (s->nblocks == NULL) {
    return sprig_status_out_of_memory;
  }
  /* The SpMM stream waits for the first problem of several pixels: batch-1 users never pay. */
  return sprig_spmm_state_init(&s->spmm, op->weights, hardware, false);
}

static size_t rowblock_one_pixel_batches_below(const struct sprig_operator* op) {
  (void) op;
  return MATVEC_BELOW_BATCH;
}

size_t sprig_split_block_rows(const uint32_t* nblocks, size_t rows, size_t range_count, size_t* bounds,
                              size_t* first_blocks) {
  size_t total = rows;
  for (size_t r = 0; r < rows; r++) {
    total += nblocks[r];
  }
  size_t used = 0, row = 0, done = 0, blocks = 0;
  bounds[0] = 0;
  if (first_blocks != NULL) {
    first_blocks[0] = 0;
  }
  while (row < rows && used < range_count) {
    const size_t goal = used + 1 == range_count ? SIZE_MAX : (size_t) ((uint64_t) total * (used + 1) / range_count);
    do {
      done += nblocks[row] + 1;
      blocks += nblocks[row];
      row++;
    } while (row < rows && done < goal);
    bounds[++used] = row;
    if (first_blocks != NULL) {
      first_blocks[used] = blocks;
    }
  }
  return used;
}

static void clear_matvec_plan(struct rowblock_state* s) {
  free(s->padded_input);
  free(s->range_rows);
  s->padded_input = NULL;
  s->range_rows = NULL;
  s->matvec = false;
}

static enum sprig_status plan_matvec(struct sprig_operator* op, size_t vectors, const char* caller) {
  struct rowblock_state* s = op->path_state;
  const struct sprig_weights* w = op->weights;
  const size_t padded_cols = sprig_round_up(w->cols, w->block_width);
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
  clear_matvec_plan(s);
  s->matvec = true;
  s->vectors = vectors;
  s->padded_input = padded;
  s->padded_cols = padded_cols;
  s->range_count = sprig_split_block_rows(s->nblocks, w->rows, range_count, range_rows, NULL);
  s->range_rows = range_rows;
  return sprig_status_success;
}

static enum sprig_status rowblock_plan(struct sprig_operator* op, const struct sprig_problem* problem,
                                       const char* caller) {
  struct rowblock_state* s = op->path_state;
  if (sprig_problem_is_vectors(op, problem)) {
    return plan_matvec(op, problem->images, caller);
  }
  const enum sprig_status status = sprig_spmm_state_plan(&s->spmm, op, problem, caller);
  if (status == sprig_status_success) {
    clear_matvec_plan(s);
  }
  return status;
}

struct matvec_context {
  const struct sprig_operator* op;
  const float* input;       /* vectors x input_stride floats */
  size_t input_stride;
  float* output;            /* vectors x rows floats */
};

static void pad_vector(void* context, size_t vector) {
  const struct matvec_context* ctx = context;
  const struct rowblock_state* s = ctx->op->path_state;
  memcpy(s->padded_input + vector * s->padded_cols, ctx->input + vector * ctx->op->cols,
         ctx->op->cols * sizeof(float));
}

static void matvec_task(void* context, size_t vector, size_t range) {
  const struct matvec_context* ctx = context;
  const struct sprig_operator* op = ctx->op;
  const struct rowblock_state* s = op->path_state;
  const struct sprig_weights* w = op->weights;
  const size_t r0 = s->range_rows[range];
  const size_t r1 = s->range_rows[range + 1];
  const size_t first_block = w->block_row_ptr[r0];
  s->ukernel->fn(r1 - r0, ctx->input + vector * ctx->input_stride, op->bias + r0,
                 w->block_values + first_block * w->block_width, w->block_col16 + first_block, s->nblocks + r0,
                 ctx->output + vector * op->rows + r0, &op->params);
}

static void rowblock_run(const struct sprig_operator* op, const float* input, float* output,
                         pthreadpool_t threadpool) {
  const struct rowblock_state* s = op->path_state;
  if (!s->matvec) {
    sprig_spmm_state_run(&s->spmm, op, input, output, threadpool);
    return;
  }
  struct matvec_context context = {op, input, op->cols, output};
  if (s->padded_input != NULL) {
    pthreadpool_parallelize_1d(threadpool, pad_vector, &context, s->vectors, 0);
    context.input = s->padded_input;
    context.input_stride = s->padded_cols;
  }
  pthreadpool_parallelize_2d(threadpool, matvec_task, &context, s->vectors, s->range_count, 0);
}

static const char* rowblock_kernel_name(const struct sprig_operator* op) {
  const struct rowblock_state* s = op->path_state;
  return s->matvec || s->spmm.plan.ranges == NULL ? s->ukernel->name : s->spmm.ukernel->name;
}

static size_t rowblock_weight_bytes(const struct sprig_operator* op) {
  const struct rowblock_state* s = op->path_state;
  return sprig_packed_bytes(op->weights) + op->rows * sizeof(uint32_t) + sprig_spmm_state_bytes(&s->spmm);
}

static void rowblock_destroy(struct sprig_operator* op) {
  struct rowblock_state* s = op->path_state;
  if (s != NULL) {
    clear_matvec_plan(s);
    sprig_spmm_state_fini(&s->spmm);
    free(s);
    op->path_state = NULL;
  }
}

const struct sprig_path_ops sprig_rowblock_path = {
    .name = "rowblock",
    .create = rowblock_create,
    .one_pixel_batches_below = rowblock_one_pixel_batches_below,
    .plan = rowblock_plan,
    .run = rowblock_run,
    .kernel_name = rowblock_kernel_name,
    .weight_bytes = rowblock_weight_bytes,
    .destroy = rowblock_destroy,
};
