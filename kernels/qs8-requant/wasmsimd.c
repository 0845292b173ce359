/*
 * WebAssembly SIMD128 int8 requantization (src/sprig/qs8-requant.h): 16 values per step.
 * The product is clamped in f32 to [lowest, highest] (f32x4.pmax / pmin: one maxps / minps
 * each on x86; the product is never NaN, a positive finite scale times an integer, and +-Inf
 * clamps like any value), then rounded by the "magic bias": adding 1.5 x 2^23 puts the clamped
 * value (|v| <= 255 < 2^22) into [2^23, 2^24), where the f32 spacing is 1, so the add itself
 * rounds to nearest even (the magic is an even integer) and the low bits of the sum's pattern
 * are 0x4B400000 + rne(v); one i32x4.sub of (0x4B400000 - zero_point) gives rne(v) + zero_point,
 * within [output_min, output_max] by the params' contract, so both narrows are exact. This is
 * exactly clamp(rne(v), lowest, highest) + zero_point, the bounds being integers. The last
 * cols % 16 values go through a 16-value buffer.
 */
#include <wasm_simd128.h>

#include <isa/scalar.h>

#include "entry-points.h"

#define INLINE static inline __attribute__((always_inline))


struct requant_consts {
  v128_t lowest, highest;
  v128_t magic;
  v128_t magic_less_zero_point; /* 0x4B400000 - zero_point per int32 lane */
};

INLINE v128_t rounded(const int32_t* sums, v128_t scale, const struct requant_consts* k) {
  v128_t v = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_v128_load(sums)), scale);
  v = wasm_f32x4_pmin(k->highest, wasm_f32x4_pmax(k->lowest, v));
  return wasm_i32x4_sub(wasm_f32x4_add(v, k->magic), k->magic_less_zero_point);
}

INLINE v128_t scale_at(const float* scales, bool per_column, size_t c) {
  return per_column ? wasm_v128_load(scales + c) : wasm_v128_load32_splat(scales);
}

/* 16 outputs from sums[0 .. 16) (scales from scales[c] when per_column). */
INLINE void requant_16(const int32_t* sums, const float* scales, bool per_column, size_t c, int8_t* output,
                       const struct requant_consts* k) {
  const v128_t r0 = rounded(sums, scale_at(scales, per_column, c), k);
  const v128_t r1 = rounded(sums + 4, scale_at(scales, per_column, c + 4), k);
  const v128_t r2 = rounded(sums + 8, scale_at(scales, per_column, c + 8), k);
  const v128_t r3 = rounded(sums + 12, scale_at(scales, per_column, c + 12), k);
  const v128_t lo = wasm_i16x8_narrow_i32x4(r0, r1);
  const v128_t hi = wasm_i16x8_narrow_i32x4(r2, r3);
  wasm_v128_store(output, wasm_i8x16_narrow_i16x8(lo, hi));
}

INLINE void requant_row(size_t cols, const int32_t* sums, const float* scales, bool per_column, int8_t* output,
                        const struct sprig_qs8_requant_params* params) {
  const struct requant_consts k = {
      wasm_f32x4_splat(params->lowest),
      wasm_f32x4_splat(params->highest),
      wasm_f32x4_splat(SPRIG_ROUND_MAGIC),
      wasm_i32x4_splat(sprig_round_magic_less(params->zero_point)),
  };
  SPRIG_QS8_REQUANT_STEPS(16, requant_16, cols, sums, scales, per_column, output, &k);
}

SPRIG_QS8_REQUANT_ENTRY_POINTS(wasmsimd)
