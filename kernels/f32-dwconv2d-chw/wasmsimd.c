/*
 * WebAssembly SIMD128 f32 direct depthwise convolution (src/sprig/dwconv2d-chw.h; the whole
 * build uses -msimd128), over template.h: 4 pixels per v128. SIMD128 has no fused multiply-add:
 * f32x4.mul + f32x4.add per tap vector (the product rounded before the add, within the tests'
 * bound). The bias and taps are splat into v128 locals once per call.
 *
 * MODE_LOADS with 2 output vectors per trip, as the SSE2 and NEON kernels (what the engines
 * lower SIMD128 to): in the middle of a row each tap vector is a v128.load (stride 2: the even
 * or odd i32x4.shuffle of two loads at 2x - 2, 2x or 2x + 2: per row and output vector 4 loads
 * and 3 shuffles, where MODE_SHIFT takes 2 loads and 3 shuffles but more registers). The row's
 * first vector and its end are MODE_SHIFT over v128.load32_zero / load64_zero (+ load32_lane)
 * zero-filled past the row, with lane stores, so nothing outside [0, input_width) of a row is
 * read. Clamp: f32x4.pmax / pmin as in kernels/f32-dwconv/wasmsimd.c (a NaN passes through).
 */
#include <stddef.h>
#include <stdint.h>

#include <wasm_simd128.h>

#include <isa/wasmsimd.h>
#include <sprig/dwconv2d-chw.h>

#define VEC v128_t
#define LANES 4

INLINE v128_t vzero(void) {
  return wasm_f32x4_splat(0.0f);
}

INLINE v128_t vload_splat(const float* p) {
  return wasm_v128_load32_splat(p);
}

INLINE v128_t vload(const float* p) {
  return wasm_v128_load(p);
}

INLINE v128_t vload_clip(const float* p, size_t n) {
  switch (n) {
    case 0:
      return wasm_f32x4_splat(0.0f);
    case 1:
      return wasm_v128_load32_zero(p);
    case 2:
      return wasm_v128_load64_zero(p);
    case 3:
      return wasm_v128_load32_lane(p + 2, wasm_v128_load64_zero(p), 2);
    default:
      return wasm_v128_load(p);
  }
}

INLINE void vstore(float* p, v128_t v) {
  wasm_v128_store(p, v);
}

INLINE void vstore_part(float* p, v128_t v, size_t n) {
  if (n & 2) {
    wasm_v128_store64_lane(p, v, 0);
    if (n & 1) {
      wasm_v128_store32_lane(p + 2, v, 2);
    }
  } else {
    wasm_v128_store32_lane(p, v, 0);
  }
}

INLINE v128_t valign(v128_t lo, v128_t hi, size_t k) {
  switch (k) {
    case 1:
      return wasm_i32x4_shuffle(lo, hi, 1, 2, 3, 4);
    case 2:
      return wasm_i32x4_shuffle(lo, hi, 2, 3, 4, 5);
    default:
      return wasm_i32x4_shuffle(lo, hi, 3, 4, 5, 6);
  }
}

INLINE void vunzip(v128_t a, v128_t b, v128_t* even, v128_t* odd) {
  *even = wasm_i32x4_shuffle(a, b, 0, 2, 4, 6);
  *odd = wasm_i32x4_shuffle(a, b, 1, 3, 5, 7);
}

INLINE void vload_pair(const float* p, v128_t* even, v128_t* odd) {
  vunzip(wasm_v128_load(p), wasm_v128_load(p + 4), even, odd);
}

INLINE void vload_pair_loads(const float* p, v128_t* even, v128_t* odd) {
  vload_pair(p, even, odd);
}

INLINE v128_t vunpermute(v128_t v) {
  return v;
}

INLINE v128_t vadd(v128_t a, v128_t b) {
  return wasm_f32x4_add(a, b);
}

INLINE v128_t vclamp(v128_t v, v128_t vmin, v128_t vmax) {
  return clamp(v, vmin, vmax, clamp_x86);
}

struct taps {
  v128_t bias;
  v128_t w[25];
};

INLINE void taps_init(size_t k, const float* weights, struct taps* t) {
  t->bias = wasm_v128_load32_splat(weights);
  for (size_t i = 0; i < k * k; i++) {
    t->w[i] = wasm_v128_load32_splat(weights + 1 + i);
  }
}

INLINE v128_t taps_bias(const struct taps* t) {
  return t->bias;
}

INLINE v128_t vmadd_tap(v128_t acc, v128_t x, const struct taps* t, size_t i) {
  return wasm_f32x4_add(acc, wasm_f32x4_mul(x, t->w[i]));
}

#include "template.h"

void sprig_f32_dwconv2d_chw_minmax_ukernel_3x3s1__wasmsimd(size_t input_height, size_t input_width,
                                                           size_t output_height, size_t output_width,
                                                           const float* input, const float* weights, const float* zero,
                                                           float* output, uint32_t padding_top,
                                                           const struct sprig_f32_minmax_params* params) {
  dwconv2d_chw(3, 1, 2, MODE_LOADS, input_height, input_width, output_height, output_width, input, weights, zero,
               output, padding_top, params);
}

void sprig_f32_dwconv2d_chw_minmax_ukernel_3x3s2__wasmsimd(size_t input_height, size_t input_width,
                                                           size_t output_height, size_t output_width,
                                                           const float* input, const float* weights, const float* zero,
                                                           float* output, uint32_t padding_top,
                                                           const struct sprig_f32_minmax_params* params) {
  dwconv2d_chw(3, 2, 2, MODE_LOADS, input_height, input_width, output_height, output_width, input, weights, zero,
               output, padding_top, params);
}

void sprig_f32_dwconv2d_chw_minmax_ukernel_5x5s1__wasmsimd(size_t input_height, size_t input_width,
                                                           size_t output_height, size_t output_width,
                                                           const float* input, const float* weights, const float* zero,
                                                           float* output, uint32_t padding_top,
                                                           const struct sprig_f32_minmax_params* params) {
  dwconv2d_chw(5, 1, 2, MODE_LOADS, input_height, input_width, output_height, output_width, input, weights, zero,
               output, padding_top, params);
}

void sprig_f32_dwconv2d_chw_minmax_ukernel_5x5s2__wasmsimd(size_t input_height, size_t input_width,
                                                           size_t output_height, size_t output_width,
                                                           const float* input, const float* weights, const float* zero,
                                                           float* output, uint32_t padding_top,
                                                           const struct sprig_f32_minmax_params* params) {
  dwconv2d_chw(5, 2, 2, MODE_LOADS, input_height, input_width, output_height, output_width, input, weights, zero,
               output, padding_top, params);
}
