/*
 * WebAssembly SIMD128 f32 N:M SpMM (the whole build uses -msimd128): each 4-wide
 * multiply-accumulate is f32x4.mul + f32x4.add (SIMD128 has no fused multiply-add). The kernels,
 * their costs and limits: kernels/f32-nmspmm/wasm-template.h.
 */
#include <wasm_simd128.h>

#define MADD(acc, a, b) wasm_f32x4_add(acc, wasm_f32x4_mul(a, b))
#define ISA_TAG wasmsimd
#include "wasm-template.h"
