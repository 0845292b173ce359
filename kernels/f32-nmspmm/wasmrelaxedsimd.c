/*
 * WebAssembly relaxed-SIMD f32 N:M SpMM: the SIMD128 kernels (kernels/f32-nmspmm/wasm-template.h)
 * with each 4-wide multiply-accumulate as one f32x4.relaxed_madd. Compiled by clang-19 into the
 * relaxed build only (SPRIG_WASM_RELAXED, cmake/sprigWasmRelaxed.cmake).
 *
 * Accuracy: relaxed_madd is fused or not as the engine chooses (see
 * kernels/f32-spmm/wasmrelaxedsimd.c); each product is rounded at most once and each sum once,
 * so the result is within the SIMD128 kernels' bound. The clamps are the SIMD128 flavours
 * (exact; relaxed min/max would buy nothing the matching flavour does not already have).
 */
#include <wasm_simd128.h>

#define MADD(acc, a, b) wasm_f32x4_relaxed_madd(a, b, acc)
#define ISA_TAG wasmrelaxedsimd
#include "wasm-template.h"
