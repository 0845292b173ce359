/* The SpMM path: CSR, BLOCK and GROUP weights as one shared kernel stream (src/sprig/spmm.h),
 * run by the f32-spmm kernels over pixel tiles x channel ranges. */
#include <stdlib.h>

#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/log.h>
#include <sprig/operator.h>
#include <sprig/stream.h>

/* Stored values may grow by at most this factor when rows are packed in blocks of NR
 * channels (zeros fill the column union); beyond it the NR = 1 kernel is used. */
#define MAX_BLOCK_PADDING 1.25

/* An NR > 1 kernel when the rows (of CSR weights) form channel blocks with little padding. */
static const struct sprig_f32_spmm_ukernel* choose_kernel(const struct sprig_hardware* hardware,
                                                          const struct sprig_weights* csr) {
  static const uint32_t block_sizes[] = {4, 2};
  for (size_t i = 0; i < sizeof(block_sizes) / sizeof(block_sizes[0]); i++) {
    const uint32_t nr = block_sizes[i];
    const struct sprig_f32_spmm_ukernel* k = sprig_choose_f32_spmm_ukernel_nr(hardware, nr);
    if (k == NULL || csr->rows < nr || csr->nnz == 0) {
      continue;
    }
    const size_t blocked_rows = csr->rows / nr * nr;
    const size_t blocked_entries = csr->row_ptr[blocked_rows];
    const size_t block_entries = sprig_count_block_entries(csr, nr) - (csr->row_ptr[csr->rows] - blocked_entries);
    if ((double) (block_entries * nr) <= MAX_BLOCK_PADDING * (double) blocked_entries) {
      return k;
    }
  }
  return sprig_choose_f32_spmm_ukernel(hardware);
}

enum sprig_status sprig_spmm_state_init(struct sprig_spmm_state* s, const struct sprig_weights* weights,
                                        const struct sprig_hardware* hardware, bool build_stream) {
  *s = (struct sprig_spmm_state){0};
  struct sprig_weights* view = NULL;
  if (weights->pattern.format == SPRIG_FORMAT_BLOCK || weights->pattern.format == SPRIG_FORMAT_GROUP) {
    view = sprig_block_weights_as_csr(weights);
    if (view == NULL) {
      return sprig_status_out_of_memory;
    }
  }
  s->chosen = choose_kernel(hardware, view != NULL ? view : weights);
  s->ukernel = s->chosen;
  sprig_release_weights(view);
  if (build_stream) {
    s->stream = sprig_weights_spmm_stream((struct sprig_weights*) weights, s->chosen->nr);
    if (s->stream == NULL) {
      return sprig_status_out_of_memory;
    }
  }
  return sprig_status_success;
}

/* Unit ranges of about equal cost (stored values), found in one walk over the units. */
static size_t split_units(const struct sprig_spmm_stream* s, size_t range_count, struct sprig_channel_range* ranges) {
  struct sprig_spmm_position position = sprig_spmm_start(s);
  size_t used = 0;
  for (size_t r = 0; r < range_count && position.unit < s->units; r++) {
    const size_t cost_goal = s->weight_count * (r + 1) / range_count;
    const struct sprig_spmm_position first = position;
    do {
      sprig_spmm_next_unit(s, &position);
    } while (position.unit < s->units && (position.weight < cost_goal || r + 1 == range_count));
    const size_t first_channel = sprig_unit_first_channel(s, first.unit);
    ranges[used++] = (struct sprig_channel_range){
        .first_channel = first_channel,
        .channel_count = sprig_unit_first_channel(s, position.unit) - first_channel,
        .first_unit = first.unit,
        .first_entry = first.entry,
        .first_weight = first.weight,
        .first_input_row = first.entry < s->entries ? (size_t) first.row : 0,
    };
  }
  return used;
}

enum sprig_status sprig_spmm_state_plan(struct sprig_spmm_state* s, const struct sprig_operator* op,
                                        const struct sprig_problem* problem, const char* caller) {
  const struct sprig_hardware* hardware = sprig_get_hardware();
  if (s->stream == NULL) {
    s->stream = sprig_weights_spmm_stream(op->weights, s->chosen->nr);
    if (s->stream == NULL) {
      sprig_log_error("%s: out of memory", caller);
      return sprig_status_out_of_memory;
    }
  }
  const struct sprig_f32_spmm_ukernel* ukernel =
      sprig_fit_f32_spmm_ukernel(hardware, s->chosen, problem->pixels, op->cols);
  const size_t row_stride = sprig_kernel_row_stride(s->chosen->isa, op->weights->nnz, op->cols, problem->pixels,
                                                    problem->input_row_stride);
  struct sprig_tile_plan plan;
  const enum sprig_status status =
      sprig_plan_tiles(problem, op->rows, op->cols, s->stream->units, ukernel->mr, row_stride, op->workspace,
                       caller, &plan);
  if (status != sprig_status_success) {
    return status;
  }
  plan.range_count = split_units(s->stream, plan.range_capacity, plan.ranges);
  sprig_free_tile_plan(&s->plan);
  s->plan = plan;
  s->ukernel = ukernel;
  return sprig_status_success;
}

struct spmm_call {
  const struct sprig_spmm_state* state;
  const float* bias;
  const struct sprig_f32_minmax_params* params;
};

static void spmm_tile(const void* path, const struct sprig_tile_plan* plan, const struct sprig_channel_range* range,
                      const char* input, size_t row_stride, size_t pixel_count, char* output) {
  const struct spmm_call* call = path;
  const struct sprig_spmm_stream* stream = call->state->stream;
  call->state->ukernel->fn(pixel_count, range->channel_count,
                           (const float*) (input + range->first_input_row * row_stride), row_stride,
                           call->bias + range->first_channel, stream->weights + range->first_weight,
                           stream->deltas + range->first_entry, stream->nnz + range->first_unit, (float*) output,
                           plan->problem.output_row_stride, call->params);
}

void sprig_spmm_state_run(const struct sprig_spmm_state* s, const struct sprig_operator* op, const float* input,
                          float* output, pthreadpool_t threadpool) {
  const struct spmm_call call = {s, op->bias, &op->params};
  sprig_run_tiles(&s->plan, &call, spmm_tile, input, output, threadpool);
}

bool sprig_spmm_state_has_simd_matvec(const struct sprig_spmm_state* s) {
  const struct sprig_f32_spmm_ukernel* k = sprig_fit_f32_spmm_ukernel(sprig_get_hardware(), s->chosen, 1, 0);
  return k->mr == 1 && k->isa != sprig_isa_scalar;
}

size_t sprig_spmm_state_bytes(const struct sprig_spmm_state* s) {
  return s->stream == NULL ? 0 : sprig_spmm_stream_bytes(s->stream);
}

void sprig_spmm_state_fini(struct sprig_spmm_state* s) {
  sprig_free_tile_plan(&s->plan);
  *s = (struct sprig_spmm_state){0};
}

/* ---- the path ---- */

static enum sprig_status spmm_create(struct sprig_operator* op, const struct sprig_hardware* hardware) {
  struct sprig_spmm_state* s = calloc(1, sizeof(struct sprig_spmm_state));
  op->path_state = s;
  return s == NULL ? sprig_status_out_of_memory : sprig_spmm_state_init(s, op->weights, hardware, true);
}

static size_t spmm_one_pixel_batches_below(const struct sprig_operator* op) {
  return sprig_spmm_state_has_simd_matvec(op->path_state) ? SPRIG_ROW_BY_ROW_BELOW_BATCH : 2;
}

static enum sprig_status spmm_plan(struct sprig_operator* op, const struct sprig_problem* problem,
                                   const char* caller) {
  return sprig_spmm_state_plan(op->path_state, op, problem, caller);
}

static void spmm_run(const struct sprig_operator* op, const float* input, float* output, pthreadpool_t threadpool) {
  sprig_spmm_state_run(op->path_state, op, input, output, threadpool);
}

static const char* spmm_kernel_name(const struct sprig_operator* op) {
  const struct sprig_spmm_state* s = op->path_state;
  return s->ukernel->name;
}

static size_t spmm_weight_bytes(const struct sprig_operator* op) {
  return sprig_spmm_state_bytes(op->path_state);
}

static void spmm_destroy(struct sprig_operator* op) {
  if (op->path_state != NULL) {
    sprig_spmm_state_fini(op->path_state);
    free(op->path_state);
    op->path_state = NULL;
  }
}

const struct sprig_path_ops sprig_spmm_path = {
    .name = "spmm",
    .create = spmm_create,
    .one_pixel_batches_below = spmm_one_pixel_batches_below,
    .plan = spmm_plan,
    .run = spmm_run,
    .kernel_name = spmm_kernel_name,
    .weight_bytes = spmm_weight_bytes,
    .destroy = spmm_destroy,
};
