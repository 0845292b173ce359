/*
 * WebAssembly SIMD128 f32 sparse direct convolution (src/sprig/spconv.h; the whole build uses
 * -msimd128).
 *
 * Inner loop per stored value (per stored column for NR = 4), with V = MR / 4 vectors of pixels:
 *   NR = 1: 1 i32.load of its byte offset and an i32.add to the input, 1 v128.load32_splat
 *           (weight), V v128.load (input, constant displacements), V f32x4.mul + V f32x4.add.
 *   NR = 4: 1 v128.load + 4 i32x4.shuffle (lane splats), the offset load and add, V v128.load,
 *           4V mul + 4V add.
 * SIMD128 has no fused multiply-add, so each 4-wide MAC costs two FP instructions. Nothing
 * carries from one stored value to the next but the accumulators; tiles of fewer than 4 vectors
 * take the stored values in turn into 2 or 4 accumulator sets (the add latency), summed once
 * per channel. What limits MR is V8's x64 code generator, which keeps all of a value's input
 * loads live at once: V loads, V accumulators and the splat must fit in 15 xmm registers, which
 * 16x1 does and 32x1 does not (see kernels/f32-spmm/wasmsimd.c, measured there).
 *
 * Two flavours, differing only in the final clamp (isa/wasmsimd.h):
 *   _arm: f32x4.min/max, single instructions on ARM, multi-instruction sequences on x86.
 *   _x86: f32x4.pmax then f32x4.pmin, one maxps/minps each on x86; a NaN passes through.
 * Default: 16x1 _x86 (node and most desktop browsers run on x86-64), as for SpMM.
 *
 * Remainder pixels: after the MR tiles, one tile per set bit of the rest (16, 8, 4, 2, 1); the
 * 2- and 1-pixel tiles use v128.load64_zero / load32_zero and v128.store64_lane / store32_lane,
 * so nothing outside [0, mc) of an offset's run or of an output row is read or written.
 */
#include <wasm_simd128.h>

#include <isa/wasmsimd.h>
#include <sprig/spconv.h>

#define MAX_VECTORS 8
#define MAX_NR 4
#define MAX_SETS 4

/* The floats of stored value `offset` (at(input, offset) of src/sprig/spconv.h). */
INLINE const float* at(const char* input, int32_t offset) {
  return (const float*) (input + offset);
}

/* The channel cursor: where the next unit's biases, weights, offsets and output row are. */
struct cursor {
  const char* input;
  const float* bias;
  const float* weights;
  const int32_t* offsets;
  float* output;
};

/* acc[0 .. nv) += the nv vectors (or mr < 4 pixels) at x * vw. */
INLINE void madd_row(size_t mr, size_t nv, v128_t* acc, const float* x, v128_t vw) {
  for (size_t v = 0; v < nv; v++) {
    acc[v] = wasm_f32x4_add(acc[v], wasm_f32x4_mul(load_pixels(x + 4 * v, mr), vw));
  }
}

/* One channel over one tile of `mr` pixels: its `count` stored values, value j into accumulator
 * set j % sets, then the clamped output row. */
INLINE void spconv_channel(size_t mr, enum clamp_flavour flavour, uint32_t count, struct cursor* cur, v128_t lo,
                           v128_t hi) {
  const size_t nv = mr >= 4 ? mr / 4 : 1;
  const size_t sets = nv >= 4 ? 1 : nv == 2 ? 2 : 4;
  const char* input = cur->input;
  const float* w = cur->weights;
  const int32_t* o = cur->offsets;

  v128_t acc[MAX_SETS][MAX_VECTORS];
  const v128_t bias = wasm_v128_load32_splat(cur->bias);
  for (size_t v = 0; v < nv; v++) {
    acc[0][v] = bias;
    for (size_t s = 1; s < sets; s++) {
      acc[s][v] = wasm_f32x4_const_splat(0.0f);
    }
  }
  uint32_t j = count;
  for (; j >= sets; j -= sets) {
    for (size_t s = 0; s < sets; s++) {
      madd_row(mr, nv, acc[s], at(input, o[s]), wasm_v128_load32_splat(w + s));
    }
    w += sets;
    o += sets;
  }
  /* The last count % sets values (written out: each into a set of its own). */
  if (sets >= 4 && (j & 2) != 0) {
    madd_row(mr, nv, acc[0], at(input, o[0]), wasm_v128_load32_splat(w));
    madd_row(mr, nv, acc[1], at(input, o[1]), wasm_v128_load32_splat(w + 1));
    w += 2;
    o += 2;
  }
  if (sets >= 2 && (j & 1) != 0) {
    madd_row(mr, nv, acc[sets - 1], at(input, *o++), wasm_v128_load32_splat(w++));
  }
  for (size_t v = 0; v < nv; v++) {
    v128_t sum = acc[0][v];
    if (sets == 4) {
      sum = wasm_f32x4_add(wasm_f32x4_add(sum, acc[1][v]), wasm_f32x4_add(acc[2][v], acc[3][v]));
    } else if (sets == 2) {
      sum = wasm_f32x4_add(sum, acc[1][v]);
    }
    store_pixels(cur->output + 4 * v, clamp(sum, lo, hi, flavour), mr);
  }
  cur->bias += 1;
  cur->weights = w;
  cur->offsets = o;
}

/* One block of `nr` channels over one tile of `mr` pixels: per stored offset the input vectors
 * are loaded once and multiplied by the block's nr weights; then the nr clamped output rows. */
INLINE void spconv_block(size_t mr, size_t nr, enum clamp_flavour flavour, uint32_t columns, struct cursor* cur,
                         size_t output_stride, v128_t lo, v128_t hi) {
  const size_t nv = mr >= 4 ? mr / 4 : 1;
  const char* input = cur->input;
  const float* w = cur->weights;
  const int32_t* o = cur->offsets;

  v128_t acc[MAX_NR][MAX_VECTORS];
  for (size_t r = 0; r < nr; r++) {
    const v128_t bias = wasm_v128_load32_splat(cur->bias + r);
    for (size_t v = 0; v < nv; v++) {
      acc[r][v] = bias;
    }
  }
  for (; columns != 0; columns--) {
    const v128_t four = wasm_v128_load(w);
    v128_t vw[MAX_NR];
    vw[0] = wasm_i32x4_shuffle(four, four, 0, 0, 0, 0);
    vw[1] = wasm_i32x4_shuffle(four, four, 1, 1, 1, 1);
    vw[2] = wasm_i32x4_shuffle(four, four, 2, 2, 2, 2);
    vw[3] = wasm_i32x4_shuffle(four, four, 3, 3, 3, 3);
    w += nr;
    const float* x = at(input, *o++);
    for (size_t v = 0; v < nv; v++) {
      const v128_t vx = load_pixels(x + 4 * v, mr);
      for (size_t r = 0; r < nr; r++) {
        acc[r][v] = wasm_f32x4_add(acc[r][v], wasm_f32x4_mul(vx, vw[r]));
      }
    }
  }
  float* out = cur->output;
  for (size_t r = 0; r < nr; r++) {
    for (size_t v = 0; v < nv; v++) {
      store_pixels(out + 4 * v, clamp(acc[r][v], lo, hi, flavour), mr);
    }
    out = (float*) ((uintptr_t) out + output_stride);
  }
  cur->bias += nr;
  cur->weights = w;
  cur->offsets = o;
}

/* All channels for one tile of `mr` pixels: nc / nr blocks, then nc % nr single channels. */
INLINE void spconv_tile(size_t mr, size_t nr, enum clamp_flavour flavour, size_t nc, const char* input,
                        const float* bias, const float* weights, const int32_t* offsets, const uint32_t* nnz,
                        float* output, size_t output_stride, v128_t lo, v128_t hi) {
  struct cursor cur = {input, bias, weights, offsets, output};
  size_t n = nc;
  if (nr > 1) {
    for (; n >= nr; n -= nr) {
      spconv_block(mr, nr, flavour, *nnz++, &cur, output_stride, lo, hi);
      cur.output = (float*) ((uintptr_t) cur.output + nr * output_stride);
    }
  }
  for (; n != 0; n--) {
    spconv_channel(mr, flavour, *nnz++, &cur, lo, hi);
    cur.output = (float*) ((uintptr_t) cur.output + output_stride);
  }
}

/* Pixels in tiles of `mr`, then one tile for each set bit of the remainder, largest first. */
INLINE void spconv_all_tiles(size_t mr, size_t nr, enum clamp_flavour flavour, size_t mc, size_t nc,
                             const float* input, const float* bias, const float* weights, const int32_t* offsets,
                             const uint32_t* nnz, float* output, size_t output_stride,
                             const struct sprig_f32_minmax_params* params) {
  const v128_t lo = wasm_f32x4_splat(params->min);
  const v128_t hi = wasm_f32x4_splat(params->max);
  const char* in = (const char*) input;
  size_t p = 0;
  for (; p + mr <= mc; p += mr) {
    spconv_tile(mr, nr, flavour, nc, in + 4 * p, bias, weights, offsets, nnz, output + p, output_stride, lo, hi);
  }
  const size_t rest = mc - p;
  if (mr > 16 && (rest & 16) != 0) {
    spconv_tile(16, nr, flavour, nc, in + 4 * p, bias, weights, offsets, nnz, output + p, output_stride, lo, hi);
    p += 16;
  }
  if (mr > 8 && (rest & 8) != 0) {
    spconv_tile(8, nr, flavour, nc, in + 4 * p, bias, weights, offsets, nnz, output + p, output_stride, lo, hi);
    p += 8;
  }
  if (mr > 4 && (rest & 4) != 0) {
    spconv_tile(4, nr, flavour, nc, in + 4 * p, bias, weights, offsets, nnz, output + p, output_stride, lo, hi);
    p += 4;
  }
  if (mr > 2 && (rest & 2) != 0) {
    spconv_tile(2, nr, flavour, nc, in + 4 * p, bias, weights, offsets, nnz, output + p, output_stride, lo, hi);
    p += 2;
  }
  if (mr > 1 && (rest & 1) != 0) {
    spconv_tile(1, nr, flavour, nc, in + 4 * p, bias, weights, offsets, nnz, output + p, output_stride, lo, hi);
  }
}

#define DEFINE_WASMSIMD_SPCONV(MR, NR, FLAVOUR)                                                                \
  void sprig_f32_spconv_minmax_ukernel_##MR##x##NR##__wasmsimd_##FLAVOUR(                                      \
      size_t mc, size_t nc, const float* input, const float* bias, const float* weights, const int32_t* offsets, \
      const uint32_t* nnz, float* output, size_t output_stride, const struct sprig_f32_minmax_params* params) { \
    spconv_all_tiles(MR, NR, clamp_##FLAVOUR, mc, nc, input, bias, weights, offsets, nnz, output,              \
                     output_stride, params);                                                                   \
  }

DEFINE_WASMSIMD_SPCONV(4, 1, arm)
DEFINE_WASMSIMD_SPCONV(8, 1, arm)
DEFINE_WASMSIMD_SPCONV(16, 1, arm)
DEFINE_WASMSIMD_SPCONV(32, 1, arm)
DEFINE_WASMSIMD_SPCONV(4, 1, x86)
DEFINE_WASMSIMD_SPCONV(8, 1, x86)
DEFINE_WASMSIMD_SPCONV(16, 1, x86)
DEFINE_WASMSIMD_SPCONV(32, 1, x86)
DEFINE_WASMSIMD_SPCONV(8, 4, arm)
DEFINE_WASMSIMD_SPCONV(8, 4, x86)
