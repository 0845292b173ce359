/* WebAssembly SIMD128 8-bit transpose: per 8 x 8 block (kernels/isa/transpose.h) eight
 * v128.load64_zero row loads, three rounds of interleaving lane shuffles (8-, 16-, 32-bit units)
 * and eight v128.store64_lane row stores. */
#include <wasm_simd128.h>

#include <isa/transpose.h>
#include <sprig/transpose.h>

#define VEC v128_t
#define HALF v128_t
#define LOAD_ROW8(p) wasm_v128_load64_zero(p)
#define ZIP8_LO(a, b) wasm_i8x16_shuffle(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23)
#define STORE_ROW8_LO(p, v) wasm_v128_store64_lane(p, v, 0)
#define STORE_ROW8_HI(p, v) wasm_v128_store64_lane(p, v, 1)
#define ZIP16(lo, hi, a, b) \
  ((lo) = wasm_i16x8_shuffle(a, b, 0, 8, 1, 9, 2, 10, 3, 11), (hi) = wasm_i16x8_shuffle(a, b, 4, 12, 5, 13, 6, 14, 7, 15))
#define ZIP32(lo, hi, a, b) ((lo) = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), (hi) = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7))

SPRIG_TRANSPOSE_X8_BLOCK(block_wasmsimd)

SPRIG_TRANSPOSE_DRIVER(sprig_x8_transpose_ukernel__wasmsimd, uint8_t, 8, block_wasmsimd, sprig_x8_transpose_edges)
