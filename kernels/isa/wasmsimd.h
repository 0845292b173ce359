/*
 * WebAssembly SIMD128 helpers for the wasmsimd kernels of every family
 * (kernels/<family>/wasmsimd.c): INLINE, the two clamp flavours, and the loads and stores of 1,
 * 2 or 4 pixels. Helpers only one family uses live in that family's folder.
 */
#ifndef SPRIG_ISA_WASMSIMD_H
#define SPRIG_ISA_WASMSIMD_H

#include <stddef.h>

#include <wasm_simd128.h>

/* Every helper takes its tile sizes as constants; forcing the inlining is what turns them into
 * straight-line code with the accumulators in registers (clang otherwise keeps the larger
 * helpers out of line, with the accumulator arrays on the stack). */
#define INLINE static inline __attribute__((always_inline))

enum clamp_flavour {
  clamp_arm,
  clamp_x86,
};

INLINE v128_t clamp(v128_t x, v128_t lo, v128_t hi, enum clamp_flavour flavour) {
  if (flavour == clamp_x86) {
    return wasm_f32x4_pmin(wasm_f32x4_pmax(x, lo), hi);
  }
  return wasm_f32x4_min(wasm_f32x4_max(x, lo), hi);
}

/* `mr` pixels (1, 2, or a multiple of 4 read as vectors of 4) into the low lanes. */
INLINE v128_t load_pixels(const float* p, size_t mr) {
  if (mr >= 4) {
    return wasm_v128_load(p);
  }
  if (mr == 2) {
    return wasm_v128_load64_zero(p);
  }
  return wasm_v128_load32_zero(p);
}

/* The low `mr` lanes of v (1, 2, or all 4 when mr >= 4) to p. */
INLINE void store_pixels(float* p, v128_t v, size_t mr) {
  if (mr >= 4) {
    wasm_v128_store(p, v);
  } else if (mr == 2) {
    wasm_v128_store64_lane(p, v, 0);
  } else {
    wasm_v128_store32_lane(p, v, 0);
  }
}

#endif /* SPRIG_ISA_WASMSIMD_H */
