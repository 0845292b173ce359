/* Single-core arithmetic peak per instruction set, measured at start-up so that "% of peak"
 * means something: a loop of independent multiply-adds in that ISA's own instructions
 * (FMA where the ISA has it), enough chains to hide latency, no memory traffic. */
#ifndef SPRIG_BENCH_PEAK_H
#define SPRIG_BENCH_PEAK_H

#include <stddef.h>

struct bench_peak_probe {
  const char* isa;              /* as sprig_isa_to_string names it */
  const char* method;
  double flops_per_iteration;
  /* Constants the chains use: stable values (no overflow, no denormals) for any count. */
  float multiplier;
  float addend;
  /* Runs `iterations` iterations; the result depends on every chain (keeps them alive). */
  float (*loop)(size_t iterations, float multiplier, float addend);
};

/* Best of several timed runs of the probe for `isa`, in GFLOP/s (cached after the first
 * call); NAN when this build has no probe for it. *method_out (may be NULL) says how. */
double bench_peak_gflops(const char* isa, const char** method_out);

#endif /* SPRIG_BENCH_PEAK_H */
