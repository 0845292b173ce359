/*
 * --kernels for the int8 requantization family (kernels/qs8-requant/list.inc): every kernel
 * this CPU runs, both entry points, called directly on one block of n rows x m columns of int32
 * sums (the --kernels shape's output channels x pixels), interleaved, medians. The sums are
 * random in [-2^20, 2^20) with scales that put most values inside the int8 range; every kernel's
 * output is compared with the first (scalar) kernel's.
 * Then the qd8 row quantization family (kernels/qd8-quantize/list.inc): every kernel on m rows of
 * k floats (range, then quantize with the row's scale), outputs compared with the scalar kernel's.
 * Then the byte-quad interleave family (kernels/x8-zip4/list.inc): every kernel on k rows of m
 * bytes (k / 4 calls, as a pointwise layer's input packing), outputs compared with the scalar's.
 * Then the element-wise add family (kernels/qs8-vadd/list.inc): every kernel on two tensors of
 * n x m random int8 values (a residual add of the shape's output), outputs compared with the
 * scalar kernel's.
 */
#include "kernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sprig/hardware.h>
#include <sprig/qd8-quantize.h>
#include <sprig/qs8-requant.h>
#include <sprig/qs8-vadd.h>
#include <sprig/x8-zip4.h>

#include "timing.h"

struct requant_problem {
  size_t rows, cols;
  int32_t* sums;   /* [rows][cols] */
  float* scales;   /* [max(rows, cols)] */
  struct sprig_qs8_requant_params params;
};

struct requant_slot {
  const struct requant_problem* problem;
  sprig_qs8_requant_ukernel_fn fn;
  int8_t* output; /* [rows][cols] */
};

static bool run_requant_kernel(void* context) {
  const struct requant_slot* s = context;
  const struct requant_problem* p = s->problem;
  s->fn(p->rows, p->cols, p->sums, p->cols * sizeof(int32_t), p->scales, s->output, p->cols, &p->params);
  return true;
}

static bool make_problem(size_t rows, size_t cols, uint64_t seed, struct requant_problem* p) {
  *p = (struct requant_problem){.rows = rows, .cols = cols, .params = {-131.0f, 124.0f, 3}};
  const size_t scales = rows > cols ? rows : cols;
  p->sums = malloc(rows * cols * sizeof(int32_t));
  p->scales = malloc(scales * sizeof(float));
  if (p->sums == NULL || p->scales == NULL) {
    free(p->sums);
    free(p->scales);
    return false;
  }
  uint64_t state = seed * 2654435761u + 1;
  for (size_t i = 0; i < rows * cols; i++) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    p->sums[i] = (int32_t) (state >> 43) - (1 << 20);
  }
  for (size_t i = 0; i < scales; i++) {
    p->scales[i] = 1.0e-4f * (float) (1 + i % 3);
  }
  return true;
}

/* Times the `columns` or `rows` entry point of every runnable kernel; false on a mismatch. */
static bool time_entry_point(const struct requant_problem* p, bool columns, const struct bench_options* o) {
  const struct sprig_hardware* hw = sprig_get_hardware();
  const size_t most = sprig_qs8_requant_ukernel_count;
  struct requant_slot* slots = calloc(most, sizeof(*slots));
  struct bench_contender* contenders = calloc(most, sizeof(*contenders));
  const char** names = calloc(most, sizeof(*names));
  double* medians = calloc(most, sizeof(double));
  size_t count = 0;
  bool ok = slots != NULL && contenders != NULL && names != NULL && medians != NULL;
  for (size_t i = 0; ok && i < most; i++) {
    const struct sprig_qs8_requant_ukernel* k = &sprig_qs8_requant_ukernels[i];
    if (hw == NULL || !hw->has_isa[k->isa]) {
      continue;
    }
    int8_t* output = malloc(p->rows * p->cols);
    if (output == NULL) {
      ok = false;
      break;
    }
    slots[count] = (struct requant_slot){p, columns ? k->columns : k->rows, output};
    names[count] = k->name;
    contenders[count] = (struct bench_contender){run_requant_kernel, &slots[count]};
    run_requant_kernel(&slots[count]);
    if (count != 0 && memcmp(output, slots[0].output, p->rows * p->cols) != 0) {
      fprintf(stderr, "sprig-bench: %s (%s) disagrees with %s\n", k->name, columns ? "columns" : "rows", names[0]);
      ok = false;
    }
    count++;
  }
  const size_t reps = ok && count != 0 ? bench_time_interleaved(contenders, count, &o->timing, medians) : 0;
  printf("\nqs8-requant kernels, %s entry point, %zu x %zu int32 sums, 1 thread, %zu rounds:\n",
         columns ? "columns (scale per column)" : "rows (scale per row)", p->rows, p->cols, reps);
  printf("  %-48s %12s %10s\n", "kernel", "median us", "ns/value");
  for (size_t i = 0; i < count && reps != 0; i++) {
    printf("  %-48s %12.2f %10.3f\n", names[i], medians[i], medians[i] * 1e3 / (double) (p->rows * p->cols));
  }
  for (size_t i = 0; slots != NULL && i < count; i++) {
    free(slots[i].output);
  }
  free(medians);
  free(names);
  free(contenders);
  free(slots);
  return ok && (count == 0 || reps != 0);
}

bool bench_run_qs8_requant_kernels(const struct bench_options* options) {
  struct requant_problem problem;
  if (!make_problem(options->kernel_n, options->kernel_m, options->seed, &problem)) {
    fprintf(stderr, "sprig-bench: out of memory in --kernels (qs8-requant)\n");
    return false;
  }
  const bool ok = time_entry_point(&problem, false, options) && time_entry_point(&problem, true, options);
  free(problem.sums);
  free(problem.scales);
  return ok;
}

/* ---- qd8-quantize ---- */

struct quantize_problem {
  size_t rows, cols;
  const float* x; /* [rows][cols] */
};

struct quantize_slot {
  const struct quantize_problem* problem;
  const struct sprig_qd8_quantize_ukernel* kernel;
  int8_t* output; /* [rows][cols] */
};

/* Each row as the qd8 operator does it: its range, then its bytes with scale (hi - lo) / 255. */
static bool run_quantize_kernel(void* context) {
  const struct quantize_slot* s = context;
  const struct quantize_problem* p = s->problem;
  for (size_t r = 0; r < p->rows; r++) {
    const float* x = p->x + r * p->cols;
    float lo, hi;
    const bool bad = s->kernel->range(p->cols, x, &lo, &hi);
    const float scale = !bad && hi > lo ? (hi - lo) / 255.0f : 1.0f;
    s->kernel->quantize(p->cols, x, 1.0f / scale, (int32_t) (-128.0f - lo / scale), 0, s->output + r * p->cols,
                        p->cols);
  }
  return true;
}

bool bench_run_qd8_quantize_kernels(const struct bench_options* options) {
  const size_t rows = options->kernel_m, cols = options->kernel_k;
  const struct sprig_hardware* hw = sprig_get_hardware();
  const size_t most = sprig_qd8_quantize_ukernel_count;
  float* x = malloc(rows * cols * sizeof(float));
  struct quantize_slot* slots = calloc(most, sizeof(*slots));
  struct bench_contender* contenders = calloc(most, sizeof(*contenders));
  double* medians = calloc(most, sizeof(double));
  bool ok = x != NULL && slots != NULL && contenders != NULL && medians != NULL;
  size_t count = 0;
  uint64_t state = options->seed * 2654435761u + 3;
  for (size_t i = 0; ok && i < rows * cols; i++) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    x[i] = (float) ((int64_t) (state >> 40) - (1 << 23)) * 0x1p-20f;
  }
  const struct quantize_problem problem = {rows, cols, x};
  for (size_t i = 0; ok && i < most; i++) {
    const struct sprig_qd8_quantize_ukernel* k = &sprig_qd8_quantize_ukernels[i];
    if (hw == NULL || !hw->has_isa[k->isa]) {
      continue;
    }
    int8_t* output = malloc(rows * cols);
    if (output == NULL) {
      ok = false;
      break;
    }
    slots[count] = (struct quantize_slot){&problem, k, output};
    contenders[count] = (struct bench_contender){run_quantize_kernel, &slots[count]};
    run_quantize_kernel(&slots[count]);
    if (count != 0 && memcmp(output, slots[0].output, rows * cols) != 0) {
      fprintf(stderr, "sprig-bench: %s disagrees with %s\n", k->name, slots[0].kernel->name);
      ok = false;
    }
    count++;
  }
  const size_t reps = ok && count != 0 ? bench_time_interleaved(contenders, count, &options->timing, medians) : 0;
  printf("\nqd8-quantize kernels, %zu rows of %zu floats (range, then quantize), 1 thread, %zu rounds:\n", rows, cols,
         reps);
  printf("  %-48s %12s %10s %8s\n", "kernel", "median us", "ns/value", "vs 1st");
  for (size_t i = 0; i < count && reps != 0; i++) {
    printf("  %-48s %12.2f %10.3f %7.2fx\n", slots[i].kernel->name, medians[i],
           medians[i] * 1e3 / (double) (rows * cols), medians[0] / medians[i]);
  }
  for (size_t i = 0; slots != NULL && i < count; i++) {
    free(slots[i].output);
  }
  free(medians);
  free(contenders);
  free(slots);
  free(x);
  if (!ok) {
    fprintf(stderr, "sprig-bench: --kernels (qd8-quantize) failed\n");
  }
  return ok && (count == 0 || reps != 0);
}

/* ---- x8-zip4 ---- */

struct zip4_slot {
  const uint8_t* input; /* [rows][pixels] */
  size_t rows, pixels;
  sprig_x8_zip4_ukernel_fn fn;
  uint8_t* output; /* [rows / 4][4 x pixels] */
};

static bool run_zip4_kernel(void* context) {
  const struct zip4_slot* s = context;
  for (size_t q = 0; q < s->rows / 4; q++) {
    s->fn(s->pixels, s->input + 4 * q * s->pixels, s->pixels, 0x80, s->output + 4 * q * s->pixels);
  }
  return true;
}

bool bench_run_x8_zip4_kernels(const struct bench_options* options) {
  const size_t pixels = options->kernel_m, rows = options->kernel_k < 4 ? 4 : options->kernel_k / 4 * 4;
  const struct sprig_hardware* hw = sprig_get_hardware();
  const size_t most = sprig_x8_zip4_ukernel_count;
  uint8_t* input = malloc(rows * pixels);
  struct zip4_slot* slots = calloc(most, sizeof(*slots));
  struct bench_contender* contenders = calloc(most, sizeof(*contenders));
  const char** names = calloc(most, sizeof(*names));
  double* medians = calloc(most, sizeof(double));
  bool ok = input != NULL && slots != NULL && contenders != NULL && names != NULL && medians != NULL;
  size_t count = 0;
  uint64_t state = options->seed * 2654435761u + 5;
  for (size_t i = 0; ok && i < rows * pixels; i++) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    input[i] = (uint8_t) (state >> 56);
  }
  for (size_t i = 0; ok && i < most; i++) {
    const struct sprig_x8_zip4_ukernel* k = &sprig_x8_zip4_ukernels[i];
    if (hw == NULL || !hw->has_isa[k->isa]) {
      continue;
    }
    uint8_t* output = malloc(rows * pixels);
    if (output == NULL) {
      ok = false;
      break;
    }
    slots[count] = (struct zip4_slot){input, rows, pixels, k->fn, output};
    names[count] = k->name;
    contenders[count] = (struct bench_contender){run_zip4_kernel, &slots[count]};
    run_zip4_kernel(&slots[count]);
    if (count != 0 && memcmp(output, slots[0].output, rows * pixels) != 0) {
      fprintf(stderr, "sprig-bench: %s disagrees with %s\n", k->name, names[0]);
      ok = false;
    }
    count++;
  }
  const size_t reps = ok && count != 0 ? bench_time_interleaved(contenders, count, &options->timing, medians) : 0;
  printf("\nx8-zip4 kernels, %zu rows of %zu bytes in %zu calls, 1 thread, %zu rounds:\n", rows, pixels, rows / 4,
         reps);
  bench_print_kernel_medians(names, medians, reps != 0 ? count : 0, (double) (rows * pixels), "ns/byte");
  for (size_t i = 0; slots != NULL && i < count; i++) {
    free(slots[i].output);
  }
  free(medians);
  free(names);
  free(contenders);
  free(slots);
  free(input);
  if (!ok) {
    fprintf(stderr, "sprig-bench: --kernels (x8-zip4) failed\n");
  }
  return ok && (count == 0 || reps != 0);
}

/* ---- qs8-vadd ---- */

struct vadd_slot {
  const int8_t* a;
  const int8_t* b;
  size_t n;
  sprig_qs8_vadd_ukernel_fn fn;
  int8_t* output;
};

static bool run_vadd_kernel(void* context) {
  const struct vadd_slot* s = context;
  static const struct sprig_qs8_vadd_params params = {0.61f, 0.83f, -3, 7, 2, -130.0f, 125.0f};
  s->fn(s->n, s->a, s->b, s->output, &params);
  return true;
}

bool bench_run_qs8_vadd_kernels(const struct bench_options* options) {
  const size_t n = options->kernel_n * options->kernel_m;
  const struct sprig_hardware* hw = sprig_get_hardware();
  const size_t most = sprig_qs8_vadd_ukernel_count;
  int8_t* inputs = malloc(2 * n);
  struct vadd_slot* slots = calloc(most, sizeof(*slots));
  struct bench_contender* contenders = calloc(most, sizeof(*contenders));
  const char** names = calloc(most, sizeof(*names));
  double* medians = calloc(most, sizeof(double));
  bool ok = inputs != NULL && slots != NULL && contenders != NULL && names != NULL && medians != NULL;
  size_t count = 0;
  uint64_t state = options->seed * 2654435761u + 9;
  for (size_t i = 0; ok && i < 2 * n; i++) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    inputs[i] = (int8_t) (uint8_t) (state >> 56);
  }
  for (size_t i = 0; ok && i < most; i++) {
    const struct sprig_qs8_vadd_ukernel* k = &sprig_qs8_vadd_ukernels[i];
    if (hw == NULL || !hw->has_isa[k->isa]) {
      continue;
    }
    int8_t* output = malloc(n);
    if (output == NULL) {
      ok = false;
      break;
    }
    slots[count] = (struct vadd_slot){inputs, inputs + n, n, k->fn, output};
    names[count] = k->name;
    contenders[count] = (struct bench_contender){run_vadd_kernel, &slots[count]};
    run_vadd_kernel(&slots[count]);
    if (count != 0 && memcmp(output, slots[0].output, n) != 0) {
      fprintf(stderr, "sprig-bench: %s disagrees with %s\n", k->name, names[0]);
      ok = false;
    }
    count++;
  }
  const size_t reps = ok && count != 0 ? bench_time_interleaved(contenders, count, &options->timing, medians) : 0;
  printf("\nqs8-vadd kernels, %zu int8 values (a + b, out of place), 1 thread, %zu rounds:\n", n, reps);
  bench_print_kernel_medians(names, medians, reps != 0 ? count : 0, (double) n, "ns/value");
  for (size_t i = 0; slots != NULL && i < count; i++) {
    free(slots[i].output);
  }
  free(medians);
  free(names);
  free(contenders);
  free(slots);
  free(inputs);
  if (!ok) {
    fprintf(stderr, "sprig-bench: --kernels (qs8-vadd) failed\n");
  }
  return ok && (count == 0 || reps != 0);
}
