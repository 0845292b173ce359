/*
 * --kernels with an N:M format: the f32 N:M matrix-times-vectors family
 * (kernels/f32-nmspmm/mv-list.inc), every kernel this CPU runs, on the kernel shape read as
 * M input vectors x K inputs x N outputs (M = 1 to 8: a linear layer's small batch), and beside
 * them the one-vector kernel of the SpMM list called once per vector (what operators did before
 * the family). Weights: random, pruned to the pattern by magnitude and packed as operators pack
 * them. Interleaved rounds, medians; every kernel's outputs are compared with a plain evaluation
 * in double precision.
 */
#include "kernels.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <sprig.h>
#include <sprig/config.h>
#include <sprig/hardware.h>
#include <sprig/nmspmm.h>
#include <sprig/weights.h>

#include "data.h"
#include "formats.h"
#include "timing.h"

struct nm_problem {
  size_t vectors, rows, cols;
  sprig_weights_t weights;
  float* input;      /* vectors x cols */
  float* bias;       /* rows */
  double* expected;  /* vectors x rows */
  double* magnitude; /* vectors x rows: |bias| + sum |w x|, the scale of the rounding error */
  struct sprig_f32_minmax_params params;
};

struct nm_slot {
  const struct nm_problem* problem;
  sprig_f32_nmspmv_ukernel_fn vectors_fn;     /* or NULL: */
  sprig_f32_nmspmm_ukernel_fn one_vector_fn;  /* called once per vector */
  float* output;                              /* vectors x rows */
};

static bool run_nm_kernel(void* context) {
  const struct nm_slot* s = context;
  const struct nm_problem* p = s->problem;
  const struct sprig_weights* w = p->weights;
  if (s->vectors_fn != NULL) {
    s->vectors_fn(p->vectors, p->rows, w->nm_groups, w->pattern.n, w->pattern.m, p->input, p->cols * sizeof(float),
                  p->bias, w->nm_values, w->nm_indices, s->output, p->rows * sizeof(float), &p->params);
    return true;
  }
  for (size_t v = 0; v < p->vectors; v++) {
    s->one_vector_fn(1, p->rows, w->nm_groups, w->pattern.n, w->pattern.m, p->input + v * p->cols, sizeof(float),
                     p->bias, w->nm_values, w->nm_indices, s->output + v * p->rows, sizeof(float), &p->params);
  }
  return true;
}

static void free_nm_problem(struct nm_problem* p) {
  sprig_release_weights(p->weights);
  free(p->input);
  free(p->bias);
  free(p->expected);
  free(p->magnitude);
}

static bool make_nm_problem(const struct bench_format* format, size_t vectors, size_t rows, size_t cols, uint64_t seed,
                            struct nm_problem* p) {
  *p = (struct nm_problem){.vectors = vectors, .rows = rows, .cols = cols, .params = {-INFINITY, INFINITY}};
  float* dense = malloc(rows * cols * sizeof(float));
  p->input = malloc(vectors * cols * sizeof(float));
  p->bias = malloc(rows * sizeof(float));
  p->expected = calloc(vectors * rows, sizeof(double));
  p->magnitude = calloc(vectors * rows, sizeof(double));
  struct bench_rng rng = {seed * 2654435761u + 5};
  bool ok = dense != NULL && p->input != NULL && p->bias != NULL && p->expected != NULL && p->magnitude != NULL;
  if (ok) {
    bench_fill_random(&rng, dense, rows * cols);
    bench_fill_random(&rng, p->input, vectors * cols);
    bench_fill_random(&rng, p->bias, rows);
    ok = bench_prune(format, dense, rows, cols, format->fixed_sparsity) != (size_t) -1 &&
         sprig_pack_weights_f32(rows, cols, dense, &format->pattern, 0, &p->weights) == sprig_status_success;
  }
  for (size_t v = 0; ok && v < vectors; v++) {
    for (size_t r = 0; r < rows; r++) {
      double sum = p->bias[r], magnitude = fabs(p->bias[r]);
      for (size_t c = 0; c < cols; c++) {
        const double product = (double) dense[r * cols + c] * p->input[v * cols + c];
        sum += product;
        magnitude += fabs(product);
      }
      p->expected[v * rows + r] = sum;
      p->magnitude[v * rows + r] = magnitude;
    }
  }
  free(dense);
  if (!ok) {
    free_nm_problem(p);
  }
  return ok;
}

/* Whether every output is within the f32 rounding of the double-precision sums. */
static bool nm_outputs_agree(const struct nm_problem* p, const float* output) {
  for (size_t i = 0; i < p->vectors * p->rows; i++) {
    if (!(fabs(output[i] - p->expected[i]) <= 1e-5 * (p->magnitude[i] + 1e-30) * (double) p->cols)) {
      return false;
    }
  }
  return true;
}

bool bench_run_f32_nmspmv_kernels(const struct bench_options* options) {
  const struct bench_format* format = options->formats[0];
  if (format->pattern.format != SPRIG_FORMAT_NM) {
    return true;
  }
  const size_t vectors = options->kernel_m < 1 ? 1 : options->kernel_m > 8 ? 8 : options->kernel_m;
  const struct sprig_hardware* hw = sprig_get_hardware();
  struct nm_problem problem;
  if (hw == NULL ||
      !make_nm_problem(format, vectors, options->kernel_n, options->kernel_k, options->seed, &problem)) {
    fprintf(stderr, "sprig-bench: --kernels (f32-nmspmv) could not make its problem\n");
    return false;
  }
  const size_t most = sprig_f32_nmspmv_ukernel_count + 1;
  struct nm_slot* slots = calloc(most, sizeof(*slots));
  struct bench_contender* contenders = calloc(most, sizeof(*contenders));
  const char** names = calloc(most, sizeof(*names));
  double* medians = calloc(most, sizeof(double));
  bool ok = slots != NULL && contenders != NULL && names != NULL && medians != NULL;
  size_t count = 0;
  for (size_t i = 0; ok && i <= sprig_f32_nmspmv_ukernel_count; i++) {
    struct nm_slot slot = {&problem, NULL, NULL, NULL};
    if (i < sprig_f32_nmspmv_ukernel_count) {
      const struct sprig_f32_nmspmv_ukernel* k = &sprig_f32_nmspmv_ukernels[i];
      if (!hw->has_isa[k->isa]) {
        continue;
      }
      slot.vectors_fn = k->fn;
      names[count] = k->name;
    } else {
      /* The SpMM list's one-pixel kernel of the best ISA, once per vector. */
      const struct sprig_f32_nmspmm_ukernel* k =
          sprig_fit_f32_nmspmm_ukernel(hw, sprig_choose_f32_nmspmm_ukernel(hw), 1);
      slot.one_vector_fn = k->fn;
      names[count] = k->name;
    }
    slot.output = malloc(vectors * problem.rows * sizeof(float));
    if (slot.output == NULL) {
      ok = false;
      break;
    }
    slots[count] = slot;
    contenders[count] = (struct bench_contender){run_nm_kernel, &slots[count]};
    run_nm_kernel(&slots[count]);
    if (!nm_outputs_agree(&problem, slot.output)) {
      fprintf(stderr, "sprig-bench: %s: outputs differ from the reference\n", names[count]);
      ok = false;
    }
    count++;
  }
  const size_t reps = ok && count != 0 ? bench_time_interleaved(contenders, count, &options->timing, medians) : 0;
  const struct sprig_weights* w = problem.weights;
  printf("\nf32-nmspmv kernels (%s), %zu vectors x K %zu x N %zu, 1 thread, %zu rounds (last: the one-vector "
         "kernel once per vector):\n",
         format->name, vectors, problem.cols, problem.rows, reps);
  bench_print_kernel_medians(names, medians, reps != 0 ? count : 0,
                             (double) (vectors * problem.rows * w->nm_groups * w->pattern.n), "ns/slot");
  for (size_t i = 0; slots != NULL && i < count; i++) {
    free(slots[i].output);
  }
  free(medians);
  free(names);
  free(contenders);
  free(slots);
  free_nm_problem(&problem);
  if (!ok) {
    fprintf(stderr, "sprig-bench: --kernels (f32-nmspmv) failed\n");
  }
  return ok && (count == 0 || reps != 0);
}
