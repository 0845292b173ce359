/* WebAssembly relaxed-SIMD peak: 12 independent f32x4.relaxed_madd chains, 4 lanes, 2 flops
 * each (one FMA where the engine fuses; a mul and an add where it does not). Compiled by clang-19
 * into the relaxed build only (cmake/sprigWasmRelaxed.cmake). */
#include <wasm_simd128.h>

#include "peak.h"

#define MADD12(a, b, c)                                                                                  \
  a##0 = wasm_f32x4_relaxed_madd(a##0, b, c); a##1 = wasm_f32x4_relaxed_madd(a##1, b, c);               \
  a##2 = wasm_f32x4_relaxed_madd(a##2, b, c); a##3 = wasm_f32x4_relaxed_madd(a##3, b, c);               \
  a##4 = wasm_f32x4_relaxed_madd(a##4, b, c); a##5 = wasm_f32x4_relaxed_madd(a##5, b, c);               \
  a##6 = wasm_f32x4_relaxed_madd(a##6, b, c); a##7 = wasm_f32x4_relaxed_madd(a##7, b, c);               \
  a##8 = wasm_f32x4_relaxed_madd(a##8, b, c); a##9 = wasm_f32x4_relaxed_madd(a##9, b, c);               \
  a##10 = wasm_f32x4_relaxed_madd(a##10, b, c); a##11 = wasm_f32x4_relaxed_madd(a##11, b, c)

static float loop_wasmrelaxedsimd(size_t iterations, float multiplier, float addend) {
  const v128_t b = wasm_f32x4_splat(multiplier);
  const v128_t c = wasm_f32x4_splat(addend);
  v128_t a0 = wasm_f32x4_splat(1.0f), a1 = wasm_f32x4_splat(1.1f), a2 = wasm_f32x4_splat(1.2f);
  v128_t a3 = wasm_f32x4_splat(1.3f), a4 = wasm_f32x4_splat(1.4f), a5 = wasm_f32x4_splat(1.5f);
  v128_t a6 = wasm_f32x4_splat(1.6f), a7 = wasm_f32x4_splat(1.7f), a8 = wasm_f32x4_splat(1.8f);
  v128_t a9 = wasm_f32x4_splat(1.9f), a10 = wasm_f32x4_splat(2.0f), a11 = wasm_f32x4_splat(2.1f);
  for (size_t i = 0; i < iterations; i++) {
    MADD12(a, b, c);
  }
  const v128_t s0 = wasm_f32x4_add(wasm_f32x4_add(a0, a1), wasm_f32x4_add(a2, a3));
  const v128_t s1 = wasm_f32x4_add(wasm_f32x4_add(a4, a5), wasm_f32x4_add(a6, a7));
  const v128_t s2 = wasm_f32x4_add(wasm_f32x4_add(a8, a9), wasm_f32x4_add(a10, a11));
  return wasm_f32x4_extract_lane(wasm_f32x4_add(wasm_f32x4_add(s0, s1), s2), 0);
}

/* Four 16-byte v128.load per step into four integer accumulators (i64x2.add), as wasmsimd's. */
static uint64_t read_wasmrelaxedsimd(const void* data, size_t bytes) {
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

const struct bench_peak_probe bench_peak_probe_wasmrelaxedsimd = {
    .isa = "wasmrelaxedsimd",
    .method = "12 independent f32x4.relaxed_madd chains, 4 lanes, 2 flops each",
    .flops_per_iteration = 96.0,
    .multiplier = 0.99999994f, /* 1 - 2^-24: the chains settle near addend / 2^-24, no overflow */
    .addend = 0.001f,
    .read = read_wasmrelaxedsimd,
    .read_method = "16-byte v128.load, 4 independent i64x2.add accumulators",
    .loop = loop_wasmrelaxedsimd,
};
