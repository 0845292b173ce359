/* WebAssembly SIMD128 16-bit transpose: per 8 x 8 block (kernels/isa/transpose.h) eight row
 * loads, three rounds of interleaving lane shuffles (16-, 32-, 64-bit units; V8 maps them to
 * punpck on x86 and zip1 / zip2 on ARM) and eight row stores. */
#include <wasm_simd128.h>

#include <isa/transpose.h>
#include <sprig/transpose.h>

#define VEC v128_t
#define LOAD_ROW(p) wasm_v128_load(p)
#define STORE_ROW(p, v) wasm_v128_store(p, v)
#define ZIP16(lo, hi, a, b) \
  ((lo) = wasm_i16x8_shuffle(a, b, 0, 8, 1, 9, 2, 10, 3, 11), (hi) = wasm_i16x8_shuffle(a, b, 4, 12, 5, 13, 6, 14, 7, 15))
#define ZIP32(lo, hi, a, b) ((lo) = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), (hi) = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7))
#define ZIP64(lo, hi, a, b) ((lo) = wasm_i64x2_shuffle(a, b, 0, 2), (hi) = wasm_i64x2_shuffle(a, b, 1, 3))

SPRIG_TRANSPOSE_X16_BLOCK(block_wasmsimd)

SPRIG_TRANSPOSE_DRIVER(sprig_x16_transpose_ukernel__wasmsimd, uint16_t, 8, block_wasmsimd, sprig_x16_transpose_edges)
