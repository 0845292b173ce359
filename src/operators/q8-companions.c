/* The int8 companions of an NCHW network (sprig.h): element-wise addition (the chosen qs8-vadd
 * kernel, src/sprig/qs8-vadd.h) and global average pooling of qs8 tensors (the sums in plain C
 * compiled for the target's baseline, then the chosen requantization kernel). Both operators
 * split their work over the pool in chunks whose results do not depend on the split. */
#include <math.h>
#include <stdlib.h>

#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/hardware.h>
#include <sprig/log.h>
#include <sprig/operator.h>
#include <sprig/qs8-requant.h>
#include <sprig/qs8-vadd.h>

/* Elements an add task computes. */
#define ADD_ELEMENTS_PER_TASK 4096
/* Input bytes a pooling task sums (at least one channel), and channels it requantizes at once. */
#define GAVGPOOL_BYTES_PER_TASK 32768
#define GAVGPOOL_SUMS 256
/* The most pixels a channel may have: 255 x pixels must fit int32. */
#define GAVGPOOL_MAX_PIXELS ((size_t) (INT32_MAX / 255))

static bool is_positive_finite(float v) {
  return isfinite(v) && v > 0.0f;
}

/* A weightless int8 operator with a zeroed path state of state_bytes; NULL (logged) on error,
 * *status set. */
static struct sprig_operator* create_q8_companion(enum sprig_operator_type type, const struct sprig_path_ops* path,
                                                  int8_t output_min, int8_t output_max, uint32_t flags,
                                                  size_t state_bytes, const char* caller, sprig_operator_t* op_out,
                                                  enum sprig_status* status) {
  if (output_min > output_max) {
    sprig_log_error("%s: output_min (%d) > output_max (%d)", caller, output_min, output_max);
    *status = sprig_status_invalid_parameter;
    return NULL;
  }
  sprig_operator_t op = NULL;
  *status = sprig_create_weightless_operator(type, path, (float) output_min, (float) output_max, flags, caller,
                                             op_out != NULL ? &op : NULL);
  if (*status != sprig_status_success) {
    return NULL;
  }
  op->path_state = calloc(1, state_bytes);
  if (op->path_state == NULL) {
    sprig_log_error("%s: out of memory", caller);
    free(op);
    *status = sprig_status_out_of_memory;
    return NULL;
  }
  return op;
}

static void destroy_state(struct sprig_operator* op) {
  free(op->path_state);
  op->path_state = NULL;
}

/* ---- add ---- */

struct add_q8_state {
  struct sprig_qs8_vadd_params params;
  const struct sprig_qs8_vadd_ukernel* kernel;
};

struct add_q8_context {
  const int8_t* a;
  const int8_t* b;
  int8_t* output;
  size_t elements;
  const struct add_q8_state* state;
};

static void add_q8_task(void* context, size_t task) {
  const struct add_q8_context* ctx = context;
  const size_t first = task * ADD_ELEMENTS_PER_TASK;
  const size_t n = SPRIG_MIN(ADD_ELEMENTS_PER_TASK, ctx->elements - first);
  ctx->state->kernel->fn(n, ctx->a + first, ctx->b + first, ctx->output + first, &ctx->state->params);
}

static void add_q8_run(const struct sprig_operator* op, const float* input, float* output, pthreadpool_t threadpool) {
  struct add_q8_context context = {(const int8_t*) input, (const int8_t*) op->second_input, (int8_t*) output,
                                   op->elements, op->path_state};
  pthreadpool_parallelize_1d(threadpool, add_q8_task, &context,
                             sprig_divide_round_up(op->elements, ADD_ELEMENTS_PER_TASK), 0);
}

static const char* add_q8_kernel_name(const struct sprig_operator* op) {
  const struct add_q8_state* s = op->path_state;
  return s->kernel->name;
}

static const struct sprig_path_ops add_q8_path = {
    .name = "add qs8",
    .run = add_q8_run,
    .kernel_name = add_q8_kernel_name,
    .destroy = destroy_state,
};

/* scale / output_scale as a float in (0, 256), or 0 (logged) when it is not. */
static float add_multiplier(float scale, float output_scale, const char* name, const char* caller) {
  const float m = scale / output_scale;
  if (!is_positive_finite(m) || m >= 256.0f) {
    sprig_log_error("%s: %s / output_scale = %g must be > 0 and < 256", caller, name, (double) m);
    return 0.0f;
  }
  return m;
}

enum sprig_status sprig_create_add_qs8(int8_t a_zero_point, float a_scale, int8_t b_zero_point, float b_scale,
                                       int8_t output_zero_point, float output_scale, int8_t output_min,
                                       int8_t output_max, uint32_t flags, sprig_operator_t* op_out) {
  static const char caller[] = "sprig_create_add_qs8";
  if (!is_positive_finite(a_scale) || !is_positive_finite(b_scale) || !is_positive_finite(output_scale)) {
    sprig_log_error("%s: a_scale (%g), b_scale (%g) and output_scale (%g) must be finite and > 0", caller,
                    (double) a_scale, (double) b_scale, (double) output_scale);
    return sprig_status_invalid_parameter;
  }
  const float ma = add_multiplier(a_scale, output_scale, "a_scale", caller);
  const float mb = add_multiplier(b_scale, output_scale, "b_scale", caller);
  if (ma == 0.0f || mb == 0.0f) {
    return sprig_status_invalid_parameter;
  }
  enum sprig_status status;
  struct sprig_operator* op = create_q8_companion(sprig_operator_type_add_qs8, &add_q8_path, output_min, output_max,
                                                  flags, sizeof(struct add_q8_state), caller, op_out, &status);
  if (op == NULL) {
    return status;
  }
  struct add_q8_state* s = op->path_state;
  s->params = (struct sprig_qs8_vadd_params){ma, mb, a_zero_point, b_zero_point, output_zero_point,
                                             (float) (output_min - output_zero_point),
                                             (float) (output_max - output_zero_point)};
  s->kernel = sprig_choose_qs8_vadd_ukernel(sprig_get_hardware());
  *op_out = op;
  return sprig_status_success;
}

enum sprig_status sprig_reshape_add_qs8(sprig_operator_t op, size_t elements) {
  static const char caller[] = "sprig_reshape_add_qs8";
  const enum sprig_status status = sprig_check_operator(op, sprig_operator_type_add_qs8, caller);
  if (status != sprig_status_success) {
    return status;
  }
  if (elements == 0) {
    sprig_log_error("%s: elements must be > 0", caller);
    return sprig_status_invalid_parameter;
  }
  op->elements = elements;
  sprig_finish_reshape(op);
  op->second_input = NULL;
  return sprig_status_success;
}

enum sprig_status sprig_setup_add_qs8(sprig_operator_t op, const int8_t* a, const int8_t* b, int8_t* output) {
  static const char caller[] = "sprig_setup_add_qs8";
  const enum sprig_status status = sprig_check_operator(op, sprig_operator_type_add_qs8, caller);
  if (status != sprig_status_success) {
    return status;
  }
  return sprig_bind_two_inputs(op, a, b, output, op->elements, caller);
}

/* ---- global average pooling ---- */

struct gavgpool_q8_state {
  int32_t input_zero_point;
  float input_scale, output_scale;
  struct sprig_qs8_requant_params requant;
  const struct sprig_qs8_requant_ukernel* kernel;
  float scale;  /* at reshape: input_scale / (output_scale x pixels) */
};

struct gavgpool_q8_context {
  const int8_t* input;  /* [rows][pixels] */
  int8_t* output;       /* [rows] */
  size_t rows;          /* batch x channels */
  size_t pixels;
  size_t rows_per_task;
  const struct gavgpool_q8_state* state;
};

/* sum of (x[i] - zero_point) over the row: the int8 values summed exactly in int32 (|sum| <=
 * 128 x pixels), the zero point's share taken off once. */
static int32_t sum_row_q8(const int8_t* x, size_t pixels, int32_t zero_point) {
  int32_t sum = 0;
  for (size_t i = 0; i < pixels; i++) {
    sum += x[i];
  }
  return (int32_t) ((uint32_t) sum - (uint32_t) zero_point * (uint32_t) pixels);
}

static void gavgpool_q8_task(void* context, size_t task) {
  const struct gavgpool_q8_context* ctx = context;
  const struct gavgpool_q8_state* s = ctx->state;
  const size_t first = task * ctx->rows_per_task;
  const size_t last = SPRIG_MIN(first + ctx->rows_per_task, ctx->rows);
  int32_t sums[GAVGPOOL_SUMS];
  for (size_t r0 = first; r0 < last; r0 += GAVGPOOL_SUMS) {
    const size_t n = SPRIG_MIN(GAVGPOOL_SUMS, last - r0);
    for (size_t i = 0; i < n; i++) {
      sums[i] = sum_row_q8(ctx->input + (r0 + i) * ctx->pixels, ctx->pixels, s->input_zero_point);
    }
    s->kernel->rows(1, n, sums, n * sizeof(int32_t), &s->scale, ctx->output + r0, n, &s->requant);
  }
}

static void gavgpool_q8_run(const struct sprig_operator* op, const float* input, float* output,
                            pthreadpool_t threadpool) {
  const size_t pixels = op->height * op->width;
  const size_t rows = op->batch * op->channels;
  const size_t rows_per_task = SPRIG_MAX(GAVGPOOL_BYTES_PER_TASK / pixels, (size_t) 1);
  struct gavgpool_q8_context context = {(const int8_t*) input, (int8_t*) output, rows, pixels, rows_per_task,
                                        op->path_state};
  pthreadpool_parallelize_1d(threadpool, gavgpool_q8_task, &context, sprig_divide_round_up(rows, rows_per_task), 0);
}

static const char* gavgpool_q8_kernel_name(const struct sprig_operator* op) {
  (void) op;
  return "sprig_qs8_gavgpool_minmax_nchw";
}

static const struct sprig_path_ops gavgpool_q8_path = {
    .name = "global average pooling qs8",
    .run = gavgpool_q8_run,
    .kernel_name = gavgpool_q8_kernel_name,
    .destroy = destroy_state,
};

enum sprig_status sprig_create_global_average_pooling_nchw_qs8(size_t channels, int8_t input_zero_point,
                                                               float input_scale, int8_t output_zero_point,
                                                               float output_scale, int8_t output_min,
                                                               int8_t output_max, uint32_t flags,
                                                               sprig_operator_t* op_out) {
  static const char caller[] = "sprig_create_global_average_pooling_nchw_qs8";
  if (channels == 0) {
    sprig_log_error("%s: channels must be > 0", caller);
    return sprig_status_invalid_parameter;
  }
  if (!is_positive_finite(input_scale) || !is_positive_finite(output_scale)) {
    sprig_log_error("%s: input_scale (%g) and output_scale (%g) must be finite and > 0", caller,
                    (double) input_scale, (double) output_scale);
    return sprig_status_invalid_parameter;
  }
  enum sprig_status status;
  struct sprig_operator* op =
      create_q8_companion(sprig_operator_type_global_average_pooling_nchw_qs8, &gavgpool_q8_path, output_min,
                          output_max, flags, sizeof(struct gavgpool_q8_state), caller, op_out, &status);
  if (op == NULL) {
    return status;
  }
  struct gavgpool_q8_state* s = op->path_state;
  s->input_zero_point = input_zero_point;
  s->input_scale = input_scale;
  s->output_scale = output_scale;
  s->requant = (struct sprig_qs8_requant_params){(float) (output_min - output_zero_point),
                                                 (float) (output_max - output_zero_point), output_zero_point};
  s->kernel = sprig_choose_qs8_requant_ukernel(sprig_get_hardware());
  op->channels = channels;
  *op_out = op;
  return sprig_status_success;
}

enum sprig_status sprig_reshape_global_average_pooling_nchw_qs8(sprig_operator_t op, size_t batch, size_t height,
                                                                size_t width) {
  static const char caller[] = "sprig_reshape_global_average_pooling_nchw_qs8";
  const enum sprig_status status =
      sprig_check_operator(op, sprig_operator_type_global_average_pooling_nchw_qs8, caller);
  if (status != sprig_status_success) {
    return status;
  }
  if (batch == 0 || height == 0 || width == 0) {
    sprig_log_error("%s: batch (%zu), height (%zu) and width (%zu) must be > 0", caller, batch, height, width);
    return sprig_status_invalid_parameter;
  }
  size_t rows, pixels, input_bytes;
  if (!sprig_mul_size(batch, op->channels, &rows) || !sprig_mul_size(height, width, &pixels) ||
      !sprig_mul_size(rows, pixels, &input_bytes)) {
    sprig_log_error("%s: a %zu x %zu x %zu x %zu input has a byte size that overflows size_t", caller, batch,
                    op->channels, height, width);
    return sprig_status_invalid_parameter;
  }
  if (pixels > GAVGPOOL_MAX_PIXELS) {
    sprig_log_error("%s: %zu x %zu = %zu pixels per channel; at most %zu (the int32 sum could overflow)", caller,
                    height, width, pixels, GAVGPOOL_MAX_PIXELS);
    return sprig_status_invalid_parameter;
  }
  struct gavgpool_q8_state* s = op->path_state;
  const float scale = (float) ((double) s->input_scale / ((double) s->output_scale * (double) pixels));
  if (!is_positive_finite(scale)) {
    sprig_log_error("%s: input_scale / (output_scale x %zu pixels) = %g must be a finite float > 0", caller, pixels,
                    (double) scale);
    return sprig_status_invalid_parameter;
  }
  s->scale = scale;
  op->batch = batch;
  op->height = height;
  op->width = width;
  sprig_finish_reshape(op);
  return sprig_status_success;
}

enum sprig_status sprig_setup_global_average_pooling_nchw_qs8(sprig_operator_t op, const int8_t* input,
                                                               int8_t* output) {
  static const char caller[] = "sprig_setup_global_average_pooling_nchw_qs8";
  const enum sprig_status status =
      sprig_check_operator(op, sprig_operator_type_global_average_pooling_nchw_qs8, caller);
  if (status != sprig_status_success) {
    return status;
  }
  /* Sizes were checked against overflow at reshape (all 0 before it: bind refuses then). */
  const size_t rows = op->batch * op->channels;
  return sprig_bind_tensors(op, (const float*) input, rows * op->height * op->width, (float*) output, rows, caller);
}
