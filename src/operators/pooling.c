/* Global average pooling of NCHW tensors: input [batch][channels][height][width] ->
 * output [batch][channels], each the clamped mean of its channel's height x width pixels.
 *
 * Every (image, channel) row is summed on its own, so a run splits rows over the pool in
 * chunks and gives bitwise identical results for any thread count. A row is summed into 8
 * independent partial sums (element i goes to sum i mod 8; compilers keep them in vector
 * registers), combined as ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)), then multiplied
 * by 1 / (height x width). That order is fixed (it does not depend on the CPU, the build's
 * vector width or the pool) but is not the order of a sequential sum, so results may differ
 * from a plain loop in the last bits. */
#include <sprig/common.h>
#include <sprig/log.h>
#include <sprig/operator.h>

#include <isa/scalar.h>

/* Rows are handed out in chunks of about this many input floats (at least one row). */
#define GAVGPOOL_FLOATS_PER_TASK 8192

/* The sum of x[0..n) in the order described at the top. The partial sums start at -0.0f, the
 * additive identity, so a row of -0.0 sums to -0.0. */
static float sum_row(const float* restrict x, size_t n) {
  float s0 = -0.0f, s1 = -0.0f, s2 = -0.0f, s3 = -0.0f, s4 = -0.0f, s5 = -0.0f, s6 = -0.0f, s7 = -0.0f;
  for (; n >= 8; n -= 8) {
    s0 += x[0];
    s1 += x[1];
    s2 += x[2];
    s3 += x[3];
    s4 += x[4];
    s5 += x[5];
    s6 += x[6];
    s7 += x[7];
    x += 8;
  }
  /* The last n < 8 elements, one into each of the first n sums. */
  s0 += n > 0 ? x[0] : -0.0f;
  s1 += n > 1 ? x[1] : -0.0f;
  s2 += n > 2 ? x[2] : -0.0f;
  s3 += n > 3 ? x[3] : -0.0f;
  s4 += n > 4 ? x[4] : -0.0f;
  s5 += n > 5 ? x[5] : -0.0f;
  s6 += n > 6 ? x[6] : -0.0f;
  return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
}

struct gavgpool_context {
  const float* input;  /* [rows][pixels] */
  float* output;       /* [rows] */
  size_t rows;         /* batch x channels */
  size_t pixels;
  size_t rows_per_task;
  float scale;
  float min;
  float max;
};

static void gavgpool_task(void* context, size_t task) {
  const struct gavgpool_context* ctx = context;
  const size_t first = task * ctx->rows_per_task;
  const size_t last = SPRIG_MIN(first + ctx->rows_per_task, ctx->rows);
  const size_t pixels = ctx->pixels;
  const float* row = ctx->input + first * pixels;
  if (pixels == 1) {
    /* 1 x 1 images: the mean is the value itself (what the loop below computes: x + -0 = x and
     * x * 1 = x), clamped in one vectorizable pass. */
    for (size_t r = first; r < last; r++) {
      ctx->output[r] = sprig_clamp_f32(row[r - first], ctx->min, ctx->max);
    }
    return;
  }
  for (size_t r = first; r < last; r++, row += pixels) {
    ctx->output[r] = sprig_clamp_f32(sum_row(row, pixels) * ctx->scale, ctx->min, ctx->max);
  }
}

static void gavgpool_run(const struct sprig_operator* op, const float* input, float* output,
                         pthreadpool_t threadpool) {
  const size_t pixels = op->height * op->width;
  const size_t rows = op->batch * op->channels;
  const size_t rows_per_task = SPRIG_MAX(GAVGPOOL_FLOATS_PER_TASK / pixels, (size_t) 1);
  struct gavgpool_context context = {
      .input = input,
      .output = output,
      .rows = rows,
      .pixels = pixels,
      .rows_per_task = rows_per_task,
      /* 1 / pixels computed in double, then rounded to float: right also above 2^24 pixels,
       * where (float) pixels would already be rounded. */
      .scale = (float) (1.0 / (double) pixels),
      .min = op->params.min,
      .max = op->params.max,
  };
  pthreadpool_parallelize_1d(threadpool, gavgpool_task, &context, sprig_divide_round_up(rows, rows_per_task), 0);
}

static const char* gavgpool_kernel_name(const struct sprig_operator* op) {
  (void) op;
  return "sprig_f32_gavgpool_minmax_nchw";
}

static const struct sprig_path_ops gavgpool_path = {
    .name = "global average pooling",
    .run = gavgpool_run,
    .kernel_name = gavgpool_kernel_name,
};

enum sprig_status sprig_create_global_average_pooling_nchw_f32(
    size_t channels, float output_min, float output_max, uint32_t flags, sprig_operator_t* op_out) {
  static const char caller[] = "sprig_create_global_average_pooling_nchw_f32";
  if (channels == 0) {
    sprig_log_error("%s: channels must be > 0", caller);
    return sprig_status_invalid_parameter;
  }
  sprig_operator_t op = NULL;
  const enum sprig_status status =
      sprig_create_weightless_operator(sprig_operator_type_global_average_pooling_nchw, &gavgpool_path,
                                       output_min, output_max, flags, caller, op_out != NULL ? &op : NULL);
  if (status != sprig_status_success) {
    return status;
  }
  op->channels = channels;
  *op_out = op;
  return sprig_status_success;
}

enum sprig_status sprig_reshape_global_average_pooling_nchw_f32(
    sprig_operator_t op, size_t batch, size_t height, size_t width) {
  static const char caller[] = "sprig_reshape_global_average_pooling_nchw_f32";
  const enum sprig_status status =
      sprig_check_operator(op, sprig_operator_type_global_average_pooling_nchw, caller);
  if (status != sprig_status_success) {
    return status;
  }
  if (batch == 0 || height == 0 || width == 0) {
    sprig_log_error("%s: batch (%zu), height (%zu) and width (%zu) must be > 0", caller, batch, height, width);
    return sprig_status_invalid_parameter;
  }
  size_t rows, input_floats, input_bytes, output_bytes;
  if (!sprig_mul_size(batch, op->channels, &rows) || !sprig_mul_size(rows, sizeof(float), &output_bytes) ||
      !sprig_mul3_size(rows, height, width, &input_floats) ||
      !sprig_mul_size(input_floats, sizeof(float), &input_bytes)) {
    sprig_log_error("%s: a %zu x %zu x %zu x %zu input has a byte size that overflows size_t", caller, batch,
                    op->channels, height, width);
    return sprig_status_invalid_parameter;
  }
  op->batch = batch;
  op->height = height;
  op->width = width;
  sprig_finish_reshape(op);
  return sprig_status_success;
}

enum sprig_status sprig_setup_global_average_pooling_nchw_f32(sprig_operator_t op, const float* input,
                                                               float* output) {
  static const char caller[] = "sprig_setup_global_average_pooling_nchw_f32";
  const enum sprig_status status =
      sprig_check_operator(op, sprig_operator_type_global_average_pooling_nchw, caller);
  if (status != sprig_status_success) {
    return status;
  }
  /* Sizes were checked against overflow at reshape (all 0 before it: bind refuses then). */
  const size_t rows = op->batch * op->channels;
  return sprig_bind_tensors(op, input, rows * op->height * op->width * sizeof(float), output, rows * sizeof(float),
                            caller);
}
