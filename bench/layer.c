#include "layer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sprig/bspmv.h>
#include <sprig/dwconv.h>
#include <sprig/dwconv2d-chw.h>
#include <sprig/nmspmm.h>
#include <sprig/spconv.h>
#include <sprig/spmm.h>

#include "check.h"
#include "data.h"
#include "network.h"
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

int bench_conv_data_make(const struct bench_layer* layer, const struct bench_format* format, double sparsity,
                         uint64_t seed, const char* name, struct bench_case_data* d) {
  const size_t m = bench_layer_m(layer), k = bench_layer_cols(layer), n = layer->n;
  const size_t pixels = layer->height * layer->width, taps = (size_t) layer->kernel * layer->kernel;
  *d = (struct bench_case_data){.m = m, .k = k, .n = n};
  d->weights = bench_alloc_floats(n * k);
  d->weights_ohwi = bench_alloc_floats(n * k);
  d->bias = bench_alloc_floats(n);
  d->input_cm = bench_alloc_floats(layer->k * pixels);
  d->input_pm = bench_alloc_floats(layer->k * pixels);
  if (d->weights == NULL || d->weights_ohwi == NULL || d->bias == NULL || d->input_cm == NULL ||
      d->input_pm == NULL) {
    bench_case_data_free(d);
    return -1;
  }
  struct bench_rng rng = {seed ^ hash_name(name)};
  bench_fill_random(&rng, d->weights, n * k);
  bench_fill_random(&rng, d->bias, n);
  bench_fill_random(&rng, d->input_cm, layer->k * pixels);
  bench_transpose(d->input_cm, d->input_pm, layer->k, pixels);
  if (layer->dense) {
    d->nnz = 0;
    for (size_t i = 0; i < n * k; i++) {
      d->nnz += d->weights[i] != 0.0f;
    }
  } else {
    d->nnz = bench_prune(format, d->weights, n, k, sparsity);
  }
  if (d->nnz == (size_t) -1) {
    bench_case_data_free(d);
    return -1;
  }
  /* OIHW [n][cin][kh][kw] -> OHWI [n][kh][kw][cin] */
  const size_t cin = k / taps;
  for (size_t o = 0; o < n; o++) {
    for (size_t c = 0; c < cin; c++) {
      for (size_t t = 0; t < taps; t++) {
        d->weights_ohwi[(o * taps + t) * cin + c] = d->weights[(o * cin + c) * taps + t];
      }
    }
  }
  return 0;
}

void bench_case_data_free(struct bench_case_data* d) {
  free(d->weights_ohwi);
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
  for (size_t i = 0; i < sprig_f32_spconv_ukernel_count; i++) {
    if (kernel_name != NULL && strcmp(sprig_f32_spconv_ukernels[i].name, kernel_name) == 0) {
      return sprig_isa_to_string(sprig_f32_spconv_ukernels[i].isa);
    }
  }
  for (size_t i = 0; i < sprig_f32_dwconv_ukernel_count; i++) {
    if (kernel_name != NULL && strcmp(sprig_f32_dwconv_ukernels[i].name, kernel_name) == 0) {
      return sprig_isa_to_string(sprig_f32_dwconv_ukernels[i].isa);
    }
  }
  for (size_t i = 0; i < sprig_f32_dwconv2d_chw_ukernel_count; i++) {
    if (kernel_name != NULL && strcmp(sprig_f32_dwconv2d_chw_ukernels[i].name, kernel_name) == 0) {
      return sprig_isa_to_string(sprig_f32_dwconv2d_chw_ukernels[i].isa);
    }
  }
  /* Other families (int8): the ISA the name ends with ("..._4x1c4__avx512vnni[_...]"). */
  const char* tail = kernel_name != NULL ? strstr(kernel_name, "__") : NULL;
  for (int isa = 0; tail != NULL && isa < (int) sprig_isa_count; isa++) {
    const char* name = sprig_isa_to_string((enum sprig_isa) isa);
    const size_t length = strlen(name);
    if (strncmp(tail + 2, name, length) == 0 && (tail[2 + length] == '\0' || tail[2 + length] == '_')) {
      return name;
    }
  }
  return "unknown";
}

/* ---- one case at one thread count ---- */

struct case_state {
  struct bench_reference reference;
  struct bench_runner runners[bench_contender_count];
  struct bench_sprig_info info;
  size_t m, k, n, nnz;
  double macs;                          /* useful multiply-adds per run */
  const struct bench_network* network;  /* network cases only */
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
  const size_t count = st->reference.m * st->reference.n;
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
  r->reps = bench_time_interleaved_min(contenders, bench_contender_count, plan, r->us, r->min_us);
  if (r->reps == 0) {
    r->ok = false;
    snprintf(r->note, sizeof(r->note), "a run failed while timing");
  }
}

static const char* const kind_names[] = {"conv1x1", "linear", "conv2d", "network"};

/* What XNNPACK's NCHW contender runs for the layer. */
static const char* xnn_sparse_path(const struct bench_layer* layer, bool available) {
  if (!available) {
    return "none";
  }
  switch (layer->kind) {
    case bench_layer_conv2d:
      if (layer->kernel == 1 && layer->stride == 1 && layer->groups == 1 && !layer->input_nhwc) {
        return "spmm";
      }
      return layer->input_nhwc ? "conv-hwc2chw" : "dwconv-chw";
    case bench_layer_network:
      return "nchw-network";
    default:
      return "spmm";
  }
}

static void describe_conv(const struct bench_layer* layer, struct bench_result* r) {
  r->conv_kernel = layer->kernel;
  r->stride = layer->stride;
  r->padding = layer->padding;
  r->groups = layer->groups;
  r->in_height = layer->height;
  r->in_width = layer->width;
  r->in_channels = layer->k;
  r->out_height = bench_layer_output_height(layer);
  r->out_width = bench_layer_output_width(layer);
  r->dense_weights = layer->dense;
  r->input_nhwc = layer->input_nhwc;
}

void bench_describe_network(const struct bench_network* net, struct bench_result* r) {
  r->params = net->params;
  r->pruned_params = net->pruned_params;
  r->pruned_nnz = net->pruned_nnz;
  r->dense_macs = net->dense_macs;
  r->sparsity = net->pruned_params > 0 ? 1.0 - (double) net->pruned_nnz / (double) net->pruned_params : NAN;
  r->in_height = net->tensors[0].height;
  r->in_width = net->tensors[0].width;
  r->in_channels = net->tensors[0].channels;
  r->breakdown_count = bench_net_class_count;
  r->breakdown_names = bench_net_class_names;
}

void bench_describe_layer(const struct bench_suite* suite, const struct bench_layer* layer,
                          const struct bench_format* format, double sparsity, size_t m, size_t k, size_t n, size_t nnz,
                          const struct bench_sprig_info* info, size_t threads, struct bench_result* r) {
  snprintf(r->suite, sizeof(r->suite), "%s", suite->name);
  snprintf(r->layer, sizeof(r->layer), "%s", layer->name);
  snprintf(r->format, sizeof(r->format), "%s", layer->dense ? "dense" : format->name);
  snprintf(r->kernel, sizeof(r->kernel), "%s", info->kernel != NULL ? info->kernel : "");
  snprintf(r->isa, sizeof(r->isa), "%s", bench_kernel_isa(info->kernel));
  snprintf(r->kind, sizeof(r->kind), "%s", kind_names[layer->kind]);
  r->m = m;
  r->k = k;
  r->n = n;
  r->nnz = nnz;
  r->macs = (double) nnz * (double) m;
  r->threads = threads;
  r->in_net = layer->in_net;
  r->target_sparsity = layer->dense ? 0.0 : sparsity;
  r->sparsity = 1.0 - (double) nnz / ((double) k * (double) n);
  r->bytes_per_nnz = nnz > 0 ? (double) info->packed_bytes / (double) nnz : NAN;
  r->operator_bytes_per_nnz = nnz > 0 ? (double) info->operator_bytes / (double) nnz : NAN;
  r->read_l3_gbs = bench_read_gbs(bench_read_l3);
  r->read_dram_gbs = bench_read_gbs(bench_read_dram);
  if (layer->kind == bench_layer_conv2d) {
    describe_conv(layer, r);
  }
}

static void describe_case(const struct bench_suite* suite, const struct bench_layer* layer,
                          const struct bench_format* format, double sparsity, const struct case_state* st,
                          size_t threads, struct bench_result* r) {
  bench_describe_layer(suite, layer, format, sparsity, st->m, st->k, st->n, st->nnz, &st->info, threads, r);
  r->macs = st->macs;
  snprintf(r->xnn_sparse_path, sizeof(r->xnn_sparse_path), "%s",
           xnn_sparse_path(layer, st->runners[bench_xnn_sparse].available));
  if (layer->kind == bench_layer_network && st->network != NULL) {
    bench_describe_network(st->network, r);
  }
  if (!st->runners[bench_xnn_sparse].available) {
    const char* why = st->runners[bench_xnn_sparse].note;
    snprintf(r->note, sizeof(r->note), "xnn-sparse: %s", why != NULL ? why : "not created");
  } else if (layer->kind == bench_layer_linear) {
    snprintf(r->note, sizeof(r->note), "xnn-sparse runs on the transposed input; the transposes are not timed");
  } else if (layer->kind == bench_layer_network) {
    snprintf(r->note, sizeof(r->note), "1x1 convolutions and classifier pruned (%s), first and depthwise "
             "convolutions dense; XNNPACK runs the classifier dense (it has no sparse fully connected operator)",
             format->name);
  } else if (layer->kind == bench_layer_conv2d && layer->dense) {
    snprintf(r->note, sizeof(r->note), "dense weights (not pruned); xnn-sparse = XNNPACK's NCHW convolution (%s)",
             r->xnn_sparse_path);
  }
}

void bench_derive_weight_rate(struct bench_result* r, const struct bench_sprig_info* info) {
  if (strcmp(r->kind, "linear") != 0 || r->m != 1 || isnan(r->us[bench_sprig])) {
    return;
  }
  const size_t bytes = info->operator_bytes != 0 ? info->operator_bytes : info->packed_bytes;
  r->weight_bytes = (double) bytes;
  r->weight_gbs = (double) bytes / (r->us[bench_sprig] * 1e-6) * 1e-9;
  const size_t l3 = bench_l3_bytes();
  const bool in_l3 = l3 == 0 || bytes <= l3;
  const double rate = in_l3 ? r->read_l3_gbs : r->read_dram_gbs;
  r->weight_read_level = in_l3 ? "l3" : "dram";
  r->weight_read_pct = 100.0 * r->weight_gbs / rate;
}

static void derive_rates(struct bench_result* r, const struct bench_sprig_info* info) {
  r->gflops = 2.0 * r->macs / (r->us[bench_sprig] * 1e-6) * 1e-9;
  r->peak_gflops = bench_peak_gflops(r->isa, NULL);
  r->peak_pct = 100.0 * r->gflops / (r->peak_gflops * (double) r->threads);
  bench_derive_weight_rate(r, info);
}

void bench_print_progress(const struct bench_run* run, const struct bench_result* r) {
  if (run->options->quiet) {
    return;
  }
  fprintf(stderr, "[%zu/%zu] %s/%s %s%s%s s=%.2f t=%zu: ", run->cases_done, run->cases_total, r->suite, r->layer,
          r->format, strcmp(r->dtype, "f32") == 0 ? "" : " ", strcmp(r->dtype, "f32") == 0 ? "" : r->dtype,
          r->target_sparsity, r->threads);
  if (!r->ok) {
    fprintf(stderr, "FAILED: %s\n", r->note);
    return;
  }
  if (strcmp(r->dtype, "f32") != 0) {
    fprintf(stderr, "sprig %s %.1f us, sprig f32 %.1f us, ", r->dtype, r->us[bench_sprig], r->f32_us);
    const char* peer = strcmp(r->dtype, "f16") == 0 ? "xnn-f16" : "xnn-qc8";
    if (isnan(r->us[bench_xnn_dense])) {
      fprintf(stderr, "%s - (%zu rounds)\n", peer, r->reps);
    } else {
      fprintf(stderr, "%s %.1f us (%zu rounds)\n", peer, r->us[bench_xnn_dense], r->reps);
    }
    return;
  }
  fprintf(stderr, "sprig %.1f us, xnn-sparse %.1f us, xnn-dense %.1f us (%zu rounds)\n", r->us[bench_sprig],
          r->us[bench_xnn_sparse], r->us[bench_xnn_dense], r->reps);
}

/* Networks: each operator timed alone, summed per operator class, median over a few rounds
 * (contenders interleaved as in the main timing). */

bool bench_time_network_classes(const struct bench_network* net, struct bench_runner* runner, pthreadpool_t pool,
                                double* sums) {
  for (size_t i = 0; i < net->op_count; i++) {
    const uint64_t start = bench_now_ns();
    if (!runner->run_op(runner, pool, i)) {
      return false;
    }
    sums[net->ops[i].op_class] += (double) (bench_now_ns() - start) * 1e-3;
  }
  return true;
}

static bool profile_network(struct case_state* st, pthreadpool_t pool, struct bench_result* r) {
  const struct bench_network* net = st->network;
  const size_t series = (size_t) bench_contender_count * bench_net_class_count;
  double* samples = malloc(series * BENCH_PROFILE_ROUNDS * sizeof(double));
  if (samples == NULL) {
    return false;
  }
  bool ok = true;
  for (size_t round = 0; round < BENCH_PROFILE_ROUNDS && ok; round++) {
    for (int c = 0; c < bench_contender_count && ok; c++) {
      double sums[bench_net_class_count] = {0.0};
      ok = !st->runners[c].available || bench_time_network_classes(net, &st->runners[c], pool, sums);
      for (size_t k = 0; k < bench_net_class_count; k++) {
        samples[((size_t) c * bench_net_class_count + k) * BENCH_PROFILE_ROUNDS + round] = sums[k];
      }
    }
  }
  size_t ops_of_class[bench_net_class_count] = {0};
  for (size_t i = 0; i < net->op_count; i++) {
    ops_of_class[net->ops[i].op_class]++;
  }
  for (int c = 0; c < bench_contender_count; c++) {
    for (size_t k = 0; k < bench_net_class_count; k++) {
      double* series_samples = &samples[((size_t) c * bench_net_class_count + k) * BENCH_PROFILE_ROUNDS];
      const bool timed = ok && st->runners[c].available && ops_of_class[k] > 0;
      /* bench_median sorts: the fastest round is then the first. */
      r->breakdown_us[c][k] = timed ? bench_median(series_samples, BENCH_PROFILE_ROUNDS) : NAN;
      r->breakdown_min_us[c][k] = timed ? series_samples[0] : NAN;
    }
  }
  free(samples);
  return ok;
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
    derive_rates(r, &st->info);
  }
  if (r->ok && st->network != NULL && !profile_network(st, pool->pool, r)) {
    r->ok = false;
    snprintf(r->note, sizeof(r->note), "a run failed while timing operators one by one");
  }
  run->cases_done++;
  bench_print_progress(run, r);
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
    bench_print_progress(run, r);
  }
}

static bool create_runners(const struct bench_problem* problem, struct case_state* st) {
  return bench_sprig_runner_create(problem, &st->runners[bench_sprig], &st->info) &&
         bench_xnn_sparse_runner_create(problem, &st->runners[bench_xnn_sparse]) &&
         bench_xnn_dense_runner_create(problem, &st->runners[bench_xnn_dense]);
}

static bool create_network_runners(const struct bench_network* net, struct case_state* st) {
  return bench_sprig_network_runner_create(net, &st->runners[bench_sprig], &st->info) &&
         bench_xnn_sparse_network_runner_create(net, &st->runners[bench_xnn_sparse]) &&
         bench_xnn_dense_network_runner_create(net, &st->runners[bench_xnn_dense]);
}

/* Runs a prepared case at every thread count (or records that its setup failed), then frees
 * its runners and reference. */
static bool run_case(struct bench_run* run, struct case_state* st, bool ready, const struct bench_suite* suite,
                     const struct bench_layer* layer, const struct bench_format* format, double sparsity) {
  bool ok = ready;
  for (size_t p = 0; p < run->pool_count; p++) {
    if (ready) {
      ok = run_at_threads(run, st, &run->pools[p], suite, layer, format, sparsity) && ok;
    } else {
      record_setup_failure(run, st, &run->pools[p], suite, layer, format, sparsity);
    }
  }
  for (int c = 0; c < bench_contender_count; c++) {
    bench_runner_destroy(&st->runners[c]);
  }
  return ok;
}

static bool run_network(struct bench_run* run, const struct bench_suite* suite, const struct bench_layer* layer,
                        const struct bench_format* format, double sparsity, bool f32, bool qs8) {
  struct bench_network* net = malloc(sizeof(struct bench_network));
  struct bench_net_range* ranges = malloc(BENCH_NET_MAX_TENSORS * sizeof(struct bench_net_range));
  if (net == NULL || ranges == NULL ||
      bench_network_build(layer->name, format, sparsity, run->options->seed, net) != 0) {
    fprintf(stderr, "sprig-bench: cannot build %s/%s\n", suite->name, layer->name);
    free(net);
    free(ranges);
    return false;
  }
  struct case_state st = {.m = 1, .k = bench_layer_cols(layer), .n = layer->n, .nnz = net->nnz, .macs = net->macs,
                          .network = net};
  const bool referenced = bench_network_reference(net, &st.reference, ranges) == 0;
  bool ok = true;
  if (f32) {
    const bool ready = referenced && create_network_runners(net, &st);
    ok = run_case(run, &st, ready, suite, layer, format, sparsity);
  }
  if (qs8) {
    ok = (referenced && bench_run_int8_network(run, suite, layer, format, sparsity, net, &st.reference, ranges)) &&
         ok;
  }
  free(ranges);
  bench_reference_free(&st.reference);
  bench_network_free(net);
  free(net);
  return ok;
}

bool bench_dtype_applies(const struct bench_layer* layer, enum bench_dtype dtype) {
  switch (dtype) {
    case bench_dtype_f32:
      return true;
    case bench_dtype_qs8:
      return true;
    case bench_dtype_qd8:
      return layer->kind == bench_layer_linear;
    case bench_dtype_f16:
      return layer->kind != bench_layer_network;
    default:
      return false;
  }
}

static bool wants(const struct bench_options* o, const struct bench_layer* layer, enum bench_dtype dtype) {
  for (size_t d = 0; d < o->dtype_count; d++) {
    if (o->dtypes[d] == dtype) {
      return bench_dtype_applies(layer, dtype);
    }
  }
  return false;
}

bool bench_run_layer(struct bench_run* run, const struct bench_suite* suite, const struct bench_layer* layer,
                     const struct bench_format* format, double sparsity) {
  const struct bench_options* o = run->options;
  if (layer->kind == bench_layer_network) {
    const bool f32 = wants(o, layer, bench_dtype_f32), qs8 = wants(o, layer, bench_dtype_qs8);
    return !(f32 || qs8) || run_network(run, suite, layer, format, sparsity, f32, qs8);
  }
  bool any = false;
  for (size_t d = 0; d < o->dtype_count; d++) {
    any = any || bench_dtype_applies(layer, o->dtypes[d]);
  }
  if (!any) {
    return true;
  }
  char name[160];
  snprintf(name, sizeof(name), "%s/%s", suite->name, layer->name);
  struct bench_case_data data;
  const int made = layer->kind == bench_layer_conv2d
                       ? bench_conv_data_make(layer, format, sparsity, o->seed, name, &data)
                       : bench_case_data_make(format, bench_layer_m(layer), layer->k, layer->n, sparsity, o->seed,
                                              name, &data);
  if (made != 0) {
    fprintf(stderr, "sprig-bench: out of memory (or pruning failed) for %s\n", name);
    return false;
  }
  struct case_state st = {.m = data.m, .k = data.k, .n = data.n, .nnz = data.nnz,
                          .macs = (double) data.nnz * (double) data.m};
  const struct bench_problem problem = {layer, format, data.m, data.k, data.n, data.weights,
                                        data.weights_ohwi != NULL ? data.weights_ohwi : data.weights, data.bias,
                                        data.input_cm, data.input_pm};
  bool ready;
  struct bench_csr csr = {0};
  if (layer->kind == bench_layer_conv2d) {
    const struct bench_conv_geometry geometry = {
        layer->k, layer->n, layer->groups, layer->height, layer->width, bench_layer_output_height(layer),
        bench_layer_output_width(layer), layer->kernel, layer->stride, layer->padding, layer->input_nhwc};
    ready = bench_reference_compute_conv(&geometry, data.weights, data.bias,
                                         layer->input_nhwc ? data.input_pm : data.input_cm, &st.reference) == 0;
  } else {
    ready = bench_csr_from_dense(data.weights, data.n, data.k, &csr) == 0 &&
            bench_reference_compute(&csr, data.bias, data.input_cm, data.m, &st.reference) == 0;
  }
  bool ok = true;
  for (size_t d = 0; d < o->dtype_count; d++) {
    const enum bench_dtype dtype = o->dtypes[d];
    if (!bench_dtype_applies(layer, dtype)) {
      continue;
    }
    if (dtype == bench_dtype_f32) {
      const bool created = ready && create_runners(&problem, &st);
      ok = run_case(run, &st, created, suite, layer, format, sparsity) && ok;
    } else if (dtype == bench_dtype_f16) {
      ok = bench_run_f16_case(run, suite, layer, format, sparsity, &problem, ready ? &st.reference : NULL) && ok;
    } else {
      ok = bench_run_int8_case(run, suite, layer, format, sparsity, dtype, &problem, ready ? &st.reference : NULL) &&
           ok;
    }
  }
  bench_reference_free(&st.reference);
  bench_csr_free(&csr);
  bench_case_data_free(&data);
  return ok;
}
