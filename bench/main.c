/* sprig-bench: sprig vs XNNPACK (sparse and dense) on layer suites, and --kernels. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sprig.h>
#include <sprig/config.h>
#include <sprig/hardware.h>

#include "check.h"
#include "kernels.h"
#include "layer.h"
#include "options.h"
#include "peak.h"
#include "report.h"
#include "runner.h"

/* One pool per distinct thread count ('all' resolved through pthreadpool_create(0)). */
static size_t make_pools(const struct bench_options* o, struct bench_pool* pools) {
  size_t count = 0;
  for (size_t i = 0; i < o->thread_count; i++) {
    pthreadpool_t pool = pthreadpool_create(o->threads[i]);
    if (pool == NULL) {
      fprintf(stderr, "sprig-bench: pthreadpool_create(%zu) failed\n", o->threads[i]);
      continue;
    }
    const size_t threads = pthreadpool_get_threads_count(pool);
    bool seen = false;
    for (size_t j = 0; j < count && !seen; j++) {
      seen = pools[j].threads == threads;
    }
    if (seen) {
      pthreadpool_destroy(pool);
    } else {
      pools[count++] = (struct bench_pool){pool, threads};
    }
  }
  return count;
}

static void print_header(const struct bench_options* o, const struct bench_pool* pools, size_t pool_count) {
  const struct sprig_f32_spmm_ukernel* chosen = sprig_choose_f32_spmm_ukernel(sprig_get_hardware());
  const char* isa = sprig_isa_to_string(chosen->isa);
  const char* method = NULL;
  const double peak = bench_peak_gflops(isa, &method);
  printf("sprig-bench: sprig %d.%d.%d, kernels of ISA %s, default kernel %s\n", SPRIG_VERSION_MAJOR,
         SPRIG_VERSION_MINOR, SPRIG_VERSION_PATCH, isa, chosen->name);
  printf("peer: %s\n", bench_xnnpack_description());
  if (o->kernels_mode) {
    printf("threads: 1 (direct kernel calls)\n");
  } else {
    printf("thread counts:");
    for (size_t p = 0; p < pool_count; p++) {
      printf(" %zu", pools[p].threads);
    }
    printf(" (one pthreadpool each, shared by sprig and XNNPACK)\n");
  }
  printf("single-core peak (%s): %.1f GFLOP/s, best of 40 timed runs (~2 ms each) of %s; %%peak = GFLOP/s / (peak x threads)\n",
         isa, peak, method);
  const struct bench_read_rate* l3 = bench_read_bandwidth(isa, bench_read_l3);
  const struct bench_read_rate* dram = bench_read_bandwidth(isa, bench_read_dram);
  const size_t l3_bytes = bench_l3_bytes();
  char l3_text[48];
  if (l3_bytes != 0) {
    snprintf(l3_text, sizeof(l3_text), "%.1f MiB", (double) l3_bytes / 1048576.0);
  } else {
    snprintf(l3_text, sizeof(l3_text), "unknown, 32 MiB assumed");
  }
  printf("single-core read rate (%s): %.1f GB/s from L3 (%.1f MiB buffer: 4 x L2 of %.1f MiB, at most L3 / 2), "
         "%.1f GB/s from memory (%.0f MiB buffer: 2 x L3 of %s); best of timed passes of %s\n",
         isa, l3->gbs, (double) l3->bytes / 1048576.0, (double) bench_l2_bytes() / 1048576.0, dram->gbs,
         (double) dram->bytes / 1048576.0, l3_text, l3->method != NULL ? l3->method : "?");
  printf("timing: interleaved rounds (%s, XNNPACK sparse, XNNPACK dense), median of single runs, ",
         o->kernels_mode ? "every kernel" : "sprig");
  if (o->timing.min_time_s > 0.0) {
    printf("%zu..%zu rounds, >= %.3g s each\n", o->timing.min_reps, o->timing.max_reps, o->timing.min_time_s);
  } else {
    printf("%zu rounds\n", o->timing.max_reps);
  }
  printf("check: max |y - ref| / (|bias| + sum |w x|) per output, must be <= %.0e\n", BENCH_MAX_REL_ERR);
}

/* Linux: warns when other processes keep the cores busy (multi-thread medians then measure the
 * scheduler: a descheduled worker costs a whole time slice, several milliseconds). */
static void print_load(const char* when) {
  FILE* f = fopen("/proc/loadavg", "r");
  double load = 0.0;
  if (f == NULL) {
    return;
  }
  const bool read = fscanf(f, "%lf", &load) == 1;
  fclose(f);
  pthreadpool_t all = pthreadpool_create(0); /* just to count the cores */
  const size_t cores = pthreadpool_get_threads_count(all);
  pthreadpool_destroy(all);
  if (read && load > (double) cores + 0.5) {
    printf("WARNING (%s): 1-minute load average %.2f on %zu cores: other processes compete for the CPU; timings are "
           "noisy and multi-thread ones unreliable\n", when, load, cores);
  }
}

/* Dense layers (weights not pruned) run once, whatever the formats and sparsities; each case
 * once per dtype that applies to the layer. */
static size_t count_cases(const struct bench_options* o, size_t pool_count) {
  size_t per_layer = 0;
  for (size_t f = 0; f < o->format_count; f++) {
    per_layer += o->formats[f]->fixed_sparsity > 0.0 ? 1 : o->sparsity_count;
  }
  size_t cases = 0;
  for (size_t s = 0; s < o->suite_count; s++) {
    for (size_t l = 0; l < o->suites[s]->layer_count; l++) {
      const struct bench_layer* layer = &o->suites[s]->layers[l];
      if (!bench_layer_selected(o, o->suites[s]->name, layer->name)) {
        continue;
      }
      size_t dtypes = 0;
      for (size_t d = 0; d < o->dtype_count; d++) {
        dtypes += bench_dtype_applies(layer, o->dtypes[d]);
      }
      cases += (layer->dense ? 1 : per_layer) * dtypes;
    }
  }
  return cases * pool_count;
}

static bool run_suites(struct bench_run* run) {
  const struct bench_options* o = run->options;
  bool ok = true;
  for (size_t s = 0; s < o->suite_count; s++) {
    const struct bench_suite* suite = o->suites[s];
    for (size_t l = 0; l < suite->layer_count; l++) {
      if (!bench_layer_selected(o, suite->name, suite->layers[l].name)) {
        continue;
      }
      const bool dense = suite->layers[l].dense;
      for (size_t f = 0; f < (dense ? 1 : o->format_count); f++) {
        const double fixed = o->formats[f]->fixed_sparsity;
        for (size_t p = 0; p < (fixed > 0.0 || dense ? 1 : o->sparsity_count); p++) {
          ok = bench_run_layer(run, suite, &suite->layers[l], o->formats[f], fixed > 0.0 ? fixed : o->sparsities[p]) &&
               ok;
        }
      }
    }
  }
  return ok;
}

static bool any_kind(const struct bench_results* results, const char* kind) {
  for (size_t i = 0; i < results->count; i++) {
    if (strcmp(results->items[i].kind, kind) == 0) {
      return true;
    }
  }
  return false;
}

static bool is_int8(const struct bench_result* r) {
  return strcmp(r->dtype, "qs8") == 0 || strcmp(r->dtype, "qd8") == 0;
}

static bool any_int8_network(const struct bench_results* results) {
  for (size_t i = 0; i < results->count; i++) {
    if (is_int8(&results->items[i]) && strcmp(results->items[i].kind, "network") == 0) {
      return true;
    }
  }
  return false;
}

static bool any_dtype(const struct bench_results* results, bool int8) {
  for (size_t i = 0; i < results->count; i++) {
    if (int8 ? is_int8(&results->items[i]) : strcmp(results->items[i].dtype, "f32") == 0) {
      return true;
    }
  }
  return false;
}

static void print_int8_table(const struct bench_results* results) {
  printf("\nint8: sprig's int8 operator (qs8: int8 in and out; qd8: f32 in and out, input quantized per row inside the "
         "timed run) vs sprig's f32 operator on the same\nlayer vs XNNPACK's dense per-channel int8 convolution "
         "(xnn_create_convolution2d_nhwc_qc8; for 1x1 and linear layers a 1x1 convolution, batch rows as pixels),\n"
         "on the same int8 weights (per output channel, symmetric, scale max|w| / 127, from the f32 run's pruned "
         "weights) and int8 inputs (NHWC for XNNPACK, transposed before timing):\n");
  bench_print_int8_table_header(stdout);
  for (size_t i = 0; i < results->count; i++) {
    if (is_int8(&results->items[i])) {
      bench_print_int8_table_row(stdout, &results->items[i]);
    }
  }
  printf("times: median microseconds; sprig_q = sprig int8 (dt), sprig_f32 = sprig f32, xnn_qc8 = XNNPACK qc8; "
         "vs_f32 / vs_qc8: that time over sprig int8's (>1: int8 sprig faster);\nGOP/s: 2 x int8 nnz x m / sprig "
         "int8 time; B/nz, opB/nz: as above, for the int8 weights; d_qc8: max |sprig - XNNPACK| / outputs that "
         "differ (qs8);\nd_ref: the same against a plain-C evaluation of sprig.h's formulas (qd8: max relative error "
         "over |bias| + sum |w x|); q_err: dequantized output vs the unquantized f32 layer,\nover |bias| + sum |w x| "
         "(what int8 costs in accuracy). A record FAILS when any int8 difference exceeds 1 (qd8: rel err > %.0e).\n",
         BENCH_MAX_REL_ERR);
  if (any_int8_network(results)) {
    printf("e2e qs8: the whole network in int8 (activations quantized per tensor from the f32 reference run, "
           "weights per channel): sprig's qs8 operators vs XNNPACK's NHWC\nint8 ones (qc8 convolutions, the "
           "classifier as a 1x1 one; qs8 add and pooling) on the same int8 data, sprig's f32 network beside; d_qc8: "
           "the two int8 networks' logits;\nq_err: sprig's dequantized logits vs the f32 reference (both recorded, "
           "not failed).\n");
  }
}

static void print_suite_table(const struct bench_results* results) {
  printf("\n");
  if (!any_dtype(results, false)) {
    if (any_dtype(results, true)) {
      print_int8_table(results);
    }
    bench_print_f16_table(stdout, results);
    bench_print_break_even(stdout, results);
    if (any_kind(results, "network")) {
      bench_print_networks(stdout, results);
    }
    return;
  }
  bench_print_table_header(stdout);
  for (size_t i = 0; i < results->count; i++) {
    if (strcmp(results->items[i].dtype, "f32") == 0) {
      bench_print_table_row(stdout, &results->items[i]);
    }
  }
  printf("times: median microseconds; vs_xs / vs_xd: XNNPACK sparse / dense time over sprig's (>1: sprig "
         "faster); GFLOP/s: 2 x nnz x m / sprig time; B/nz: sprig's packed bytes per nonzero;\n"
         "opB/nz: the weight bytes sprig's operator holds after reshape (sprig_operator_weight_bytes) per nonzero.\n"
         "wGB/s (linear layers at batch 1): those weight bytes / sprig time; %%read: its share of the single-core read "
         "rate measured at start-up (from L3 when the bytes fit in L3, else from memory).\n"
         "transformer: sprig's time includes its internal transposes for batch > 1; XNNPACK sparse runs a 1x1 NCHW "
         "conv on a pre-transposed input ([in][batch]) whose transposes are not timed.\n");
  if (any_kind(results, "conv2d")) {
    printf("conv2d layers: m = output pixels, k = input channels per group x kh x kw, n = output channels; "
           "xsparse = XNNPACK's NCHW convolution where it has one for the shape\n"
           "(1x1 SpMM, 3x3 s2 from an NHWC image, depthwise 3x3/5x5; '-' otherwise), xdense = its NHWC convolution "
           "(input converted to NHWC before timing); fmt 'dense' = weights not pruned.\n");
  }
  if (any_kind(results, "network")) {
    printf("e2e networks: one row per whole network (224x224x3 image -> 1000 logits, batch 1); m = 1, k = input "
           "elements, n = classes, nnz = every stored weight;\nspars = achieved sparsity of the pruned layers (1x1 "
           "convolutions and classifier); GFLOP/s = 2 x useful multiply-adds / sprig time; rel_err: the logits' error "
           "over |bias| + sum |w x| of the classifier.\n");
  }
  if (any_dtype(results, true)) {
    print_int8_table(results);
  }
  bench_print_f16_table(stdout, results);
  bench_print_break_even(stdout, results);
  if (any_kind(results, "network")) {
    bench_print_networks(stdout, results);
  }
}

static int write_outputs(const struct bench_options* o, const struct bench_results* results) {
  int status = 0;
  if (o->json_path != NULL && bench_write_json(o->json_path, results) != 0) {
    status = -1;
  }
  if (o->plot_dir != NULL && !o->kernels_mode && bench_write_plot_data(o->plot_dir, results) != 0) {
    status = -1;
  }
  return status;
}

int main(int argc, char** argv) {
  struct bench_options options;
  const enum bench_parse_result parsed = bench_parse_options(argc, argv, &options);
  if (parsed != bench_parse_ok) {
    return parsed == bench_parse_exit_success ? EXIT_SUCCESS : 2;
  }
  const enum sprig_status status = sprig_initialize();
  if (status != sprig_status_success) {
    fprintf(stderr, "sprig-bench: sprig_initialize failed: %s\n", sprig_status_string(status));
    return EXIT_FAILURE;
  }
  bench_xnnpack_initialize();
  struct bench_pool pools[BENCH_MAX_LIST];
  const size_t pool_count = options.kernels_mode ? 0 : make_pools(&options, pools);
  print_header(&options, pools, pool_count);
  print_load("start");
  struct bench_results results = {0};
  bool ok;
  if (options.kernels_mode) {
    ok = bench_run_kernels(&options, &results);
  } else {
    struct bench_run run = {&options, pools, pool_count, &results, 0, count_cases(&options, pool_count)};
    if (run.cases_total == 0) {
      fprintf(stderr, "sprig-bench: no case to run: whole networks (e2e) run f32 and qs8 only, qd8 applies to linear "
                      "layers only (see --dtypes)\n");
    }
    ok = run_suites(&run);
    print_suite_table(&results);
  }
  print_load("end");
  const bool written = write_outputs(&options, &results) == 0;
  for (size_t p = 0; p < pool_count; p++) {
    pthreadpool_destroy(pools[p].pool);
  }
  bench_results_free(&results);
  if (!ok) {
    fprintf(stderr, "sprig-bench: some cases FAILED (see the table)\n");
  }
  if (!written) {
    fprintf(stderr, "sprig-bench: could not write the --json / --plot-dir output (see above)\n");
  }
  return ok && written ? EXIT_SUCCESS : EXIT_FAILURE;
}
