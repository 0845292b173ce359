/*
 * WebAssembly SIMD128 f32 sliced-ELL matrix-vector kernel, slices of 8 rows (two v128 per
 * accumulator). Per slot: the 8 offsets by two i64.load (four each, split by shifts: fewer
 * loads than one i32.load16_u per offset) and 8 v128.load32_lane inputs, two v128.load of the
 * weights, two f32x4.mul + two f32x4.add (SIMD128 has no fused multiply-add). Limit: the 8 lane
 * loads per slot; the weight stream (6 bytes per slot) for large layers.
 */
#include <wasm_simd128.h>

#include <isa/wasmsimd.h>
#include <sprig/sellmv.h>

struct acc8 {
  v128_t lo;
  v128_t hi;
};

/* Inputs x[off[0 .. 4)] in lanes 0-3; the four offsets read by one 64-bit load. */
INLINE v128_t gather4(const float* x, const uint16_t* off) {
  uint64_t o;
  __builtin_memcpy(&o, off, sizeof(o));
  v128_t v = wasm_v128_load32_splat(x + (uint16_t) o);
  v = wasm_v128_load32_lane(x + (uint16_t) (o >> 16), v, 1);
  v = wasm_v128_load32_lane(x + (uint16_t) (o >> 32), v, 2);
  return wasm_v128_load32_lane(x + (o >> 48), v, 3);
}

INLINE struct acc8 madd8(struct acc8 acc, const float* w, const float* x, const uint16_t* off) {
  acc.lo = wasm_f32x4_add(acc.lo, wasm_f32x4_mul(wasm_v128_load(w), gather4(x, off)));
  acc.hi = wasm_f32x4_add(acc.hi, wasm_f32x4_mul(wasm_v128_load(w + 4), gather4(x, off + 4)));
  return acc;
}

INLINE struct acc8 add8(struct acc8 a, struct acc8 b) {
  return (struct acc8){wasm_f32x4_add(a.lo, b.lo), wasm_f32x4_add(a.hi, b.hi)};
}

INLINE void store8(float* p, struct acc8 a) {
  wasm_v128_store(p, a.lo);
  wasm_v128_store(p + 4, a.hi);
}

#define C 8
#define ACC struct acc8
#define ACC_ZERO() ((struct acc8){wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f)})
#define MADD(acc, w, x, off) madd8(acc, w, x, off)
#define ACC_ADD(a, b) add8(a, b)
#define ACC_STORE(p, acc) store8(p, acc)
#include "template.h"

DEFINE_SELLMV_UKERNEL(sprig_f32_sellmv_minmax_ukernel_8__wasmsimd)
