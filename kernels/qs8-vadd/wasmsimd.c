/*
 * WebAssembly SIMD128 int8 element-wise addition (src/sprig/qs8-vadd.h): 16 values per step.
 * Each input sign-extended to int32 (i16x8 / i32x4.extend_*_s), less its zero point, to f32;
 * products, sum and clamp as f32 vectors (f32x4.pmax / pmin: one maxps / minps each on x86; no
 * value is NaN). Rounding to nearest even is the "magic" add of 1.5 x 2^23 (the
 * clamped values are below 2^22 in magnitude); one i32x4.sub of (0x4B400000 - zero point) from
 * the sum's pattern gives rne(v) + zero point, within [output_min, output_max], so both narrows
 * are exact.
 */
#include <wasm_simd128.h>

#include <isa/scalar.h>

#include <qs8-vadd/steps.h>
#include <sprig/qs8-vadd.h>

#define INLINE static inline __attribute__((always_inline))


struct vadd_consts {
  v128_t ma, mb, lowest, highest, magic;
  v128_t magic_less_zero_point; /* int32 lanes */
  v128_t za, zb;                /* int32 lanes */
};

/* 4 outputs from the int16 inputs xa, xb (lanes 0-3 or, `high`, 4-7) as int32 with the output
 * zero point. The zero points are taken off in int32: subtracting them in int16 lets clang fold
 * the extension into the conversion and convert one lane at a time. */
INLINE v128_t add_4(v128_t xa, v128_t xb, bool high, const struct vadd_consts* k) {
  const v128_t ia = wasm_i32x4_sub(high ? wasm_i32x4_extend_high_i16x8(xa) : wasm_i32x4_extend_low_i16x8(xa), k->za);
  const v128_t ib = wasm_i32x4_sub(high ? wasm_i32x4_extend_high_i16x8(xb) : wasm_i32x4_extend_low_i16x8(xb), k->zb);
  const v128_t va = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(ia), k->ma);
  const v128_t vb = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(ib), k->mb);
  const v128_t v = wasm_f32x4_pmin(k->highest, wasm_f32x4_pmax(k->lowest, wasm_f32x4_add(va, vb)));
  return wasm_i32x4_sub(wasm_f32x4_add(v, k->magic), k->magic_less_zero_point);
}

/* 8 outputs from the int16 inputs xa, xb as int16. */
INLINE v128_t add_8(v128_t xa, v128_t xb, const struct vadd_consts* k) {
  return wasm_i16x8_narrow_i32x4(add_4(xa, xb, false, k), add_4(xa, xb, true, k));
}

INLINE void step_16(const int8_t* a, const int8_t* b, int8_t* y, const struct vadd_consts* k) {
  const v128_t va = wasm_v128_load(a), vb = wasm_v128_load(b);
  const v128_t lo = add_8(wasm_i16x8_extend_low_i8x16(va), wasm_i16x8_extend_low_i8x16(vb), k);
  const v128_t hi = add_8(wasm_i16x8_extend_high_i8x16(va), wasm_i16x8_extend_high_i8x16(vb), k);
  wasm_v128_store(y, wasm_i8x16_narrow_i16x8(lo, hi));
}

void sprig_qs8_vadd_ukernel__wasmsimd(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                      const struct sprig_qs8_vadd_params* params) {
  const struct vadd_consts k = {
      wasm_f32x4_splat(params->a_multiplier),
      wasm_f32x4_splat(params->b_multiplier),
      wasm_f32x4_splat(params->lowest),
      wasm_f32x4_splat(params->highest),
      wasm_f32x4_splat(SPRIG_ROUND_MAGIC),
      wasm_i32x4_splat(sprig_round_magic_less(params->output_zero_point)),
      wasm_i32x4_splat(params->a_zero_point),
      wasm_i32x4_splat(params->b_zero_point),
  };
  SPRIG_QS8_VADD_STEPS(16, step_16, n, a, b, y, &k);
}
