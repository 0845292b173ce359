/*
 * --kernels for the f32 sliced matrix-vector family (kernels/f32-sellmv/list.inc): every kernel
 * this CPU runs, on one N x K layer of random unstructured weights at each sparsity and one input
 * vector, interleaved, medians; with the weight stream each kernel reads per second. Every
 * kernel's outputs are compared with a plain evaluation of the CSR rows in double precision.
 */
#include "kernels.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <sprig.h>
#include <sprig/hardware.h>
#include <sprig/sellmv.h>
#include <sprig/weights.h>

#include "data.h"
#include "timing.h"

struct f32_matvec_problem {
  size_t rows, cols, nonzeros;
  sprig_weights_t weights;
  float* input; /* cols + 1: the zero slot last */
  float* bias;
  double* expected; /* rows */
  double* magnitude; /* rows: |bias| + sum |w x|, the scale of the rounding error */
  struct sprig_f32_minmax_params params;
};

struct f32_matvec_slot {
  const struct f32_matvec_problem* problem;
  const struct sprig_f32_sellmv_ukernel* kernel;
  const struct sprig_sell* sell;
  float* output; /* rows */
};

static bool run_f32_matvec_kernel(void* context) {
  const struct f32_matvec_slot* s = context;
  const struct f32_matvec_problem* p = s->problem;
  const struct sprig_sell* l = s->sell;
  if (s->kernel->window_cols != 0) {
    s->kernel->window_fn(p->rows, p->cols, 1, p->input, 0, p->bias, l->values, l->indices, l->window_widths, s->output,
                         0, &p->params);
  } else {
    s->kernel->fn(p->rows, p->input, p->bias, l->values, l->offsets, l->widths, l->col_base, s->output, &p->params);
  }
  return true;
}

static void free_f32_problem(struct f32_matvec_problem* p) {
  sprig_release_weights(p->weights);
  free(p->input);
  free(p->bias);
  free(p->expected);
  free(p->magnitude);
}

static bool make_f32_problem(size_t rows, size_t cols, double sparsity, uint64_t seed, struct f32_matvec_problem* p) {
  *p = (struct f32_matvec_problem){.rows = rows, .cols = cols, .params = {-INFINITY, INFINITY}};
  float* dense = calloc(rows * cols, sizeof(float));
  p->input = calloc(cols + 1, sizeof(float));
  p->bias = malloc(rows * sizeof(float));
  p->expected = calloc(rows, sizeof(double));
  p->magnitude = calloc(rows, sizeof(double));
  if (dense == NULL || p->input == NULL || p->bias == NULL || p->expected == NULL || p->magnitude == NULL) {
    free(dense);
    free_f32_problem(p);
    return false;
  }
  struct bench_rng rng = {seed * 2654435761u + 3};
  for (size_t i = 0; i < rows * cols; i++) {
    /* bench_rng_float is uniform in [-1, 1): kept with probability 1 - sparsity. */
    const bool kept = (bench_rng_float(&rng) + 1.0) / 2.0 >= sparsity;
    const float w = bench_rng_float(&rng);
    dense[i] = kept && w != 0.0f ? w : 0.0f;
    p->nonzeros += dense[i] != 0.0f;
  }
  bench_fill_random(&rng, p->input, cols);
  bench_fill_random(&rng, p->bias, rows);
  for (size_t r = 0; r < rows; r++) {
    p->expected[r] = p->bias[r];
    p->magnitude[r] = fabs(p->bias[r]);
    for (size_t c = 0; c < cols; c++) {
      p->expected[r] += (double) dense[r * cols + c] * p->input[c];
      p->magnitude[r] += fabs((double) dense[r * cols + c] * p->input[c]);
    }
  }
  const enum sprig_status status = sprig_pack_weights_f32(rows, cols, dense, NULL, 0, &p->weights);
  free(dense);
  if (status != sprig_status_success) {
    free_f32_problem(p);
    return false;
  }
  return true;
}

static bool check_f32_slot(const struct f32_matvec_slot* s) {
  const struct f32_matvec_problem* p = s->problem;
  for (size_t r = 0; r < p->rows; r++) {
    if (!(fabs(s->output[r] - p->expected[r]) <= 1e-5 * p->magnitude[r])) {
      fprintf(stderr, "sprig-bench: %s: row %zu is %.9g, expected %.9g\n", s->kernel->name, r, s->output[r],
              p->expected[r]);
      return false;
    }
  }
  return true;
}

static bool time_f32_problem(struct f32_matvec_problem* p, double sparsity, const struct bench_options* o) {
  const struct sprig_hardware* hw = sprig_get_hardware();
  const size_t most = sprig_f32_sellmv_ukernel_count;
  struct f32_matvec_slot* slots = calloc(most, sizeof(*slots));
  struct bench_contender* contenders = calloc(most, sizeof(*contenders));
  double* medians = calloc(most, sizeof(double));
  size_t count = 0;
  bool ok = slots != NULL && contenders != NULL && medians != NULL && hw != NULL;
  for (size_t i = 0; ok && i < most; i++) {
    const struct sprig_f32_sellmv_ukernel* k = &sprig_f32_sellmv_ukernels[i];
    if (!hw->has_isa[k->isa]) {
      continue;
    }
    bool usable = true;
    const struct sprig_sell* sell =
        k->window_cols != 0 ? sprig_weights_windowed_sell(p->weights, k->slice_rows, k->window_cols, &usable)
                            : sprig_weights_sell(p->weights, k->slice_rows);
    if (!usable) {
      printf("  (%s: its windowed layout pads beyond %.1fx here: not timed)\n", k->name, SPRIG_SELL_MAX_WINDOW_PADDING);
      continue;
    }
    float* output = malloc(p->rows * sizeof(float));
    if (sell == NULL || output == NULL) {
      fprintf(stderr, "sprig-bench: %s: no sliced layout (out of memory or padding beyond %.2fx)\n", k->name,
              SPRIG_SELL_MAX_PADDING);
      free(output);
      ok = false;
      break;
    }
    slots[count] = (struct f32_matvec_slot){p, k, sell, output};
    contenders[count] = (struct bench_contender){run_f32_matvec_kernel, &slots[count]};
    run_f32_matvec_kernel(&slots[count]);
    ok = check_f32_slot(&slots[count]);
    count++;
  }
  const size_t reps = ok && count != 0 ? bench_time_interleaved(contenders, count, &o->timing, medians) : 0;
  printf("\nf32 batch-1 kernels (f32-sellmv), %zu x %zu, unstructured at %.2f: %zu nonzeros; 1 thread, %zu rounds:\n",
         p->rows, p->cols, sparsity, p->nonzeros, reps);
  printf("  %-48s %12s %10s %8s %10s %8s\n", "kernel", "median us", "ns/nz", "pad", "wGB/s", "vs 1st");
  for (size_t i = 0; i < count && reps != 0; i++) {
    const struct sprig_sell* sell = slots[i].sell;
    printf("  %-48s %12.2f %10.3f %7.3fx %10.2f %7.2fx\n", slots[i].kernel->name, medians[i],
           medians[i] * 1e3 / (double) (p->nonzeros != 0 ? p->nonzeros : 1),
           p->nonzeros != 0 ? (double) sell->slots / (double) p->nonzeros : 0.0,
           (double) sprig_sell_bytes(sell) / (medians[i] * 1e3), medians[0] / medians[i]);
  }
  for (size_t i = 0; i < count; i++) {
    free(slots[i].output);
  }
  free(medians);
  free(contenders);
  free(slots);
  return ok && (count == 0 || reps != 0);
}

bool bench_run_f32_sellmv_kernels(const struct bench_options* options) {
  bool ok = true;
  for (size_t s = 0; s < options->sparsity_count; s++) {
    struct f32_matvec_problem problem;
    if (!make_f32_problem(options->kernel_n, options->kernel_k, options->sparsities[s], options->seed, &problem)) {
      fprintf(stderr, "sprig-bench: out of memory in --kernels (f32-sellmv)\n");
      return false;
    }
    ok = time_f32_problem(&problem, options->sparsities[s], options) && ok;
    free_f32_problem(&problem);
  }
  return ok;
}
