/*
 * WebAssembly relaxed-SIMD f32 SpMM: kernels/f32-spmm/wasmsimd.c's tiles with each 4-wide
 * multiply-accumulate as one f32x4.relaxed_madd instead of f32x4.mul + f32x4.add. Compiled by
 * clang-19 into the relaxed build only (SPRIG_WASM_RELAXED, cmake/sprigWasmRelaxed.cmake): a
 * module holding these kernels does not instantiate on an engine without relaxed SIMD.
 *
 * Accuracy: relaxed_madd(a, b, c) is either fused (a * b + c rounded once; node 20 on x86-64
 * with FMA3 fuses, as tests/f32-spmm.c reports) or unfused (a * b rounded, then + c rounded); the
 * engine chooses, and the choice is fixed for an engine on a host, not made per call. With M =
 * |bias| + sum |w * x| over a channel's terms and u = 2^-24, the fused sum is within terms * u * M
 * of the exact value and the unfused one within (terms + 1) * u * M (to first order), both inside
 * the (terms + 2) bound every kernel is tested against; so the two differ by at most
 * (2 terms + 2) * u * M. tests/f32-spmm.c checks every relaxed kernel against the reference,
 * against its SIMD128 twin (same tile, same order of terms) under that difference bound, and on
 * one product whose exact result tells fused from unfused, accepting only those two values.
 *
 * Clamp: the two flavours of wasmsimd.c (_x86: pmax/pmin, one instruction each on x86; _arm:
 * f32x4.min/max, one instruction each on ARM), not f32x4.relaxed_min/max: those would be one
 * instruction on both, which the matching flavour already is, and would make a NaN output
 * engine-dependent.
 *
 * Register budget per nonzero as in wasmsimd.c (V inputs, NR * V accumulators, NR splats);
 * the fused form needs no product temporary.
 */
#include <wasm_simd128.h>

#define MADD(acc, a, b) wasm_f32x4_relaxed_madd(a, b, acc)
#include "wasm-template.h"

SPRIG_WASM_SPMM_KERNEL(wasmrelaxedsimd, 8, 1, arm)
SPRIG_WASM_SPMM_KERNEL(wasmrelaxedsimd, 16, 1, arm)
SPRIG_WASM_SPMM_KERNEL(wasmrelaxedsimd, 32, 1, arm)
SPRIG_WASM_SPMM_KERNEL(wasmrelaxedsimd, 8, 1, x86)
SPRIG_WASM_SPMM_KERNEL(wasmrelaxedsimd, 16, 1, x86)
SPRIG_WASM_SPMM_KERNEL(wasmrelaxedsimd, 32, 1, x86)

SPRIG_WASM_SPMM_KERNEL(wasmrelaxedsimd, 8, 2, x86)
SPRIG_WASM_SPMM_KERNEL(wasmrelaxedsimd, 16, 2, x86)
SPRIG_WASM_SPMM_KERNEL(wasmrelaxedsimd, 8, 4, x86)
