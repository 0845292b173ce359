/*
 * WebAssembly SIMD128 int8 sliced matrix-vector kernel (src/sprig/qs8-sellmv.h), signed input,
 * slices of C = 8 rows: the gathered input words of rows 0 .. 3 and 4 .. 7 in two v128, the
 * slot's weights (row j's word in the same lane) in two.
 *
 * Per slot: 2 i64.load of the quad offsets, 8 v128.load32_lane (load32_zero for lane 0) at
 * x + 4 (quad_base + offset), 2 v128.load of weights, then per 2 rows: i16x8.extend_low /
 * extend_high_i8x16_s of input and weights (every byte exactly as i16), i32x4.dot_i16x8_s (lanes
 * [row t01, row t23, row' t01, row' t23]; a pair of int8 products is at most 2 x 16384, exact in
 * int32) and i32x4.add into accumulator 2v or 2v + 1.
 * At the end of a slice the pair sums are combined per row: the even lanes of two accumulators
 * (one i32x4.shuffle) plus their odd lanes.
 *
 * Two accumulator sets take alternate slots (independent gathers and add chains; the slice loop
 * is template.h's). Sums wrap as i32x4.add does.
 */
#include <string.h>

#include <isa/wasmsimd.h>
#include <sprig/qs8-sellmv.h>

#define C 8

/* Input word of quad offset `offset` (at most 65535). */
INLINE const int8_t* input_word(const int8_t* x, uint32_t offset) {
  return x + 4 * (size_t) offset;
}

/* The input words of the 4 rows whose quad offsets are off[0 .. 3], row i in lane i. The offsets
 * are read by one 64-bit load (little-endian, as WebAssembly is) and split with scalar
 * arithmetic: read one by one, clang turns their address arithmetic into v128 shuffles and
 * lane extracts, which cost more than the scalar code. */
INLINE v128_t gather4(const int8_t* x, const uint16_t* off) {
  uint64_t o;
  memcpy(&o, off, sizeof(o));
  v128_t v = wasm_v128_load32_zero(input_word(x, (uint32_t) o & 0xFFFF));
  v = wasm_v128_load32_lane(input_word(x, (uint32_t) (o >> 16) & 0xFFFF), v, 1);
  v = wasm_v128_load32_lane(input_word(x, (uint32_t) (o >> 32) & 0xFFFF), v, 2);
  return wasm_v128_load32_lane(input_word(x, (uint32_t) (o >> 48)), v, 3);
}

/* Four accumulators: 2v holds rows 4v, 4v + 1 and 2v + 1 rows 4v + 2, 4v + 3, two lanes each. */
struct pairs {
  v128_t v[4];
};

INLINE struct pairs zero_pairs(void) {
  const v128_t z = wasm_i32x4_const_splat(0);
  return (struct pairs){{z, z, z, z}};
}

INLINE struct pairs add_pairs(struct pairs a, struct pairs b) {
  for (size_t i = 0; i < 4; i++) {
    a.v[i] = wasm_i32x4_add(a.v[i], b.v[i]);
  }
  return a;
}

/* acc += one slot's pair sums (layout above). */
INLINE struct pairs mac_slot(struct pairs acc, const int8_t* w, const int8_t* x, const uint16_t* off) {
  for (size_t v = 0; v < 2; v++) {
    const v128_t vx = gather4(x, off + 4 * v);
    const v128_t vw = wasm_v128_load(w + 16 * v);
    const v128_t lo = wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(vx), wasm_i16x8_extend_low_i8x16(vw));
    const v128_t hi = wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(vx), wasm_i16x8_extend_high_i8x16(vw));
    acc.v[2 * v] = wasm_i32x4_add(acc.v[2 * v], lo);
    acc.v[2 * v + 1] = wasm_i32x4_add(acc.v[2 * v + 1], hi);
  }
  return acc;
}

/* Rows 4v .. 4v + 3 from accumulators 2v (rows 4v, 4v + 1) and 2v + 1 (rows 4v + 2, 4v + 3). */
INLINE v128_t row_sums(v128_t lo, v128_t hi) {
  return wasm_i32x4_add(wasm_i32x4_shuffle(lo, hi, 0, 2, 4, 6), wasm_i32x4_shuffle(lo, hi, 1, 3, 5, 7));
}

INLINE void store_rows(int32_t* p, struct pairs acc) {
  wasm_v128_store(p, row_sums(acc.v[0], acc.v[1]));
  wasm_v128_store(p + 4, row_sums(acc.v[2], acc.v[3]));
}

#define SETS 2
#define ACC struct pairs
#define ACC_ZERO() zero_pairs()
#define ACC_ADD(a, b) add_pairs(a, b)
#define ACC_STORE(p, acc) store_rows(p, acc)
#define MAC(acc, w, x, off) mac_slot(acc, w, x, off)
#include "template.h"

void sprig_qs8_sellmv_ukernel_8c4__wasmsimd(size_t nc, const int8_t* input, const int8_t* weights,
                                            const uint16_t* offsets, const uint32_t* widths,
                                            const uint32_t* quad_base, int32_t* output) {
  sellmv_slices(nc, input, weights, offsets, widths, quad_base, output);
}
