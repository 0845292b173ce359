/*
 * WebAssembly SIMD128 half <-> single conversions (SIMD128 has no conversion instructions), bit for
 * bit the branchless forms of src/sprig/half.h on 4 lanes at once:
 *   widen:  sign | (exponent all ones ? Inf / quiet NaN with the payload
 *                                      : (magnitude << 13) as a float x 2^112, exact);
 *   narrow: the FPU's round-to-nearest-even on a sum that leaves the half's bits in place (narrow4),
 *           then NaN payloads and signs (checked against src/sprig/half.h on all 2^32 floats).
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

/* 4 floats as halves in the low 16 bits of their lanes. The FPU does the rounding: with m = |x|
 * clamped to 2^16 (NaN too, as pmin(b, x) is x < b ? x : b) and e its exponent, at least -14,
 * 2^(e + 15) + 4m rounds 4m to a multiple of 2^(e - 8), i.e. m to 10 bits below its leading one
 * (subnormal halves: to multiples of 2^-24), to nearest even. The sum's exponent field mod 32 is
 * e + 14 and its low 12 bits hold the rounded mantissa with its leading one at bit 10, so their sum
 * is the half's exponent and mantissa, a carry of the rounding included; m = 2^16 gives 0x7C00
 * (Inf). NaNs then get the quiet bit and their top payload bits, and every lane its sign. */
static inline v128_t narrow4(v128_t f) {
  const v128_t magnitude =
      wasm_f32x4_pmin(wasm_f32x4_const_splat(65536.0f), wasm_v128_and(f, wasm_i32x4_const_splat(0x7FFFFFFF)));
  const v128_t exponent = wasm_i32x4_max(wasm_v128_and(magnitude, wasm_i32x4_const_splat(0x7F800000)),
                                         wasm_i32x4_const_splat(0x38800000));
  const v128_t sum = wasm_f32x4_add(wasm_i32x4_add(exponent, wasm_i32x4_const_splat(15 << 23)),
                                    wasm_f32x4_mul(magnitude, wasm_f32x4_const_splat(4.0f)));
  const v128_t bits = wasm_i32x4_add(wasm_v128_and(wasm_u32x4_shr(sum, 13), wasm_i32x4_const_splat(0x7C00)),
                                     wasm_v128_and(sum, wasm_i32x4_const_splat(0xFFF)));
  const v128_t payload = wasm_v128_or(wasm_v128_and(wasm_u32x4_shr(f, 13), wasm_i32x4_const_splat(0x3FF)),
                                      wasm_i32x4_const_splat(0x200));
  const v128_t sign = wasm_v128_and(wasm_u32x4_shr(f, 16), wasm_i32x4_const_splat(0x8000));
  return wasm_v128_or(wasm_v128_or(bits, sign), wasm_v128_and(wasm_f32x4_ne(f, f), payload));
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
