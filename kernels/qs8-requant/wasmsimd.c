/*
 * WebAssembly SIMD128 int8 requantization (src/sprig/qs8-requant.h): 16 values per step. No
 * clamp in f32: f32x4.nearest rounds to nearest even, i32x4.trunc_sat_f32x4_s converts the
 * integral values exactly and saturates the others to int32, the narrows and the zero point's
 * add (i16x8.add_sat_s) saturate too, so a value beyond the int8 range stays beyond it, and the
 * output clamp is one i8x16.max_s and one i8x16.min_s: exactly clamp(rne(v) + zero_point, min,
 * max), the clamp bounds being integers. The last cols % 16 values go through a 16-value buffer.
 */
#include <wasm_simd128.h>

#include "entry-points.h"

#define INLINE static inline __attribute__((always_inline))

INLINE v128_t rounded(const int32_t* sums, v128_t scale) {
  const v128_t v = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_v128_load(sums)), scale);
  return wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(v));
}

INLINE v128_t scale_at(const float* scales, bool per_column, size_t c) {
  return per_column ? wasm_v128_load(scales + c) : wasm_v128_load32_splat(scales);
}

/* 16 outputs from sums[0 .. 16) (scales from scales[c] when per_column). */
INLINE void requant_16(const int32_t* sums, const float* scales, bool per_column, size_t c, int8_t* output,
                       v128_t zero_point, v128_t output_min, v128_t output_max) {
  const v128_t r0 = rounded(sums, scale_at(scales, per_column, c));
  const v128_t r1 = rounded(sums + 4, scale_at(scales, per_column, c + 4));
  const v128_t r2 = rounded(sums + 8, scale_at(scales, per_column, c + 8));
  const v128_t r3 = rounded(sums + 12, scale_at(scales, per_column, c + 12));
  const v128_t lo = wasm_i16x8_add_sat(wasm_i16x8_narrow_i32x4(r0, r1), zero_point);
  const v128_t hi = wasm_i16x8_add_sat(wasm_i16x8_narrow_i32x4(r2, r3), zero_point);
  const v128_t y = wasm_i8x16_narrow_i16x8(lo, hi);
  wasm_v128_store(output, wasm_i8x16_min(wasm_i8x16_max(y, output_min), output_max));
}

INLINE void requant_row(size_t cols, const int32_t* sums, const float* scales, bool per_column, int8_t* output,
                        const struct sprig_qs8_requant_params* params) {
  const v128_t zero_point = wasm_i16x8_splat((int16_t) params->zero_point);
  const v128_t output_min = wasm_i8x16_splat((int8_t) ((int32_t) params->lowest + params->zero_point));
  const v128_t output_max = wasm_i8x16_splat((int8_t) ((int32_t) params->highest + params->zero_point));
  SPRIG_QS8_REQUANT_STEPS(16, requant_16, cols, sums, scales, per_column, output, zero_point, output_min, output_max);
}

SPRIG_QS8_REQUANT_ENTRY_POINTS(wasmsimd)
