/* WebAssembly SIMD128 32-bit transpose: per 4 x 4 block (driver.h) four row loads, two rounds of
 * 32-bit lane interleaving shuffles (rows 0 + 2 and 1 + 3, then the results; V8 maps them to
 * unpcklps / unpckhps on x86 and zip1 / zip2 on ARM) and four row stores. */
#include <wasm_simd128.h>

#include "driver.h"

#define ZIP_LO(a, b) wasm_i32x4_shuffle(a, b, 0, 4, 1, 5)
#define ZIP_HI(a, b) wasm_i32x4_shuffle(a, b, 2, 6, 3, 7)

static inline void block_wasmsimd(const uint32_t* in, size_t input_stride, uint32_t* out, size_t output_stride) {
  const v128_t a = wasm_v128_load(in);
  const v128_t b = wasm_v128_load(sprig_x32_row(in, input_stride, 1));
  const v128_t d = wasm_v128_load(sprig_x32_row(in, input_stride, 2));
  const v128_t e = wasm_v128_load(sprig_x32_row(in, input_stride, 3));
  const v128_t ad_lo = ZIP_LO(a, d), ad_hi = ZIP_HI(a, d);
  const v128_t be_lo = ZIP_LO(b, e), be_hi = ZIP_HI(b, e);
  wasm_v128_store(out, ZIP_LO(ad_lo, be_lo));
  wasm_v128_store(sprig_x32_out_row(out, output_stride, 1), ZIP_HI(ad_lo, be_lo));
  wasm_v128_store(sprig_x32_out_row(out, output_stride, 2), ZIP_LO(ad_hi, be_hi));
  wasm_v128_store(sprig_x32_out_row(out, output_stride, 3), ZIP_HI(ad_hi, be_hi));
}

SPRIG_X32_TRANSPOSE_DRIVER(sprig_x32_transpose_ukernel__wasmsimd, block_wasmsimd)
