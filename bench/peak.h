/* Single-core arithmetic peak per instruction set, measured at start-up so that "% of peak"
 * means something: a loop of independent multiply-adds in that ISA's own instructions
 * (FMA where the ISA has it), enough chains to hide latency, no memory traffic.
 * Next to it, the single-core read bandwidth, so that a batch-1 layer's weight stream (bytes
 * per run / time) can be set against what the core can read: a buffer streamed with the ISA's
 * widest loads, once sized to sit in L3 (4 x L2, at most half the L3) and once well beyond L3. */
#ifndef SPRIG_BENCH_PEAK_H
#define SPRIG_BENCH_PEAK_H

#include <stddef.h>
#include <stdint.h>

struct bench_peak_probe {
  const char* isa;              /* as sprig_isa_to_string names it */
  const char* method;
  double flops_per_iteration;
  /* Constants the chains use: stable values (no overflow, no denormals) for any count. */
  float multiplier;
  float addend;
  /* Runs `iterations` iterations; the result depends on every chain (keeps them alive). */
  float (*loop)(size_t iterations, float multiplier, float addend);
  /* Reads `bytes` (a multiple of 256) from 64-byte aligned `data` with the ISA's vector loads
   * (independent accumulators, one cheap integer add per load); the result depends on every
   * byte. NULL: the read rate is measured with the scalar probe's loop. */
  uint64_t (*read)(const void* data, size_t bytes);
  const char* read_method;
};

/* Best of several timed runs of the probe for `isa`, in GFLOP/s (cached after the first
 * call); NAN when this build has no probe for it. *method_out (may be NULL) says how. */
double bench_peak_gflops(const char* isa, const char** method_out);

enum bench_read_level {
  bench_read_l3 = 0,    /* a buffer of 4 x L2 (at most L3 / 2): read from L3 */
  bench_read_dram = 1,  /* a buffer of 2 x L3 (64 MiB .. 1 GiB): read from memory */
  bench_read_level_count = 2,
};

struct bench_read_rate {
  double gbs;              /* best of several timed passes, 1e9 bytes per second; NAN if not measured */
  size_t bytes;            /* buffer size */
  const char* method;      /* the loads used */
};

/* Cache sizes the probe sizes its buffers from: L2 of core 0 as sprig detected it (cpuinfo, or
 * its default), L3 from Linux's sysfs (0 when unknown: 32 MiB is then assumed). */
size_t bench_l2_bytes(void);
size_t bench_l3_bytes(void);

/* Measures (first call; cached after) the read rate at `level` with the probe of `isa` (the ISA
 * sprig dispatches to: the caller vouches that the CPU runs it; the scalar probe when this build
 * has none). A buffer that cannot be allocated gives gbs = NAN. */
const struct bench_read_rate* bench_read_bandwidth(const char* isa, enum bench_read_level level);

/* The cached rate, or NAN before bench_read_bandwidth measured it. */
double bench_read_gbs(enum bench_read_level level);

#endif /* SPRIG_BENCH_PEAK_H */
