/*
 * WebAssembly SIMD128 half -> f32 widening in integer SIMD (SIMD128 has no conversion
 * instructions), for the f16 kernels that read halves (kernels/f16-spmm, kernels/f16-bspmv).
 * Exact: the half's exponent and mantissa shifted into f32 position and multiplied by 2^112
 * (which rebiases normals and scales subnormals exactly); Inf and NaN (exponent 31) get the
 * all-ones f32 exponent instead; then the sign. NaNs keep their payload (they are multiplied
 * before anyone sees them; kernels/f16-convert quiets them instead).
 */
#ifndef SPRIG_ISA_WASMSIMD_HALF_H
#define SPRIG_ISA_WASMSIMD_HALF_H

#include <wasm_simd128.h>

/* 4 halves (zero-extended into u32 lanes) as f32. */
static inline __attribute__((always_inline)) v128_t halves_to_f32(v128_t h) {
  const v128_t sign = wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x8000)), 16);
  const v128_t magnitude = wasm_v128_and(h, wasm_i32x4_splat(0x7FFF));
  const v128_t shifted = wasm_i32x4_shl(magnitude, 13);
  const v128_t finite = wasm_f32x4_mul(shifted, wasm_f32x4_splat(0x1.0p112f));
  const v128_t special = wasm_v128_or(shifted, wasm_i32x4_splat(0x7F800000));
  const v128_t is_special = wasm_i32x4_gt(magnitude, wasm_i32x4_splat(0x7BFF));
  return wasm_v128_or(sign, wasm_v128_bitselect(special, finite, is_special));
}

#endif /* SPRIG_ISA_WASMSIMD_HALF_H */
