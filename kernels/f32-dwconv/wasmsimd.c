/*
 * WebAssembly SIMD128 f32 depthwise convolution (src/sprig/dwconv.h; the whole build uses
 * -msimd128): 4 pixels per v128. SIMD128 has no fused multiply-add: f32x4.mul + f32x4.add per
 * tap and vector (the product rounded before the add, within the tests' bound).
 *
 * The bias and taps are splat into v128 locals once per call, the tap row pointers once per
 * output row. x loop: 4 vectors (16 pixels) per trip (per trip of 9 taps: 36 v128.load, 36
 * f32x4.mul, 36 f32x4.add, 4 f32x4.pmax + 4 f32x4.pmin, 4 v128.store), then single vectors, then
 * 2 pixels (v128.load64_zero / v128.store64_lane) and 1 (load32_zero / store32_lane), so nothing
 * outside [0, width) of a row is read or written. Which locals stay in registers is the engine's
 * choice: on x86-64 (16 xmm registers) the 25 taps and 4 accumulators cannot all, so expect
 * spill reloads there, at most one per tap per 4 vectors (not measured under node).
 *
 * Clamp: pmax(acc, min) then pmin(acc, max), i.e. exactly scalar.c's `x < lo ? lo : x` then
 * `x > hi ? hi : x` (a NaN passes through; one maxps / minps each on x86, see
 * kernels/f32-spmm/wasmsimd.c for the measurements).
 */
#include <stddef.h>
#include <stdint.h>

#include <wasm_simd128.h>

#include <isa/unroll.h>
#include <isa/wasmsimd.h>
#include <sprig/dwconv.h>

#define MAX_TAPS 25
/* Vectors of 4 pixels per trip of the x loop. */
#define U 4

/* nv (1 .. U) vectors of `lanes` pixels (4; or 2 or 1 in the low lanes, nv = 1) at pixel x of
 * the row: bias + the taps' products, clamped. */
INLINE void dwconv_vectors(size_t taps, size_t nv, size_t lanes, const float* const* in, size_t x, const v128_t* w,
                           v128_t vbias, float* out, v128_t vmin, v128_t vmax) {
  v128_t acc[U];
  UNROLL_ALL for (size_t u = 0; u < nv; u++) {
    acc[u] = vbias;
  }
  UNROLL_ALL for (size_t t = 0; t < taps; t++) {
    UNROLL_ALL for (size_t u = 0; u < nv; u++) {
      acc[u] = wasm_f32x4_add(acc[u], wasm_f32x4_mul(load_pixels(in[t] + x + 4 * u, lanes), w[t]));
    }
  }
  UNROLL_ALL for (size_t u = 0; u < nv; u++) {
    store_pixels(out + x + 4 * u, clamp(acc[u], vmin, vmax, clamp_x86), lanes);
  }
}

INLINE void dwconv(size_t taps, size_t rows, size_t width, const float* input, size_t input_row_stride,
                   const int32_t* offsets, const float* weights, float* output, size_t output_row_stride,
                   const struct sprig_f32_minmax_params* params) {
  const v128_t vmin = wasm_v128_load32_splat(&params->min);
  const v128_t vmax = wasm_v128_load32_splat(&params->max);
  const v128_t vbias = wasm_v128_load32_splat(weights);
  v128_t w[MAX_TAPS];
  UNROLL_ALL for (size_t t = 0; t < taps; t++) {
    w[t] = wasm_v128_load32_splat(weights + 1 + t);
  }
  for (size_t y = 0; y < rows; y++) {
    const char* row = (const char*) input + y * input_row_stride;
    float* out = (float*) ((char*) output + y * output_row_stride);
    const float* in[MAX_TAPS];
    UNROLL_ALL for (size_t t = 0; t < taps; t++) {
      in[t] = (const float*) (row + offsets[t]);
    }
    size_t x = 0;
    for (; x + 4 * U <= width; x += 4 * U) {
      dwconv_vectors(taps, U, 4, in, x, w, vbias, out, vmin, vmax);
    }
    for (; x + 4 <= width; x += 4) {
      dwconv_vectors(taps, 1, 4, in, x, w, vbias, out, vmin, vmax);
    }
    if (width - x >= 2) {
      dwconv_vectors(taps, 1, 2, in, x, w, vbias, out, vmin, vmax);
      x += 2;
    }
    if (x != width) {
      dwconv_vectors(taps, 1, 1, in, x, w, vbias, out, vmin, vmax);
    }
  }
}

void sprig_f32_dwconv_minmax_ukernel_9p__wasmsimd(size_t rows, size_t width, const float* input,
                                                  size_t input_row_stride, const int32_t* offsets,
                                                  const float* weights, float* output, size_t output_row_stride,
                                                  const struct sprig_f32_minmax_params* params) {
  dwconv(9, rows, width, input, input_row_stride, offsets, weights, output, output_row_stride, params);
}

void sprig_f32_dwconv_minmax_ukernel_25p__wasmsimd(size_t rows, size_t width, const float* input,
                                                   size_t input_row_stride, const int32_t* offsets,
                                                   const float* weights, float* output, size_t output_row_stride,
                                                   const struct sprig_f32_minmax_params* params) {
  dwconv(25, rows, width, input, input_row_stride, offsets, weights, output, output_row_stride, params);
}
