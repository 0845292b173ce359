/*
 * The WebAssembly f32 SpMM kernels, SIMD128 (kernels/f32-spmm/wasmsimd.c) and relaxed SIMD
 * (wasmrelaxedsimd.c). Not compiled on its own: the kernel file includes it once after defining
 *   MADD(acc, a, b)  acc + a * b, lane-wise (f32x4.mul + f32x4.add, or f32x4.relaxed_madd)
 * and then defines its kernels with SPRIG_WASM_SPMM_KERNEL(isa, MR, NR, flavour).
 * The costs, limits and flavours of the kernels: kernels/f32-spmm/wasmsimd.c.
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
        acc[r][v] = MADD(acc[r][v], x, vw[r]);
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

/* Pixels in tiles of `mr`, then one tile for each set bit of the remainder, largest first (the 2-
 * and 1-pixel tiles touch nothing outside [0, mc)). */
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
  /* Each tile width a literal: a loop over the widths leaves them unknown to the compiler,
   * whose generic tile code then ran 4-8x slower than the specialized one under node. */
  const size_t rest = mc - p;
#define REMAINDER_TILE(TILE)                                                                                      \
  if (mr > (TILE) && (rest & (TILE)) != 0) {                                                                  \
    spmm_tile(TILE, nr, flavour, nc, input + p, input_stride, bias, weights, deltas, nnz, output + p,         \
              output_stride, lo, hi);                                                                         \
    p += (TILE);                                                                                              \
  }
  REMAINDER_TILE(16)
  REMAINDER_TILE(8)
  REMAINDER_TILE(4)
  REMAINDER_TILE(2)
  REMAINDER_TILE(1)
#undef REMAINDER_TILE
}

#define SPRIG_WASM_SPMM_KERNEL(ISA, MR, NR, FLAVOUR)                                                 \
  void sprig_f32_spmm_minmax_ukernel_##MR##x##NR##__##ISA##_##FLAVOUR(                               \
      size_t mc, size_t nc, const float* input, size_t input_stride, const float* bias, const float* weights, \
      const int8_t* input_deltas, const uint32_t* nnz, float* output, size_t output_stride,                   \
      const struct sprig_f32_minmax_params* params) {                                                         \
    spmm_all_tiles(MR, NR, clamp_##FLAVOUR, mc, nc, input, input_stride, bias, weights, input_deltas, nnz,    \
                   output, output_stride, params);                                                            \
  }
