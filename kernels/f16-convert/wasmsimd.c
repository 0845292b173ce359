/*
 * WebAssembly SIMD128 half <-> single conversions in integer SIMD (there are no conversion
 * instructions), the same steps as the branchless forms of src/sprig/half.h on 4 lanes at once:
 *   widen:  sign | (exponent all ones ? Inf / quiet NaN with the payload
 *                                      : (magnitude << 13) as a float x 2^112, exact);
 *   narrow: sign | (NaN ? quiet NaN, top payload bits : beyond 65504 ? Inf
 *                   : below 2^-14 ? bits of (magnitude + 0.5) - 0x3F000000 (rounds at 2^-24)
 *                   : rebiased exponent with the 13 dropped bits rounded to nearest even).
 * 8 values per trip (one 16-byte half vector); the last n % 8 one at a time (drivers.h).
 */
#include <wasm_simd128.h>

#include "drivers.h"

/* 4 halves (zero-extended into 32-bit lanes) as floats. */
static inline v128_t widen4(v128_t h) {
  const v128_t sign = wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_const_splat(0x8000)), 16);
  const v128_t shifted = wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_const_splat(0x7FFF)), 13);
  const v128_t finite = wasm_f32x4_mul(shifted, wasm_f32x4_const_splat(0x1.0p112f));
  const v128_t quiet = wasm_v128_and(wasm_i32x4_ne(wasm_v128_and(h, wasm_i32x4_const_splat(0x3FF)),
                                                   wasm_i32x4_const_splat(0)),
                                     wasm_i32x4_const_splat(0x00400000));
  const v128_t special = wasm_v128_or(wasm_v128_or(shifted, quiet), wasm_i32x4_const_splat(0x7F800000));
  const v128_t all_ones = wasm_i32x4_eq(wasm_v128_and(h, wasm_i32x4_const_splat(0x7C00)),
                                        wasm_i32x4_const_splat(0x7C00));
  return wasm_v128_or(sign, wasm_v128_bitselect(special, finite, all_ones));
}

/* 4 floats as halves in the low 16 bits of their lanes (magnitudes are below 2^31, so signed
 * compares order them). */
static inline v128_t narrow4(v128_t f) {
  const v128_t sign = wasm_v128_and(wasm_u32x4_shr(f, 16), wasm_i32x4_const_splat(0x8000));
  const v128_t magnitude = wasm_v128_and(f, wasm_i32x4_const_splat(0x7FFFFFFF));
  const v128_t nan = wasm_v128_or(wasm_v128_and(wasm_u32x4_shr(magnitude, 13), wasm_i32x4_const_splat(0x3FF)),
                                  wasm_i32x4_const_splat(0x7E00));
  const v128_t subnormal = wasm_i32x4_sub(
      wasm_f32x4_add(wasm_v128_and(magnitude, wasm_i32x4_const_splat(0x3FFFFFFF)), wasm_f32x4_const_splat(0.5f)),
      wasm_i32x4_const_splat(0x3F000000));
  const v128_t odd = wasm_v128_and(wasm_u32x4_shr(magnitude, 13), wasm_i32x4_const_splat(1));
  const v128_t normal = wasm_u32x4_shr(
      wasm_i32x4_add(wasm_i32x4_add(magnitude, odd), wasm_i32x4_const_splat(0xFFF - 0x38000000)), 13);
  v128_t h = wasm_v128_bitselect(subnormal, normal, wasm_i32x4_lt(magnitude, wasm_i32x4_const_splat(0x38800000)));
  h = wasm_v128_bitselect(wasm_i32x4_const_splat(0x7C00), h,
                          wasm_i32x4_ge(magnitude, wasm_i32x4_const_splat(0x477FF000)));
  h = wasm_v128_bitselect(nan, h, wasm_i32x4_gt(magnitude, wasm_i32x4_const_splat(0x7F800000)));
  return wasm_v128_or(sign, h);
}

static inline void widen8(const uint16_t* input, float* output) {
  const v128_t h = wasm_v128_load(input);
  wasm_v128_store(output, widen4(wasm_u32x4_extend_low_u16x8(h)));
  wasm_v128_store(output + 4, widen4(wasm_u32x4_extend_high_u16x8(h)));
}

static inline void narrow8(const float* input, uint16_t* output) {
  const v128_t low = narrow4(wasm_v128_load(input));
  const v128_t high = narrow4(wasm_v128_load(input + 4));
  wasm_v128_store(output, wasm_u16x8_narrow_i32x4(low, high));
}

SPRIG_F16_CONVERT_DRIVERS(sprig_f16_widen_ukernel__wasmsimd, sprig_f16_narrow_ukernel__wasmsimd)
