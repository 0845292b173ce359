/* Element-wise addition (residual connections): output[i] = clamp(a[i] + b[i]).
 *
 * The output may be a or b itself (in place). Each element is computed on its own, so the
 * split over the pool (chunks of ADD_FLOATS_PER_TASK elements) never changes a result. */
#include <sprig/common.h>
#include <sprig/log.h>
#include <sprig/operator.h>

#include <isa/scalar.h>

/* Elements per task: 32 KB of each operand. */
#define ADD_FLOATS_PER_TASK 8192

/* Loops compilers vectorize: `restrict` tells them what may alias. a and b are only read, so
 * they may be the same array; the output is a separate one, or (in place) one of them. */
static void add_separate(const float* restrict a, const float* restrict b, float* restrict output, size_t n,
                         float min, float max) {
  for (size_t i = 0; i < n; i++) {
    output[i] = sprig_clamp_f32(a[i] + b[i], min, max);
  }
}

/* output == a (b is another array). */
static void add_into_a(float* restrict a, const float* restrict b, size_t n, float min, float max) {
  for (size_t i = 0; i < n; i++) {
    a[i] = sprig_clamp_f32(a[i] + b[i], min, max);
  }
}

/* output == b (a is another array). */
static void add_into_b(const float* restrict a, float* restrict b, size_t n, float min, float max) {
  for (size_t i = 0; i < n; i++) {
    b[i] = sprig_clamp_f32(a[i] + b[i], min, max);
  }
}

/* output == a == b. */
static void add_into_self(float* restrict x, size_t n, float min, float max) {
  for (size_t i = 0; i < n; i++) {
    x[i] = sprig_clamp_f32(x[i] + x[i], min, max);
  }
}

struct add_context {
  const float* a;
  const float* b;
  float* output;
  size_t elements;
  float min;
  float max;
};

static void add_task(void* context, size_t task) {
  const struct add_context* ctx = context;
  const size_t offset = task * ADD_FLOATS_PER_TASK;
  const size_t n = SPRIG_MIN(ADD_FLOATS_PER_TASK, ctx->elements - offset);
  const float* a = ctx->a + offset;
  const float* b = ctx->b + offset;
  float* output = ctx->output + offset;
  if (output == a && output == b) {
    add_into_self(output, n, ctx->min, ctx->max);
  } else if (output == a) {
    add_into_a(output, b, n, ctx->min, ctx->max);
  } else if (output == b) {
    add_into_b(a, output, n, ctx->min, ctx->max);
  } else {
    add_separate(a, b, output, n, ctx->min, ctx->max);
  }
}

static void add_run(const struct sprig_operator* op, const float* input, float* output, pthreadpool_t threadpool) {
  struct add_context context = {
      .a = input,
      .b = op->second_input,
      .output = output,
      .elements = op->elements,
      .min = op->params.min,
      .max = op->params.max,
  };
  pthreadpool_parallelize_1d(threadpool, add_task, &context,
                             sprig_divide_round_up(op->elements, ADD_FLOATS_PER_TASK), 0);
}

static const char* add_kernel_name(const struct sprig_operator* op) {
  (void) op;
  return "sprig_f32_add_minmax";
}

static const struct sprig_path_ops add_path = {
    .name = "add",
    .run = add_run,
    .kernel_name = add_kernel_name,
};

enum sprig_status sprig_create_add_f32(float output_min, float output_max, uint32_t flags, sprig_operator_t* op_out) {
  return sprig_create_weightless_operator(sprig_operator_type_add, &add_path, output_min, output_max, flags,
                                          "sprig_create_add_f32", op_out);
}

enum sprig_status sprig_reshape_add_f32(sprig_operator_t op, size_t elements) {
  static const char caller[] = "sprig_reshape_add_f32";
  const enum sprig_status status = sprig_check_operator(op, sprig_operator_type_add, caller);
  if (status != sprig_status_success) {
    return status;
  }
  if (elements == 0) {
    sprig_log_error("%s: elements must be > 0", caller);
    return sprig_status_invalid_parameter;
  }
  size_t bytes;
  if (!sprig_mul_size(elements, sizeof(float), &bytes)) {
    sprig_log_error("%s: %zu elements have a byte size that overflows size_t", caller, elements);
    return sprig_status_invalid_parameter;
  }
  op->elements = elements;
  sprig_finish_reshape(op);
  op->second_input = NULL;
  return sprig_status_success;
}

enum sprig_status sprig_setup_add_f32(sprig_operator_t op, const float* a, const float* b, float* output) {
  static const char caller[] = "sprig_setup_add_f32";
  const enum sprig_status status = sprig_check_operator(op, sprig_operator_type_add, caller);
  if (status != sprig_status_success) {
    return status;
  }
  return sprig_bind_two_inputs(op, a, b, output, op->elements * sizeof(float), caller);
}
