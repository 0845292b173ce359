#include "peak.h"

#include <math.h>
#include <string.h>

#include "timing.h"

extern const struct bench_peak_probe bench_peak_probe_scalar;
#if SPRIG_BENCH_PEAK_SSE2
extern const struct bench_peak_probe bench_peak_probe_sse2;
#endif
#if SPRIG_BENCH_PEAK_AVX2
extern const struct bench_peak_probe bench_peak_probe_avx2;
#endif
#if SPRIG_BENCH_PEAK_AVX512F
extern const struct bench_peak_probe bench_peak_probe_avx512f;
#endif
#if SPRIG_BENCH_PEAK_NEONFMA
extern const struct bench_peak_probe bench_peak_probe_neonfma;
#endif
#if SPRIG_BENCH_PEAK_WASMSIMD
extern const struct bench_peak_probe bench_peak_probe_wasmsimd;
#endif

static const struct bench_peak_probe* const probes[] = {
    &bench_peak_probe_scalar,
#if SPRIG_BENCH_PEAK_SSE2
    &bench_peak_probe_sse2,
#endif
#if SPRIG_BENCH_PEAK_AVX2
    &bench_peak_probe_avx2,
#endif
#if SPRIG_BENCH_PEAK_AVX512F
    &bench_peak_probe_avx512f,
#endif
#if SPRIG_BENCH_PEAK_NEONFMA
    &bench_peak_probe_neonfma,
#endif
#if SPRIG_BENCH_PEAK_WASMSIMD
    &bench_peak_probe_wasmsimd,
#endif
};
#define PROBE_COUNT (sizeof(probes) / sizeof(probes[0]))

volatile float bench_peak_sink;

/* Many short runs (about 2 ms each) and the best counts: other processes only ever slow a run
 * down, and a short run is more likely to finish without being preempted on a busy machine. */
#define BENCH_PEAK_RUNS 40
#define BENCH_PEAK_RUN_SECONDS 0.002

static double seconds_for(const struct bench_peak_probe* probe, size_t iterations) {
  /* Read through volatiles so the compiler cannot fold the arithmetic away. */
  volatile float multiplier = probe->multiplier;
  volatile float addend = probe->addend;
  const uint64_t start = bench_now_ns();
  bench_peak_sink = probe->loop(iterations, multiplier, addend);
  return (double) (bench_now_ns() - start) * 1e-9;
}

static double measure(const struct bench_peak_probe* probe) {
  size_t iterations = 1024;
  while (seconds_for(probe, iterations) < BENCH_PEAK_RUN_SECONDS && iterations < SIZE_MAX / 4) {
    iterations *= 2;
  }
  double best = 0.0;
  for (int run = 0; run < BENCH_PEAK_RUNS; run++) {
    const double gflops = probe->flops_per_iteration * (double) iterations / seconds_for(probe, iterations) * 1e-9;
    best = gflops > best ? gflops : best;
  }
  return best;
}

double bench_peak_gflops(const char* isa, const char** method_out) {
  static double cache[PROBE_COUNT];
  for (size_t i = 0; i < PROBE_COUNT; i++) {
    if (strcmp(probes[i]->isa, isa) == 0) {
      if (cache[i] == 0.0) {
        cache[i] = measure(probes[i]);
      }
      if (method_out != NULL) {
        *method_out = probes[i]->method;
      }
      return cache[i];
    }
  }
  if (method_out != NULL) {
    *method_out = "no probe for this ISA in this build";
  }
  return NAN;
}
