#include "report.h"

#include <math.h>
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
    r->rel_err[c] = NAN;
  }
  r->gflops = r->peak_gflops = r->peak_pct = r->bytes_per_nnz = r->operator_bytes_per_nnz = NAN;
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
  fprintf(out, "%-14s %-20s %6s %5s %5s %6s %-4s %3s %9s %9s %9s %6s %6s %7s %6s %5s %6s %8s  %s\n", "suite",
          "layer", "m", "k", "n", "spars", "fmt", "thr", "sprig_us", "xsparse", "xdense", "vs_xs", "vs_xd", "GFLOP/s",
          "%peak", "B/nz", "opB/nz", "rel_err", "kernel");
}

void bench_print_table_row(FILE* out, const struct bench_result* r) {
  fprintf(out, "%-14s %-20s %6zu %5zu %5zu %6.3f %-4s %3zu", r->suite, r->layer, r->m, r->k, r->n, r->sparsity,
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
  fprintf(out, " %7.2f %5.1f%% %5.2f %6.2f %8.1e  %s\n", r->gflops, r->peak_pct, r->bytes_per_nnz,
          r->operator_bytes_per_nnz, r->rel_err[bench_sprig], short_kernel(r->kernel));
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
};

static bool in_group(const struct bench_result* r, const struct group* g) {
  return r->ok && r->nr == 0 && strcmp(r->suite, g->suite) == 0 && strcmp(r->format, g->format) == 0 &&
         r->threads == g->threads;
}

/* Distinct (suite, format, threads), in order of first appearance. */
static size_t find_groups(const struct bench_results* results, struct group* groups) {
  size_t count = 0;
  for (size_t i = 0; i < results->count; i++) {
    const struct bench_result* r = &results->items[i];
    const struct group g = {r->suite, r->format, r->threads};
    bool seen = r->nr != 0; /* kernel rows have no break-even */
    for (size_t j = 0; j < count && !seen; j++) {
      seen = strcmp(groups[j].suite, g.suite) == 0 && strcmp(groups[j].format, g.format) == 0 &&
             groups[j].threads == g.threads;
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

/* Distinct target sparsities, ascending. */
static size_t find_sparsities(const struct bench_results* results, double* levels) {
  size_t count = 0;
  for (size_t i = 0; i < results->count; i++) {
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

static void print_group_line(FILE* out, const struct bench_results* results, const struct group* g,
                             const double* levels, size_t level_count, double* scratch, double* speedups) {
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
  const size_t level_count = allocated ? find_sparsities(results, levels) : 0;
  fprintf(out, "\nbreak-even: speed-up of sprig (XNNPACK time / sprig time), median over each suite's layers, per\n"
               "swept sparsity; break-even = the lowest swept sparsity from which on (there and at every higher\n"
               "one) that median beats XNNPACK dense; %% of peak = median over the layers of sprig's GFLOP/s\n"
               "as a share of the measured FMA peak x threads:\n");
  for (size_t g = 0; g < group_count; g++) {
    print_group_line(out, results, &groups[g], levels, level_count, scratch, speedups);
  }
  fprintf(out, "\nper layer, speed-up over XNNPACK dense and break-even (same rule):\n");
  for (size_t g = 0; g < group_count; g++) {
    fprintf(out, "  %s %s %zu thread%s:\n", groups[g].suite, groups[g].format, groups[g].threads,
            groups[g].threads == 1 ? "" : "s");
    print_layer_lines(out, results, &groups[g], levels, level_count, speedups);
  }
  free(groups);
  free(levels);
  free(scratch);
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
    if (groups[h].threads == groups[g].threads && strcmp(groups[h].suite, groups[g].suite) == 0) {
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
    if (strcmp(groups[g].suite, suite) != 0 || (xnn_sparse && earlier_same_threads(groups, g))) {
      continue;
    }
    fputs(first_block ? "" : "\n\n", f); /* two blank lines separate gnuplot data blocks */
    first_block = false;
    const char* plural = groups[g].threads == 1 ? "" : "s";
    if (xnn_sparse) {
      fprintf(f, "\"XNNPACK sparse, %zu thread%s\"\n", groups[g].threads, plural);
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
  const size_t level_count = status == 0 ? find_sparsities(results, levels) : 0;
  for (size_t g = 0; g < group_count && status == 0; g++) {
    bool first = true; /* one pair of files per suite */
    for (size_t h = 0; h < g && first; h++) {
      first = strcmp(groups[h].suite, groups[g].suite) != 0;
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
