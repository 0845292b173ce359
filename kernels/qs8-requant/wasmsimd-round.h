/*
 * The WebAssembly SIMD128 requantization step (src/sprig/qs8-requant.h), shared by
 * kernels/qs8-requant/wasmsimd.c and the int8 kernels that requantize in registers
 * (kernels/qs8-spmm/wasmsimd.c, kernels/qs8-dwconv2d-chw/wasmsimd.c), so that all give the same
 * bits. The product sum x scale is clamped in f32 to [lowest, highest] (f32x4.pmax / pmin: one
 * maxps / minps each on x86; the product is never NaN, a positive finite scale times an integer,
 * and +-Inf clamps like any value), then rounded by the "magic bias": adding 1.5 x 2^23 puts the
 * clamped value (|v| <= 255 < 2^22) into [2^23, 2^24), where the f32 spacing is 1, so the add
 * itself rounds to nearest even (the magic is an even integer) and the low bits of the sum's
 * pattern are 0x4B400000 + rne(v); one i32x4.sub of (0x4B400000 - zero_point) gives rne(v) +
 * zero_point, within [output_min, output_max] by the params' contract, so the narrows after it
 * are exact. This is exactly clamp(rne(v), lowest, highest) + zero_point, the bounds being
 * integers.
 */
#ifndef SPRIG_QS8_REQUANT_WASMSIMD_ROUND_H
#define SPRIG_QS8_REQUANT_WASMSIMD_ROUND_H

#include <wasm_simd128.h>

#include <isa/scalar.h>
#include <sprig/qs8-requant.h>

struct qs8_wasm_requant {
  v128_t lowest, highest;
  v128_t magic;
  v128_t magic_less_zero_point; /* 0x4B400000 - zero_point per int32 lane */
};

static inline __attribute__((always_inline)) struct qs8_wasm_requant qs8_wasm_requant_init(
    const struct sprig_qs8_requant_params* params) {
  const struct qs8_wasm_requant k = {
      wasm_f32x4_splat(params->lowest),
      wasm_f32x4_splat(params->highest),
      wasm_f32x4_splat(SPRIG_ROUND_MAGIC),
      wasm_i32x4_splat(sprig_round_magic_less(params->zero_point)),
  };
  return k;
}

/* rne(clamp(sums x scale)) + zero_point per lane, as int32. */
static inline __attribute__((always_inline)) v128_t qs8_wasm_rounded(v128_t sums, v128_t scale,
                                                                     const struct qs8_wasm_requant* k) {
  v128_t v = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(sums), scale);
  v = wasm_f32x4_pmin(k->highest, wasm_f32x4_pmax(k->lowest, v));
  return wasm_i32x4_sub(wasm_f32x4_add(v, k->magic), k->magic_less_zero_point);
}

#endif /* SPRIG_QS8_REQUANT_WASMSIMD_ROUND_H */
