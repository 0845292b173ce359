/*
 * WebAssembly SIMD128 int8 direct depthwise convolution (src/sprig/qs8-dwconv2d-chw.h), over
 * pairs.h: 4 outputs per v128, each i32x4.dot_i16x8_s two taps of them; a trip of 16 outputs is
 * 4 accumulators. Requantization: the step of kernels/qs8-requant/wasmsimd-round.h, then exact
 * narrows.
 */
#include <stddef.h>
#include <stdint.h>

#include <wasm_simd128.h>

#include <qs8-requant/wasmsimd-round.h>

#include <sprig/qs8-dwconv2d-chw.h>

#define INLINE static inline __attribute__((always_inline))
#define IVEC v128_t
#define LANES 4


INLINE v128_t iv_load(const int32_t* p) {
  return wasm_v128_load(p);
}

INLINE v128_t iv_splat(int32_t v) {
  return wasm_i32x4_splat(v);
}

INLINE void iv_store(int32_t* p, v128_t v) {
  wasm_v128_store(p, v);
}

INLINE v128_t iv_madd(v128_t x, v128_t w) {
  return wasm_i32x4_dot_i16x8(x, w);
}

INLINE void store4(int32_t* p, int32_t v) {
  wasm_v128_store(p, wasm_i32x4_splat(v));
}

INLINE v128_t iv_add(v128_t a, v128_t b) {
  return wasm_i32x4_add(a, b);
}

struct requant {
  v128_t scale;
  struct qs8_wasm_requant steps;
};

INLINE void requant_init(float scale, const struct sprig_qs8_requant_params* params, struct requant* k) {
  k->scale = wasm_f32x4_splat(scale);
  k->steps = qs8_wasm_requant_init(params);
}

INLINE v128_t rounded(v128_t acc, const struct requant* k) {
  return qs8_wasm_rounded(acc, k->scale, &k->steps);
}

INLINE void requant16(const v128_t* acc, const struct requant* k, int8_t* out) {
  const v128_t lo = wasm_i16x8_narrow_i32x4(rounded(acc[0], k), rounded(acc[1], k));
  const v128_t hi = wasm_i16x8_narrow_i32x4(rounded(acc[2], k), rounded(acc[3], k));
  wasm_v128_store(out, wasm_i8x16_narrow_i16x8(lo, hi));
}

/* Stores the 8 pairs (a[j], b[j]) of two int16 vectors at out. */
INLINE void store_pairs(v128_t a, v128_t b, int32_t* out) {
  wasm_v128_store(out, wasm_i16x8_shuffle(a, b, 0, 8, 1, 9, 2, 10, 3, 11));
  wasm_v128_store(out + 4, wasm_i16x8_shuffle(a, b, 4, 12, 5, 13, 6, 14, 7, 15));
}

INLINE void widen16(const int8_t* a, const int8_t* b, int32_t* out) {
  const v128_t va = wasm_v128_load(a), vb = wasm_v128_load(b);
  store_pairs(wasm_i16x8_extend_low_i8x16(va), wasm_i16x8_extend_low_i8x16(vb), out);
  store_pairs(wasm_i16x8_extend_high_i8x16(va), wasm_i16x8_extend_high_i8x16(vb), out + 8);
}

INLINE void widen16_split(const int8_t* a, const int8_t* b, int32_t* even, int32_t* odd) {
  const v128_t va = wasm_v128_load(a), vb = wasm_v128_load(b);
  store_pairs(wasm_i16x8_shr(wasm_i16x8_shl(va, 8), 8), wasm_i16x8_shr(wasm_i16x8_shl(vb, 8), 8), even);
  store_pairs(wasm_i16x8_shr(va, 8), wasm_i16x8_shr(vb, 8), odd);
}

#include "pairs.h"

DEFINE_KERNEL(3, 1, wasmsimd)
DEFINE_KERNEL(3, 2, wasmsimd)
DEFINE_KERNEL(5, 1, wasmsimd)
DEFINE_KERNEL(5, 2, wasmsimd)
