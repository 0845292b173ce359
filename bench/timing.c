#define _POSIX_C_SOURCE 200809L
#include "timing.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

uint64_t bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * UINT64_C(1000000000) + (uint64_t) ts.tv_nsec;
}

static int compare_doubles(const void* a, const void* b) {
  const double x = *(const double*) a;
  const double y = *(const double*) b;
  return (x > y) - (x < y);
}

double bench_median(double* values, size_t count) {
  if (count == 0) {
    return NAN;
  }
  qsort(values, count, sizeof(double), compare_doubles);
  return count % 2 == 1 ? values[count / 2] : 0.5 * (values[count / 2 - 1] + values[count / 2]);
}

static bool sampled_enough(const double* totals_s, const struct bench_contender* contenders, size_t count,
                           size_t rounds, const struct bench_timing_plan* plan) {
  if (rounds >= plan->max_reps) {
    return true;
  }
  if (rounds < plan->min_reps) {
    return false;
  }
  for (size_t c = 0; c < count; c++) {
    if (contenders[c].run != NULL && totals_s[c] < plan->min_time_s) {
      return false;
    }
  }
  return true;
}

size_t bench_time_interleaved(const struct bench_contender* contenders, size_t count,
                              const struct bench_timing_plan* plan, double* medians_us) {
  return bench_time_interleaved_min(contenders, count, plan, medians_us, NULL);
}

size_t bench_time_interleaved_min(const struct bench_contender* contenders, size_t count,
                                  const struct bench_timing_plan* plan, double* medians_us, double* minimums_us) {
  const size_t max_reps = plan->max_reps > 0 ? plan->max_reps : 1;
  double* samples = malloc(count * max_reps * sizeof(double));
  double* totals_s = calloc(count, sizeof(double));
  size_t rounds = 0;
  bool failed = samples == NULL || totals_s == NULL;
  while (!failed && !sampled_enough(totals_s, contenders, count, rounds, plan)) {
    for (size_t c = 0; c < count && !failed; c++) {
      if (contenders[c].run == NULL) {
        continue;
      }
      const uint64_t start = bench_now_ns();
      failed = !contenders[c].run(contenders[c].context);
      const double seconds = (double) (bench_now_ns() - start) * 1e-9;
      samples[c * max_reps + rounds] = seconds;
      totals_s[c] += seconds;
    }
    rounds++;
  }
  for (size_t c = 0; c < count; c++) {
    const bool none = failed || contenders[c].run == NULL;
    double fastest = INFINITY;
    for (size_t r = 0; !none && r < rounds; r++) {
      fastest = samples[c * max_reps + r] < fastest ? samples[c * max_reps + r] : fastest;
    }
    if (minimums_us != NULL) {
      minimums_us[c] = none ? NAN : 1e6 * fastest;
    }
    medians_us[c] = none ? NAN : 1e6 * bench_median(&samples[c * max_reps], rounds);
  }
  free(samples);
  free(totals_s);
  return failed ? 0 : rounds;
}
