/* WebAssembly SIMD128 peak: no FMA in SIMD128, so 6 f32x4.mul chains and 6 f32x4.add chains
 * (as the engine's JIT maps them to the host's vector unit). */
#include <wasm_simd128.h>

#include "peak.h"

#define MUL6(a, b) a##0 = wasm_f32x4_mul(a##0, b); a##1 = wasm_f32x4_mul(a##1, b); a##2 = wasm_f32x4_mul(a##2, b); \
  a##3 = wasm_f32x4_mul(a##3, b); a##4 = wasm_f32x4_mul(a##4, b); a##5 = wasm_f32x4_mul(a##5, b)
#define ADD6(a, c) a##0 = wasm_f32x4_add(a##0, c); a##1 = wasm_f32x4_add(a##1, c); a##2 = wasm_f32x4_add(a##2, c); \
  a##3 = wasm_f32x4_add(a##3, c); a##4 = wasm_f32x4_add(a##4, c); a##5 = wasm_f32x4_add(a##5, c)

static float loop_wasmsimd(size_t iterations, float multiplier, float addend) {
  const v128_t b = wasm_f32x4_splat(multiplier);
  const v128_t c = wasm_f32x4_splat(addend);
  v128_t m0 = wasm_f32x4_splat(1.0f), m1 = wasm_f32x4_splat(1.1f), m2 = wasm_f32x4_splat(1.2f);
  v128_t m3 = wasm_f32x4_splat(1.3f), m4 = wasm_f32x4_splat(1.4f), m5 = wasm_f32x4_splat(1.5f);
  v128_t s0 = m0, s1 = m1, s2 = m2, s3 = m3, s4 = m4, s5 = m5;
  for (size_t i = 0; i < iterations; i++) {
    MUL6(m, b);
    ADD6(s, c);
  }
  const v128_t m = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(m0, m1), wasm_f32x4_add(m2, m3)),
                                  wasm_f32x4_add(m4, m5));
  const v128_t s = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3)),
                                  wasm_f32x4_add(s4, s5));
  return wasm_f32x4_extract_lane(wasm_f32x4_add(m, s), 0);
}

/* Four 16-byte v128.load per step into four integer accumulators (i64x2.add). */
static uint64_t read_wasmsimd(const void* data, size_t bytes) {
  const v128_t* p = data;
  v128_t s0 = wasm_i64x2_splat(0), s1 = s0, s2 = s0, s3 = s0;
  for (size_t i = 0; i < bytes / 16; i += 4) {
    s0 = wasm_i64x2_add(s0, wasm_v128_load(p + i));
    s1 = wasm_i64x2_add(s1, wasm_v128_load(p + i + 1));
    s2 = wasm_i64x2_add(s2, wasm_v128_load(p + i + 2));
    s3 = wasm_i64x2_add(s3, wasm_v128_load(p + i + 3));
  }
  const v128_t s = wasm_i64x2_add(wasm_i64x2_add(s0, s1), wasm_i64x2_add(s2, s3));
  return (uint64_t) wasm_i64x2_extract_lane(s, 0) + (uint64_t) wasm_i64x2_extract_lane(s, 1);
}

const struct bench_peak_probe bench_peak_probe_wasmsimd = {
    .isa = "wasmsimd",
    .method = "6 independent f32x4.mul chains + 6 f32x4.add chains (SIMD128 has no FMA), 4 lanes, 1 flop each",
    .flops_per_iteration = 48.0,
    .multiplier = 0.99999994f, /* 1 - 2^-24: decays by about an ulp per step */
    .addend = 0.001f,
    .read = read_wasmsimd,
    .read_method = "16-byte v128.load, 4 independent i64x2.add accumulators",
    .loop = loop_wasmsimd,
};
