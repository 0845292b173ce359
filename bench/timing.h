/* The one timing helper of sprig-bench: a monotonic clock, medians, and interleaved sampling. */
#ifndef SPRIG_BENCH_TIMING_H
#define SPRIG_BENCH_TIMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Nanoseconds from CLOCK_MONOTONIC. */
uint64_t bench_now_ns(void);

/* Median of `count` values (sorts them in place); NAN when count is 0. */
double bench_median(double* values, size_t count);

/* How long to sample: at least min_reps rounds and until every contender has run for
 * min_time_s in total, but never more than max_reps rounds. */
struct bench_timing_plan {
  size_t min_reps;
  size_t max_reps;
  double min_time_s;
};

/* One contender: run() does one complete execution; false means it failed. */
struct bench_contender {
  bool (*run)(void* context);
  void* context;
};

/* Runs the contenders in rounds (1, 2, ..., count, 1, 2, ...), timing every execution
 * separately, and writes each contender's median in microseconds to medians_us (NAN for a
 * NULL run). Returns the number of rounds, or 0 if a run failed. */
size_t bench_time_interleaved(const struct bench_contender* contenders, size_t count,
                              const struct bench_timing_plan* plan, double* medians_us);
/* The same, also writing each contender's fastest round to minimums_us (NAN for a NULL run): on
 * a shared machine the minimum shows what the code costs when nothing preempts it. */
size_t bench_time_interleaved_min(const struct bench_contender* contenders, size_t count,
                                  const struct bench_timing_plan* plan, double* medians_us, double* minimums_us);

#endif /* SPRIG_BENCH_TIMING_H */
