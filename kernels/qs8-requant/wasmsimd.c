/*
 * WebAssembly SIMD128 int8 requantization (src/sprig/qs8-requant.h): 16 values per step, each
 * vector of 4 by the shared step of wasmsimd-round.h (clamped in f32, rounded by the magic bias,
 * the zero point added in the same subtraction), then two exact narrows. The last cols % 16
 * values go through a 16-value buffer.
 */
#include <wasm_simd128.h>

#include "entry-points.h"
#include "wasmsimd-round.h"

#define INLINE static inline __attribute__((always_inline))

INLINE v128_t rounded(const int32_t* sums, v128_t scale, const struct qs8_wasm_requant* k) {
  return qs8_wasm_rounded(wasm_v128_load(sums), scale, k);
}

INLINE v128_t scale_at(const float* scales, bool per_column, size_t c) {
  return per_column ? wasm_v128_load(scales + c) : wasm_v128_load32_splat(scales);
}

/* 16 outputs from sums[0 .. 16) (scales from scales[c] when per_column). */
INLINE void requant_16(const int32_t* sums, const float* scales, bool per_column, size_t c, int8_t* output,
                       const struct qs8_wasm_requant* k) {
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
  const struct qs8_wasm_requant k = qs8_wasm_requant_init(params);
  SPRIG_QS8_REQUANT_STEPS(16, requant_16, cols, sums, scales, per_column, output, &k);
}

SPRIG_QS8_REQUANT_ENTRY_POINTS(wasmsimd)
