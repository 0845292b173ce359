/*
 * WebAssembly SIMD128 f16 block-sparse matrix-vector kernels: the f32 family's wasm loops
 * (kernels/f32-bspmv/wasmsimd.c) with the weights read as halves and widened in integer SIMD
 * (kernels/isa/wasmsimd-half.h: 8 integer operations and one f32x4.mul per 4 weights).
 * Per 1x4 block: one i32.load8_u of the gap added into the running column, one v128.load of the
 * 4 inputs, one v128.load16x4_u of the 4 weights and their widening, f32x4.mul + f32x4.add into
 * one of four v128 accumulators. 1x8 blocks: one v128.load of the 8 weights, widened in two
 * halves (u32x4.extend_low / high), two input loads, the halves' products added before the
 * accumulator. Rows end with the horizontal sum of the accumulators.
 * Limit: the widening. Under node 20 (x86) these run 3-7x slower than the f32 kernels even from
 * memory, so operators run the f32 kernels on widened blocks in WebAssembly instead
 * (src/operators/f16.c); the kernels stay listed, tested and timed by `sprig-bench --kernels`,
 * for engines that compile the widening better.
 */
#include <wasm_simd128.h>

#include <isa/wasmsimd-half.h>
#include <isa/wasmsimd.h>
#include <sprig/bspmv.h>

/* (l0 + l2) + (l1 + l3), as the f32 kernels add their lanes. */
INLINE float hsum128(v128_t v) {
  const v128_t pairs = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 2, 3));
  const v128_t total = wasm_f32x4_add(pairs, wasm_i32x4_shuffle(pairs, pairs, 1, 1, 1, 1));
  return wasm_f32x4_extract_lane(total, 0);
}

INLINE v128_t madd4(v128_t acc, const uint16_t* w, const float* x) {
  const v128_t weights = halves_to_f32(wasm_u32x4_load16x4(w));
  return wasm_f32x4_add(acc, wasm_f32x4_mul(weights, wasm_v128_load(x)));
}

/* One 1x8 block: the two halves' products added first, then into one accumulator (the f32
 * kernel's shape: four accumulators stay four v128). */
INLINE v128_t madd8(v128_t acc, const uint16_t* w, const float* x) {
  const v128_t h = wasm_v128_load(w);
  const v128_t lo = wasm_f32x4_mul(halves_to_f32(wasm_u32x4_extend_low_u16x8(h)), wasm_v128_load(x));
  const v128_t hi = wasm_f32x4_mul(halves_to_f32(wasm_u32x4_extend_high_u16x8(h)), wasm_v128_load(x + 4));
  return wasm_f32x4_add(acc, wasm_f32x4_add(lo, hi));
}

/* 1 x 4 blocks: one v128 per block. */
#define C 4
#define GAP_SUMS 0
#define STEP 1
#define ACC v128_t
#define ACC_ZERO() wasm_f32x4_splat(0.0f)
#define MADD_ONE(acc, w, x) madd4(acc, w, x)
#define MADD_STEP(acc, w, x) madd4(acc, w, (x)[0])
#define ACC_ADD(a, b) wasm_f32x4_add(a, b)
#define ACC_SUM(acc) hsum128(acc)
#define BSPMV_ROWS bspmv_rows_1x4
#include "template.h"

/* 1 x 8 blocks: two v128 per block, one accumulator. */
#define C 8
#define GAP_SUMS 0
#define STEP 1
#define ACC v128_t
#define ACC_ZERO() wasm_f32x4_splat(0.0f)
#define MADD_ONE(acc, w, x) madd8(acc, w, x)
#define MADD_STEP(acc, w, x) madd8(acc, w, (x)[0])
#define ACC_ADD(a, b) wasm_f32x4_add(a, b)
#define ACC_SUM(acc) hsum128(acc)
#define BSPMV_ROWS bspmv_rows_1x8
#include "template.h"

DEFINE_F16_BSPMV_UKERNEL(sprig_f16_bspmv_minmax_ukernel_1x4__wasmsimd, bspmv_rows_1x4)
DEFINE_F16_BSPMV_UKERNEL(sprig_f16_bspmv_minmax_ukernel_1x8__wasmsimd, bspmv_rows_1x8)
