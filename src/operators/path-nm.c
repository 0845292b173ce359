/* The N:M path: the f32-nmspmm kernels read the packed values and indices as they are (one
 * copy, shared by every operator of the weights) over pixel tiles x channel ranges; problems of
 * one pixel per image (a linear layer's small batches, 1x1 convolutions over 1x1 images) run the
 * matrix-times-vectors kernel over channel ranges instead, every vector in each call. */
#include <stdlib.h>

#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/nmspmm.h>
#include <sprig/operator.h>

/* The current plan's vectors (when `vectors` is set): channel ranges of equal size. */
struct nm_vector_plan {
  size_t vectors;              /* 0: the plan is the tile plan */
  size_t input_stride;         /* bytes between input vectors */
  size_t output_stride;        /* bytes between output vectors */
  size_t range_count;
  size_t per_call;             /* vectors per kernel call */
};

struct nm_state {
  const struct sprig_f32_nmspmm_ukernel* chosen;   /* at create, for wide problems */
  const struct sprig_f32_nmspmm_ukernel* ukernel;  /* at plan, fitted to the pixel count */
  const struct sprig_f32_nmspmv_ukernel* mv;       /* at create, for one-pixel problems */
  struct sprig_tile_plan plan;
  struct nm_vector_plan vector_plan;
};

static enum sprig_status nm_create(struct sprig_operator* op, const struct sprig_hardware* hardware) {
  struct nm_state* s = calloc(1, sizeof(struct nm_state));
  if (s == NULL) {
    return sprig_status_out_of_memory;
  }
  s->chosen = sprig_choose_f32_nmspmm_ukernel(hardware);
  s->ukernel = s->chosen;
  s->mv = sprig_choose_f32_nmspmv_ukernel(hardware);
  op->path_state = s;
  return sprig_status_success;
}

/* Input vectors one kernel call takes together: as many as keep their rows within 16 KiB (in L1
 * while the weights stream past), 1 to 4. */
#define VECTOR_BYTES_PER_CALL 16384

static size_t vectors_per_call(size_t cols) {
  const size_t fit = VECTOR_BYTES_PER_CALL / (cols * sizeof(float));
  return fit < 1 ? 1 : fit > 4 ? 4 : fit;
}

/* Linear batches below this run the matrix-times-vectors kernel (no transposes; each weight read
 * once per call), larger ones the pixel tiles on transposed copies; measured on AMD Zen 4
 * (docs/performance.md, "N:M at small batches"). With one vector per call (long rows) that is
 * a pass per batch row, which loses to the tile from batch 4 (AVX-512: 5). With 2-4 per call:
 * below batch 8 (AVX-512) and 6 (AVX2) for patterns at least half dense (2:4, 4:8: one input
 * permute per 16 slots and vector), below 5 / 4 for sparser ones (1:4, 2:8: two permutes and a
 * blend); below 4 on other ISAs. Scalar-only builds: batch 1 only. */
static size_t nm_one_pixel_batches_below(const struct sprig_operator* op) {
  const struct nm_state* s = op->path_state;
  const enum sprig_isa isa = s->mv->isa;
  if (isa == sprig_isa_scalar) {
    return 2;
  }
  const bool avx512 = isa == sprig_isa_avx512f;
  if (vectors_per_call(op->cols) == 1 || 2 * op->weights->pattern.n < op->weights->pattern.m) {
    return avx512 ? 5 : 4;
  }
  return avx512 ? 8 : isa == sprig_isa_avx2 ? 6 : 4;
}

/* Range r of range_count: every channel costs the same, so ranges get equal channel counts. */
static struct sprig_channel_range channel_range(const struct sprig_weights* w, size_t r, size_t range_count) {
  const size_t first = w->rows * r / range_count;
  return (struct sprig_channel_range){
      .first_channel = first,
      .channel_count = w->rows * (r + 1) / range_count - first,
      .first_unit = first,
      .first_weight = first * w->nm_groups * w->pattern.n,
  };
}

static size_t split_channels(const struct sprig_weights* w, size_t range_count, struct sprig_channel_range* ranges) {
  for (size_t r = 0; r < range_count; r++) {
    ranges[r] = channel_range(w, r, range_count);
  }
  return range_count;
}

static enum sprig_status plan_vectors(struct nm_state* s, const struct sprig_operator* op,
                                      const struct sprig_problem* problem) {
  sprig_free_tile_plan(&s->plan);
  s->vector_plan = (struct nm_vector_plan){
      .vectors = problem->images,
      .input_stride = problem->input_image_stride,
      .output_stride = problem->output_image_stride,
      .range_count = SPRIG_MAX(1, SPRIG_MIN(op->rows, SPRIG_TARGET_TASKS)),
      .per_call = vectors_per_call(op->cols),
  };
  return sprig_status_success;
}

static enum sprig_status nm_plan(struct sprig_operator* op, const struct sprig_problem* problem, const char* caller) {
  struct nm_state* s = op->path_state;
  if (sprig_problem_is_vectors(op, problem)) {
    return plan_vectors(s, op, problem);
  }
  const struct sprig_f32_nmspmm_ukernel* ukernel =
      sprig_fit_f32_nmspmm_ukernel(sprig_get_hardware(), s->chosen, problem->pixels);
  const size_t row_stride = sprig_kernel_row_stride(s->chosen->isa, op->weights->nnz, op->cols, problem->pixels,
                                                    problem->input_row_stride);
  struct sprig_tile_plan plan;
  const enum sprig_status status =
      sprig_plan_tiles(problem, op->rows, op->cols, op->rows, ukernel->mr, row_stride, op->workspace, caller,
                       &plan);
  if (status != sprig_status_success) {
    return status;
  }
  plan.range_count = split_channels(op->weights, plan.range_capacity, plan.ranges);
  sprig_free_tile_plan(&s->plan);
  s->plan = plan;
  s->ukernel = ukernel;
  s->vector_plan.vectors = 0;
  return sprig_status_success;
}

static void nm_tile(const void* path, const struct sprig_tile_plan* plan, const struct sprig_channel_range* range,
                    const char* input, size_t row_stride, size_t pixel_count, char* output) {
  const struct sprig_operator* op = path;
  const struct nm_state* s = op->path_state;
  const struct sprig_weights* w = op->weights;
  s->ukernel->fn(pixel_count, range->channel_count, w->nm_groups, w->pattern.n, w->pattern.m,
                 (const float*) input, row_stride, op->bias + range->first_channel,
                 w->nm_values + range->first_weight, w->nm_indices + range->first_weight, (float*) output,
                 plan->problem.output_row_stride, &op->params);
}

struct vectors_context {
  const struct sprig_operator* op;
  const float* input;
  float* output;
  size_t range_count;
};

/* The vectors of call `call` (per_call of them, fewer in the last) on channel range `range` (of
 * range_count equal ones). */
static void vectors_task(void* context, size_t call, size_t range) {
  const struct vectors_context* ctx = context;
  const struct sprig_operator* op = ctx->op;
  const struct nm_state* s = op->path_state;
  const struct nm_vector_plan* p = &s->vector_plan;
  const struct sprig_weights* w = op->weights;
  const struct sprig_channel_range r = channel_range(w, range, ctx->range_count);
  const size_t vector = call * p->per_call;
  s->mv->fn(SPRIG_MIN(p->per_call, p->vectors - vector), r.channel_count, w->nm_groups, w->pattern.n, w->pattern.m,
            (const float*) ((const char*) ctx->input + vector * p->input_stride), p->input_stride,
            op->bias + r.first_channel, w->nm_values + r.first_weight, w->nm_indices + r.first_weight,
            (float*) ((char*) ctx->output + vector * p->output_stride) + r.first_channel, p->output_stride,
            &op->params);
}

static void nm_run(const struct sprig_operator* op, const float* input, float* output, pthreadpool_t threadpool) {
  const struct nm_state* s = op->path_state;
  if (s->vector_plan.vectors == 0) {
    sprig_run_tiles(&s->plan, op, nm_tile, input, output, threadpool);
    return;
  }
  /* One thread: each call over every channel (the ranges only balance threads; each channel's
   * sums are the same either way). */
  const size_t ranges = pthreadpool_get_threads_count(threadpool) <= 1 ? 1 : s->vector_plan.range_count;
  struct vectors_context context = {op, input, output, ranges};
  pthreadpool_parallelize_2d(threadpool, vectors_task, &context,
                             sprig_divide_round_up(s->vector_plan.vectors, s->vector_plan.per_call), ranges, 0);
}

static const char* nm_kernel_name(const struct sprig_operator* op) {
  const struct nm_state* s = op->path_state;
  return s->vector_plan.vectors != 0 ? s->mv->name : s->ukernel->name;
}

static size_t nm_weight_bytes(const struct sprig_operator* op) {
  return sprig_packed_bytes(op->weights);
}

static void nm_destroy(struct sprig_operator* op) {
  struct nm_state* s = op->path_state;
  if (s != NULL) {
    sprig_free_tile_plan(&s->plan);
    free(s);
    op->path_state = NULL;
  }
}

const struct sprig_path_ops sprig_nm_path = {
    .name = "nm",
    .create = nm_create,
    .one_pixel_batches_below = nm_one_pixel_batches_below,
    .plan = nm_plan,
    .run = nm_run,
    .kernel_name = nm_kernel_name,
    .weight_bytes = nm_weight_bytes,
    .destroy = nm_destroy,
};
