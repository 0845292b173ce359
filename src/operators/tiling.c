/* Pixel tiles x channel ranges, the aligned input copy and the pool loop (src/sprig/tiling.h). */
#include <stdlib.h>
#include <string.h>

#include <sprig/common.h>
#include <sprig/log.h>
#include <sprig/tiling.h>
#include <sprig/workspace.h>

/* Pixels per task when an image is wide (rounded up to the kernel's MR). */
#define TARGET_PIXEL_TILE 256

#define CACHE_LINE 64
/* Rows whose byte distance is a multiple of this share L1 sets (4 KiB pages): staged even
 * when whole lines apart. */
#define L1_ALIAS_STRIDE 4096
/* Staging pays only if each input row is read at least this often on average. */
#define MIN_READS_PER_STAGED_ROW 2
/* ... and for rows of at least this many pixels (one SIMD vector of the widest ISA). */
#define MIN_STAGED_PIXELS 16
/* On several threads, rows at least this long whose only fault is a misaligned start are read
 * in place (docs/performance.md, "2 threads"). */
#define MIN_UNSTAGED_ROW_BYTES_ON_THREADS 512
/* Rows copied per staging task: about 16 KiB. */
#define STAGE_TILE_BYTES 16384

static bool aliases_in_l1(size_t row_stride) {
  return row_stride % L1_ALIAS_STRIDE == 0;
}

size_t sprig_padded_row_bytes(size_t row_bytes) {
  const size_t lines = sprig_divide_round_up(row_bytes, CACHE_LINE);
  return (lines | 1) * CACHE_LINE;
}

size_t sprig_padded_row_stride(size_t pixels) {
  return sprig_padded_row_bytes(pixels * sizeof(float));
}

bool sprig_stages_on_threads(size_t row_stride, size_t row_bytes) {
  return aliases_in_l1(row_stride) || row_bytes < MIN_UNSTAGED_ROW_BYTES_ON_THREADS;
}

bool sprig_row_stride_is_misaligned(size_t row_stride) {
  return row_stride % CACHE_LINE != 0 || aliases_in_l1(row_stride);
}

size_t sprig_aligned_row_stride(size_t pixels, size_t row_stride) {
  const bool misaligned = sprig_row_stride_is_misaligned(row_stride);
  return pixels >= MIN_STAGED_PIXELS && misaligned ? sprig_padded_row_stride(pixels) : row_stride;
}

size_t sprig_kernel_row_stride(enum sprig_isa isa, size_t nnz, size_t input_rows, size_t pixels, size_t row_stride) {
  const bool reused = nnz / MIN_READS_PER_STAGED_ROW >= input_rows;
  return isa == sprig_isa_scalar || !reused ? row_stride : sprig_aligned_row_stride(pixels, row_stride);
}

void* sprig_allocate_scratch(size_t bytes) {
  const size_t rounded = sprig_round_up(SPRIG_MAX(bytes, 1), CACHE_LINE);
  return rounded >= bytes ? aligned_alloc(CACHE_LINE, rounded) : NULL;
}

void* sprig_allocate_aligned(size_t bytes) {
  void* p = sprig_allocate_scratch(bytes);
  if (p != NULL) {
    memset(p, 0, sprig_round_up(SPRIG_MAX(bytes, 1), CACHE_LINE));
  }
  return p;
}

enum sprig_status sprig_plan_tiles(const struct sprig_problem* problem, size_t channels, size_t input_rows,
                                   size_t units, size_t mr, size_t kernel_row_stride,
                                   struct sprig_workspace* workspace, const char* caller,
                                   struct sprig_tile_plan* plan_out) {
  const size_t pixels = problem->pixels;
  const size_t pixel_tile = pixels <= TARGET_PIXEL_TILE ? pixels : sprig_round_up(TARGET_PIXEL_TILE, mr);
  const size_t pixel_tiles = sprig_divide_round_up(pixels, pixel_tile);
  const size_t pixel_tasks = problem->images * pixel_tiles;
  const size_t wanted_ranges = SPRIG_MAX(1, SPRIG_MIN(units, sprig_divide_round_up(SPRIG_TARGET_TASKS, pixel_tasks)));

  const bool staged = kernel_row_stride != problem->input_row_stride;
  size_t kernel_image_stride = problem->input_image_stride;
  size_t staged_bytes = 0;
  if (staged && (!sprig_mul_size(kernel_row_stride, input_rows, &kernel_image_stride) ||
                 !sprig_mul_size(kernel_image_stride, problem->images, &staged_bytes))) {
    sprig_log_error("%s: the aligned input copy of %zu images overflows size_t", caller, problem->images);
    return sprig_status_unsupported_parameter;
  }
  struct sprig_workspace* staging_workspace = staged ? workspace : NULL;
  void* staged_input = NULL;
  if (staged) {
    const enum sprig_status status = sprig_plan_scratch(staging_workspace, staged_bytes, true, caller, &staged_input);
    if (status != sprig_status_success) {
      return status;
    }
  }
  struct sprig_channel_range* ranges = calloc(wanted_ranges, sizeof(struct sprig_channel_range));
  if (ranges == NULL) {
    free(ranges);
    free(staged_input);
    sprig_log_error("%s: out of memory", caller);
    return sprig_status_out_of_memory;
  }
  *plan_out = (struct sprig_tile_plan){
      .problem = *problem,
      .channels = channels,
      .input_rows = input_rows,
      .kernel_row_stride = kernel_row_stride,
      .kernel_image_stride = kernel_image_stride,
      .staged_input = staged_input,
      .staging_workspace = staging_workspace,
      .staged = staged,
      .stage_on_threads = staged && sprig_stages_on_threads(problem->input_row_stride, pixels * sizeof(float)),
      .pixel_tile = pixel_tile,
      .pixel_tiles = pixel_tiles,
      .ranges = ranges,
      .range_capacity = wanted_ranges,
  };
  return sprig_status_success;
}

void sprig_free_tile_plan(struct sprig_tile_plan* plan) {
  free(plan->ranges);
  free(plan->staged_input);
  *plan = (struct sprig_tile_plan){0};
}

struct tile_context {
  const struct sprig_tile_plan* plan;
  const void* path;
  sprig_tile_fn fn;
  const char* input;
  size_t row_stride;   /* bytes between the input rows the kernels read (staged or not) */
  size_t image_stride; /* ... and between their images */
  char* output;
  bool all_channels;   /* one task per pixel tile: the first range stretched over every channel */
};

static void tile_task(void* context, size_t pixel_task, size_t range_index) {
  const struct tile_context* ctx = context;
  const struct sprig_tile_plan* plan = ctx->plan;
  struct sprig_channel_range range = plan->ranges[range_index];
  if (ctx->all_channels) {
    range.channel_count = plan->channels;
  }
  const size_t image = pixel_task / plan->pixel_tiles;
  const size_t first_pixel = (pixel_task % plan->pixel_tiles) * plan->pixel_tile;
  const size_t pixel_count = SPRIG_MIN(plan->pixel_tile, plan->problem.pixels - first_pixel);
  char* output = ctx->output + image * plan->problem.output_image_stride +
                 range.first_channel * plan->problem.output_row_stride + first_pixel * sizeof(float);
  const char* input = ctx->input + image * ctx->image_stride + first_pixel * sizeof(float);
  ctx->fn(ctx->path, plan, &range, input, ctx->row_stride, pixel_count, output);
}

struct stage_context {
  const struct sprig_tile_plan* plan;
  char* staged;
  const char* input;
  size_t rows;
  size_t rows_per_task;
};

/* Copies the rows of one staging task (all images' rows numbered image by image). */
static void stage_rows(void* context, size_t task) {
  const struct stage_context* ctx = context;
  const struct sprig_tile_plan* plan = ctx->plan;
  const size_t first_row = task * ctx->rows_per_task;
  const size_t end_row = SPRIG_MIN(first_row + ctx->rows_per_task, ctx->rows);
  for (size_t row = first_row; row < end_row; row++) {
    const size_t image = row / plan->input_rows;
    const size_t channel = row % plan->input_rows;
    memcpy(ctx->staged + image * plan->kernel_image_stride + channel * plan->kernel_row_stride,
           ctx->input + image * plan->problem.input_image_stride + channel * plan->problem.input_row_stride,
           plan->problem.pixels * sizeof(float));
  }
}

void sprig_run_tiles(const struct sprig_tile_plan* plan, const void* path, sprig_tile_fn fn, const float* input,
                     float* output, pthreadpool_t threadpool) {
  const bool one_thread = pthreadpool_get_threads_count(threadpool) <= 1;
  struct tile_context context = {plan,   path, fn, (const char*) input, plan->problem.input_row_stride,
                                 plan->problem.input_image_stride, (char*) output, one_thread};
  /* On several threads, long rows that only start mid-line are read in place (the copy made
   * 2-thread runs slower on 14x14 maps; docs/performance.md). The kernels' results do not depend
   * on where the rows are, so the output bits are the same. */
  if (plan->staged && (one_thread || plan->stage_on_threads)) {
    char* staged = (char*) (plan->staging_workspace != NULL ? plan->staging_workspace->data : plan->staged_input);
    const size_t rows = plan->problem.images * plan->input_rows;
    const size_t rows_per_task = SPRIG_MAX(1, STAGE_TILE_BYTES / plan->kernel_row_stride);
    struct stage_context stage = {plan, staged, (const char*) input, rows, rows_per_task};
    pthreadpool_parallelize_1d(threadpool, stage_rows, &stage, sprig_divide_round_up(rows, rows_per_task), 0);
    context.input = staged;
    context.row_stride = plan->kernel_row_stride;
    context.image_stride = plan->kernel_image_stride;
  }
  pthreadpool_parallelize_2d(threadpool, tile_task, &context, plan->problem.images * plan->pixel_tiles,
                             one_thread ? 1 : plan->range_count, 0);
}
