/*
 * WebAssembly relaxed-SIMD f32 SpMM: kernels/f32-spmm/wasmsimd.c's tiles with each 4-wide
 * multiply-accumulate as one f32x4.relaxed_madd instead of f32x4.mul + f32x4.add. Compiled by
 * clang-19 into the relaxed build only (SPRIG_WASM_RELAXED, cmake/sprigWasmRelaxed.cmake): a
 * module holding these kernels does not instantiate on an engine without relaxed SIMD.
 *
 * Accuracy: relaxed_madd(a, b, c) is either fused (a * b + c rounded once; node 20 on x86-64
 * with FMA3 fuses, as tests/f32-spmm.c reports) or unfused (a * b rounded, then + c rounded); the
 * engine chooses, and the choice is fixed for an engine on a host, not made per call. With M =
 * |bias| + sum |w * x| over a channel's terms and u = 2^-24, the fused sum is within terms * u * M
 * of the exact value and the unfused one within (terms + 1) * u * M (to first order), both inside
 * the (terms + 2) bound every kernel is tested against; so the two differ by at most
 * (2 terms + 2) * u * M. tests/f32-spmm.c checks every relaxed kernel against the reference,
 * against its SIMD128 twin (same tile, same order of terms) under that difference bound, and on
 * one product whose exact result tells fused from unfused, accepting only those two values.
 *
 * Clamp: the two flavours of wasmsimd.c (_x86: pmax/pmin, one instruction each on x86; _arm:
 * f32x4.min/max, one instruction each on ARM), not f32x4.relaxed_min/max: those would be one
 * instruction on both, which the matching flavour already is, and would make a NaN output
 * engine-dependent.
 *
 * Register budget per nonzero as in wasmsimd.c (V inputs, NR * V accumulators, NR splats);
 * the fused form needs no product temporary.
 */
#include <wasm_simd128.h>

#include <isa/wasmsimd.h>
#include <sprig/spmm.h>

#define MAX_VECTORS 8
#define MAX_NR 4

/* Where the next unit's biases, weights, deltas, input row and output row are. */
struct cursor {
  const float* input;
  size_t input_stride;
  const float* bias;
  const float* weights;
  const int8_t* deltas;
  float* output;
};

/* One unit (a block of `nr` channels, or one channel) over one tile of `mr` pixels, `columns`
 * nonzero columns; every size is a constant once inlined. */
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
        acc[r][v] = wasm_f32x4_relaxed_madd(x, vw[r], acc[r][v]);
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

/* Pixels in tiles of `mr`, then one tile per set bit of the remainder, largest first (the 2- and
 * 1-pixel tiles touch nothing outside [0, mc)). */
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
  for (size_t tile = 16; tile != 0; tile /= 2) {
    if (mr > tile && (rest & tile) != 0) {
      spmm_tile(tile, nr, flavour, nc, input + p, input_stride, bias, weights, deltas, nnz, output + p,
                output_stride, lo, hi);
      p += tile;
    }
  }
}

#define DEFINE_WASMRELAXEDSIMD_SPMM(MR, NR, FLAVOUR)                                                 \
  void sprig_f32_spmm_minmax_ukernel_##MR##x##NR##__wasmrelaxedsimd_##FLAVOUR(                       \
      size_t mc, size_t nc, const float* input, size_t input_stride, const float* bias, const float* weights, \
      const int8_t* input_deltas, const uint32_t* nnz, float* output, size_t output_stride,                   \
      const struct sprig_f32_minmax_params* params) {                                                         \
    spmm_all_tiles(MR, NR, clamp_##FLAVOUR, mc, nc, input, input_stride, bias, weights, input_deltas, nnz,    \
                   output, output_stride, params);                                                            \
  }

DEFINE_WASMRELAXEDSIMD_SPMM(8, 1, arm)
DEFINE_WASMRELAXEDSIMD_SPMM(16, 1, arm)
DEFINE_WASMRELAXEDSIMD_SPMM(32, 1, arm)
DEFINE_WASMRELAXEDSIMD_SPMM(8, 1, x86)
DEFINE_WASMRELAXEDSIMD_SPMM(16, 1, x86)
DEFINE_WASMRELAXEDSIMD_SPMM(32, 1, x86)

DEFINE_WASMRELAXEDSIMD_SPMM(8, 2, x86)
DEFINE_WASMRELAXEDSIMD_SPMM(16, 2, x86)
DEFINE_WASMRELAXEDSIMD_SPMM(8, 4, x86)
