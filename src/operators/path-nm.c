/* The N:M path: the f32-nmspmm kernels read the packed values and indices as they are (one
 * copy, shared by every operator of the weights) over pixel tiles x channel ranges. */
#include <stdlib.h>

#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/nmspmm.h>
#include <sprig/operator.h>

struct nm_state {
  const struct sprig_f32_nmspmm_ukernel* chosen;   /* at create, for wide problems */
  const struct sprig_f32_nmspmm_ukernel* ukernel;  /* at plan, fitted to the pixel count */
  struct sprig_tile_plan plan;
};

static enum sprig_status nm_create(struct sprig_operator* op, const struct sprig_hardware* hardware) {
  struct nm_state* s = calloc(1, sizeof(struct nm_state));
  if (s == NULL) {
    return sprig_status_out_of_memory;
  }
  s->chosen = sprig_choose_f32_nmspmm_ukernel(hardware);
  s->ukernel = s->chosen;
  op->path_state = s;
  return sprig_status_success;
}

static bool has_simd_matvec(const struct nm_state* s) {
  const struct sprig_f32_nmspmm_ukernel* k = sprig_fit_f32_nmspmm_ukernel(sprig_get_hardware(), s->chosen, 1);
  return k->mr == 1 && k->isa != sprig_isa_scalar;
}

/* Batch 4 runs one tile rather than four passes of the N:M matrix-vector kernel, except with
 * AVX-512, where the two cost the same (docs/performance.md, "N:M at batch 4"); batches 2-3 run
 * row by row. */
#define NM_ROW_BY_ROW_BELOW_BATCH 4

static size_t nm_one_pixel_batches_below(const struct sprig_operator* op) {
  const struct nm_state* s = op->path_state;
  if (!has_simd_matvec(s)) {
    return 2;
  }
  return s->chosen->isa == sprig_isa_avx512f ? NM_ROW_BY_ROW_BELOW_BATCH + 1 : NM_ROW_BY_ROW_BELOW_BATCH;
}

/* Every channel costs the same, so ranges get equal channel counts. */
static size_t split_channels(const struct sprig_weights* w, size_t range_count, struct sprig_channel_range* ranges) {
  const size_t slots = w->nm_groups * w->pattern.n;
  for (size_t r = 0; r < range_count; r++) {
    const size_t first = w->rows * r / range_count;
    ranges[r] = (struct sprig_channel_range){
        .first_channel = first,
        .channel_count = w->rows * (r + 1) / range_count - first,
        .first_unit = first,
        .first_weight = first * slots,
    };
  }
  return range_count;
}

static enum sprig_status nm_plan(struct sprig_operator* op, const struct sprig_problem* problem, const char* caller) {
  struct nm_state* s = op->path_state;
  const struct sprig_f32_nmspmm_ukernel* ukernel =
      sprig_fit_f32_nmspmm_ukernel(sprig_get_hardware(), s->chosen, problem->pixels);
  const size_t row_stride = sprig_kernel_row_stride(s->chosen->isa, op->weights->nnz, op->cols, problem->pixels,
                                                    problem->input_row_stride);
  struct sprig_tile_plan plan;
  const enum sprig_status status =
      sprig_plan_tiles(problem, op->rows, op->cols, op->rows, ukernel->mr, row_stride, caller, &plan);
  if (status != sprig_status_success) {
    return status;
  }
  plan.range_count = split_channels(op->weights, plan.range_capacity, plan.ranges);
  sprig_free_tile_plan(&s->plan);
  s->plan = plan;
  s->ukernel = ukernel;
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

static void nm_run(const struct sprig_operator* op, const float* input, float* output, pthreadpool_t threadpool) {
  const struct nm_state* s = op->path_state;
  sprig_run_tiles(&s->plan, op, nm_tile, input, output, threadpool);
}

static const char* nm_kernel_name(const struct sprig_operator* op) {
  const struct nm_state* s = op->path_state;
  return s->ukernel->name;
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
