/* The f16 cases of --dtypes f16: sprig's f16 operator, sprig's f32 operator on the same layer and
 * XNNPACK's dense f16 convolution, on the f32 case's pruned weights, bias and input rounded to
 * halves (round to nearest even).
 *
 * Checks: sprig f16 and XNNPACK f16 against the f32 reference (relative error over |bias| +
 * sum |w x|, at most BENCH_F16_MAX_REL_ERR: half inputs and weights carry 2^-11 each, and the
 * half-precision accumulation of avx512fp16 / neonfp16arith adds about sqrt(nnz per row) x 2^-11),
 * sprig f32 as in the f32 cases. Any failure marks the record FAILED. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sprig.h>
#include <sprig/half.h>

#include "layer.h"
#include "timing.h"

#define BENCH_F16_MAX_REL_ERR 3e-2

enum { slot_f16 = 0, slot_f32 = 1, slot_xnn = 2, slot_count = 3 };

static const char* const slot_names[slot_count] = {"sprig f16", "sprig f32", "XNNPACK f16"};

/* The problem's tensors as halves. */
struct f16_data {
  uint16_t* weights;       /* [n][k] */
  uint16_t* weights_ohwi;  /* XNNPACK's layout */
  uint16_t* bias;
  uint16_t* input_cm;
  uint16_t* input_pm;
  uint16_t* outputs[slot_count]; /* sprig f16, -, XNNPACK f16 */
  float* widened;                /* an output widened for the checks */
};

struct f16_state {
  const struct bench_problem* problem;
  const struct bench_reference* f32_reference;
  struct f16_data d;
  sprig_operator_t op;
  struct bench_runner runners[slot_count];
  struct bench_sprig_info info, f32_info;
  const char* failure;
};

static uint16_t* to_halves(const float* values, size_t count) {
  uint16_t* h = malloc(count * sizeof(uint16_t) + 64);
  if (h != NULL) {
    for (size_t i = 0; i < count; i++) {
      h[i] = sprig_float_to_half(values[i]);
    }
  }
  return h;
}

static size_t input_count(const struct bench_problem* p) {
  const struct bench_layer* l = p->layer;
  return l->kind == bench_layer_conv2d ? l->k * l->height * l->width : p->k * p->m;
}

static bool make_data(const struct bench_problem* p, struct f16_data* d) {
  const size_t weights = p->n * p->k, outputs = p->n * p->m;
  d->weights = to_halves(p->weights, weights);
  d->weights_ohwi = to_halves(p->weights_ohwi, weights);
  d->bias = to_halves(p->bias, p->n);
  d->input_cm = to_halves(p->input_cm, input_count(p));
  d->input_pm = to_halves(p->input_pm, input_count(p));
  d->outputs[slot_f16] = malloc(outputs * sizeof(uint16_t) + 64);
  d->outputs[slot_xnn] = malloc(outputs * sizeof(uint16_t) + 64);
  d->widened = malloc(outputs * sizeof(float));
  return d->weights != NULL && d->weights_ohwi != NULL && d->bias != NULL && d->input_cm != NULL &&
         d->input_pm != NULL && d->outputs[slot_f16] != NULL && d->outputs[slot_xnn] != NULL && d->widened != NULL;
}

static void free_data(struct f16_data* d) {
  free(d->weights);
  free(d->weights_ohwi);
  free(d->bias);
  free(d->input_cm);
  free(d->input_pm);
  free(d->outputs[slot_f16]);
  free(d->outputs[slot_xnn]);
  free(d->widened);
}

/* ---- sprig's f16 operator as a runner ---- */

static bool sprig_f16_setup(struct bench_runner* runner, pthreadpool_t pool) {
  (void) runner;
  (void) pool;
  return true;
}

static bool sprig_f16_run(struct bench_runner* runner, pthreadpool_t pool) {
  return sprig_run_operator((sprig_operator_t) runner->impl, pool) == sprig_status_success;
}

static enum sprig_status create_operator(const struct bench_problem* p, sprig_weights_t weights, const uint16_t* bias,
                                         sprig_operator_t* op) {
  const struct bench_layer* layer = p->layer;
  if (layer->kind == bench_layer_linear) {
    return sprig_create_linear_from_weights_f16(weights, bias, -INFINITY, INFINITY, 0, op);
  }
  const bool conv2d = layer->kind == bench_layer_conv2d;
  const uint32_t pad = conv2d ? layer->padding : 0, kernel = conv2d ? layer->kernel : 1;
  const uint32_t stride = conv2d ? layer->stride : 1, groups = conv2d ? layer->groups : 1;
  const size_t cin = conv2d ? layer->k : p->k;
  const struct sprig_conv2d_params params = {
      .kernel_height = kernel, .kernel_width = kernel, .stride_height = stride, .stride_width = stride,
      .dilation_height = 1, .dilation_width = 1, .padding_top = pad, .padding_right = pad, .padding_bottom = pad,
      .padding_left = pad, .groups = groups, .input_channels = cin / groups, .output_channels = p->n / groups,
  };
  return sprig_create_conv2d_nchw_from_weights_f16(&params, weights, bias, -INFINITY, INFINITY,
                                                   conv2d && layer->input_nhwc ? SPRIG_FLAG_INPUT_NHWC : 0, op);
}

static enum sprig_status bind_operator(const struct bench_problem* p, const struct f16_data* d, sprig_operator_t op) {
  const struct bench_layer* layer = p->layer;
  enum sprig_status status;
  if (layer->kind == bench_layer_linear) {
    status = sprig_reshape_linear_f16(op, p->m);
    return status != sprig_status_success ? status : sprig_setup_linear_f16(op, d->input_pm, d->outputs[slot_f16]);
  }
  status = sprig_reshape_conv2d_nchw_f16(op, 1, layer->height, layer->width, NULL, NULL);
  const uint16_t* input = layer->kind == bench_layer_conv2d && layer->input_nhwc ? d->input_pm : d->input_cm;
  return status != sprig_status_success ? status : sprig_setup_conv2d_nchw_f16(op, input, d->outputs[slot_f16]);
}

static bool sprig_f16_runner_create(const struct bench_problem* p, const struct f16_data* d,
                                    struct bench_runner* runner, struct bench_sprig_info* info) {
  *runner = (struct bench_runner){.name = "sprig-f16", .setup = sprig_f16_setup, .run = sprig_f16_run,
                                  .output_pixel_major = p->layer->kind == bench_layer_linear};
  *info = (struct bench_sprig_info){0};
  static const struct sprig_sparsity csr = {.format = SPRIG_FORMAT_CSR};
  const struct sprig_sparsity* pattern = p->layer->dense ? &csr : &p->format->pattern;
  sprig_weights_t weights = NULL;
  sprig_operator_t op = NULL;
  struct sprig_weights_info winfo;
  enum sprig_status status = sprig_pack_weights_f16(p->n, p->k, d->weights, pattern, 0, &weights);
  if (status == sprig_status_success && (status = sprig_get_weights_info(weights, &winfo)) == sprig_status_success) {
    info->nnz = winfo.nnz;
    info->packed_bytes = winfo.packed_bytes;
    status = create_operator(p, weights, d->bias, &op);
  }
  sprig_release_weights(weights);
  if (status == sprig_status_success) {
    status = bind_operator(p, d, op);
  }
  if (status != sprig_status_success) {
    sprig_delete_operator(op);
    fprintf(stderr, "sprig-bench: sprig f16 refused %s: %s\n", p->layer->name, sprig_status_string(status));
    runner->note = "sprig's f16 operator refused the layer";
    return true;
  }
  runner->impl = op;
  runner->available = true;
  info->kernel = sprig_operator_kernel_name(op);
  info->operator_bytes = sprig_operator_weight_bytes(op);
  return true;
}

/* ---- checks, timing, records ---- */

struct timed_runner {
  struct bench_runner* runner;
  pthreadpool_t pool;
};

static bool run_timed(void* context) {
  struct timed_runner* t = context;
  return t->runner->run(t->runner, t->pool);
}

static double half_error(struct f16_state* st, const uint16_t* output, bool pixel_major) {
  const size_t count = st->problem->m * st->problem->n;
  for (size_t i = 0; i < count; i++) {
    st->d.widened[i] = sprig_half_to_float(output[i]);
  }
  return bench_max_relative_error(st->f32_reference, st->d.widened, pixel_major);
}

static bool check_f16(struct f16_state* st, pthreadpool_t pool, struct bench_result* r) {
  const size_t count = st->problem->m * st->problem->n;
  memset(st->d.outputs[slot_f16], 0xFF, count * sizeof(uint16_t)); /* NaNs: a skipped output fails */
  memset(st->d.outputs[slot_xnn], 0xFF, count * sizeof(uint16_t));
  for (int c = 0; c < slot_count; c++) {
    struct bench_runner* runner = &st->runners[c];
    if (runner->available && (!runner->setup(runner, pool) || !runner->run(runner, pool))) {
      snprintf(r->note, sizeof(r->note), "%s failed to run", slot_names[c]);
      return false;
    }
  }
  r->f32_rel_err = bench_max_relative_error(st->f32_reference, st->runners[slot_f32].output,
                                            st->runners[slot_f32].output_pixel_major);
  r->rel_err[bench_sprig] = half_error(st, st->d.outputs[slot_f16], st->runners[slot_f16].output_pixel_major);
  if (st->runners[slot_xnn].available) {
    r->rel_err[bench_xnn_dense] = half_error(st, st->d.outputs[slot_xnn], true);
  }
  if (!(r->f32_rel_err <= BENCH_MAX_REL_ERR)) {
    snprintf(r->note, sizeof(r->note), "sprig f32 disagrees with the reference: max rel err %.3g", r->f32_rel_err);
    return false;
  }
  if (!(r->rel_err[bench_sprig] <= BENCH_F16_MAX_REL_ERR)) {
    snprintf(r->note, sizeof(r->note), "sprig f16 disagrees with the f32 reference: max rel err %.3g > %.0e",
             r->rel_err[bench_sprig], BENCH_F16_MAX_REL_ERR);
    return false;
  }
  if (st->runners[slot_xnn].available && !(r->rel_err[bench_xnn_dense] <= BENCH_F16_MAX_REL_ERR)) {
    snprintf(r->note, sizeof(r->note), "XNNPACK f16 disagrees with the f32 reference: max rel err %.3g",
             r->rel_err[bench_xnn_dense]);
    return false;
  }
  return true;
}

static void time_f16(struct f16_state* st, pthreadpool_t pool, const struct bench_timing_plan* plan,
                     struct bench_result* r) {
  struct timed_runner timed[slot_count];
  struct bench_contender contenders[slot_count];
  for (int c = 0; c < slot_count; c++) {
    timed[c] = (struct timed_runner){&st->runners[c], pool};
    contenders[c] = (struct bench_contender){st->runners[c].available ? run_timed : NULL, &timed[c]};
  }
  double medians[slot_count], minimums[slot_count];
  r->reps = bench_time_interleaved_min(contenders, slot_count, plan, medians, minimums);
  if (r->reps == 0) {
    r->ok = false;
    snprintf(r->note, sizeof(r->note), "a run failed while timing");
    return;
  }
  r->us[bench_sprig] = medians[slot_f16];
  r->min_us[bench_sprig] = minimums[slot_f16];
  r->f32_us = medians[slot_f32];
  r->f32_min_us = minimums[slot_f32];
  r->us[bench_xnn_dense] = medians[slot_xnn];
  r->min_us[bench_xnn_dense] = minimums[slot_xnn];
}

static void record(struct bench_run* run, struct f16_state* st, const struct bench_pool* pool,
                   const struct bench_suite* suite, const struct bench_layer* layer, const struct bench_format* format,
                   double sparsity) {
  struct bench_result* r = bench_results_add(run->results);
  if (r == NULL) {
    fprintf(stderr, "sprig-bench: out of memory\n");
    run->cases_done++;
    return;
  }
  const struct bench_problem* p = st->problem;
  bench_describe_layer(suite, layer, format, sparsity, p->m, p->k, p->n, st->info.nnz, &st->info, pool->threads, r);
  snprintf(r->dtype, sizeof(r->dtype), "f16");
  snprintf(r->xnn_sparse_path, sizeof(r->xnn_sparse_path), "none");
  const struct bench_runner* xnn = &st->runners[slot_xnn];
  snprintf(r->note, sizeof(r->note), "xnn-f16: %s",
           xnn->available ? "XNNPACK's dense f16 convolution on the NHWC input"
                          : (xnn->note != NULL ? xnn->note : "not created"));
  if (st->failure != NULL) {
    r->ok = false;
    snprintf(r->note, sizeof(r->note), "%s", st->failure);
  } else {
    r->ok = check_f16(st, pool->pool, r);
    if (r->ok) {
      time_f16(st, pool->pool, &run->options->timing, r);
    }
    if (r->ok) {
      r->gflops = 2.0 * r->macs / (r->us[bench_sprig] * 1e-6) * 1e-9;
      bench_derive_weight_rate(r, &st->info);
    }
  }
  run->cases_done++;
  bench_print_progress(run, r);
}

bool bench_run_f16_case(struct bench_run* run, const struct bench_suite* suite, const struct bench_layer* layer,
                        const struct bench_format* format, double sparsity, const struct bench_problem* problem,
                        const struct bench_reference* f32_reference) {
  struct f16_state st = {.problem = problem, .f32_reference = f32_reference};
  bool ok = make_data(problem, &st.d);
  if (!ok) {
    fprintf(stderr, "sprig-bench: out of memory converting %s to f16\n", layer->name);
  } else if (f32_reference == NULL) {
    st.failure = "setup failed: no f32 reference (reason on stderr)";
  } else if (!sprig_f16_runner_create(problem, &st.d, &st.runners[slot_f16], &st.info) ||
             !bench_sprig_runner_create(problem, &st.runners[slot_f32], &st.f32_info) ||
             !bench_xnn_f16_runner_create(problem, st.d.weights_ohwi, st.d.bias, st.d.input_pm, st.d.outputs[slot_xnn],
                                          &st.runners[slot_xnn])) {
    st.failure = "setup failed (reason on stderr)";
  } else if (!st.runners[slot_f16].available) {
    st.failure = st.runners[slot_f16].note;
  }
  if (ok) {
    const size_t first = run->results->count;
    for (size_t p = 0; p < run->pool_count; p++) {
      record(run, &st, &run->pools[p], suite, layer, format, sparsity);
    }
    for (size_t i = first; i < run->results->count; i++) {
      ok = ok && run->results->items[i].ok;
    }
  }
  sprig_delete_operator((sprig_operator_t) st.runners[slot_f16].impl);
  for (int c = slot_f32; c < slot_count; c++) {
    bench_runner_destroy(&st.runners[c]);
  }
  free_data(&st.d);
  return ok;
}

/* ---- the table ---- */

static void print_cell(FILE* out, double value, const char* format) {
  if (isnan(value)) {
    fprintf(out, " %9s", "n/a");
  } else {
    fprintf(out, format, value);
  }
}

void bench_print_f16_table(FILE* out, const struct bench_results* results) {
  bool any = false;
  const char* xnn_note = NULL;
  for (size_t i = 0; i < results->count; i++) {
    const struct bench_result* r = &results->items[i];
    if (strcmp(r->dtype, "f16") != 0) {
      continue;
    }
    if (!any) {
      fprintf(out, "\nf16: sprig's f16 operator (IEEE half in and out) vs sprig's f32 operator on the same layer vs "
                   "XNNPACK's dense f16 convolution (xnn_create_convolution2d_nhwc_f16):\n");
      fprintf(out, "%-14s %-20s %6s %5s %5s %6s %-8s %3s %9s %9s %9s %9s %9s %6s %9s %9s  %s\n", "suite", "layer", "m",
              "k", "n", "spars", "fmt", "thr", "sprig_f16", "sprig_f32", "xnn_f16", "f32/f16", "xnn/f16", "B/nz",
              "err_f16", "err_xnn", "kernel");
      any = true;
    }
    fprintf(out, "%-14s %-20s %6zu %5zu %5zu %6.3f %-8s %3zu", r->suite, r->layer, r->m, r->k, r->n, r->sparsity,
            r->format, r->threads);
    if (!r->ok) {
      fprintf(out, "  FAILED: %s\n", r->note);
      continue;
    }
    print_cell(out, r->us[bench_sprig], " %9.1f");
    print_cell(out, r->f32_us, " %9.1f");
    print_cell(out, r->us[bench_xnn_dense], " %9.1f");
    print_cell(out, r->f32_us / r->us[bench_sprig], " %8.2fx");
    print_cell(out, r->us[bench_xnn_dense] / r->us[bench_sprig], " %8.2fx");
    fprintf(out, " %6.2f", r->bytes_per_nnz);
    print_cell(out, r->rel_err[bench_sprig], " %9.1e");
    print_cell(out, r->rel_err[bench_xnn_dense], " %9.1e");
    fprintf(out, "  %s\n", r->kernel);
    if (isnan(r->us[bench_xnn_dense])) {
      xnn_note = r->note;
    }
  }
  if (any) {
    fprintf(out, "times: median microseconds, the three interleaved in one process; f32/f16, xnn/f16: that time over "
                 "sprig f16's (>1: sprig f16 faster); err: max error vs the f32 reference over |bias| + sum |w x|.\n");
    if (xnn_note != NULL) {
      fprintf(out, "n/a: %s\n", xnn_note);
    }
  }
}
