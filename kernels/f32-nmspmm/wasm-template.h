/*
 * The WebAssembly f32 N:M SpMM kernels, SIMD128 (kernels/f32-nmspmm/wasmsimd.c) and relaxed SIMD
 * (wasmrelaxedsimd.c). Not compiled on its own: the kernel file includes it once after defining
 *   MADD(acc, a, b)  acc + a * b, lane-wise (f32x4.mul + f32x4.add, or f32x4.relaxed_madd)
 *   ISA_TAG          the ISA part of the kernel names (wasmsimd, wasmrelaxedsimd)
 * The notes below describe the SIMD128 kernels; the relaxed ones are the same with one
 * relaxed_madd per 4-wide multiply-accumulate (see wasmrelaxedsimd.c).
 *
 *
 * Inner loop per stored weight, with V = MR / 4 vectors of pixels:
 *   1 v128.load32_splat (weight), 1 i32.load8_u (index), i32.mul + i32.add (row address =
 *   run base + index * row_stride), V v128.load (input), V f32x4.mul + V f32x4.add;
 *   per run of M rows one i32.add (run base += M * row_stride) and the loop counter/branch.
 * V8 (node 20, x64 AVX) turns a 16x1 pair of weights into 2 vbroadcastss, 2 movzx, 2 imul,
 * 2 add, 8 vmovdqu, 8 vmulps, 8 vaddps and ~4 loop instructions: ~17 per weight, 12 of them
 * vector. SIMD128 has no fused multiply-add, so each 4-wide MAC costs two FP instructions.
 * What limits it is instruction issue, not the add latency chain (adding w0*x0 + w1*x1 to the
 * accumulator in one step, i.e. a shorter chain, measured no faster), nor the multiply in the
 * address (a CSR kernel with precomputed byte deltas, kernels/f32-spmm/wasmsimd.c, runs the
 * same weights at the same speed).
 *
 * Run shapes (chosen once per call, each compiled separately): n == 1 one weight per run;
 * n == 2 (2:4, 2:8) an unrolled pair per run; even n >= 4 n / 2 pairs per run; odd n >= 3 a
 * loop of single weights. (A single flat loop over all pairs with a branch-free run step measured
 * no better than the nested loop.)
 *
 * What limits MR is V8's x64 code generator, as in kernels/f32-spmm/wasmsimd.c: it issues all
 * of a loop body's input loads before the arithmetic, so the loaded vectors, the accumulators
 * and the splats must fit in the 15 allocatable xmm registers. 16x1: 8 loads of a pair + 4
 * accumulators + 2 splats = 14, fits; 32x1: 8 accumulators alone + 8 loads of one weight + 1 = 17,
 * spills, and runs 25-35% slower than 16x1 under node on x86-64. ARM64 engines have 32 vector
 * registers, where 32x1 should not spill.
 *
 * Two flavours, differing only in the final clamp (see kernels/f32-spmm/wasmsimd.c):
 *   _arm: f32x4.min/max (single instructions on ARM, NaN-exact multi-instruction sequences on x86);
 *   _x86: f32x4.pmax(acc, min) then f32x4.pmin(acc, max), one maxps/minps each on x86, exactly
 *         scalar.c's `x < lo ? lo : x` then `x > hi ? hi : x`; a NaN accumulator passes through.
 * On k = 256 the clamp is ~1-3% of the time; it matters for short channels.
 *
 * Default: 16x1 _x86 (node and most desktop browsers run on x86-64). Measured under node 20 on
 * x86-64, m = 3136 pixels, k = 256 rows, 256 channels: 21-22 GFLOP/s at 2:4 (about half of the
 * 43 GFLOP/s f32x4 mul+add peak), 7-9x the scalar wasm build's 8x1 kernel and 10-13x its default
 * 4x1; 1:4, 2:8, 3:4, 4:8 and 4:16 run at 21-23 GFLOP/s, within 5% of the CSR 16x1 kernel.
 *
 * Remainder pixels: after the MR tiles, one tile per set bit of the rest (16, 8, 4, 2, 1); the
 * 2- and 1-pixel tiles use v128.load64_zero / load32_zero and v128.store64_lane / store32_lane,
 * so nothing outside input[0 .. mc) or output[0 .. mc) is read or written.
 *
 * One pixel: the 1x1 kernels at the end of the file are vectorized over the stored weights
 * (matrix-vector), with their own notes.
 */
#if !defined(MADD) || !defined(ISA_TAG)
#error "wasm-template.h is included by kernels/f32-nmspmm/wasm*.c after they define MADD and ISA_TAG"
#endif

#include <wasm_simd128.h>

#include <isa/wasmsimd.h>
#include <sprig/nmspmm.h>

/* sprig_f32_nmspmm_minmax_ukernel_<tile>__<ISA_TAG>_<flavour> */
#define NM_KERNEL_NAME_(tile, isa, flavour) sprig_f32_nmspmm_minmax_ukernel_##tile##__##isa##_##flavour
#define NM_KERNEL_NAME(tile, isa, flavour) NM_KERNEL_NAME_(tile, isa, flavour)

#define MAX_VECTORS 8

INLINE const float* row(const char* run_base, uint8_t index, size_t row_stride) {
  return (const float*) (run_base + (size_t) index * row_stride);
}

/* acc[0 .. nv) += w * x[0 .. mr), one weight. */
INLINE void mac(size_t mr, v128_t* acc, v128_t w, const float* x) {
  const size_t nv = mr >= 4 ? mr / 4 : 1;
  for (size_t v = 0; v < nv; v++) {
    acc[v] = MADD(acc[v], load_pixels(x + 4 * v, mr), w);
  }
}

/* How the slots of a run are walked; a compile-time constant once inlined. */
enum run_shape {
  run_single, /* n == 1: one weight per run */
  run_pair,   /* n == 2: one unrolled pair per run */
  run_pairs,  /* even n >= 4: n / 2 unrolled pairs per run */
  run_any,    /* odd n >= 3: n single weights per run */
};

/* acc += w[0] * row(idx[0]) + w[1] * row(idx[1]), in that order per accumulator. */
INLINE void mac_pair(
    size_t mr, v128_t* acc, const float* w, const uint8_t* idx, const char* base, size_t row_stride) {
  const v128_t w0 = wasm_v128_load32_splat(w);
  const v128_t w1 = wasm_v128_load32_splat(w + 1);
  const float* x0 = row(base, idx[0], row_stride);
  const float* x1 = row(base, idx[1], row_stride);
  mac(mr, acc, w0, x0);
  mac(mr, acc, w1, x1);
}

INLINE void mac_single(
    size_t mr, v128_t* acc, const float* w, const uint8_t* idx, const char* base, size_t row_stride) {
  mac(mr, acc, wasm_v128_load32_splat(w), row(base, idx[0], row_stride));
}

/* All `nc` channels over one tile of `mr` pixels. */
INLINE void nmspmm_tile(
    size_t mr, enum run_shape shape, enum clamp_flavour flavour, size_t nc, size_t groups, size_t n,
    const float* input, size_t row_stride, size_t group_stride, const float* bias, const float* w,
    const uint8_t* idx, float* output, size_t output_stride, v128_t lo, v128_t hi) {
  const size_t nv = mr >= 4 ? mr / 4 : 1;
  for (; nc != 0; nc--) {
    v128_t acc[MAX_VECTORS];
    const v128_t vbias = wasm_v128_load32_splat(bias++);
    for (size_t v = 0; v < nv; v++) {
      acc[v] = vbias;
    }
    const char* base = (const char*) input;
    for (size_t g = groups; g != 0; g--) {
      if (shape == run_single) {
        mac_single(mr, acc, w, idx, base, row_stride);
        w += 1;
        idx += 1;
      } else if (shape == run_pair) {
        mac_pair(mr, acc, w, idx, base, row_stride);
        w += 2;
        idx += 2;
      } else if (shape == run_pairs) {
        for (size_t j = n / 2; j != 0; j--) {
          mac_pair(mr, acc, w, idx, base, row_stride);
          w += 2;
          idx += 2;
        }
      } else {
        for (size_t j = n; j != 0; j--) {
          mac_single(mr, acc, w, idx, base, row_stride);
          w += 1;
          idx += 1;
        }
      }
      base += group_stride;
    }
    for (size_t v = 0; v < nv; v++) {
      store_pixels(output + 4 * v, clamp(acc[v], lo, hi, flavour), mr);
    }
    output = (float*) ((char*) output + output_stride);
  }
}

INLINE void nmspmm_tile_any_n(
    size_t mr, enum clamp_flavour flavour, size_t nc, size_t groups, size_t n, const float* input,
    size_t row_stride, size_t group_stride, const float* bias, const float* w, const uint8_t* idx, float* output,
    size_t output_stride, v128_t lo, v128_t hi) {
  const enum run_shape shape = n == 1 ? run_single : n == 2 ? run_pair : n % 2 == 0 ? run_pairs : run_any;
  switch (shape) {
    case run_single:
      nmspmm_tile(mr, run_single, flavour, nc, groups, n, input, row_stride, group_stride, bias, w, idx, output,
                  output_stride, lo, hi);
      break;
    case run_pair:
      nmspmm_tile(mr, run_pair, flavour, nc, groups, n, input, row_stride, group_stride, bias, w, idx, output,
                  output_stride, lo, hi);
      break;
    case run_pairs:
      nmspmm_tile(mr, run_pairs, flavour, nc, groups, n, input, row_stride, group_stride, bias, w, idx, output,
                  output_stride, lo, hi);
      break;
    case run_any:
      nmspmm_tile(mr, run_any, flavour, nc, groups, n, input, row_stride, group_stride, bias, w, idx, output,
                  output_stride, lo, hi);
      break;
  }
}

/* Pixels in tiles of `mr`, then one tile for each set bit of the remainder, largest first. */
INLINE void nmspmm_all_tiles(
    size_t mr, enum clamp_flavour flavour, size_t mc, size_t nc, size_t groups, size_t n, size_t m,
    const float* input, size_t row_stride, const float* bias, const float* w, const uint8_t* idx, float* output,
    size_t output_stride, const struct sprig_f32_minmax_params* params) {
  const v128_t lo = wasm_f32x4_splat(params->min);
  const v128_t hi = wasm_f32x4_splat(params->max);
  const size_t group_stride = m * row_stride;
  size_t p = 0;
  for (; p + mr <= mc; p += mr) {
    nmspmm_tile_any_n(mr, flavour, nc, groups, n, input + p, row_stride, group_stride, bias, w, idx, output + p,
                      output_stride, lo, hi);
  }
  const size_t rest = mc - p;
  /* Written out so that every tile size is a literal constant. */
#define REMAINDER_TILE(TILE)                                                                             \
  if (mr > (TILE) && (rest & (TILE)) != 0) {                                                             \
    nmspmm_tile_any_n((TILE), flavour, nc, groups, n, input + p, row_stride, group_stride, bias, w, idx, \
                      output + p, output_stride, lo, hi);                                                \
    p += (TILE);                                                                                         \
  }
  REMAINDER_TILE(16)
  REMAINDER_TILE(8)
  REMAINDER_TILE(4)
  REMAINDER_TILE(2)
  REMAINDER_TILE(1)
#undef REMAINDER_TILE
}

#define DEFINE_WASMSIMD_NMSPMM(MR, FLAVOUR)                                                              \
  void NM_KERNEL_NAME(MR##x1, ISA_TAG, FLAVOUR)(                                                         \
      size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t row_stride,     \
      const float* bias, const float* weights, const uint8_t* indices, float* output, size_t output_stride, \
      const struct sprig_f32_minmax_params* params) {                                                    \
    nmspmm_all_tiles(MR, clamp_##FLAVOUR, mc, nc, groups, n, m, input, row_stride, bias, weights, indices, \
                     output, output_stride, params);                                                     \
  }

DEFINE_WASMSIMD_NMSPMM(8, arm)
DEFINE_WASMSIMD_NMSPMM(16, arm)
DEFINE_WASMSIMD_NMSPMM(32, arm)
DEFINE_WASMSIMD_NMSPMM(8, x86)
DEFINE_WASMSIMD_NMSPMM(16, x86)
DEFINE_WASMSIMD_NMSPMM(32, x86)

/*
 * 1x1: one pixel per input row (matrix-vector products: batch-1 linear layers), vectorized over
 * the stored weights instead of the pixels. When the rows are contiguous floats (row_stride 4)
 * and n divides 16 (1:2, 1:4, 2:4, 2:8, 4:8, 4:16, 8:16, ...), the slots go in sub-steps of 4, four
 * sub-steps (16 slots, one accumulator each) per loop step. Per sub-step of 4 slots:
 *   4 i32.load8_u (index bytes), 4 row addresses (i32.shl + i32.add; for n < 4 the lanes in later
 *   runs add a run offset of j * m rows, computed once per sub-step), v128.load32_zero + 3
 *   v128.load32_lane (the 4 inputs), v128.load (the 4 values), f32x4.mul + f32x4.add.
 * That is 9 loads and ~17 instructions per 4 products, most likely load-bound: ~1.0 ns a sub-step
 * under node 20 on x86-64 (768 x 768 at 2:4: 76 us against 350 us for the scalar 1x1 kernel;
 * 3.4-4.9x on the transformer batch-1 layers at 1:4, 2:4, 2:8 and 4:8).
 * Measured and dropped: selecting the inputs with i8x16.swizzle from v128 loads of the rows a
 * sub-step covers (two or four swizzles OR'ed, byte masks built from the index bytes) ran
 * 1.4-2x slower (each swizzle is several x86 instructions under V8, plus the mask work); one
 * i32.load of 4 index bytes split with shifts and masks, 7-18% slower; m as a compile-time
 * constant (run offsets folded into the loads), within noise.
 * The gather reads only the rows the indices name, so every full sub-step is vectorized; the
 * slots after them (groups * n % 4 of them) take a scalar loop with four sums. Clamping: four
 * channels' totals at once, with the flavour's f32x4 clamp (the _arm one cost ~6 ns a channel on
 * x86, ~10% of a 256-row 2:4 channel, when done one channel at a time). Other patterns and
 * strides, and more than one pixel, go to the scalar 1x1 kernel.
 */

INLINE float hsum_f32x4(v128_t v) {
  const v128_t pairs = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 2, 3));
  const v128_t total = wasm_f32x4_add(pairs, wasm_i32x4_shuffle(pairs, pairs, 1, 1, 1, 1));
  return wasm_f32x4_extract_lane(total, 0);
}

/* The inputs of 4 slots from x, the first row of their first run (n a compile-time constant):
 * lane l reads row (l / n) * m + idx[l] for n < 4, idx[l] otherwise (all 4 slots in one run). */
INLINE v128_t gather4(const float* x, const uint8_t* idx, size_t n, size_t m) {
  const size_t r1 = n < 4 ? (1 / n) * m : 0;
  const size_t r2 = n < 4 ? (2 / n) * m : 0;
  const size_t r3 = n < 4 ? (3 / n) * m : 0;
  v128_t v = wasm_v128_load32_zero(x + idx[0]);
  v = wasm_v128_load32_lane(x + r1 + idx[1], v, 1);
  v = wasm_v128_load32_lane(x + r2 + idx[2], v, 2);
  return wasm_v128_load32_lane(x + r3 + idx[3], v, 3);
}

/* acc += the 4 values at w times the inputs of the sub-step at x. */
INLINE v128_t madd4(v128_t acc, const float* w, const float* x, const uint8_t* idx, size_t n, size_t m) {
  return MADD(acc, wasm_v128_load(w), gather4(x, idx, n, m));
}

/* The bias plus the products of all `slots` slots of one channel; w points at its first value. */
INLINE float channel_1x1(size_t n, size_t m, size_t slots, const float* input, float bias, const float* w,
                         const uint8_t* idx) {
  /* Sub-step k of a step of 16 slots starts in run 4k / n of the step (for n = 8 and 16 a run
   * spans several sub-steps, which then share its first row). */
  const size_t rows_per_step = 16 / n * m;
  const size_t steps = slots / 16;
  const size_t rest = slots % 16 / 4;
  const float* x = input;
  v128_t acc0 = wasm_f32x4_splat(0.0f);
  v128_t acc1 = acc0;
  v128_t acc2 = acc0;
  v128_t acc3 = acc0;
  for (size_t s = steps; s != 0; s--) {
    acc0 = madd4(acc0, w, x, idx, n, m);
    acc1 = madd4(acc1, w + 4, x + (4 / n) * m, idx + 4, n, m);
    acc2 = madd4(acc2, w + 8, x + (8 / n) * m, idx + 8, n, m);
    acc3 = madd4(acc3, w + 12, x + (12 / n) * m, idx + 12, n, m);
    w += 16;
    idx += 16;
    x += rows_per_step;
  }
  for (size_t k = 0; k < rest; k++) {
    acc0 = madd4(acc0, w + 4 * k, x + (4 * k / n) * m, idx + 4 * k, n, m);
  }
  float sums[4] = {hsum_f32x4(wasm_f32x4_add(wasm_f32x4_add(acc0, acc1), wasm_f32x4_add(acc2, acc3))), 0.0f, 0.0f,
                   0.0f};
  /* The last slots % 4 slots (n < 4 only), in the scalar kernel's four sums. */
  for (size_t j = 4 * rest; j < slots % 16; j++) {
    const size_t s = 16 * steps + j;
    sums[j % 4] += w[j] * input[(s / n) * m + idx[j]];
  }
  return bias + ((sums[0] + sums[1]) + (sums[2] + sums[3]));
}

INLINE void nm_rows_1x1(size_t n, enum clamp_flavour flavour, size_t nc, size_t groups, size_t m, const float* input,
                        const float* bias, const float* weights, const uint8_t* indices, float* output,
                        size_t output_stride, const struct sprig_f32_minmax_params* params) {
  const size_t slots = groups * n;
  const v128_t lo = wasm_f32x4_splat(params->min);
  const v128_t hi = wasm_f32x4_splat(params->max);
  const size_t batched = nc - nc % 4;
  v128_t totals = wasm_f32x4_splat(0.0f);
  for (size_t c = 0; c < nc; c++) {
    const float total = channel_1x1(n, m, slots, input, bias[c], weights + c * slots, indices + c * slots);
    if (c < batched) {
      /* Channels c - 3 .. c shifted into lanes 0 .. 3, clamped together. */
      totals = wasm_i32x4_shuffle(totals, wasm_f32x4_splat(total), 1, 2, 3, 4);
      if (c % 4 == 3) {
        const v128_t v = clamp(totals, lo, hi, flavour);
        char* o = (char*) output - 3 * output_stride;
        wasm_v128_store32_lane(o, v, 0);
        wasm_v128_store32_lane(o + output_stride, v, 1);
        wasm_v128_store32_lane(o + 2 * output_stride, v, 2);
        wasm_v128_store32_lane(output, v, 3);
      }
    } else {
      store_pixels(output, clamp(wasm_f32x4_splat(total), lo, hi, flavour), 1);
    }
    output = (float*) ((char*) output + output_stride);
  }
}

INLINE void nmspmm_1x1(enum clamp_flavour flavour, size_t mc, size_t nc, size_t groups, size_t n, size_t m,
                       const float* input, size_t row_stride, const float* bias, const float* weights,
                       const uint8_t* indices, float* output, size_t output_stride,
                       const struct sprig_f32_minmax_params* params) {
  /* n as a compile-time constant where the fast path applies; 0 (the scalar kernel) elsewhere. */
  const size_t fast_n = mc == 1 && row_stride == sizeof(float) ? n : 0;
  switch (fast_n) {
    case 1:
      nm_rows_1x1(1, flavour, nc, groups, m, input, bias, weights, indices, output, output_stride, params);
      break;
    case 2:
      nm_rows_1x1(2, flavour, nc, groups, m, input, bias, weights, indices, output, output_stride, params);
      break;
    case 4:
      nm_rows_1x1(4, flavour, nc, groups, m, input, bias, weights, indices, output, output_stride, params);
      break;
    case 8:
      nm_rows_1x1(8, flavour, nc, groups, m, input, bias, weights, indices, output, output_stride, params);
      break;
    case 16:
      nm_rows_1x1(16, flavour, nc, groups, m, input, bias, weights, indices, output, output_stride, params);
      break;
    default:
      sprig_f32_nmspmm_minmax_ukernel_1x1__scalar(mc, nc, groups, n, m, input, row_stride, bias, weights, indices,
                                                  output, output_stride, params);
      break;
  }
}

#define DEFINE_WASMSIMD_NMSPMM_1X1(FLAVOUR)                                                              \
  void NM_KERNEL_NAME(1x1, ISA_TAG, FLAVOUR)(                                                            \
      size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t row_stride,     \
      const float* bias, const float* weights, const uint8_t* indices, float* output, size_t output_stride, \
      const struct sprig_f32_minmax_params* params) {                                                    \
    nmspmm_1x1(clamp_##FLAVOUR, mc, nc, groups, n, m, input, row_stride, bias, weights, indices, output, \
               output_stride, params);                                                                   \
  }

DEFINE_WASMSIMD_NMSPMM_1X1(arm)
DEFINE_WASMSIMD_NMSPMM_1X1(x86)
