/*
 * WebAssembly SIMD128 f32 block-sparse matrix-vector kernels (the whole build uses -msimd128).
 * Per 1x4 block: one i32.load16_u of the block column and its address arithmetic, one v128.load
 * of the 4 inputs, one v128.load of the 4 weights, f32x4.mul + f32x4.add into one of four v128
 * accumulators (taken in turn: four add chains). 1x8 blocks are two such halves (one column
 * load, two input and two weight loads, 2 mul + 2 add, the halves added before the
 * accumulator, which keeps four accumulators). Rows end
 * with the horizontal sum of the accumulators (two i32x4.shuffle + f32x4.add, one lane extract).
 * SIMD128 has no fused multiply-add, so each 4-wide MAC is two FP instructions. Limit: the
 * weight stream (4 + 2 / C bytes per weight) from memory for large layers; in cache, the loads
 * (two v128 per 4 products, plus the column) and the per-block column/address work, and the
 * per-row horizontal sum for rows of few blocks.
 *
 * One flavour only: the f32-spmm and f32-nmspmm wasm kernels come in _arm and _x86 flavours
 * because their clamps are lane-wise (f32x4.min/max vs pmin/pmax cost differently on ARM and
 * x86 hosts). Here the clamp is one scalar per row, after the horizontal sum, so there is
 * nothing to choose between.
 */
#include <wasm_simd128.h>

#include <isa/wasmsimd.h>
#include <sprig/bspmv.h>

/* (l0 + l2) + (l1 + l3), as the x86 kernels add their lanes. */
INLINE float hsum128(v128_t v) {
  const v128_t pairs = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 2, 3));
  const v128_t total = wasm_f32x4_add(pairs, wasm_i32x4_shuffle(pairs, pairs, 1, 1, 1, 1));
  return wasm_f32x4_extract_lane(total, 0);
}

INLINE v128_t madd4(v128_t acc, const float* w, const float* x) {
  return wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(w), wasm_v128_load(x)));
}

/* One 1x8 block: the two halves' products added first, then into one accumulator, so the
 * four accumulators stay four v128 (eight, one per half, made V8 spill 5 vectors per 4 blocks
 * and ran 15-25% slower). */
INLINE v128_t madd8(v128_t acc, const float* w, const float* x) {
  const v128_t lo = wasm_f32x4_mul(wasm_v128_load(w), wasm_v128_load(x));
  const v128_t hi = wasm_f32x4_mul(wasm_v128_load(w + 4), wasm_v128_load(x + 4));
  return wasm_f32x4_add(acc, wasm_f32x4_add(lo, hi));
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

DEFINE_BSPMV_UKERNEL(sprig_f32_bspmv_minmax_ukernel_1x4__wasmsimd, bspmv_rows_1x4)
DEFINE_BSPMV_UKERNEL(sprig_f32_bspmv_minmax_ukernel_1x8__wasmsimd, bspmv_rows_1x8)
