/*
 * WebAssembly relaxed-SIMD f32 block-sparse matrix-vector kernels: kernels/f32-bspmv/wasmsimd.c
 * with each 4-wide multiply-accumulate as one f32x4.relaxed_madd. Compiled by clang-19 into the
 * relaxed build only (SPRIG_WASM_RELAXED, cmake/sprigWasmRelaxed.cmake).
 *
 * Per 1x4 block: the column load and address arithmetic, two v128.load (4 inputs, 4 weights),
 * one relaxed_madd into one of four accumulators (taken in turn). A 1x8 block is two
 * relaxed_madds, the second onto the first's result, into one accumulator (four accumulators,
 * as in wasmsimd.c, so that V8 keeps them in registers).
 *
 * Accuracy: relaxed_madd is fused or not as the engine chooses (see
 * kernels/f32-spmm/wasmrelaxedsimd.c); either way each product is rounded at most once and each
 * sum once, so the result is within the same bound as the SIMD128 kernels'. One flavour: the
 * clamp is one scalar per row (see wasmsimd.c).
 */
#include <wasm_simd128.h>

#include <isa/wasmsimd.h>
#include <sprig/bspmv.h>

/* (l0 + l2) + (l1 + l3), as the SIMD128 kernels add their lanes. */
INLINE float hsum128(v128_t v) {
  const v128_t pairs = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 2, 3));
  const v128_t total = wasm_f32x4_add(pairs, wasm_i32x4_shuffle(pairs, pairs, 1, 1, 1, 1));
  return wasm_f32x4_extract_lane(total, 0);
}

INLINE v128_t madd4(v128_t acc, const float* w, const float* x) {
  return wasm_f32x4_relaxed_madd(wasm_v128_load(w), wasm_v128_load(x), acc);
}

INLINE v128_t madd8(v128_t acc, const float* w, const float* x) {
  return madd4(madd4(acc, w, x), w + 4, x + 4);
}

/* 1 x 4 blocks: one v128 per block. */
#define C 4
#define STEP 1
#define ACC v128_t
#define ACC_ZERO() wasm_f32x4_splat(0.0f)
#define MADD_ONE(acc, w, x) madd4(acc, w, x)
#define MADD_STEP(acc, w, input, cols) madd4(acc, w, block_input(input, (cols)[0], C))
#define ACC_ADD(a, b) wasm_f32x4_add(a, b)
#define ACC_SUM(acc) hsum128(acc)
#define BSPMV_ROWS bspmv_rows_1x4
#include "template.h"

/* 1 x 8 blocks: two v128 per block, one accumulator. */
#define C 8
#define STEP 1
#define ACC v128_t
#define ACC_ZERO() wasm_f32x4_splat(0.0f)
#define MADD_ONE(acc, w, x) madd8(acc, w, x)
#define MADD_STEP(acc, w, input, cols) madd8(acc, w, block_input(input, (cols)[0], C))
#define ACC_ADD(a, b) wasm_f32x4_add(a, b)
#define ACC_SUM(acc) hsum128(acc)
#define BSPMV_ROWS bspmv_rows_1x8
#include "template.h"

DEFINE_BSPMV_UKERNEL(sprig_f32_bspmv_minmax_ukernel_1x4__wasmrelaxedsimd, bspmv_rows_1x4)
DEFINE_BSPMV_UKERNEL(sprig_f32_bspmv_minmax_ukernel_1x8__wasmrelaxedsimd, bspmv_rows_1x8)
