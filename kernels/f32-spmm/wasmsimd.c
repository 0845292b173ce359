/*
 * WebAssembly SIMD128 f32 SpMM (the whole build uses -msimd128).
 *
 * Inner loop per nonzero (per nonzero column for NR > 1), with V = MR / 4 vectors of pixels:
 *   NR = 1: 1 v128.load32_splat (weight), V v128.load (input), V f32x4.mul + V f32x4.add,
 *           1 i32.load8_s (input row step) and i32.mul by the row stride, pointer bumps, loop
 *           counter.
 *   NR = 2: 2 v128.load32_splat, V v128.load, 2V f32x4.mul + 2V f32x4.add, same delta work.
 *   NR = 4: 1 v128.load + 4 i32x4.shuffle (lane splats), V v128.load, 4V mul + 4V add.
 * SIMD128 has no fused multiply-add, so each 4-wide MAC costs two FP instructions; the rest is
 * fixed per-nonzero overhead (splat, delta load, pointer bumps, branch) that a larger MR spreads.
 * What limits MR is V8's x64 code generator: it issues all of a nonzero's input loads before the
 * arithmetic, so V loads, V accumulators and the splat must fit in the 15 allocatable xmm
 * registers. 16x1 (9 live) fits; 32x1 (17) spills two vectors to the stack every nonzero and
 * runs ~10-30% slower than 16x1 under node on x86-64. ARM64 engines have 32 vector registers,
 * where 32x1 should not spill. NR > 1 shares each input load among NR channels (16x2: 14 live,
 * 8x4: 14 live), which pays off only when blocks of NR channels share their sparsity pattern:
 * with unstructured sparsity the stored zeros cost more than the saved loads.
 *
 * Two flavours, differing only in the final clamp:
 *   _arm: f32x4.min/max, single instructions on ARM but multi-instruction NaN- and
 *         signed-zero-exact sequences on x86.
 *   _x86: f32x4.pmax(acc, min) then f32x4.pmin(acc, max). pmax(a, b) = a < b ? b : a and
 *         pmin(a, b) = b < a ? b : a, i.e. exactly scalar.c's `x < lo ? lo : x` then
 *         `x > hi ? hi : x`; each is one maxps/minps on x86. With the accumulator as the first
 *         operand a NaN passes through unclamped, as in scalar.c and the _arm flavour.
 * With ~3 nonzeros per channel (MobileNet's first 1x1 layer at 90% sparsity) the clamp is a
 * large share of the work and _x86 runs ~1.9x faster than _arm on x86; on k = 256 it is ~5%.
 *
 * Default: 16x1 _x86. Node and most desktop browsers run on x86-64, where it measured fastest of
 * all NR = 1 tiles on every MobileNet-v1 1x1 layer tried (about 4-6x the scalar wasm build's
 * 8x1 kernel at 90% sparsity; 22.6 vs 5.4 GFLOP/s on m = 3136, k = n = 256).
 *
 * Remainder pixels: after the MR tiles, one tile per set bit of the rest (16, 8, 4, 2, 1); the
 * 2- and 1-pixel tiles use v128.load64_zero / load32_zero and v128.store64_lane / store32_lane,
 * so nothing outside input[0 .. mc) or output[0 .. mc) is read or written.
 */
#include <wasm_simd128.h>

#include <isa/wasmsimd.h>
#include <sprig/spmm.h>

#define MAX_VECTORS 8
#define MAX_NR 4

/* The channel cursor: where the next unit's biases, weights, deltas, input row and output row are. */
struct cursor {
  const float* input;
  size_t input_stride;
  const float* bias;
  const float* weights;
  const int8_t* deltas;
  float* output;
};

/* One unit (a block of `nr` channels, or a single channel when nr == 1) over one tile of `mr`
 * pixels; `columns` nonzero columns. All size arguments are compile-time constants once
 * inlined, so the accumulators are registers. */
INLINE void spmm_unit(
    size_t mr, size_t nr, enum clamp_flavour flavour, uint32_t columns, struct cursor* cur,
    size_t output_stride, v128_t lo, v128_t hi) {
  const size_t nv = mr >= 4 ? mr / 4 : 1;
  const float* input = cur->input;
  const float* w = cur->weights;
  const int8_t* deltas = cur->deltas;

  v128_t acc[MAX_NR][MAX_VECTORS];
  for (size_t r = 0; r < nr; r++) {
    const v128_t bias = wasm_v128_load32_splat(cur->bias + r);
    for (size_t v = 0; v < nv; v++) {
      acc[r][v] = bias;
    }
  }

  for (; columns != 0; columns--) {
    v128_t vw[MAX_NR];
    if (nr == 4) {
      const v128_t four = wasm_v128_load(w);
      vw[0] = wasm_i32x4_shuffle(four, four, 0, 0, 0, 0);
      vw[1] = wasm_i32x4_shuffle(four, four, 1, 1, 1, 1);
      vw[2] = wasm_i32x4_shuffle(four, four, 2, 2, 2, 2);
      vw[3] = wasm_i32x4_shuffle(four, four, 3, 3, 3, 3);
    } else {
      for (size_t r = 0; r < nr; r++) {
        vw[r] = wasm_v128_load32_splat(w + r);
      }
    }
    w += nr;
    const int8_t delta = *deltas++;
    for (size_t v = 0; v < nv; v++) {
      const v128_t x = load_pixels(input + 4 * v, mr);
      for (size_t r = 0; r < nr; r++) {
        acc[r][v] = wasm_f32x4_add(acc[r][v], wasm_f32x4_mul(x, vw[r]));
      }
    }
    input = sprig_spmm_next_row(input, delta, cur->input_stride);
  }

  float* out = cur->output;
  for (size_t r = 0; r < nr; r++) {
    for (size_t v = 0; v < nv; v++) {
      store_pixels(out + 4 * v, clamp(acc[r][v], lo, hi, flavour), mr);
    }
    out = (float*) ((uintptr_t) out + output_stride);
  }

  cur->input = input;
  cur->bias += nr;
  cur->weights = w;
  cur->deltas = deltas;
  cur->output = out;
}

/* All channels for one tile of `mr` pixels: nc / nr blocks, then nc % nr single channels. */
INLINE void spmm_tile(
    size_t mr, size_t nr, enum clamp_flavour flavour, size_t nc, const float* input, size_t input_stride,
    const float* bias, const float* weights, const int8_t* deltas, const uint32_t* nnz, float* output,
    size_t output_stride, v128_t lo, v128_t hi) {
  struct cursor cur = {input, input_stride, bias, weights, deltas, output};
  size_t n = nc;
  for (; n >= nr; n -= nr) {
    spmm_unit(mr, nr, flavour, *nnz++, &cur, output_stride, lo, hi);
  }
  if (nr > 1) {
    for (; n != 0; n--) {
      spmm_unit(mr, 1, flavour, *nnz++, &cur, output_stride, lo, hi);
    }
  }
}

/* Pixels in tiles of `mr`, then one tile for each set bit of the remainder, largest first. */
INLINE void spmm_all_tiles(
    size_t mr, size_t nr, enum clamp_flavour flavour, size_t mc, size_t nc, const float* input, size_t input_stride,
    const float* bias, const float* weights, const int8_t* deltas, const uint32_t* nnz, float* output,
    size_t output_stride, const struct sprig_f32_minmax_params* params) {
  const v128_t lo = wasm_f32x4_splat(params->min);
  const v128_t hi = wasm_f32x4_splat(params->max);
  size_t p = 0;
  for (; p + mr <= mc; p += mr) {
    spmm_tile(mr, nr, flavour, nc, input + p, input_stride, bias, weights, deltas, nnz, output + p, output_stride, lo,
              hi);
  }
  const size_t rest = mc - p;
  if (mr > 16 && (rest & 16) != 0) {
    spmm_tile(16, nr, flavour, nc, input + p, input_stride, bias, weights, deltas, nnz, output + p, output_stride, lo,
              hi);
    p += 16;
  }
  if (mr > 8 && (rest & 8) != 0) {
    spmm_tile(8, nr, flavour, nc, input + p, input_stride, bias, weights, deltas, nnz, output + p, output_stride, lo,
              hi);
    p += 8;
  }
  if (mr > 4 && (rest & 4) != 0) {
    spmm_tile(4, nr, flavour, nc, input + p, input_stride, bias, weights, deltas, nnz, output + p, output_stride, lo,
              hi);
    p += 4;
  }
  if (mr > 2 && (rest & 2) != 0) {
    spmm_tile(2, nr, flavour, nc, input + p, input_stride, bias, weights, deltas, nnz, output + p, output_stride, lo,
              hi);
    p += 2;
  }
  if (mr > 1 && (rest & 1) != 0) {
    spmm_tile(1, nr, flavour, nc, input + p, input_stride, bias, weights, deltas, nnz, output + p, output_stride, lo,
              hi);
  }
}

#define DEFINE_WASMSIMD_SPMM(MR, NR, FLAVOUR)                                                        \
  void sprig_f32_spmm_minmax_ukernel_##MR##x##NR##__wasmsimd_##FLAVOUR(                              \
      size_t mc, size_t nc, const float* input, size_t input_stride, const float* bias, const float* weights, \
      const int8_t* input_deltas, const uint32_t* nnz, float* output, size_t output_stride,                   \
      const struct sprig_f32_minmax_params* params) {                                                         \
    spmm_all_tiles(MR, NR, clamp_##FLAVOUR, mc, nc, input, input_stride, bias, weights, input_deltas, nnz,    \
                   output, output_stride, params);                                                            \
  }

DEFINE_WASMSIMD_SPMM(4, 1, arm)
DEFINE_WASMSIMD_SPMM(8, 1, arm)
DEFINE_WASMSIMD_SPMM(16, 1, arm)
DEFINE_WASMSIMD_SPMM(32, 1, arm)
DEFINE_WASMSIMD_SPMM(4, 1, x86)
DEFINE_WASMSIMD_SPMM(8, 1, x86)
DEFINE_WASMSIMD_SPMM(16, 1, x86)
DEFINE_WASMSIMD_SPMM(32, 1, x86)

DEFINE_WASMSIMD_SPMM(8, 2, arm)
DEFINE_WASMSIMD_SPMM(16, 2, arm)
DEFINE_WASMSIMD_SPMM(8, 4, arm)
DEFINE_WASMSIMD_SPMM(8, 2, x86)
DEFINE_WASMSIMD_SPMM(16, 2, x86)
DEFINE_WASMSIMD_SPMM(8, 4, x86)
