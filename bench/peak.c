#include "peak.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sprig/hardware.h>

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
#if SPRIG_BENCH_PEAK_NEON
extern const struct bench_peak_probe bench_peak_probe_neon;
#endif
#if SPRIG_BENCH_PEAK_NEONVFPV4
extern const struct bench_peak_probe bench_peak_probe_neonvfpv4;
#endif
#if SPRIG_BENCH_PEAK_WASMSIMD
extern const struct bench_peak_probe bench_peak_probe_wasmsimd;
#endif
#if SPRIG_BENCH_PEAK_WASMRELAXEDSIMD
extern const struct bench_peak_probe bench_peak_probe_wasmrelaxedsimd;
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
#if SPRIG_BENCH_PEAK_NEON
    &bench_peak_probe_neon,
#endif
#if SPRIG_BENCH_PEAK_NEONVFPV4
    &bench_peak_probe_neonvfpv4,
#endif
#if SPRIG_BENCH_PEAK_WASMSIMD
    &bench_peak_probe_wasmsimd,
#endif
#if SPRIG_BENCH_PEAK_WASMRELAXEDSIMD
    &bench_peak_probe_wasmrelaxedsimd,
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

/* ---- read bandwidth ---- */

size_t bench_l2_bytes(void) {
  const struct sprig_hardware* hardware = sprig_get_hardware();
  return hardware != NULL && hardware->l2_bytes != 0 ? hardware->l2_bytes : SPRIG_DEFAULT_L2_BYTES;
}

/* "266240K", "260M", "1G" or plain bytes; 0 when unreadable. */
static size_t read_sysfs_size(const char* path) {
  FILE* f = fopen(path, "r");
  if (f == NULL) {
    return 0;
  }
  unsigned long long value = 0;
  char unit = '\0';
  const int fields = fscanf(f, "%llu%c", &value, &unit);
  fclose(f);
  if (fields < 1) {
    return 0;
  }
  const unsigned long long scale = unit == 'K' ? 1ull << 10 : unit == 'M' ? 1ull << 20 : unit == 'G' ? 1ull << 30 : 1;
  return (size_t) (value * scale);
}

size_t bench_l3_bytes(void) {
  static size_t cached = (size_t) -1;
  if (cached == (size_t) -1) {
    cached = 0;
    for (int index = 0; index < 16 && cached == 0; index++) {
      char path[128];
      snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/level", index);
      if (read_sysfs_size(path) == 3) {
        snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/size", index);
        cached = read_sysfs_size(path);
      }
    }
  }
  return cached;
}

#define BENCH_ASSUMED_L3_BYTES ((size_t) 32 << 20)
#define BENCH_READ_L3_RUNS 20
#define BENCH_READ_DRAM_RUNS 5

static size_t read_buffer_bytes(enum bench_read_level level) {
  const size_t l3 = bench_l3_bytes() != 0 ? bench_l3_bytes() : BENCH_ASSUMED_L3_BYTES;
  size_t bytes;
  if (level == bench_read_l3) {
    bytes = 4 * bench_l2_bytes();
    bytes = bytes > l3 / 2 ? l3 / 2 : bytes;
    bytes = bytes < ((size_t) 256 << 10) ? (size_t) 256 << 10 : bytes;
  } else {
    const size_t lowest = (size_t) 64 << 20;
    const size_t highest = sizeof(size_t) > 4 ? (size_t) 1 << 30 : (size_t) 512 << 20;
    bytes = l3 <= highest / 2 ? 2 * l3 : highest;
    bytes = bytes < lowest ? lowest : bytes;
  }
  return bytes / 256 * 256;
}

/* The probe of `isa` if it has a read loop, else the scalar one. */
static const struct bench_peak_probe* find_read_probe(const char* isa) {
  for (size_t i = 0; i < PROBE_COUNT; i++) {
    if (strcmp(probes[i]->isa, isa) == 0 && probes[i]->read != NULL) {
      return probes[i];
    }
  }
  return &bench_peak_probe_scalar;
}

volatile uint64_t bench_read_sink;

static double read_seconds(const struct bench_peak_probe* probe, const void* data, size_t bytes, size_t passes) {
  const uint64_t start = bench_now_ns();
  uint64_t sum = 0;
  for (size_t p = 0; p < passes; p++) {
    sum += probe->read(data, bytes);
  }
  const double seconds = (double) (bench_now_ns() - start) * 1e-9;
  bench_read_sink = sum;
  return seconds;
}

static struct bench_read_rate read_rates[bench_read_level_count] = {{NAN, 0, NULL}, {NAN, 0, NULL}};
static bool read_measured[bench_read_level_count];

static struct bench_read_rate measure_read(const struct bench_peak_probe* probe, enum bench_read_level level) {
  struct bench_read_rate rate = {NAN, read_buffer_bytes(level), probe->read_method};
  unsigned char* data = aligned_alloc(64, rate.bytes);
  if (data == NULL) {
    return rate;
  }
  for (size_t i = 0; i < rate.bytes; i++) {
    data[i] = (unsigned char) (i * 131u >> 3);
  }
  (void) read_seconds(probe, data, rate.bytes, 1); /* warm: caches (L3 level), TLB */
  /* Passes per timed run: enough for ~2 ms, so that the clock's resolution does not matter. */
  size_t passes = 1;
  while (level == bench_read_l3 && read_seconds(probe, data, rate.bytes, passes) < 0.002 && passes < 1u << 20) {
    passes *= 2;
  }
  double best = INFINITY;
  const int runs = level == bench_read_l3 ? BENCH_READ_L3_RUNS : BENCH_READ_DRAM_RUNS;
  for (int run = 0; run < runs; run++) {
    const double seconds = read_seconds(probe, data, rate.bytes, passes) / (double) passes;
    best = seconds < best ? seconds : best;
  }
  free(data);
  rate.gbs = (double) rate.bytes / best * 1e-9;
  return rate;
}

const struct bench_read_rate* bench_read_bandwidth(const char* isa, enum bench_read_level level) {
  if (!read_measured[level]) {
    read_rates[level] = measure_read(find_read_probe(isa), level);
    read_measured[level] = true;
  }
  return &read_rates[level];
}

double bench_read_gbs(enum bench_read_level level) {
  return read_measured[level] ? read_rates[level].gbs : NAN;
}
