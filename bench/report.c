#include "report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timing.h"

struct bench_result* bench_results_add(struct bench_results* results) {
  if (results->count == results->capacity) {
    const size_t capacity = results->capacity == 0 ? 64 : 2 * results->capacity;
    struct bench_result* items = realloc(results->items, capacity * sizeof(struct bench_result));
    if (items == NULL) {
      return NULL;
    }
    results->items = items;
    results->capacity = capacity;
  }
  struct bench_result* r = &results->items[results->count++];
  memset(r, 0, sizeof(*r));
  for (int c = 0; c < bench_contender_count; c++) {
    r->us[c] = NAN;
    r->min_us[c] = NAN;
    r->rel_err[c] = NAN;
  }
  r->gflops = r->peak_gflops = r->peak_pct = r->bytes_per_nnz = r->operator_bytes_per_nnz = NAN;
  r->macs = r->dense_macs = NAN;
  snprintf(r->dtype, sizeof(r->dtype), "f32");
  r->f32_us = r->f32_min_us = r->f32_rel_err = NAN;
  r->int8_max_diff = r->xnn_ref_max_diff = r->sprig_ref_max_diff = r->quant_rel_err = NAN;
  r->int8_diff_count = r->ref_diff_count = -1;
  r->input_scale = r->output_scale = NAN;
  r->weight_bytes = r->weight_gbs = r->weight_read_pct = NAN;
  r->weight_read_level = NULL;
  r->read_l3_gbs = r->read_dram_gbs = NAN;
  for (int c = 0; c < bench_contender_count; c++) {
    for (size_t k = 0; k < BENCH_MAX_BREAKDOWN; k++) {
      r->breakdown_us[c][k] = NAN;
      r->breakdown_min_us[c][k] = NAN;
    }
  }
  return r;
}

void bench_results_free(struct bench_results* results) {
  free(results->items);
  *results = (struct bench_results){0};
}

/* ---- table ---- */

static const char* short_kernel(const char* name) {
  const char* tail = strstr(name, "ukernel_");
  return tail != NULL ? tail + strlen("ukernel_") : name;
}

static void print_time(FILE* out, double us) {
  if (isnan(us)) {
    fprintf(out, " %9s", "-");
  } else {
    fprintf(out, " %9.1f", us);
  }
}

static void print_ratio(FILE* out, double numerator, double denominator) {
  if (isnan(numerator) || isnan(denominator)) {
    fprintf(out, " %6s", "-");
  } else {
    fprintf(out, " %5.2fx", numerator / denominator);
  }
}

void bench_print_table_header(FILE* out) {
  fprintf(out, "%-14s %-20s %6s %5s %5s %6s %-8s %3s %9s %9s %9s %6s %6s %7s %6s %5s %6s %6s %6s %8s  %s\n",
          "suite", "layer", "m", "k", "n", "spars", "fmt", "thr", "sprig_us", "xsparse", "xdense", "vs_xs", "vs_xd",
          "GFLOP/s", "%peak", "B/nz", "opB/nz", "wGB/s", "%read", "rel_err", "kernel");
}

/* wGB/s and %read (linear layers at batch 1), '-' elsewhere. */
static void print_weight_rate(FILE* out, const struct bench_result* r) {
  if (isnan(r->weight_gbs)) {
    fprintf(out, " %6s %6s", "-", "-");
  } else if (isnan(r->weight_read_pct)) {
    fprintf(out, " %6.1f %6s", r->weight_gbs, "-");
  } else {
    fprintf(out, " %6.1f %5.0f%%", r->weight_gbs, r->weight_read_pct);
  }
}

void bench_print_table_row(FILE* out, const struct bench_result* r) {
  fprintf(out, "%-14s %-20s %6zu %5zu %5zu %6.3f %-8s %3zu", r->suite, r->layer, r->m, r->k, r->n, r->sparsity,
          r->format, r->threads);
  if (!r->ok) {
    fprintf(out, "  FAILED: %s\n", r->note);
    return;
  }
  for (int c = 0; c < bench_contender_count; c++) {
    print_time(out, r->us[c]);
  }
  print_ratio(out, r->us[bench_xnn_sparse], r->us[bench_sprig]);
  print_ratio(out, r->us[bench_xnn_dense], r->us[bench_sprig]);
  fprintf(out, " %7.2f %5.1f%% %5.2f %6.2f", r->gflops, r->peak_pct, r->bytes_per_nnz, r->operator_bytes_per_nnz);
  print_weight_rate(out, r);
  fprintf(out, " %8.1e  %s\n", r->rel_err[bench_sprig], short_kernel(r->kernel));
}

void bench_print_int8_table_header(FILE* out) {
  fprintf(out, "%-14s %-20s %6s %5s %5s %6s %-8s %-3s %3s %9s %9s %9s %6s %6s %7s %5s %6s %6s %6s %9s %9s %7s  %s\n",
          "suite", "layer", "m", "k", "n", "spars", "fmt", "dt", "thr", "sprig_q", "sprig_f32", "xnn_qc8", "vs_f32",
          "vs_qc8", "GOP/s", "B/nz", "opB/nz", "wGB/s", "%read", "d_qc8", "d_ref", "q_err", "kernel");
}

/* "max/count" of an int8 comparison, '-' when it did not run. */
static void print_diff(FILE* out, double max_diff, long long count) {
  if (isnan(max_diff) || count < 0) {
    fprintf(out, " %9s", "-");
  } else {
    char cell[32];
    snprintf(cell, sizeof(cell), "%.0f/%lld", max_diff, count);
    fprintf(out, " %9s", cell);
  }
}

void bench_print_int8_table_row(FILE* out, const struct bench_result* r) {
  fprintf(out, "%-14s %-20s %6zu %5zu %5zu %6.3f %-8s %-3s %3zu", r->suite, r->layer, r->m, r->k, r->n, r->sparsity,
          r->format, r->dtype, r->threads);
  if (!r->ok) {
    fprintf(out, "  FAILED: %s\n", r->note);
    return;
  }
  print_time(out, r->us[bench_sprig]);
  print_time(out, r->f32_us);
  print_time(out, r->us[bench_xnn_dense]);
  print_ratio(out, r->f32_us, r->us[bench_sprig]);
  print_ratio(out, r->us[bench_xnn_dense], r->us[bench_sprig]);
  fprintf(out, " %7.2f %5.2f %6.2f", r->gflops, r->bytes_per_nnz, r->operator_bytes_per_nnz);
  print_weight_rate(out, r);
  print_diff(out, r->int8_max_diff, r->int8_diff_count);
  if (strcmp(r->dtype, "qd8") == 0) {
    fprintf(out, " %9.1e", r->rel_err[bench_sprig]);
  } else {
    print_diff(out, r->sprig_ref_max_diff, r->ref_diff_count);
  }
  fprintf(out, " %7.1e  %s\n", r->quant_rel_err, r->kernel[0] != '\0' ? short_kernel(r->kernel) : "-");
}

void bench_print_kernel_header(FILE* out) {
  fprintf(out, "%-62s %-9s %5s %6s %9s %8s %6s %8s %8s\n", "kernel", "isa", "MRxNR", "spars", "us", "GFLOP/s", "%peak",
          "vs_dflt", "rel_err");
}

void bench_print_kernel_row(FILE* out, const struct bench_result* r, double default_us) {
  fprintf(out, "%-62s %-9s %2ux%-2u %6.3f", r->kernel, r->isa, r->mr, r->nr, r->sparsity);
  if (!r->ok) {
    fprintf(out, "  FAILED: %s\n", r->note);
    return;
  }
  print_time(out, r->us[bench_sprig]);
  fprintf(out, " %8.2f %5.1f%%", r->gflops, r->peak_pct);
  print_ratio(out, default_us, r->us[bench_sprig]);
  fprintf(out, "  %8.1e\n", r->rel_err[bench_sprig]);
}

/* ---- break-even ---- */

struct group {
  const char* suite;
  const char* format;
  size_t threads;
  const char* dtype;
};

static bool same_group(const struct bench_result* r, const struct group* g) {
  return r->nr == 0 && strcmp(r->suite, g->suite) == 0 && strcmp(r->format, g->format) == 0 &&
         r->threads == g->threads && strcmp(r->dtype, g->dtype) == 0;
}

static bool in_group(const struct bench_result* r, const struct group* g) {
  return r->ok && same_group(r, g);
}

static bool is_int8_group(const struct group* g) {
  return strcmp(g->dtype, "f32") != 0;
}

/* Distinct (suite, format, threads), in order of first appearance. */
static size_t find_groups(const struct bench_results* results, struct group* groups) {
  size_t count = 0;
  for (size_t i = 0; i < results->count; i++) {
    const struct bench_result* r = &results->items[i];
    const struct group g = {r->suite, r->format, r->threads, r->dtype};
    bool seen = r->nr != 0; /* kernel rows have no break-even */
    for (size_t j = 0; j < count && !seen; j++) {
      seen = strcmp(groups[j].suite, g.suite) == 0 && strcmp(groups[j].format, g.format) == 0 &&
             groups[j].threads == g.threads && strcmp(groups[j].dtype, g.dtype) == 0;
    }
    if (!seen) {
      groups[count++] = g;
    }
  }
  return count;
}

static int compare_doubles(const void* a, const void* b) {
  const double x = *(const double*) a;
  const double y = *(const double*) b;
  return (x > y) - (x < y);
}

/* Distinct target sparsities (of the group's results; of all when g is NULL), ascending. */
static size_t find_sparsities(const struct bench_results* results, const struct group* g, double* levels) {
  size_t count = 0;
  for (size_t i = 0; i < results->count; i++) {
    const struct bench_result* r = &results->items[i];
    if (g != NULL && !same_group(r, g)) {
      continue;
    }
    bool seen = false;
    for (size_t j = 0; j < count && !seen; j++) {
      seen = levels[j] == results->items[i].target_sparsity;
    }
    if (!seen) {
      levels[count++] = results->items[i].target_sparsity;
    }
  }
  qsort(levels, count, sizeof(double), compare_doubles);
  return count;
}

/* Median over the group's layers at `level` of us[slow] / us[fast]; NAN when none. */
static double median_speedup(const struct bench_results* results, const struct group* g, double level,
                             enum bench_contender_id fast, enum bench_contender_id slow, double* scratch) {
  size_t count = 0;
  for (size_t i = 0; i < results->count; i++) {
    const struct bench_result* r = &results->items[i];
    if (in_group(r, g) && r->target_sparsity == level && !isnan(r->us[fast]) && !isnan(r->us[slow])) {
      scratch[count++] = r->us[slow] / r->us[fast];
    }
  }
  return bench_median(scratch, count);
}

/* int8 groups: median over the group's layers at `level` of sprig f32 time / sprig int8 time. */
static double median_f32_gain(const struct bench_results* results, const struct group* g, double level,
                              double* scratch) {
  size_t count = 0;
  for (size_t i = 0; i < results->count; i++) {
    const struct bench_result* r = &results->items[i];
    if (in_group(r, g) && r->target_sparsity == level && !isnan(r->f32_us) && !isnan(r->us[bench_sprig])) {
      scratch[count++] = r->f32_us / r->us[bench_sprig];
    }
  }
  return bench_median(scratch, count);
}

/* Median over the group's layers at `level` of sprig's share of the FMA peak (%); NAN when none. */
static double median_peak_pct(const struct bench_results* results, const struct group* g, double level,
                              double* scratch) {
  size_t count = 0;
  for (size_t i = 0; i < results->count; i++) {
    const struct bench_result* r = &results->items[i];
    if (in_group(r, g) && r->target_sparsity == level && !isnan(r->peak_pct)) {
      scratch[count++] = r->peak_pct;
    }
  }
  return bench_median(scratch, count);
}

static void print_level(FILE* out, double level, double speedup) {
  if (isnan(speedup)) {
    fprintf(out, "  %.2f:   -  ", level);
  } else {
    fprintf(out, "  %.2f:%5.2fx", level, speedup);
  }
}

/* The lowest level from which on (at it and every higher swept level) sprig is faster, given
 * speed-ups per ascending level; NAN when sprig is not faster even at the highest. */
static double break_even_level(const double* levels, const double* speedups, size_t count) {
  double lowest = NAN;
  for (size_t s = count; s-- > 0;) {
    if (!(speedups[s] > 1.0)) {
      break;
    }
    lowest = levels[s];
  }
  return lowest;
}

static void print_break_even(FILE* out, double level) {
  if (isnan(level)) {
    fprintf(out, "  -> not reached\n");
  } else {
    fprintf(out, "  -> break-even at %.2f\n", level);
  }
}

static bool is_dense_group(const struct group* g) {
  return strcmp(g->format, "dense") == 0;
}

static void print_int8_group_line(FILE* out, const struct bench_results* results, const struct group* g,
                                  const double* levels, size_t level_count, double* scratch, double* speedups) {
  const char* peer = strcmp(g->dtype, "f16") == 0 ? "xnn-f16" : "xnn-qc8";
  if (is_dense_group(g)) {
    fprintf(out, "  %-13s %-5s %s %2zu thr  dense weights, median speed-up: vs %s %5.2fx, vs sprig f32 %5.2fx\n",
            g->suite, g->format, g->dtype, g->threads, peer,
            median_speedup(results, g, levels[0], bench_sprig, bench_xnn_dense, scratch),
            median_f32_gain(results, g, levels[0], scratch));
    return;
  }
  bool any_peer = false;
  for (size_t s = 0; s < level_count; s++) {
    speedups[s] = median_speedup(results, g, levels[s], bench_sprig, bench_xnn_dense, scratch);
    any_peer = any_peer || !isnan(speedups[s]);
  }
  /* Without a peer time (whole int8 networks): only the gain over f32. */
  if (any_peer) {
    fprintf(out, "  %-13s %-4s %s %2zu thr  vs %s:   ", g->suite, g->format, g->dtype, g->threads, peer);
    for (size_t s = 0; s < level_count; s++) {
      print_level(out, levels[s], speedups[s]);
    }
    print_break_even(out, break_even_level(levels, speedups, level_count));
  }
  fprintf(out, "  %-13s %-4s %s %2zu thr  vs sprig f32: ", g->suite, g->format, g->dtype, g->threads);
  for (size_t s = 0; s < level_count; s++) {
    print_level(out, levels[s], median_f32_gain(results, g, levels[s], scratch));
  }
  fprintf(out, "\n");
}

static void print_group_line(FILE* out, const struct bench_results* results, const struct group* g,
                             const double* levels, size_t level_count, double* scratch, double* speedups) {
  if (is_int8_group(g)) {
    print_int8_group_line(out, results, g, levels, level_count, scratch, speedups);
    return;
  }
  if (is_dense_group(g)) {
    /* Weights not pruned: one level, no break-even. */
    fprintf(out, "  %-13s %-5s %2zu thr  dense weights, median speed-up: vs xnn-dense %5.2fx, vs xnn-nchw %5.2fx, "
            "%4.1f%% of peak\n", g->suite, g->format, g->threads,
            median_speedup(results, g, levels[0], bench_sprig, bench_xnn_dense, scratch),
            median_speedup(results, g, levels[0], bench_sprig, bench_xnn_sparse, scratch),
            median_peak_pct(results, g, levels[0], scratch));
    return;
  }
  fprintf(out, "  %-13s %-4s %2zu thr  vs xnn-dense: ", g->suite, g->format, g->threads);
  for (size_t s = 0; s < level_count; s++) {
    speedups[s] = median_speedup(results, g, levels[s], bench_sprig, bench_xnn_dense, scratch);
    print_level(out, levels[s], speedups[s]);
  }
  print_break_even(out, break_even_level(levels, speedups, level_count));
  fprintf(out, "  %-13s %-4s %2zu thr  vs xnn-sparse:", g->suite, g->format, g->threads);
  for (size_t s = 0; s < level_count; s++) {
    print_level(out, levels[s], median_speedup(results, g, levels[s], bench_sprig, bench_xnn_sparse, scratch));
  }
  fprintf(out, "\n  %-13s %-4s %2zu thr  %% of peak:  ", g->suite, g->format, g->threads);
  for (size_t s = 0; s < level_count; s++) {
    const double pct = median_peak_pct(results, g, levels[s], scratch);
    if (isnan(pct)) {
      fprintf(out, "  %.2f:   -  ", levels[s]);
    } else {
      fprintf(out, "  %.2f:%5.1f%%", levels[s], pct);
    }
  }
  fprintf(out, "\n");
}

/* The layer's speed-up over XNNPACK dense at `level` (NAN if not run or failed). */
static double layer_speedup(const struct bench_results* results, const struct group* g, const char* layer,
                            double level) {
  for (size_t i = 0; i < results->count; i++) {
    const struct bench_result* r = &results->items[i];
    if (in_group(r, g) && r->target_sparsity == level && strcmp(r->layer, layer) == 0) {
      return r->us[bench_xnn_dense] / r->us[bench_sprig];
    }
  }
  return NAN;
}

static void print_layer_lines(FILE* out, const struct bench_results* results, const struct group* g,
                              const double* levels, size_t level_count, double* speedups) {
  for (size_t i = 0; i < results->count; i++) {
    const struct bench_result* first = &results->items[i];
    bool first_of_layer = in_group(first, g);
    for (size_t j = 0; j < i && first_of_layer; j++) {
      first_of_layer = !(in_group(&results->items[j], g) && strcmp(results->items[j].layer, first->layer) == 0);
    }
    if (!first_of_layer) {
      continue;
    }
    fprintf(out, "      %-22s", first->layer);
    if (is_dense_group(g)) {
      const double dense = layer_speedup(results, g, first->layer, levels[0]);
      double nchw = NAN;
      for (size_t j = 0; j < results->count; j++) {
        const struct bench_result* r = &results->items[j];
        if (in_group(r, g) && strcmp(r->layer, first->layer) == 0) {
          nchw = r->us[bench_xnn_sparse] / r->us[bench_sprig];
        }
      }
      fprintf(out, "  vs %s %5.2fx", is_int8_group(g) ? "xnn-qc8" : "xnn-dense", dense);
      if (!isnan(nchw)) {
        fprintf(out, "  vs xnn-nchw %5.2fx", nchw);
      }
      fprintf(out, "\n");
      continue;
    }
    for (size_t s = 0; s < level_count; s++) {
      speedups[s] = layer_speedup(results, g, first->layer, levels[s]);
      print_level(out, levels[s], speedups[s]);
    }
    print_break_even(out, break_even_level(levels, speedups, level_count));
  }
}

static bool any_dense_time(const struct bench_results* results) {
  for (size_t i = 0; i < results->count; i++) {
    if (!isnan(results->items[i].us[bench_xnn_dense])) {
      return true;
    }
  }
  return false;
}

void bench_print_break_even(FILE* out, const struct bench_results* results) {
  if (!any_dense_time(results)) {
    fprintf(out, "\nbreak-even: no XNNPACK dense times (no XNNPACK in this build, or every case failed)\n");
    return;
  }
  struct group* groups = malloc((results->count + 1) * sizeof(struct group));
  double* levels = malloc((results->count + 1) * sizeof(double));
  double* scratch = malloc((results->count + 1) * sizeof(double));
  double* speedups = malloc((results->count + 1) * sizeof(double));
  const bool allocated = groups != NULL && levels != NULL && scratch != NULL && speedups != NULL;
  const size_t group_count = allocated ? find_groups(results, groups) : 0;
  fprintf(out, "\nbreak-even: speed-up of sprig (XNNPACK time / sprig time), median over each suite's layers, per\n"
               "swept sparsity; break-even = the lowest swept sparsity from which on (there and at every higher\n"
               "one) that median beats XNNPACK dense; %% of peak = median over the layers of sprig's GFLOP/s\n"
               "as a share of the measured FMA peak x threads. int8 rows (qs8 / qd8): sprig's int8 operator against\n"
               "XNNPACK's dense per-channel int8 (qc8) convolution (break-even by the same rule) and its gain over\n"
               "sprig's own f32 operator (sprig f32 time / sprig int8 time):\n");
  for (size_t g = 0; g < group_count; g++) {
    const size_t level_count = find_sparsities(results, &groups[g], levels);
    print_group_line(out, results, &groups[g], levels, level_count, scratch, speedups);
  }
  fprintf(out, "\nper layer, speed-up over XNNPACK dense (int8: over XNNPACK qc8) and break-even (same rule):\n");
  for (size_t g = 0; g < group_count; g++) {
    const size_t level_count = find_sparsities(results, &groups[g], levels);
    fprintf(out, "  %s %s%s%s %zu thread%s:\n", groups[g].suite, groups[g].format, is_int8_group(&groups[g]) ? " " : "",
            is_int8_group(&groups[g]) ? groups[g].dtype : "", groups[g].threads, groups[g].threads == 1 ? "" : "s");
    print_layer_lines(out, results, &groups[g], levels, level_count, speedups);
  }
  free(groups);
  free(levels);
  free(scratch);
  free(speedups);
}

/* ---- whole networks ---- */

static void print_ms(FILE* out, double us) {
  if (isnan(us)) {
    fprintf(out, " %8s", "-");
  } else {
    fprintf(out, " %8.2f", us * 1e-3);
  }
}

static void print_network_levels(FILE* out, const struct bench_results* results, const struct group* g,
                                 const char* layer, const double* levels, size_t level_count, double* speedups) {
  fprintf(out, "    %6s %8s %8s %8s %6s %6s %7s %8s   %8s %8s %8s %6s\n", "spars", "sprig", "xsparse", "xdense",
          "vs_xs", "vs_xd", "GFLOP/s", "rel_err", "min:sprg", "xsparse", "xdense", "vs_xd");
  for (size_t s = 0; s < level_count; s++) {
    speedups[s] = NAN;
    for (size_t i = 0; i < results->count; i++) {
      const struct bench_result* r = &results->items[i];
      if (!in_group(r, g) || strcmp(r->layer, layer) != 0 || r->target_sparsity != levels[s]) {
        continue;
      }
      speedups[s] = r->us[bench_xnn_dense] / r->us[bench_sprig];
      fprintf(out, "    %6.3f", r->sparsity);
      for (int c = 0; c < bench_contender_count; c++) {
        print_ms(out, r->us[c]);
      }
      print_ratio(out, r->us[bench_xnn_sparse], r->us[bench_sprig]);
      print_ratio(out, r->us[bench_xnn_dense], r->us[bench_sprig]);
      double worst = 0.0;
      for (int c = 0; c < bench_contender_count; c++) {
        worst = isnan(r->rel_err[c]) || r->rel_err[c] <= worst ? worst : r->rel_err[c];
      }
      fprintf(out, " %7.2f %8.1e  ", r->gflops, worst);
      for (int c = 0; c < bench_contender_count; c++) {
        print_ms(out, r->min_us[c]);
      }
      print_ratio(out, r->min_us[bench_xnn_dense], r->min_us[bench_sprig]);
      fprintf(out, "\n");
    }
  }
}

static bool is_int8_record(const struct bench_result* r) {
  return strcmp(r->dtype, "f32") != 0;
}

static void print_breakdown_line(FILE* out, const struct bench_result* r, const char* label,
                                 const double (*us)[BENCH_MAX_BREAKDOWN]) {
  /* int8 records: the sprig f32 network's times are in the xnn_sparse slot (bench/layer-int8.c). */
  fprintf(out, "    %s at %.2f (%s):", label, r->target_sparsity,
          is_int8_record(r) ? "sprig qs8 / sprig f32 / xnn-qc8" : "sprig / xnn-sparse / xnn-dense");
  bool first = true;
  for (size_t k = 0; k < r->breakdown_count; k++) {
    bool any = false;
    for (int c = 0; c < bench_contender_count; c++) {
      any = any || !isnan(us[c][k]);
    }
    if (!any) {
      continue; /* no operator of this class in the network */
    }
    fprintf(out, "%s %s", first ? "" : ",", r->breakdown_names[k]);
    first = false;
    for (int c = 0; c < bench_contender_count; c++) {
      if (isnan(us[c][k])) {
        fprintf(out, "%s-", c == 0 ? " " : "/");
      } else {
        fprintf(out, "%s%.2f", c == 0 ? " " : "/", us[c][k] * 1e-3);
      }
    }
  }
  fprintf(out, "\n");
}

static void print_network_breakdown(FILE* out, const struct bench_results* results, const struct group* g,
                                    const char* layer) {
  for (size_t i = 0; i < results->count; i++) {
    const struct bench_result* r = &results->items[i];
    if (in_group(r, g) && strcmp(r->layer, layer) == 0 && r->breakdown_count > 0) {
      print_breakdown_line(out, r, "ms by operator, median", (const double (*)[BENCH_MAX_BREAKDOWN]) r->breakdown_us);
      print_breakdown_line(out, r, "ms by operator, min   ",
                           (const double (*)[BENCH_MAX_BREAKDOWN]) r->breakdown_min_us);
    }
  }
}

/* An int8 group's networks: per record the three whole-network times, then the breakdown. */
static void print_int8_networks(FILE* out, const struct bench_results* results, const struct group* g) {
  for (size_t i = 0; i < results->count; i++) {
    const struct bench_result* r = &results->items[i];
    if (!in_group(r, g) || strcmp(r->kind, "network") != 0) {
      continue;
    }
    fprintf(out, "  %s, %s, %s, %zu thread%s, %.2f: ms sprig qs8 / sprig f32 / xnn-qc8", r->layer, g->format,
            g->dtype, g->threads, g->threads == 1 ? "" : "s", r->target_sparsity);
    print_ms(out, r->us[bench_sprig]);
    print_ms(out, r->f32_us);
    print_ms(out, r->us[bench_xnn_dense]);
    fprintf(out, "  (vs f32 %.2fx", r->f32_us / r->us[bench_sprig]);
    if (isnan(r->us[bench_xnn_dense])) {
      fprintf(out, ", no XNNPACK in this build)\n");
    } else {
      fprintf(out, ", vs qc8 %.2fx)\n", r->us[bench_xnn_dense] / r->us[bench_sprig]);
    }
    if (r->breakdown_count > 0) {
      print_breakdown_line(out, r, "ms by operator, median", (const double (*)[BENCH_MAX_BREAKDOWN]) r->breakdown_us);
    }
  }
}

void bench_print_networks(FILE* out, const struct bench_results* results) {
  struct group* groups = malloc((results->count + 1) * sizeof(struct group));
  double* levels = malloc((results->count + 1) * sizeof(double));
  double* speedups = malloc((results->count + 1) * sizeof(double));
  const size_t group_count = groups != NULL && levels != NULL && speedups != NULL ? find_groups(results, groups) : 0;
  fprintf(out, "\nwhole networks (batch 1): median milliseconds per image of each network run end to end (min: "
               "the fastest round),\nand the break-even sparsity (from the medians) against XNNPACK dense: the lowest swept "
               "sparsity from which on sprig's whole\nnetwork is faster. Then each class of operators timed alone, one "
               "operator at a time, median and fastest of %d rounds\n(their sum need not equal the whole-network time; "
               "it shows where the time goes):\n",
          BENCH_PROFILE_ROUNDS);
  for (size_t g = 0; g < group_count; g++) {
    if (is_int8_group(&groups[g])) {
      print_int8_networks(out, results, &groups[g]);
      continue;
    }
    for (size_t i = 0; i < results->count; i++) {
      const struct bench_result* first = &results->items[i];
      bool first_of_layer = in_group(first, &groups[g]) && strcmp(first->kind, "network") == 0;
      for (size_t j = 0; j < i && first_of_layer; j++) {
        const struct bench_result* earlier = &results->items[j];
        first_of_layer = !(in_group(earlier, &groups[g]) && strcmp(earlier->layer, first->layer) == 0);
      }
      if (!first_of_layer) {
        continue;
      }
      const size_t level_count = find_sparsities(results, &groups[g], levels);
      fprintf(out, "  %s, %s, %zu thread%s:\n", first->layer, groups[g].format, groups[g].threads,
              groups[g].threads == 1 ? "" : "s");
      print_network_levels(out, results, &groups[g], first->layer, levels, level_count, speedups);
      const double level = break_even_level(levels, speedups, level_count);
      if (isnan(level)) {
        fprintf(out, "    -> break-even vs XNNPACK dense: not reached at the swept sparsities\n");
      } else if (level == levels[0]) {
        fprintf(out, "    -> break-even vs XNNPACK dense at or below %.2f (sprig faster at every swept sparsity)\n",
                level);
      } else {
        fprintf(out, "    -> break-even vs XNNPACK dense at %.2f\n", level);
      }
      print_network_breakdown(out, results, &groups[g], first->layer);
    }
  }
  free(groups);
  free(levels);
  free(speedups);
}

/* ---- JSON ---- */

static void json_number(FILE* f, const char* key, double value, bool comma) {
  if (isnan(value) || isinf(value)) {
    fprintf(f, "\"%s\": null", key);
  } else {
    fprintf(f, "\"%s\": %.6g", key, value);
  }
  fputs(comma ? ", " : "", f);
}

static void json_size(FILE* f, const char* key, size_t value) {
  fprintf(f, "\"%s\": %zu, ", key, value);
}

/* Names here are plain ASCII without quotes or backslashes; escape anyway. */
static void json_string(FILE* f, const char* key, const char* value) {
  fprintf(f, "\"%s\": \"", key);
  for (const char* p = value; *p != '\0'; p++) {
    if (*p == '"' || *p == '\\') {
      fputc('\\', f);
    }
    fputc((unsigned char) *p < 0x20 ? ' ' : *p, f);
  }
  fputs("\", ", f);
}

static void json_result(FILE* f, const struct bench_result* r) {
  fputs("  {", f);
  json_string(f, "dtype", r->dtype);
  json_string(f, "suite", r->suite);
  json_string(f, "layer", r->layer);
  json_size(f, "m", r->m);
  json_size(f, "k", r->k);
  json_size(f, "n", r->n);
  json_size(f, "nnz", r->nnz);
  json_number(f, "sparsity", r->sparsity, true);
  json_number(f, "target_sparsity", r->target_sparsity, true);
  json_string(f, "format", r->format);
  json_size(f, "threads", r->threads);
  json_string(f, "kernel", r->kernel);
  json_string(f, "isa", r->isa);
  if (r->nr != 0) {
    json_size(f, "mr", r->mr);
    json_size(f, "nr", r->nr);
  } else {
    json_size(f, "in_net", r->in_net);
  }
  json_number(f, "sprig_us", r->us[bench_sprig], true);
  json_number(f, "xnn_sparse_us", r->us[bench_xnn_sparse], true);
  json_number(f, "xnn_dense_us", r->us[bench_xnn_dense], true);
  json_number(f, "sprig_min_us", r->min_us[bench_sprig], true);
  json_number(f, "xnn_sparse_min_us", r->min_us[bench_xnn_sparse], true);
  json_number(f, "xnn_dense_min_us", r->min_us[bench_xnn_dense], true);
  json_number(f, "speedup_vs_xnn_sparse", r->us[bench_xnn_sparse] / r->us[bench_sprig], true);
  json_number(f, "speedup_vs_xnn_dense", r->us[bench_xnn_dense] / r->us[bench_sprig], true);
  json_number(f, "gflops", r->gflops, true);
  json_number(f, "peak_gflops", r->peak_gflops, true);
  json_number(f, "peak_pct", r->peak_pct, true);
  json_number(f, "bytes_per_nnz", r->bytes_per_nnz, true);
  json_number(f, "operator_bytes_per_nnz", r->operator_bytes_per_nnz, true);
  json_number(f, "max_rel_err", r->rel_err[bench_sprig], true);
  json_number(f, "xnn_sparse_max_rel_err", r->rel_err[bench_xnn_sparse], true);
  json_number(f, "xnn_dense_max_rel_err", r->rel_err[bench_xnn_dense], true);
  json_size(f, "reps", r->reps);
  json_string(f, "kind", r->kind);
  json_string(f, "xnn_sparse_path", r->xnn_sparse_path);
  json_number(f, "macs", r->macs, true);
  json_number(f, "read_l3_gbs", r->read_l3_gbs, true);
  json_number(f, "read_dram_gbs", r->read_dram_gbs, true);
  if (!isnan(r->weight_bytes)) {
    json_number(f, "weight_bytes", r->weight_bytes, true);
    json_number(f, "weight_gbs", r->weight_gbs, true);
    json_number(f, "weight_read_pct", r->weight_read_pct, true);
    json_string(f, "weight_read_level", r->weight_read_level != NULL ? r->weight_read_level : "");
  }
  if (strcmp(r->dtype, "f32") != 0) {
    /* int8 / f16: sprig_us = sprig's int8 / f16 operator, xnn_dense_us = XNNPACK qc8 / f16 (int8: also
     * under its own key) */
    json_number(f, "sprig_f32_us", r->f32_us, true);
    json_number(f, "sprig_f32_min_us", r->f32_min_us, true);
    json_number(f, "speedup_vs_sprig_f32", r->f32_us / r->us[bench_sprig], true);
    json_number(f, "sprig_f32_max_rel_err", r->f32_rel_err, true);
  }
  if (strcmp(r->dtype, "f16") == 0) {
    json_number(f, "xnn_f16_us", r->us[bench_xnn_dense], true);
    json_number(f, "xnn_f16_max_rel_err", r->rel_err[bench_xnn_dense], true);
  } else if (strcmp(r->dtype, "f32") != 0) {
    json_number(f, "xnn_qc8_us", r->us[bench_xnn_dense], true);
    json_number(f, "max_diff_vs_xnn_qc8", r->int8_max_diff, true);
    fprintf(f, "\"diff_count_vs_xnn_qc8\": %lld, ", r->int8_diff_count);
    json_number(f, "max_diff_vs_formulas", r->sprig_ref_max_diff, true);
    fprintf(f, "\"diff_count_vs_formulas\": %lld, ", r->ref_diff_count);
    json_number(f, "xnn_qc8_max_diff_vs_formulas", r->xnn_ref_max_diff, true);
    json_number(f, "quantization_rel_err", r->quant_rel_err, true);
    json_number(f, "input_scale", r->input_scale, true);
    fprintf(f, "\"input_zero_point\": %d, ", r->input_zero_point);
    json_number(f, "output_scale", r->output_scale, true);
    fprintf(f, "\"output_zero_point\": %d, ", r->output_zero_point);
  }
  if (strcmp(r->kind, "conv2d") == 0) {
    json_size(f, "kernel_size", r->conv_kernel);
    json_size(f, "stride", r->stride);
    json_size(f, "padding", r->padding);
    json_size(f, "groups", r->groups);
    json_size(f, "in_height", r->in_height);
    json_size(f, "in_width", r->in_width);
    json_size(f, "in_channels", r->in_channels);
    json_size(f, "out_height", r->out_height);
    json_size(f, "out_width", r->out_width);
    fprintf(f, "\"dense_weights\": %s, \"input_nhwc\": %s, ", r->dense_weights ? "true" : "false",
            r->input_nhwc ? "true" : "false");
  }
  if (strcmp(r->kind, "network") == 0) {
    json_size(f, "params", r->params);
    json_size(f, "pruned_params", r->pruned_params);
    json_size(f, "pruned_nnz", r->pruned_nnz);
    json_number(f, "dense_macs", r->dense_macs, true);
    json_size(f, "in_height", r->in_height);
    json_size(f, "in_width", r->in_width);
    json_size(f, "in_channels", r->in_channels);
    static const char* const keys[2][bench_contender_count] = {
        {"sprig_breakdown_us", "xnn_sparse_breakdown_us", "xnn_dense_breakdown_us"},
        {"sprig_breakdown_us", "sprig_f32_breakdown_us", "xnn_qc8_breakdown_us"}};
    static const char* const min_keys[2][bench_contender_count] = {
        {"sprig_breakdown_min_us", "xnn_sparse_breakdown_min_us", "xnn_dense_breakdown_min_us"},
        {"sprig_breakdown_min_us", "sprig_f32_breakdown_min_us", "xnn_qc8_breakdown_min_us"}};
    const int int8 = is_int8_record(r) ? 1 : 0;
    for (int c = 0; c < bench_contender_count && r->breakdown_count > 0; c++) {
      for (int which = 0; which < 2; which++) {
        fprintf(f, "\"%s\": {", which == 0 ? keys[int8][c] : min_keys[int8][c]);
        for (size_t k = 0; k < r->breakdown_count; k++) {
          json_number(f, r->breakdown_names[k], which == 0 ? r->breakdown_us[c][k] : r->breakdown_min_us[c][k],
                      k + 1 < r->breakdown_count);
        }
        fputs("}, ", f);
      }
    }
  }
  json_string(f, "note", r->note);
  fprintf(f, "\"ok\": %s}", r->ok ? "true" : "false");
}

int bench_write_json(const char* path, const struct bench_results* results) {
  FILE* f = fopen(path, "w");
  if (f == NULL) {
    fprintf(stderr, "sprig-bench: cannot write %s\n", path);
    return -1;
  }
  fputs("[\n", f);
  for (size_t i = 0; i < results->count; i++) {
    json_result(f, &results->items[i]);
    fputs(i + 1 < results->count ? ",\n" : "\n", f);
  }
  fputs("]\n", f);
  if (fclose(f) != 0) {
    fprintf(stderr, "sprig-bench: error writing %s\n", path);
    return -1;
  }
  return 0;
}

/* ---- gnuplot data ---- */

static bool earlier_same_threads(const struct group* groups, size_t g) {
  for (size_t h = 0; h < g; h++) {
    if (groups[h].threads == groups[g].threads && strcmp(groups[h].suite, groups[g].suite) == 0 &&
        !is_int8_group(&groups[h])) {
      return true;
    }
  }
  return false;
}

/* One block per (format, threads) of the suite -- for XNNPACK sparse, which has no format,
 * one per thread count --: a title line, then "sparsity speed-up-over-XNNPACK-dense" lines. */
static void plot_blocks(FILE* f, const struct bench_results* results, const char* suite, const struct group* groups,
                        size_t group_count, const double* levels, size_t level_count, bool xnn_sparse,
                        double* scratch) {
  bool first_block = true;
  for (size_t g = 0; g < group_count; g++) {
    if (strcmp(groups[g].suite, suite) != 0 || is_dense_group(&groups[g]) ||
        (xnn_sparse && (is_int8_group(&groups[g]) || earlier_same_threads(groups, g)))) {
      continue;
    }
    fputs(first_block ? "" : "\n\n", f); /* two blank lines separate gnuplot data blocks */
    first_block = false;
    const char* plural = groups[g].threads == 1 ? "" : "s";
    if (xnn_sparse) {
      fprintf(f, "\"XNNPACK sparse, %zu thread%s\"\n", groups[g].threads, plural);
    } else if (is_int8_group(&groups[g])) {
      fprintf(f, "\"sprig %s %s over XNNPACK %s, %zu thread%s\"\n", groups[g].format, groups[g].dtype,
              strcmp(groups[g].dtype, "f16") == 0 ? "f16" : "qc8", groups[g].threads, plural);
    } else {
      fprintf(f, "\"sprig %s, %zu thread%s\"\n", groups[g].format, groups[g].threads, plural);
    }
    const enum bench_contender_id who = xnn_sparse ? bench_xnn_sparse : bench_sprig;
    for (size_t s = 0; s < level_count; s++) {
      const double v = median_speedup(results, &groups[g], levels[s], who, bench_xnn_dense, scratch);
      if (!isnan(v)) {
        fprintf(f, "%.4f %.4f\n", levels[s], v);
      }
    }
  }
}

static int write_plot_file(const char* dir, const char* suite, bool xnn_sparse, const struct bench_results* results,
                           const struct group* groups, size_t group_count, const double* levels, size_t level_count,
                           double* scratch) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/speedup-%s%s.dat", dir, suite, xnn_sparse ? "-xnn-sparse" : "");
  FILE* f = fopen(path, "w");
  if (f == NULL) {
    fprintf(stderr, "sprig-bench: cannot write %s\n", path);
    return -1;
  }
  fprintf(f, "# %s: median over the suite's layers of XNNPACK dense time / %s time\n", suite,
          xnn_sparse ? "XNNPACK sparse" : "sprig");
  plot_blocks(f, results, suite, groups, group_count, levels, level_count, xnn_sparse, scratch);
  return fclose(f) == 0 ? 0 : -1;
}

int bench_write_plot_data(const char* dir, const struct bench_results* results) {
  struct group* groups = malloc((results->count + 1) * sizeof(struct group));
  double* levels = malloc((results->count + 1) * sizeof(double));
  double* scratch = malloc((results->count + 1) * sizeof(double));
  int status = groups != NULL && levels != NULL && scratch != NULL ? 0 : -1;
  const size_t group_count = status == 0 ? find_groups(results, groups) : 0;
  const size_t level_count = status == 0 ? find_sparsities(results, NULL, levels) : 0;
  for (size_t g = 0; g < group_count && status == 0; g++) {
    bool first = !is_dense_group(&groups[g]); /* one pair of files per suite with pruned layers */
    for (size_t h = 0; h < g && first; h++) {
      first = strcmp(groups[h].suite, groups[g].suite) != 0 || is_dense_group(&groups[h]);
    }
    if (first) {
      status = write_plot_file(dir, groups[g].suite, false, results, groups, group_count, levels, level_count, scratch);
      if (status == 0) {
        status = write_plot_file(dir, groups[g].suite, true, results, groups, group_count, levels, level_count, scratch);
      }
    }
  }
  free(groups);
  free(levels);
  free(scratch);
  return status;
}
