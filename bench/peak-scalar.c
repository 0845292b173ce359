/* Scalar peak: 6 multiply chains and 6 add chains (kernels without SIMD issue one of each per
 * nonzero). Compiled with auto-vectorization off, so it stays scalar. */
#include "peak.h"

#define MUL6(a, b) a##0 *= b; a##1 *= b; a##2 *= b; a##3 *= b; a##4 *= b; a##5 *= b
#define ADD6(a, c) a##0 += c; a##1 += c; a##2 += c; a##3 += c; a##4 += c; a##5 += c

static float loop_scalar(size_t iterations, float multiplier, float addend) {
  float m0 = 1.0f, m1 = 1.1f, m2 = 1.2f, m3 = 1.3f, m4 = 1.4f, m5 = 1.5f;
  float s0 = 1.0f, s1 = 1.1f, s2 = 1.2f, s3 = 1.3f, s4 = 1.4f, s5 = 1.5f;
  for (size_t i = 0; i < iterations; i++) {
    MUL6(m, multiplier);
    ADD6(s, addend);
  }
  return m0 + m1 + m2 + m3 + m4 + m5 + s0 + s1 + s2 + s3 + s4 + s5;
}

/* Four 8-byte loads per step into four accumulators (compiled without auto-vectorization). */
static uint64_t read_scalar(const void* data, size_t bytes) {
  const uint64_t* p = data;
  uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (size_t i = 0; i < bytes / 8; i += 4) {
    s0 += p[i];
    s1 += p[i + 1];
    s2 += p[i + 2];
    s3 += p[i + 3];
  }
  return s0 + s1 + s2 + s3;
}

const struct bench_peak_probe bench_peak_probe_scalar = {
    .isa = "scalar",
    .method = "6 independent scalar multiply chains + 6 add chains, 1 flop each",
    .flops_per_iteration = 12.0,
    .multiplier = 0.99999994f, /* 1 - 2^-24: decays by about an ulp per step */
    .addend = 0.001f,
    .read = read_scalar,
    .read_method = "8-byte scalar loads, 4 independent add accumulators",
    .loop = loop_scalar,
};
