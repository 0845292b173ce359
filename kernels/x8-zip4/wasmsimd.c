/*
 * WebAssembly SIMD128 byte-quad interleave: per 16 elements, four row loads XORed with the flip
 * byte, bytes of rows 0 / 1 and 2 / 3 interleaved, then those pairs as 16-bit units, with the
 * shuffle patterns engines map to single unpack / zip instructions (x64: punpck*; arm64: zip1 /
 * zip2), and four 16-byte stores of words; the last n % 16 elements through the scalar kernel.
 * (Compilers turn the scalar loop into 64 one-byte lane stores per 16 elements instead.)
 */
#include <wasm_simd128.h>

#include <sprig/x8-zip4.h>

static inline v128_t bytes_low(v128_t a, v128_t b) {
  return wasm_i8x16_shuffle(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
}

static inline v128_t bytes_high(v128_t a, v128_t b) {
  return wasm_i8x16_shuffle(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
}

static inline v128_t pairs_low(v128_t a, v128_t b) {
  return wasm_i16x8_shuffle(a, b, 0, 8, 1, 9, 2, 10, 3, 11);
}

static inline v128_t pairs_high(v128_t a, v128_t b) {
  return wasm_i16x8_shuffle(a, b, 4, 12, 5, 13, 6, 14, 7, 15);
}

void sprig_x8_zip4_ukernel__wasmsimd(size_t n, const uint8_t* input, size_t input_stride, uint8_t flip,
                                     uint8_t* output) {
  const uint8_t* r0 = input;
  const uint8_t* r1 = r0 + input_stride;
  const uint8_t* r2 = r1 + input_stride;
  const uint8_t* r3 = r2 + input_stride;
  const v128_t vflip = wasm_i8x16_splat((int8_t) flip);
  size_t p = 0;
  for (; p + 16 <= n; p += 16) {
    const v128_t a = wasm_v128_xor(wasm_v128_load(r0 + p), vflip);
    const v128_t b = wasm_v128_xor(wasm_v128_load(r1 + p), vflip);
    const v128_t c = wasm_v128_xor(wasm_v128_load(r2 + p), vflip);
    const v128_t d = wasm_v128_xor(wasm_v128_load(r3 + p), vflip);
    const v128_t ab_low = bytes_low(a, b), ab_high = bytes_high(a, b);
    const v128_t cd_low = bytes_low(c, d), cd_high = bytes_high(c, d);
    uint8_t* out = output + 4 * p;
    wasm_v128_store(out, pairs_low(ab_low, cd_low));
    wasm_v128_store(out + 16, pairs_high(ab_low, cd_low));
    wasm_v128_store(out + 32, pairs_low(ab_high, cd_high));
    wasm_v128_store(out + 48, pairs_high(ab_high, cd_high));
  }
  sprig_x8_zip4_ukernel__scalar(n - p, input + p, input_stride, flip, output + 4 * p);
}
