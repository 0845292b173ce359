/* The sliced-row path: f32 CSR weights whose sliced layout (src/sprig/sellmv.h) pads little.
 * Problems of one pixel (a linear layer's small batches, convolutions over 1x1 images) run the
 * f32-sellmv kernels, split over the pool by slices: on the weights' windowed layout, up to
 * SPRIG_F32_SELLMV_MAX_VECTORS input vectors per weight pass, where the ISA has a windowed kernel
 * and the layout pads within its bound (sprig_windowed_layout_preferred says when at one vector); else on the
 * sliced layout, one vector at a time. Wider problems run the SpMM path's kernels on the
 * weights' shared SpMM stream. Each layout is built the first time a problem needs it. */
#include <stdlib.h>
#include <string.h>

#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/hardware.h>
#include <sprig/log.h>
#include <sprig/operator.h>
#include <sprig/sellmv.h>

/* Linear batches below this run a matrix-vector kernel per batch row (sliced layout), or below
 * SPRIG_WINDOWED_BELOW_BATCH 4 batch rows per weight pass (windowed layout, where usable). */
#define MATVEC_BELOW_BATCH 4

/* The windowed layouts (f32 and int8) pad more than the sliced ones (a window's width is its
 * slice's longest row there) and run their slots several times faster. At one vector they are
 * taken only where their bytes fit this share of L2, so that repeated runs read them from cache:
 * weights streamed from memory favour the sliced layouts' fewer bytes. From 2 vectors on, they
 * share each weight pass. */
#define WINDOWED_L2_SHARE 4

struct sell_state {
  const struct sprig_f32_sellmv_ukernel* ukernel;
  const struct sprig_f32_sellmv_ukernel* window_kernel; /* its windowed partner, or NULL */
  const struct sprig_sell* sell;     /* shared: owned by the weights; NULL until a vector problem */
  const struct sprig_sell* windowed; /* the same for the windowed layout */
  bool windowed_unusable;            /* the windowed layout pads too much (measured at create) */
  size_t windowed_bytes;             /* its bytes, measured at create (0 when unusable) */
  bool matvec;                       /* the current plan is for a matrix-vector kernel */
  bool plan_windowed;                /* ... the windowed one */
  size_t vectors;                    /* input vectors: batch rows or 1x1 images */
  float* padded_input;               /* sliced: vectors x (K + 1) floats, each vector's last one 0 (the zero slot) */
  size_t range_count;
  size_t* range_slices;              /* range_count + 1 slice bounds */
  struct sprig_spmm_state spmm;
};

bool sprig_takes_sliced_rows(const struct sprig_weights* w, const struct sprig_hardware* hardware) {
  if (w->dtype != sprig_weights_dtype_f32 || w->pattern.format != SPRIG_FORMAT_CSR) {
    return false;
  }
  const struct sprig_f32_sellmv_ukernel* k = sprig_sliced_rows_candidate(hardware);
  if (k == NULL) {
    return false;
  }
  return sprig_sell_usable(w, k->slice_rows);
}

const struct sprig_f32_sellmv_ukernel* sprig_sliced_rows_candidate(const struct sprig_hardware* hardware) {
  /* Only with a kernel of the best allowed ISA (or the ISA it extends): where the family has
   * none, the SpMM path's SIMD kernels beat scalar sliced rows. (Every ISA with f32 SpMM
   * kernels has sellmv kernels, armv7's neon and neonvfpv4 included; tests/operators.c checks.) */
  const struct sprig_f32_sellmv_ukernel* k = sprig_choose_f32_sellmv_ukernel(hardware);
  return k != NULL && sprig_isa_is_best(hardware, k->isa) ? k : NULL;
}

static enum sprig_status sell_create(struct sprig_operator* op, const struct sprig_hardware* hardware) {
  struct sell_state* s = calloc(1, sizeof(struct sell_state));
  op->path_state = s;
  if (s == NULL) {
    return sprig_status_out_of_memory;
  }
  s->ukernel = sprig_choose_f32_sellmv_ukernel(hardware);
  s->window_kernel = sprig_f32_sellmv_window_partner(s->ukernel);
  if (s->window_kernel != NULL) {
    bool measured;
    s->windowed_unusable = !sprig_windowed_sell_usable(op->weights, s->window_kernel->slice_rows,
                                                       s->window_kernel->window_cols, &measured, &s->windowed_bytes);
    if (!measured) {
      return sprig_status_out_of_memory;
    }
  }
  return sprig_spmm_state_init(&s->spmm, op->weights, hardware, false);
}

/* The windowed layout (built the first time it is asked for) when usable; NULL when the ISA has
 * no windowed kernel, the layout pads too much (measured at create) or memory ran out. */
static const struct sprig_sell* windowed_layout(const struct sprig_operator* op) {
  struct sell_state* s = op->path_state;
  if (s->window_kernel != NULL && s->windowed == NULL && !s->windowed_unusable) {
    bool usable;
    s->windowed = sprig_weights_windowed_sell(op->weights, s->window_kernel->slice_rows,
                                              s->window_kernel->window_cols, &usable);
  }
  return s->windowed;
}

bool sprig_windowed_layout_preferred(size_t layout_bytes, size_t vectors) {
  return vectors >= 2 || layout_bytes <= sprig_get_hardware()->l2_bytes / WINDOWED_L2_SHARE;
}

static size_t sell_one_pixel_batches_below(const struct sprig_operator* op) {
  const struct sell_state* s = op->path_state;
  return s->window_kernel != NULL && !s->windowed_unusable ? SPRIG_WINDOWED_BELOW_BATCH : MATVEC_BELOW_BATCH;
}

size_t sprig_split_sell_slices(const struct sprig_sell* sell, size_t range_count, size_t* bounds) {
  const size_t total = sell->first[sell->slices] + sell->slices;
  size_t slice = 0;
  size_t used = 0;
  bounds[0] = 0;
  for (size_t r = 0; r < range_count && slice < sell->slices; r++) {
    const size_t goal = (size_t) ((uint64_t) total * (r + 1) / range_count);
    do {
      slice++;
    } while (slice < sell->slices && sell->first[slice] + slice < goal);
    bounds[++used] = r + 1 == range_count ? sell->slices : slice;
  }
  bounds[used] = sell->slices;
  return used;
}

static void clear_matvec_plan(struct sell_state* s) {
  free(s->padded_input);
  free(s->range_slices);
  s->padded_input = NULL;
  s->range_slices = NULL;
  s->matvec = false;
  s->plan_windowed = false;
}

static enum sprig_status plan_matvec(struct sprig_operator* op, size_t vectors, const char* caller) {
  struct sell_state* s = op->path_state;
  /* Decided on the measured bytes: a layout the plan does not run is not built. */
  const bool use_windowed = s->window_kernel != NULL && !s->windowed_unusable &&
                            sprig_windowed_layout_preferred(s->windowed_bytes, vectors);
  const struct sprig_sell* windowed = use_windowed ? windowed_layout(op) : NULL;
  if (use_windowed && windowed == NULL) {
    sprig_log_error("%s: out of memory", caller);
    return sprig_status_out_of_memory;
  }
  if (!use_windowed && s->sell == NULL) {
    s->sell = sprig_weights_sell(op->weights, s->ukernel->slice_rows);
    if (s->sell == NULL) {
      sprig_log_error("%s: out of memory", caller);
      return sprig_status_out_of_memory;
    }
  }
  const struct sprig_sell* layout = use_windowed ? windowed : s->sell;
  size_t bytes = 0;
  if (!use_windowed && !sprig_mul3_size(vectors, op->cols + 1, sizeof(float), &bytes)) {
    sprig_log_error("%s: %zu input vectors overflow size_t", caller, vectors);
    return sprig_status_invalid_parameter;
  }
  /* Zero-filled: the zero slots stay 0. The windowed kernels read the input in place. */
  float* padded = use_windowed ? NULL : sprig_allocate_aligned(bytes);
  const size_t groups = use_windowed ? sprig_divide_round_up(vectors, SPRIG_F32_SELLMV_MAX_VECTORS) : vectors;
  const size_t range_count = SPRIG_MAX(1, SPRIG_MIN(layout->slices, sprig_divide_round_up(SPRIG_TARGET_TASKS, groups)));
  size_t* range_slices = malloc((range_count + 1) * sizeof(size_t));
  if ((padded == NULL && !use_windowed) || range_slices == NULL) {
    free(padded);
    free(range_slices);
    sprig_log_error("%s: out of memory", caller);
    return sprig_status_out_of_memory;
  }
  clear_matvec_plan(s);
  s->matvec = true;
  s->plan_windowed = use_windowed;
  s->vectors = vectors;
  s->padded_input = padded;
  s->range_count = sprig_split_sell_slices(layout, range_count, range_slices);
  s->range_slices = range_slices;
  return sprig_status_success;
}

static enum sprig_status sell_plan(struct sprig_operator* op, const struct sprig_problem* problem,
                                   const char* caller) {
  struct sell_state* s = op->path_state;
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
  const float* input; /* vectors x K floats */
  float* output;      /* vectors x N floats */
};

static void pad_vector(void* context, size_t vector) {
  const struct matvec_context* ctx = context;
  const struct sell_state* s = ctx->op->path_state;
  const size_t cols = ctx->op->cols;
  memcpy(s->padded_input + vector * (cols + 1), ctx->input + vector * cols, cols * sizeof(float));
}

struct sprig_sell_range sprig_sell_range(const struct sprig_sell* sell, size_t s0, size_t s1) {
  return (struct sprig_sell_range){s0, s0 * sell->c, SPRIG_MIN(s1 * sell->c, sell->rows), sell->first[s0] * sell->c};
}

struct sprig_sell_range sprig_run_windowed_slices(const struct sprig_f32_sellmv_ukernel* k,
                                                  const struct sprig_sell* sell, size_t s0, size_t s1,
                                                  size_t vectors, const float* input, size_t input_stride,
                                                  const float* bias, float* output, size_t output_stride,
                                                  const struct sprig_f32_minmax_params* params) {
  const struct sprig_sell_range r = sprig_sell_range(sell, s0, s1);
  k->window_fn(r.r1 - r.r0, sell->cols, vectors, input, input_stride, bias + r.r0, sell->values + r.first_slot,
               sell->indices + r.first_slot, sell->window_widths + r.s0 * sell->windows, output + r.r0, output_stride,
               params);
  return r;
}

/* Vectors 4 x group .. of the plan's slice range `range` on the windowed kernel. */
static void windowed_task(void* context, size_t group, size_t range) {
  const struct matvec_context* ctx = context;
  const struct sprig_operator* op = ctx->op;
  const struct sell_state* s = op->path_state;
  const size_t first = group * SPRIG_F32_SELLMV_MAX_VECTORS;
  (void) sprig_run_windowed_slices(s->window_kernel, s->windowed, s->range_slices[range], s->range_slices[range + 1],
                                   SPRIG_MIN(SPRIG_F32_SELLMV_MAX_VECTORS, s->vectors - first),
                                   ctx->input + first * op->cols, op->cols, op->bias,
                                   ctx->output + first * op->rows, op->rows, &op->params);
}

static void matvec_task(void* context, size_t vector, size_t range) {
  const struct matvec_context* ctx = context;
  const struct sprig_operator* op = ctx->op;
  const struct sell_state* s = op->path_state;
  const struct sprig_sell* sell = s->sell;
  const struct sprig_sell_range r = sprig_sell_range(sell, s->range_slices[range], s->range_slices[range + 1]);
  s->ukernel->fn(r.r1 - r.r0, s->padded_input + vector * (op->cols + 1), op->bias + r.r0,
                 sell->values + r.first_slot, sell->offsets + r.first_slot, sell->widths + r.s0,
                 sell->col_base + r.s0, ctx->output + vector * op->rows + r.r0, &op->params);
}

static void sell_run(const struct sprig_operator* op, const float* input, float* output, pthreadpool_t threadpool) {
  const struct sell_state* s = op->path_state;
  if (!s->matvec) {
    sprig_spmm_state_run(&s->spmm, op, input, output, threadpool);
    return;
  }
  struct matvec_context context = {op, input, output};
  if (s->plan_windowed) {
    const size_t groups = sprig_divide_round_up(s->vectors, SPRIG_F32_SELLMV_MAX_VECTORS);
    pthreadpool_parallelize_2d(threadpool, windowed_task, &context, groups, s->range_count, 0);
    return;
  }
  pthreadpool_parallelize_1d(threadpool, pad_vector, &context, s->vectors, 0);
  pthreadpool_parallelize_2d(threadpool, matvec_task, &context, s->vectors, s->range_count, 0);
}

static const char* sell_kernel_name(const struct sprig_operator* op) {
  const struct sell_state* s = op->path_state;
  if (s->plan_windowed) {
    return s->window_kernel->name;
  }
  return s->matvec || s->spmm.plan.ranges == NULL ? s->ukernel->name : s->spmm.ukernel->name;
}

static size_t sell_weight_bytes(const struct sprig_operator* op) {
  const struct sell_state* s = op->path_state;
  return (s->sell != NULL ? sprig_sell_bytes(s->sell) : 0) + (s->windowed != NULL ? sprig_sell_bytes(s->windowed) : 0) +
         sprig_spmm_state_bytes(&s->spmm);
}

static void sell_destroy(struct sprig_operator* op) {
  struct sell_state* s = op->path_state;
  if (s != NULL) {
    clear_matvec_plan(s);
    sprig_spmm_state_fini(&s->spmm);
    free(s);
    op->path_state = NULL;
  }
}

const struct sprig_path_ops sprig_sell_path = {
    .name = "sell",
    .create = sell_create,
    .one_pixel_batches_below = sell_one_pixel_batches_below,
    .plan = sell_plan,
    .run = sell_run,
    .kernel_name = sell_kernel_name,
    .weight_bytes = sell_weight_bytes,
    .destroy = sell_destroy,
};
