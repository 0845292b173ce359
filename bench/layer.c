#include "layer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sprig/bspmv.h>
#include <sprig/nmspmm.h>
#include <sprig/spmm.h>

#include "check.h"
#include "data.h"
#include "peak.h"
#include "runner.h"
#include "timing.h"

static uint64_t hash_name(const char* name) {
  uint64_t h = UINT64_C(1469598103934665603); /* FNV-1a */
  for (const char* p = name; *p != '\0'; p++) {
    h = (h ^ (unsigned char) *p) * UINT64_C(1099511628211);
  }
  return h;
}

int bench_case_data_make(const struct bench_format* format, size_t m, size_t k, size_t n, double sparsity,
                         uint64_t seed, const char* name, struct bench_case_data* d) {
  *d = (struct bench_case_data){.m = m, .k = k, .n = n};
  d->weights = bench_alloc_floats(n * k);
  d->bias = bench_alloc_floats(n);
  d->input_cm = bench_alloc_floats(k * m);
  d->input_pm = bench_alloc_floats(m * k);
  if (d->weights == NULL || d->bias == NULL || d->input_cm == NULL || d->input_pm == NULL) {
    bench_case_data_free(d);
    return -1;
  }
  /* The same dense matrix for every sparsity of a layer: only the pruning differs. */
  struct bench_rng rng = {seed ^ hash_name(name)};
  bench_fill_random(&rng, d->weights, n * k);
  bench_fill_random(&rng, d->bias, n);
  bench_fill_random(&rng, d->input_cm, k * m);
  bench_transpose(d->input_cm, d->input_pm, k, m);
  d->nnz = bench_prune(format, d->weights, n, k, sparsity);
  if (d->nnz == (size_t) -1) {
    bench_case_data_free(d);
    return -1;
  }
  return 0;
}

void bench_case_data_free(struct bench_case_data* d) {
  free(d->weights);
  free(d->bias);
  free(d->input_cm);
  free(d->input_pm);
  *d = (struct bench_case_data){0};
}

const char* bench_kernel_isa(const char* kernel_name) {
  for (size_t i = 0; i < sprig_f32_spmm_ukernel_count; i++) {
    if (kernel_name != NULL && strcmp(sprig_f32_spmm_ukernels[i].name, kernel_name) == 0) {
      return sprig_isa_to_string(sprig_f32_spmm_ukernels[i].isa);
    }
  }
  for (size_t i = 0; i < sprig_f32_nmspmm_ukernel_count; i++) {
    if (kernel_name != NULL && strcmp(sprig_f32_nmspmm_ukernels[i].name, kernel_name) == 0) {
      return sprig_isa_to_string(sprig_f32_nmspmm_ukernels[i].isa);
    }
  }
  for (size_t i = 0; i < sprig_f32_bspmv_ukernel_count; i++) {
    if (kernel_name != NULL && strcmp(sprig_f32_bspmv_ukernels[i].name, kernel_name) == 0) {
      return sprig_isa_to_string(sprig_f32_bspmv_ukernels[i].isa);
    }
  }
  return "unknown";
}

/* ---- one case at one thread count ---- */

struct case_state {
  const struct bench_case_data* data;
  struct bench_reference reference;
  struct bench_runner runners[bench_contender_count];
  struct bench_sprig_info info;
};

struct timed_runner {
  struct bench_runner* runner;
  pthreadpool_t pool;
};

static bool run_timed(void* context) {
  struct timed_runner* t = context;
  return t->runner->run(t->runner, t->pool);
}

static const char* const contender_names[bench_contender_count] = {"sprig", "XNNPACK sparse", "XNNPACK dense"};

/* Sets up every runner for the pool, runs each once on NaN-filled outputs and checks them. */
static bool check_outputs(struct case_state* st, pthreadpool_t pool, struct bench_result* r) {
  const size_t count = st->data->m * st->data->n;
  for (int c = 0; c < bench_contender_count; c++) {
    struct bench_runner* runner = &st->runners[c];
    if (!runner->available) {
      continue;
    }
    for (size_t i = 0; i < count; i++) {
      runner->output[i] = NAN;
    }
    if (!runner->setup(runner, pool) || !runner->run(runner, pool)) {
      snprintf(r->note, sizeof(r->note), "%s failed to run", contender_names[c]);
      return false;
    }
    r->rel_err[c] = bench_max_relative_error(&st->reference, runner->output, runner->output_pixel_major);
  }
  for (int c = 0; c < bench_contender_count; c++) {
    if (st->runners[c].available && !(r->rel_err[c] <= BENCH_MAX_REL_ERR)) {
      snprintf(r->note, sizeof(r->note), "%s disagrees with the reference: max rel err %.3g > %.0e",
               contender_names[c], r->rel_err[c], BENCH_MAX_REL_ERR);
      return false;
    }
  }
  return true;
}

static void time_case(struct case_state* st, pthreadpool_t pool, const struct bench_timing_plan* plan,
                      struct bench_result* r) {
  struct timed_runner timed[bench_contender_count];
  struct bench_contender contenders[bench_contender_count];
  for (int c = 0; c < bench_contender_count; c++) {
    timed[c] = (struct timed_runner){&st->runners[c], pool};
    contenders[c] = (struct bench_contender){st->runners[c].available ? run_timed : NULL, &timed[c]};
  }
  r->reps = bench_time_interleaved(contenders, bench_contender_count, plan, r->us);
  if (r->reps == 0) {
    r->ok = false;
    snprintf(r->note, sizeof(r->note), "a run failed while timing");
  }
}

static void describe_case(const struct bench_suite* suite, const struct bench_layer* layer,
                          const struct bench_format* format, double sparsity, const struct case_state* st,
                          size_t threads, struct bench_result* r) {
  const struct bench_case_data* d = st->data;
  snprintf(r->suite, sizeof(r->suite), "%s", suite->name);
  snprintf(r->layer, sizeof(r->layer), "%s", layer->name);
  snprintf(r->format, sizeof(r->format), "%s", format->name);
  snprintf(r->kernel, sizeof(r->kernel), "%s", st->info.kernel != NULL ? st->info.kernel : "");
  snprintf(r->isa, sizeof(r->isa), "%s", bench_kernel_isa(st->info.kernel));
  r->m = d->m;
  r->k = d->k;
  r->n = d->n;
  r->nnz = d->nnz;
  r->threads = threads;
  r->in_net = layer->in_net;
  r->target_sparsity = sparsity;
  r->sparsity = 1.0 - (double) d->nnz / ((double) d->k * (double) d->n);
  r->bytes_per_nnz = d->nnz > 0 ? (double) st->info.packed_bytes / (double) d->nnz : NAN;
  r->operator_bytes_per_nnz = d->nnz > 0 ? (double) st->info.operator_bytes / (double) d->nnz : NAN;
  if (!st->runners[bench_xnn_sparse].available) {
    const char* why = st->runners[bench_xnn_sparse].note;
    snprintf(r->note, sizeof(r->note), "xnn-sparse: %s", why != NULL ? why : "not created");
  } else if (layer->kind == bench_layer_linear) {
    snprintf(r->note, sizeof(r->note), "xnn-sparse runs on the transposed input; the transposes are not timed");
  }
}

static void derive_rates(struct bench_result* r) {
  r->gflops = 2.0 * (double) r->nnz * (double) r->m / (r->us[bench_sprig] * 1e-6) * 1e-9;
  r->peak_gflops = bench_peak_gflops(r->isa, NULL);
  r->peak_pct = 100.0 * r->gflops / (r->peak_gflops * (double) r->threads);
}

static void print_progress(const struct bench_run* run, const struct bench_result* r) {
  if (run->options->quiet) {
    return;
  }
  fprintf(stderr, "[%zu/%zu] %s/%s %s s=%.2f t=%zu: ", run->cases_done, run->cases_total, r->suite, r->layer,
          r->format, r->target_sparsity, r->threads);
  if (!r->ok) {
    fprintf(stderr, "FAILED: %s\n", r->note);
    return;
  }
  fprintf(stderr, "sprig %.1f us, xnn-sparse %.1f us, xnn-dense %.1f us (%zu rounds)\n", r->us[bench_sprig],
          r->us[bench_xnn_sparse], r->us[bench_xnn_dense], r->reps);
}

static bool run_at_threads(struct bench_run* run, struct case_state* st, const struct bench_pool* pool,
                           const struct bench_suite* suite, const struct bench_layer* layer,
                           const struct bench_format* format, double sparsity) {
  struct bench_result* r = bench_results_add(run->results);
  if (r == NULL) {
    fprintf(stderr, "sprig-bench: out of memory\n");
    return false;
  }
  describe_case(suite, layer, format, sparsity, st, pool->threads, r);
  r->ok = check_outputs(st, pool->pool, r);
  if (r->ok) {
    time_case(st, pool->pool, &run->options->timing, r);
    derive_rates(r);
  }
  run->cases_done++;
  print_progress(run, r);
  return r->ok;
}

static void record_setup_failure(struct bench_run* run, const struct case_state* st, const struct bench_pool* pool,
                                 const struct bench_suite* suite, const struct bench_layer* layer,
                                 const struct bench_format* format, double sparsity) {
  struct bench_result* r = bench_results_add(run->results);
  if (r != NULL) {
    describe_case(suite, layer, format, sparsity, st, pool->threads, r);
    r->ok = false;
    snprintf(r->note, sizeof(r->note), "setup failed (reason on stderr)");
  }
  run->cases_done++;
  if (r != NULL) {
    print_progress(run, r);
  }
}

static bool create_runners(const struct bench_problem* problem, struct case_state* st) {
  return bench_sprig_runner_create(problem, &st->runners[bench_sprig], &st->info) &&
         bench_xnn_sparse_runner_create(problem, &st->runners[bench_xnn_sparse]) &&
         bench_xnn_dense_runner_create(problem, &st->runners[bench_xnn_dense]);
}

bool bench_run_layer(struct bench_run* run, const struct bench_suite* suite, const struct bench_layer* layer,
                     const struct bench_format* format, double sparsity) {
  char name[160];
  snprintf(name, sizeof(name), "%s/%s", suite->name, layer->name);
  struct bench_case_data data;
  if (bench_case_data_make(format, bench_layer_m(layer), layer->k, layer->n, sparsity, run->options->seed, name,
                           &data) != 0) {
    fprintf(stderr, "sprig-bench: out of memory for %s\n", name);
    return false;
  }
  struct case_state st = {.data = &data};
  const struct bench_problem problem = {layer, format, data.m, data.k, data.n, data.weights, data.bias,
                                        data.input_cm, data.input_pm};
  struct bench_csr csr = {0};
  const bool ready = bench_csr_from_dense(data.weights, data.n, data.k, &csr) == 0 &&
                     bench_reference_compute(&csr, data.bias, data.input_cm, data.m, &st.reference) == 0 &&
                     create_runners(&problem, &st);
  bool ok = ready;
  for (size_t p = 0; p < run->pool_count; p++) {
    if (ready) {
      ok = run_at_threads(run, &st, &run->pools[p], suite, layer, format, sparsity) && ok;
    } else {
      record_setup_failure(run, &st, &run->pools[p], suite, layer, format, sparsity);
    }
  }
  for (int c = 0; c < bench_contender_count; c++) {
    bench_runner_destroy(&st.runners[c]);
  }
  bench_reference_free(&st.reference);
  bench_csr_free(&csr);
  bench_case_data_free(&data);
  return ok;
}
