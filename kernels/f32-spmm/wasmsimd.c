/*
 * WebAssembly SIMD128 f32 SpMM (the whole build uses -msimd128).
 *
 * Inner loop per nonzero (per nonzero column for NR > 1), with V = MR / 4 vectors of pixels:
 *   NR = 1: 1 v128.load32_splat (weight), V v128.load (input), V f32x4.mul + V f32x4.add,
 *           1 i32.load8_s (input row step) and i32.mul by the row stride, pointer bumps, loop
 *           counter.
 *   NR = 2: 2 v128.load32_splat, V v128.load, 2V f32x4.mul + 2V f32x4.add, same delta work.
 *   NR = 4: 1 v128.load + 4 i32x4.shuffle (lane splats), V v128.load, 4V mul + 4V add.
 * SIMD128 has no fused multiply-add, so each 4-wide MAC costs two FP instructions; the rest is
 * fixed per-nonzero overhead (splat, delta load, pointer bumps, branch) that a larger MR spreads.
 * What limits MR is V8's x64 code generator: it issues all of a nonzero's input loads before the
 * arithmetic, so V loads, V accumulators and the splat must fit in the 15 allocatable xmm
 * registers. 16x1 (9 live) fits; 32x1 (17) spills two vectors to the stack every nonzero and
 * runs ~10-30% slower than 16x1 under node on x86-64. ARM64 engines have 32 vector registers,
 * where 32x1 should not spill. NR > 1 shares each input load among NR channels (16x2: 14 live,
 * 8x4: 14 live), which pays off only when blocks of NR channels share their sparsity pattern:
 * with unstructured sparsity the stored zeros cost more than the saved loads.
 *
 * Two flavours, differing only in the final clamp:
 *   _arm: f32x4.min/max, single instructions on ARM but multi-instruction NaN- and
 *         signed-zero-exact sequences on x86.
 *   _x86: f32x4.pmax(acc, min) then f32x4.pmin(acc, max). pmax(a, b) = a < b ? b : a and
 *         pmin(a, b) = b < a ? b : a, i.e. exactly scalar.c's `x < lo ? lo : x` then
 *         `x > hi ? hi : x`; each is one maxps/minps on x86. With the accumulator as the first
 *         operand a NaN passes through unclamped, as in scalar.c and the _arm flavour.
 * With ~3 nonzeros per channel (MobileNet's first 1x1 layer at 90% sparsity) the clamp is a
 * large share of the work and _x86 runs ~1.9x faster than _arm on x86; on k = 256 it is ~5%.
 *
 * Default: 16x1 _x86. Node and most desktop browsers run on x86-64, where it measured fastest of
 * all NR = 1 tiles on every MobileNet-v1 1x1 layer tried (about 4-6x the scalar wasm build's
 * 8x1 kernel at 90% sparsity; 22.6 vs 5.4 GFLOP/s on m = 3136, k = n = 256).
 *
 * Remainder pixels: after the MR tiles, one tile per set bit of the rest (16, 8, 4, 2, 1); the
 * 2- and 1-pixel tiles use v128.load64_zero / load32_zero and v128.store64_lane / store32_lane,
 * so nothing outside input[0 .. mc) or output[0 .. mc) is read or written.
 */
#include <wasm_simd128.h>

#define MADD(acc, a, b) wasm_f32x4_add(acc, wasm_f32x4_mul(a, b))
#include "wasm-template.h"

SPRIG_WASM_SPMM_KERNEL(wasmsimd, 4, 1, arm)
SPRIG_WASM_SPMM_KERNEL(wasmsimd, 8, 1, arm)
SPRIG_WASM_SPMM_KERNEL(wasmsimd, 16, 1, arm)
SPRIG_WASM_SPMM_KERNEL(wasmsimd, 32, 1, arm)
SPRIG_WASM_SPMM_KERNEL(wasmsimd, 4, 1, x86)
SPRIG_WASM_SPMM_KERNEL(wasmsimd, 8, 1, x86)
SPRIG_WASM_SPMM_KERNEL(wasmsimd, 16, 1, x86)
SPRIG_WASM_SPMM_KERNEL(wasmsimd, 32, 1, x86)

SPRIG_WASM_SPMM_KERNEL(wasmsimd, 8, 2, arm)
SPRIG_WASM_SPMM_KERNEL(wasmsimd, 16, 2, arm)
SPRIG_WASM_SPMM_KERNEL(wasmsimd, 8, 4, arm)
SPRIG_WASM_SPMM_KERNEL(wasmsimd, 8, 2, x86)
SPRIG_WASM_SPMM_KERNEL(wasmsimd, 16, 2, x86)
SPRIG_WASM_SPMM_KERNEL(wasmsimd, 8, 4, x86)
