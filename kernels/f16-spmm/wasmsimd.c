/*
 * WebAssembly SIMD128 f16 SpMM: 4 pixels per v128 as f32, V = MR / 4 accumulators per channel.
 * SIMD128 has no half-precision instructions, so the conversions are integer SIMD:
 *   half -> f32 (exact): kernels/isa/wasmsimd-half.h.
 *   f32 -> half (round to nearest, ties to even; the rules of src/sprig/half.h, lane-wise):
 *     normals rebiased with the 13 dropped bits rounded, values below 2^-14 rounded to a
 *     multiple of 2^-24 by adding 0.5 in f32, overflow to Inf, NaN kept NaN; the cases selected
 *     by comparison masks.
 *
 * Per nonzero of an MRx1 tile: V v128.load64_zero-style widening loads of 4 halves, V
 * conversions, V f32x4.mul + f32x4.add (SIMD128 has no FMA) and a v128.load32_splat of the
 * weight, which a group of 8 weights converted together once per 8 nonzeros provides. Sums stay
 * in f32 and are rounded to half once, after the clamp (pmax / pmin: single maxps / minps on
 * x86 engines; a NaN passes through). Narrow tiles take the nonzeros in turn into 8 / V
 * accumulator sets.
 *
 * Pixel remainders: one pass over the last mc % MR pixels with as many vectors as they need. A
 * partial last vector of k halves is, per nonzero, one v128.load64_zero of the 4 halves that end
 * at the row's last pixel and one i8x16.swizzle that moves their last k into u32 lanes
 * 0 .. k-1, zero-extended, and zeros the rest (the index is made once per call); rows shorter
 * than 4 pixels are loaded piecewise (4 and 2 bytes), and a partial output vector is stored by
 * lane stores, so that nothing outside input[0 .. mc) and output[0 .. mc) is read or written.
 */
#include <string.h>
#include <wasm_simd128.h>

#include <isa/wasmsimd-half.h>
#include <sprig/f16-spmm.h>

#define INLINE static inline __attribute__((always_inline))

/* 4 f32 lanes rounded to halves, in the low 16 bits of u32 lanes. */
INLINE v128_t f32_to_halves(v128_t f) {
  const v128_t sign = wasm_v128_and(wasm_u32x4_shr(f, 16), wasm_i32x4_splat(0x8000));
  const v128_t magnitude = wasm_v128_and(f, wasm_i32x4_splat(0x7FFFFFFF));
  /* Normal halves: rebias, and round the 13 dropped bits to nearest even. */
  const v128_t odd = wasm_v128_and(wasm_u32x4_shr(magnitude, 13), wasm_i32x4_splat(1));
  const v128_t normal = wasm_u32x4_shr(
      wasm_i32x4_sub(wasm_i32x4_add(wasm_i32x4_add(magnitude, wasm_i32x4_splat(0xFFF)), odd),
                     wasm_i32x4_splat(0x38000000)),
      13);
  /* Below 2^-14: adding 0.5 rounds to a multiple of 2^-24, leaving the half in the low bits. */
  const v128_t subnormal =
      wasm_i32x4_sub(wasm_f32x4_add(magnitude, wasm_f32x4_splat(0.5f)), wasm_i32x4_splat(0x3F000000));
  const v128_t nan = wasm_v128_or(wasm_i32x4_splat(0x7E00),
                                  wasm_v128_and(wasm_u32x4_shr(magnitude, 13), wasm_i32x4_splat(0x3FF)));
  /* Magnitudes compared as signed integers: all are below 2^31. */
  v128_t half = wasm_v128_bitselect(subnormal, normal, wasm_i32x4_lt(magnitude, wasm_i32x4_splat(0x38800000)));
  half = wasm_v128_bitselect(wasm_i32x4_splat(0x7C00), half, wasm_i32x4_ge(magnitude, wasm_i32x4_splat(0x477FF000)));
  half = wasm_v128_bitselect(nan, half, wasm_i32x4_gt(magnitude, wasm_i32x4_splat(0x7F800000)));
  return wasm_v128_or(sign, half);
}

INLINE void store_halves(uint16_t* p, v128_t f) {
  const v128_t h = f32_to_halves(f);
  /* The low halves of the 4 u32 lanes, packed into 8 bytes. */
  wasm_v128_store64_lane(p, wasm_i8x16_shuffle(h, h, 0, 1, 4, 5, 8, 9, 12, 13, 0, 1, 4, 5, 8, 9, 12, 13), 0);
}

/* 8 weights as f32. */
struct weights8 {
  float w[8];
};

INLINE struct weights8 load_weights8(const uint16_t* p) {
  struct weights8 g;
  wasm_v128_store(g.w, halves_to_f32(wasm_u32x4_load16x4(p)));
  wasm_v128_store(g.w + 4, halves_to_f32(wasm_u32x4_load16x4(p + 4)));
  return g;
}

/* The swizzle index for a tail of k (1 .. 3) halves: half 4 - k + i of the 8 loaded bytes into
 * the low 16 bits of u32 lane i < k; 0x80 (a zero byte) everywhere else. */
INLINE v128_t tail_index(size_t k) {
  uint8_t index[16];
  for (size_t i = 0; i < 4; i++) {
    const uint8_t first = (uint8_t) (2 * (4 - k + i));
    index[4 * i] = i < k ? first : 0x80;
    index[4 * i + 1] = i < k ? (uint8_t) (first + 1) : 0x80;
    index[4 * i + 2] = 0x80;
    index[4 * i + 3] = 0x80;
  }
  return wasm_v128_load(index);
}

INLINE v128_t load_tail(const uint16_t* p, v128_t index) {
  return halves_to_f32(wasm_i8x16_swizzle(wasm_v128_load64_zero(p), index));
}

/* The first k (1 .. 3) halves at p, the other lanes zero: 2 and 1 halves as k's bits say. */
INLINE v128_t load_part(const uint16_t* p, size_t k) {
  uint32_t pair = 0;
  if (k & 2) {
    memcpy(&pair, p, sizeof(pair));
  }
  uint64_t lanes = pair;
  if (k & 1) {
    lanes |= (uint64_t) p[k - 1] << (16 * (k & 2));
  }
  return halves_to_f32(wasm_u32x4_extend_low_u16x8(wasm_i64x2_make((int64_t) lanes, 0)));
}

/* The first k (1 .. 3) lanes of v to p as halves, by 32- and 16-bit lane stores. */
INLINE void store_part(uint16_t* p, v128_t v, size_t k) {
  const v128_t h = f32_to_halves(v);
  const v128_t packed = wasm_i8x16_shuffle(h, h, 0, 1, 4, 5, 8, 9, 12, 13, 0, 1, 4, 5, 8, 9, 12, 13);
  if (k & 2) {
    wasm_v128_store32_lane(p, packed, 0);
    if (k & 1) {
      wasm_v128_store16_lane(p + 2, packed, 2);
    }
  } else {
    wasm_v128_store16_lane(p, packed, 0);
  }
}

INLINE v128_t broadcast_half(uint16_t h) {
  return halves_to_f32(wasm_i32x4_splat(h));
}

#define VEC v128_t
#define LANES 4
#define VLOAD_X(p) halves_to_f32(wasm_u32x4_load16x4(p))
#define VLOAD_X_PART(p, k) load_part(p, k)
#define VSTORE_Y(p, v) store_halves(p, v)
#define VSTORE_Y_PART(p, v, k) store_part(p, v, k)
#define TAIL v128_t
#define VTAIL_INIT(k) tail_index(k)
#define VLOAD_X_TAIL(p, t) load_tail(p, t)
#define VMADD(acc, x, w) wasm_f32x4_add(acc, wasm_f32x4_mul(x, w))
#define VADD(a, b) wasm_f32x4_add(a, b)
#define VZERO() wasm_f32x4_splat(0.0f)
#define VBROADCAST_HALF(h) broadcast_half(h)
#define WGROUP struct weights8
#define VLOAD_WGROUP(p) load_weights8(p)
#define VPERM_W(g, l) wasm_f32x4_splat((g).w[(l)])
#define VCLAMP_MIN(params) wasm_f32x4_splat((params)->min)
#define VCLAMP_MAX(params) wasm_f32x4_splat((params)->max)
/* pmax(x, lo) = x < lo ? lo : x and pmin(x, hi) = hi < x ? hi : x: b (the sum) when either is NaN. */
#define VMIN(a, b) wasm_f32x4_pmin(b, a)
#define VMAX(a, b) wasm_f32x4_pmax(b, a)

#include "simd-template.h"

#define DEFINE_WASMSIMD_SPMM(MR) SPMM_KERNEL(sprig_f16_spmm_ukernel_##MR##x1__wasmsimd, MR / 4)

DEFINE_WASMSIMD_SPMM(4)
DEFINE_WASMSIMD_SPMM(8)
DEFINE_WASMSIMD_SPMM(16)
