/*
 * WebAssembly SIMD128 qd8 row quantization (contract: src/sprig/qd8-quantize.h). range: f32x4.pmin
 * / pmax (the scalar comparisons: a NaN never replaces the running bound; the poison sum flags
 * it), 8 floats per step in two chains. quantize: per 16 floats the scalar kernel's rounding
 * (add 1.5 x 2^23, reinterpret, subtract: wasm has no rounding float-to-int conversion), the
 * zero point added in int32 (|q| <= 256 for the rows that matter), i16x8.narrow_i32x4_s and
 * i8x16.narrow_i16x8_s (saturating: the clamp), and the flip. The tail goes through the scalar
 * kernel.
 */
#include <math.h>

#include <wasm_simd128.h>

#include <sprig/qd8-quantize.h>

bool sprig_qd8_range_ukernel__wasmsimd(size_t cols, const float* x, float* lo_out, float* hi_out) {
  v128_t lo0 = wasm_f32x4_const_splat(0.0f), lo1 = lo0, hi0 = lo0, hi1 = lo0, poison0 = lo0, poison1 = lo0;
  size_t i = 0;
  for (; i + 8 <= cols; i += 8) {
    const v128_t v0 = wasm_v128_load(x + i), v1 = wasm_v128_load(x + i + 4);
    poison0 = wasm_f32x4_add(poison0, wasm_f32x4_sub(v0, v0));
    poison1 = wasm_f32x4_add(poison1, wasm_f32x4_sub(v1, v1));
    /* pmin(a, b) = b < a ? b : a */
    lo0 = wasm_f32x4_pmin(lo0, v0);
    lo1 = wasm_f32x4_pmin(lo1, v1);
    hi0 = wasm_f32x4_pmax(hi0, v0);
    hi1 = wasm_f32x4_pmax(hi1, v1);
  }
  float lo[4], hi[4], poison[4], l, h;
  wasm_v128_store(lo, wasm_f32x4_pmin(lo0, lo1));
  wasm_v128_store(hi, wasm_f32x4_pmax(hi0, hi1));
  wasm_v128_store(poison, wasm_f32x4_add(poison0, poison1));
  const bool bad = sprig_qd8_range_ukernel__scalar(cols - i, x + i, &l, &h);
  for (size_t j = 0; j < 4; j++) {
    l = lo[j] < l ? lo[j] : l;
    h = hi[j] > h ? hi[j] : h;
  }
  *lo_out = l;
  *hi_out = h;
  return bad || isnan(poison[0] + poison[1] + poison[2] + poison[3]);
}

/* rne(x * inverse) + zero_point for 4 floats (exact for |x * inverse| < 2^22). */
static inline v128_t quantize4(const float* x, v128_t vinverse, v128_t vzero_point) {
  const v128_t v = wasm_f32x4_mul(wasm_v128_load(x), vinverse);
  const v128_t shifted = wasm_f32x4_add(v, wasm_f32x4_const_splat(12582912.0f));
  return wasm_i32x4_add(wasm_i32x4_sub(shifted, wasm_i32x4_const_splat(0x4B400000)), vzero_point);
}

void sprig_qd8_quantize_ukernel__wasmsimd(size_t cols, const float* x, float inverse, int32_t zero_point, uint8_t flip,
                                          int8_t* out, size_t padded) {
  const v128_t vinverse = wasm_f32x4_splat(inverse);
  const v128_t vzero_point = wasm_i32x4_splat(zero_point);
  const v128_t vflip = wasm_i8x16_splat((int8_t) flip);
  size_t i = 0;
  for (; i + 16 <= cols; i += 16) {
    const v128_t h01 = wasm_i16x8_narrow_i32x4(quantize4(x + i, vinverse, vzero_point),
                                               quantize4(x + i + 4, vinverse, vzero_point));
    const v128_t h23 = wasm_i16x8_narrow_i32x4(quantize4(x + i + 8, vinverse, vzero_point),
                                               quantize4(x + i + 12, vinverse, vzero_point));
    wasm_v128_store(out + i, wasm_v128_xor(wasm_i8x16_narrow_i16x8(h01, h23), vflip));
  }
  sprig_qd8_quantize_ukernel__scalar(cols - i, x + i, inverse, zero_point, flip, out + i, padded - i);
}
