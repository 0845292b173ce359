/* What the linear and conv2d-nchw operators share: creation, work planning, running. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/hardware.h>
#include <sprig/log.h>
#include <sprig/operator.h>

/* Pixels per task when an image is wide (rounded up to the kernel's MR). */
#define TARGET_PIXEL_TILE 256

static enum sprig_status check_clamp(float output_min, float output_max, const char* caller) {
  if (isnan(output_min) || isnan(output_max)) {
    sprig_log_error("%s: output_min and output_max must not be NaN", caller);
    return sprig_status_invalid_parameter;
  }
  if (output_min > output_max) {
    sprig_log_error("%s: output_min (%g) must be <= output_max (%g)", caller, (double) output_min,
                    (double) output_max);
    return sprig_status_invalid_parameter;
  }
  return sprig_status_success;
}

/* Stored values may grow by at most this factor when rows are packed in blocks of NR
 * channels (zeros fill the column union); beyond it the NR = 1 kernel is used. */
#define MAX_BLOCK_PADDING 1.25

/* The kernel for these weights: an NR > 1 kernel when the rows form channel blocks with
 * little padding, else the NR = 1 kernel. */
static const struct sprig_f32_spmm_ukernel* choose_kernel(const struct sprig_hardware* hardware,
                                                          const struct sprig_weights* w) {
  static const uint32_t block_sizes[] = {4, 2};
  for (size_t i = 0; i < sizeof(block_sizes) / sizeof(block_sizes[0]); i++) {
    const uint32_t nr = block_sizes[i];
    const struct sprig_f32_spmm_ukernel* k = sprig_choose_f32_spmm_ukernel_nr(hardware, nr);
    if (k == NULL || w->rows < nr || w->nnz == 0) {
      continue;
    }
    const size_t blocked_rows = w->rows / nr * nr;
    const size_t blocked_entries = w->row_ptr[blocked_rows];
    const size_t block_entries = sprig_count_block_entries(w, nr) - (w->row_ptr[w->rows] - blocked_entries);
    if ((double) (block_entries * nr) <= MAX_BLOCK_PADDING * (double) blocked_entries) {
      return k;
    }
  }
  return sprig_choose_f32_spmm_ukernel(hardware);
}

/* CSR, BLOCK and GROUP weights: the SpMM kernel (blocks become their stored entries, so
 * output-channel blocks select an NR > 1 kernel) and, with `build_stream`, the SpMM stream. */
static enum sprig_status prepare_spmm(struct sprig_operator* op, const struct sprig_hardware* hardware,
                                      const struct sprig_weights* weights, const float* bias, bool build_stream) {
  struct sprig_weights* view = NULL;
  if (weights->pattern.format == SPRIG_FORMAT_BLOCK || weights->pattern.format == SPRIG_FORMAT_GROUP) {
    view = sprig_block_weights_as_csr(weights);
    if (view == NULL) {
      return sprig_status_out_of_memory;
    }
  }
  const struct sprig_weights* csr = view != NULL ? view : weights;
  if (op->chosen_ukernel == NULL) {
    op->chosen_ukernel = choose_kernel(hardware, csr);
    op->ukernel = op->chosen_ukernel;
  }
  const enum sprig_status status =
      build_stream ? sprig_build_spmm_stream(csr, bias, op->chosen_ukernel->nr, &op->stream) : sprig_status_success;
  sprig_release_weights(view);
  return status;
}

enum sprig_status sprig_create_spmm_operator(
    enum sprig_operator_type type, struct sprig_weights* weights, const float* bias,
    float output_min, float output_max, uint32_t flags, const char* caller, sprig_operator_t* op_out) {
  const struct sprig_hardware* hardware = sprig_get_hardware();
  if (hardware == NULL) {
    sprig_log_error("%s: sprig_initialize() has not succeeded", caller);
    return sprig_status_uninitialized;
  }
  if (op_out == NULL || weights == NULL) {
    sprig_log_error("%s: %s is NULL", caller, op_out == NULL ? "op_out" : "weights");
    return sprig_status_invalid_parameter;
  }
  if (flags != 0) {
    sprig_log_error("%s: unknown flags 0x%08x", caller, (unsigned) flags);
    return sprig_status_invalid_parameter;
  }
  enum sprig_status status = check_clamp(output_min, output_max, caller);
  if (status != sprig_status_success) {
    return status;
  }
  struct sprig_operator* op = calloc(1, sizeof(struct sprig_operator));
  if (op == NULL) {
    goto out_of_memory;
  }
  if (weights->pattern.format == SPRIG_FORMAT_NM) {
    op->nm_chosen_ukernel = sprig_choose_f32_nmspmm_ukernel(hardware);
    op->nm_ukernel = op->nm_chosen_ukernel;
    op->nm_weights = sprig_build_nm_weight_stream(weights, bias);
    op->nm_groups = weights->nm_groups;
    op->nm_n = weights->pattern.n;
    op->nm_m = weights->pattern.m;
    const size_t slots = weights->rows * op->nm_groups * op->nm_n;
    op->nm_indices = malloc(SPRIG_MAX(slots, 1));
    if (op->nm_indices != NULL) {
      memcpy(op->nm_indices, weights->nm_indices, slots);
    }
    if (op->nm_weights == NULL || op->nm_indices == NULL) {
      goto out_of_memory;
    }
  } else {
    /* Weights that the matrix-vector kernels can take get their SpMM stream (8 bytes per stored
     * value) only when a reshape first needs it: batch-1 users never pay for it. */
    if (sprig_prepare_bspmv(op, hardware, weights, bias) != sprig_status_success ||
        prepare_spmm(op, hardware, weights, bias, op->bspmv_ukernel == NULL) != sprig_status_success) {
      goto out_of_memory;
    }
  }
  op->type = type;
  op->state = sprig_operator_state_created;
  op->params.min = output_min;
  op->params.max = output_max;
  op->rows = weights->rows;
  op->cols = weights->cols;
  op->nnz = weights->nnz;
  /* Kept only if a kernel reads them (1 x C blocks) and the SpMM stream may still be built from
   * them; otherwise the operator's own streams are all it holds. */
  if (op->bspmv_ukernel != NULL) {
    sprig_retain_weights(weights);
    op->weights = weights;
  }
  sprig_log_debug("%s: %zu x %zu, %zu nonzeros, kernel %s", caller, weights->rows, weights->cols, weights->nnz,
                  sprig_operator_kernel_name(op));
  *op_out = op;
  return sprig_status_success;

out_of_memory:
  sprig_log_error("%s: out of memory", caller);
  sprig_delete_operator(op);
  return sprig_status_out_of_memory;
}

/* Unit ranges of about equal cost (stored values + biases), found in one walk over the units. */
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

/* N:M: every channel costs the same, so ranges get equal channel counts. */
static size_t split_channels(const struct sprig_operator* op, size_t range_count, struct sprig_channel_range* ranges) {
  const size_t weights_per_channel = 1 + op->nm_groups * op->nm_n;
  for (size_t r = 0; r < range_count; r++) {
    const size_t first = op->rows * r / range_count;
    ranges[r] = (struct sprig_channel_range){
        .first_channel = first,
        .channel_count = op->rows * (r + 1) / range_count - first,
        .first_unit = first,
        .first_weight = first * weights_per_channel,
    };
  }
  return range_count;
}

#define CACHE_LINE 64
/* Rows whose byte distance is a multiple of this share L1 sets (4 KiB pages). */
#define L1_ALIAS_STRIDE 4096
/* Staging pays only if each input row is read at least this often on average. */
#define MIN_READS_PER_STAGED_ROW 2
/* ... and for rows of at least this many pixels (one SIMD vector of the widest ISA). */
#define MIN_STAGED_PIXELS 16
/* On several threads, rows at least this long whose only fault is a misaligned start are read
 * in place (see sprig_run_spmm). */
#define MIN_UNSTAGED_ROW_BYTES_ON_THREADS 512

/* The input counts as cached when it fits in 1 / INPUT_CACHE_SHARE of L2 (sprig_input_fits_cache). */
#define INPUT_CACHE_SHARE 4

/* Rows this many bytes apart all fall in the same L1 sets. */
static bool aliases_in_l1(size_t row_stride) {
  return row_stride % L1_ALIAS_STRIDE == 0;
}

/* MobileNet v1 at 90% on AVX-512, three alternating runs, ratio to XNNPACK sparse: without
 * software prefetch pw12 (7x7, 512 input channels) ran 4-13% and pw6 (14x14, 256) 4-10% faster,
 * pw13 within the noise, the 28x28 and 56x56 layers (400 KB and more of input) 2-6% slower. */
bool sprig_input_fits_cache(const struct sprig_hardware* hardware, size_t cols, size_t pixels) {
  return pixels <= hardware->l2_bytes / INPUT_CACHE_SHARE / sizeof(float) / SPRIG_MAX(cols, 1);
}

size_t sprig_padded_row_stride(size_t pixels) {
  size_t stride = sprig_round_up(pixels * sizeof(float), CACHE_LINE);
  if (aliases_in_l1(stride)) {
    stride += CACHE_LINE;
  }
  return stride;
}

size_t sprig_aligned_row_stride(size_t pixels, size_t row_stride) {
  const bool misaligned = row_stride % CACHE_LINE != 0 || aliases_in_l1(row_stride);
  return pixels >= MIN_STAGED_PIXELS && misaligned ? sprig_padded_row_stride(pixels) : row_stride;
}

size_t sprig_kernel_row_stride(const struct sprig_operator* op, size_t pixels, size_t row_stride) {
  const enum sprig_isa isa = op->nm_chosen_ukernel != NULL ? op->nm_chosen_ukernel->isa : op->chosen_ukernel->isa;
  const bool reused = op->nnz / MIN_READS_PER_STAGED_ROW >= op->cols;
  return isa == sprig_isa_scalar || !reused ? row_stride : sprig_aligned_row_stride(pixels, row_stride);
}

bool sprig_has_simd_matvec(const struct sprig_operator* op) {
  const struct sprig_hardware* hardware = sprig_get_hardware();
  if (op->nm_chosen_ukernel != NULL) {
    const struct sprig_f32_nmspmm_ukernel* k = sprig_fit_f32_nmspmm_ukernel(hardware, op->nm_chosen_ukernel, 1);
    return k->mr == 1 && k->isa != sprig_isa_scalar;
  }
  const struct sprig_f32_spmm_ukernel* k = sprig_fit_f32_spmm_ukernel(hardware, op->chosen_ukernel, 1);
  return k->mr == 1 && k->isa != sprig_isa_scalar;
}

void* sprig_allocate_aligned(size_t bytes) {
  const size_t rounded = sprig_round_up(SPRIG_MAX(bytes, 1), CACHE_LINE);
  void* p = rounded >= bytes ? aligned_alloc(CACHE_LINE, rounded) : NULL;
  if (p != NULL) {
    memset(p, 0, rounded);
  }
  return p;
}

enum sprig_status sprig_plan_spmm(
    struct sprig_operator* op, size_t images, size_t pixels, size_t input_row_stride,
    size_t input_image_stride, size_t output_row_stride, size_t output_image_stride, const char* caller) {
  const size_t kernel_row_stride = sprig_kernel_row_stride(op, pixels, input_row_stride);
  const struct sprig_hardware* hardware = sprig_get_hardware();
  const bool nm = op->nm_chosen_ukernel != NULL;
  if (!nm && op->stream.weights == NULL) {
    /* Deferred at create (see sprig_create_spmm_operator); the bias kept for the matrix-vector
     * kernels is the operator's bias. */
    if (prepare_spmm(op, hardware, op->weights, op->bspmv_weights.bias, true) != sprig_status_success) {
      sprig_log_error("%s: out of memory", caller);
      return sprig_status_out_of_memory;
    }
  }
  const struct sprig_f32_spmm_ukernel* ukernel =
      nm ? NULL : sprig_fit_f32_spmm_ukernel(hardware, op->chosen_ukernel, pixels);
  const struct sprig_f32_nmspmm_ukernel* nm_ukernel =
      nm ? sprig_fit_f32_nmspmm_ukernel(hardware, op->nm_chosen_ukernel, pixels) : NULL;
  const size_t mr = nm ? nm_ukernel->mr : ukernel->mr;
  const size_t pixel_tile = pixels <= TARGET_PIXEL_TILE ? pixels : sprig_round_up(TARGET_PIXEL_TILE, mr);
  const size_t pixel_tiles = sprig_divide_round_up(pixels, pixel_tile);
  const size_t pixel_tasks = images * pixel_tiles;
  const struct sprig_spmm_stream* stream = &op->stream;
  const size_t units = nm ? op->rows : stream->units;
  const size_t wanted_ranges = SPRIG_MIN(units, sprig_divide_round_up(SPRIG_TARGET_TASKS, pixel_tasks));

  const bool staged = kernel_row_stride != input_row_stride;
  size_t kernel_image_stride = input_image_stride;
  size_t staged_bytes = 0;
  if (staged && (!sprig_mul_size(kernel_row_stride, op->cols, &kernel_image_stride) ||
                 !sprig_mul_size(kernel_image_stride, images, &staged_bytes))) {
    sprig_log_error("%s: the aligned input copy of %zu images overflows size_t", caller, images);
    return sprig_status_unsupported_parameter;
  }

  struct sprig_channel_range* ranges = malloc(wanted_ranges * sizeof(struct sprig_channel_range));
  float* staged_input = staged ? sprig_allocate_aligned(staged_bytes) : NULL;
  if (ranges == NULL || (staged && staged_input == NULL)) {
    free(ranges);
    free(staged_input);
    sprig_log_error("%s: out of memory", caller);
    return sprig_status_out_of_memory;
  }
  free(op->plan.ranges);
  free(op->plan.staged_input);
  op->ukernel = ukernel;
  op->nm_ukernel = nm_ukernel;
  op->plan = (struct sprig_spmm_plan){
      .pixels = pixels,
      .images = images,
      .input_row_stride = input_row_stride,
      .input_image_stride = input_image_stride,
      .kernel_row_stride = kernel_row_stride,
      .kernel_image_stride = kernel_image_stride,
      .staged_input = staged_input,
      .output_row_stride = output_row_stride,
      .output_image_stride = output_image_stride,
      .pixel_tile = pixel_tile,
      .pixel_tiles = pixel_tiles,
      .ranges = ranges,
      .range_count = nm ? split_channels(op, wanted_ranges, ranges) : split_units(stream, wanted_ranges, ranges),
      .stage_on_threads = staged && (aliases_in_l1(input_row_stride) ||
                                     pixels * sizeof(float) < MIN_UNSTAGED_ROW_BYTES_ON_THREADS),
  };
  op->params.input_cached = sprig_input_fits_cache(hardware, op->cols, pixels);
  return sprig_status_success;
}

struct spmm_task_context {
  const struct sprig_operator* op;
  const char* input;
  size_t row_stride;   /* bytes between the input rows the kernels read (staged or not) */
  size_t image_stride; /* ... and between their images */
  char* output;
  bool all_channels; /* one task per pixel tile: the first range stretched over every channel */
};

static void spmm_task(void* context, size_t pixel_task, size_t range_index) {
  const struct spmm_task_context* ctx = context;
  const struct sprig_operator* op = ctx->op;
  const struct sprig_spmm_plan* plan = &op->plan;
  struct sprig_channel_range range_or_all = plan->ranges[range_index];
  if (ctx->all_channels) {
    range_or_all.channel_count = op->rows;
  }
  const struct sprig_channel_range* range = &range_or_all;
  const size_t image = pixel_task / plan->pixel_tiles;
  const size_t first_pixel = (pixel_task % plan->pixel_tiles) * plan->pixel_tile;
  const size_t pixel_count = SPRIG_MIN(plan->pixel_tile, plan->pixels - first_pixel);
  char* output = ctx->output + image * plan->output_image_stride +
                 range->first_channel * plan->output_row_stride + first_pixel * sizeof(float);
  if (op->nm_ukernel != NULL) {
    const size_t slots = op->nm_groups * op->nm_n;
    op->nm_ukernel->fn(pixel_count, range->channel_count, op->nm_groups, op->nm_n, op->nm_m,
                       (const float*) (ctx->input + image * ctx->image_stride + first_pixel * sizeof(float)),
                       ctx->row_stride, op->nm_weights + range->first_weight,
                       op->nm_indices + range->first_channel * slots, (float*) output, plan->output_row_stride,
                       &op->params);
    return;
  }
  const char* input = ctx->input + image * ctx->image_stride + range->first_input_row * ctx->row_stride +
                      first_pixel * sizeof(float);
  op->ukernel->fn(pixel_count, range->channel_count, (const float*) input, ctx->row_stride,
                  op->stream.weights + range->first_weight, op->stream.deltas + range->first_entry,
                  op->stream.nnz + range->first_unit, (float*) output, plan->output_row_stride, &op->params);
}

struct stage_context {
  const struct sprig_spmm_plan* plan;
  const char* input;
  size_t rows_per_image;
  size_t rows;
  size_t rows_per_task;
};

/* Rows copied per staging task: about 16 KiB. */
#define STAGE_TILE_BYTES 16384

/* Copies the rows of one staging task (all images' rows numbered image by image). */
static void stage_rows(void* context, size_t task) {
  const struct stage_context* ctx = context;
  const struct sprig_spmm_plan* plan = ctx->plan;
  const size_t first_row = task * ctx->rows_per_task;
  const size_t end_row = SPRIG_MIN(first_row + ctx->rows_per_task, ctx->rows);
  for (size_t row = first_row; row < end_row; row++) {
    const size_t image = row / ctx->rows_per_image;
    const size_t channel = row % ctx->rows_per_image;
    memcpy((char*) plan->staged_input + image * plan->kernel_image_stride + channel * plan->kernel_row_stride,
           ctx->input + image * plan->input_image_stride + channel * plan->input_row_stride,
           plan->pixels * sizeof(float));
  }
}

void sprig_run_spmm(const struct sprig_operator* op, const float* input, float* output, pthreadpool_t threadpool) {
  const struct sprig_spmm_plan* plan = &op->plan;
  const bool one_thread = pthreadpool_get_threads_count(threadpool) <= 1;
  /* The channel ranges are there for load balance. On one thread a single kernel call per pixel
   * tile covers every channel: it does not re-read the tile's input rows range after range
   * (1-9% faster on MobileNet v1 layers), and every output bit stays the same, because ranges
   * only partition the channels (each channel's sums are computed alike either way). */
  struct spmm_task_context context = {op, (const char*) input, plan->input_row_stride, plan->input_image_stride,
                                      (char*) output, one_thread};
  /* On several threads, long rows that only start mid-line are read in place. On the 2-core
   * development machine the copy made 2-thread runs of 14x14 layers (784-byte rows) swing
   * between 39-41 us and 69-91 us from one half hour to the next (pw6; 59-77 us on one thread),
   * while reading in place stayed at 47-56 us; giving each thread its own tile of columns to
   * copy and compute was no better than the shared copy, so the cause is not copied lines
   * crossing cores, and it is not understood. 7x7 rows (196 bytes, a third more lines when
   * misaligned) still gain from the copy (pw12: 47-52 us against 63-70 in place when the
   * machine was quiet, about even when not). The kernels' results do not depend on where the
   * rows are, so the output bits are the same. */
  if (plan->staged_input != NULL && (one_thread || plan->stage_on_threads)) {
    const size_t rows = plan->images * op->cols;
    const size_t rows_per_task = SPRIG_MAX(1, STAGE_TILE_BYTES / plan->kernel_row_stride);
    struct stage_context stage = {plan, (const char*) input, op->cols, rows, rows_per_task};
    pthreadpool_parallelize_1d(threadpool, stage_rows, &stage, sprig_divide_round_up(rows, rows_per_task), 0);
    context.input = (const char*) plan->staged_input;
    context.row_stride = plan->kernel_row_stride;
    context.image_stride = plan->kernel_image_stride;
  }
  pthreadpool_parallelize_2d(threadpool, spmm_task, &context, plan->images * plan->pixel_tiles,
                             one_thread ? 1 : plan->range_count, 0);
}

enum sprig_status sprig_check_operator(sprig_operator_t op, enum sprig_operator_type type, const char* caller) {
  if (op == NULL) {
    sprig_log_error("%s: operator is NULL", caller);
    return sprig_status_invalid_parameter;
  }
  if (op->type != type) {
    sprig_log_error("%s: operator is of another type", caller);
    return sprig_status_invalid_parameter;
  }
  return sprig_status_success;
}

enum sprig_status sprig_bind_tensors(
    struct sprig_operator* op, const float* input, size_t input_bytes, float* output, size_t output_bytes,
    const char* caller) {
  if (op->state == sprig_operator_state_created) {
    sprig_log_error("%s: reshape the operator before setup", caller);
    return sprig_status_invalid_state;
  }
  if (input == NULL || output == NULL) {
    sprig_log_error("%s: %s is NULL", caller, input == NULL ? "input" : "output");
    return sprig_status_invalid_parameter;
  }
  const uintptr_t in_begin = (uintptr_t) input;
  const uintptr_t out_begin = (uintptr_t) output;
  if (in_begin < out_begin + output_bytes && out_begin < in_begin + input_bytes) {
    sprig_log_error("%s: input and output overlap (in-place is not supported)", caller);
    return sprig_status_invalid_parameter;
  }
  op->input = input;
  op->output = output;
  op->state = sprig_operator_state_ready;
  return sprig_status_success;
}

enum sprig_status sprig_delete_operator(sprig_operator_t op) {
  if (op == NULL) {
    return sprig_status_success;
  }
  sprig_release_weights(op->weights);
  sprig_free_spmm_stream(&op->stream);
  free(op->nm_weights);
  free(op->nm_indices);
  free(op->plan.ranges);
  free(op->plan.staged_input);
  sprig_free_bspmv_weights(op);
  sprig_clear_bspmv_plan(op);
  free(op->transposed_input);
  free(op->transposed_output);
  free(op);
  return sprig_status_success;
}

const char* sprig_operator_kernel_name(sprig_operator_t op) {
  if (op == NULL) {
    return NULL;
  }
  if (op->bspmv.active) {
    return op->bspmv_ukernel->name;
  }
  return op->nm_ukernel != NULL ? op->nm_ukernel->name : op->ukernel->name;
}

size_t sprig_operator_weight_bytes(sprig_operator_t op) {
  if (op == NULL) {
    return 0;
  }
  const struct sprig_spmm_stream* s = &op->stream;
  size_t bytes = 0;
  if (s->weights != NULL) {
    bytes += s->weight_count * sizeof(float) + s->entries * sizeof(int8_t) + s->units * sizeof(uint32_t);
  }
  if (op->nm_weights != NULL) {
    const size_t slots = op->rows * op->nm_groups * op->nm_n;
    bytes += (op->rows + slots) * sizeof(float) + slots * sizeof(uint8_t);
  }
  if (op->bspmv_ukernel != NULL) {
    bytes += op->rows * (sizeof(float) + sizeof(uint32_t)); /* bias and block counts */
  }
  if (op->weights != NULL) {
    bytes += sprig_packed_bytes(op->weights);
  }
  return bytes;
}
