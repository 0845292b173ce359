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
 * One pixel: the 1x1 kernels and the matrix-times-vectors (nmspmv) kernels at the end of the
 * file are vectorized over the stored weights, with their own notes.
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
 * 1x1 and nmspmv: one pixel per input row (matrix-vector products: linear layers, batch 1 for the
 * 1x1 kernels, up to 4 vectors at once for the nmspmv kernels), vectorized over the stored
 * weights instead of the pixels. When the rows are contiguous floats (row_stride 4 for 1x1;
 * always for nmspmv) and n divides 16 (1:2, 1:4, 2:4, 2:8, 4:8, 4:16, 8:16, ...), the slots go in
 * sub-steps of 4, four sub-steps (16 slots) per loop step. Per sub-step of 4 slots:
 *   v128.load (the 4 values) and 4 i32.load8_u (index bytes), once for all vectors; per vector
 *   4 row addresses (i32.shl + i32.add; for n < 4 the lanes in later runs add a run offset of
 *   j * m rows), v128.load32_zero + 3 v128.load32_lane (the 4 inputs), f32x4.mul + f32x4.add.
 * One vector: 9 loads and ~17 instructions per 4 products, most likely load-bound: ~1.0 ns a
 * sub-step under node 20 on x86-64 (768 x 768 at 2:4: 76 us against 350 us for the scalar 1x1
 * kernel; 3.4-4.9x on the transformer batch-1 layers at 1:4, 2:4, 2:8 and 4:8).
 * Accumulators: 4 per vector for one vector (one per sub-step), 2 each for two vectors, 1 each
 * for three or four: V8 (x64) issues a step's loads early, and the accumulators, values and
 * gathered inputs must fit the 15 allocatable xmm registers. (The count is not what limits it:
 * 1 or 2 per vector measured the same.) What stays per vector, the 4 row addresses and the
 * 4-load gather, is most of a sub-step: 768 x 768 at 2:4 runs 2 vectors in ~0.95x and 4 in
 * ~0.88x the time of as many one-vector calls under node 20 on x86-64.
 * Measured and dropped: selecting the inputs with i8x16.swizzle from v128 loads of the rows a
 * sub-step covers (two or four swizzles OR'ed, byte masks built from the index bytes) ran
 * 1.4-2x slower (each swizzle is several x86 instructions under V8, plus the mask work); one
 * i32.load of 4 index bytes split with shifts and masks, 7-18% slower; m as a compile-time
 * constant (run offsets folded into the loads), within noise.
 * The gather reads only the rows the indices name, so every full sub-step is vectorized; the
 * slots after them (groups * n % 4 of them) take a scalar loop with four sums per vector.
 * Clamping: four channels' totals of a vector at once, with the flavour's f32x4 clamp (the _arm
 * one cost ~6 ns a channel on x86, ~10% of a 256-row 2:4 channel, when done one channel at a
 * time); one v128.store when the channels are contiguous (always for nmspmv), else 4 lane
 * stores. Other patterns (and for 1x1 other strides, more than one pixel) go to the scalar 1x1
 * and nmspmv kernels.
 */

/* nmspmv kernels take the vectors this many at a time. */
#define NM_MAX_VECTORS 4

/* sprig_f32_nmspmv_minmax_ukernel__<ISA_TAG>_<flavour> */
#define NM_MV_KERNEL_NAME_(isa, flavour) sprig_f32_nmspmv_minmax_ukernel__##isa##_##flavour
#define NM_MV_KERNEL_NAME(isa, flavour) NM_MV_KERNEL_NAME_(isa, flavour)

INLINE float hsum_f32x4(v128_t v) {
  const v128_t pairs = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 2, 3));
  const v128_t total = wasm_f32x4_add(pairs, wasm_i32x4_shuffle(pairs, pairs, 1, 1, 1, 1));
  return wasm_f32x4_extract_lane(total, 0);
}

/* The pointer p advanced by `bytes`. */
INLINE const float* advance(const float* p, size_t bytes) {
  return (const float*) ((const char*) p + bytes);
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

/* Accumulators per vector for `vectors` vectors (see the notes above). */
INLINE size_t accumulators_per_vector(size_t vectors) {
  return vectors == 1 ? 4 : vectors == 2 ? 2 : 1;
}

/* Sub-step k (0 .. 3) of a step, at w, idx and the step's first row x of vector 0: the 4
 * values and index bytes once, then per vector the gather and one multiply-add. */
INLINE void substep(size_t vectors, size_t k, v128_t acc[NM_MAX_VECTORS][4], const float* w, const uint8_t* idx,
                    const float* x, size_t input_stride, size_t n, size_t m) {
  const size_t a = k % accumulators_per_vector(vectors);
  const v128_t values = wasm_v128_load(w + 4 * k);
  for (size_t b = 0; b < vectors; b++) {
    const float* xb = advance(x, b * input_stride) + (4 * k / n) * m;
    acc[b][a] = MADD(acc[b][a], values, gather4(xb, idx + 4 * k, n, m));
  }
}

/* Channel totals of `vectors` input vectors (1 to 4) for one channel of `slots` slots: totals[b]
 * = bias + the products with vector b (vectors input_stride bytes apart), not clamped. w and idx
 * point at the channel's first value and index; n and vectors are compile-time constants. */
INLINE void channel_vectors(size_t vectors, size_t n, size_t m, size_t slots, const float* input, size_t input_stride,
                            float bias, const float* w, const uint8_t* idx, float totals[NM_MAX_VECTORS]) {
  /* Sub-step k of a step of 16 slots starts in run 4k / n of the step (for n = 8 and 16 a run
   * spans several sub-steps, which then share its first row). */
  const size_t rows_per_step = 16 / n * m;
  const size_t steps = slots / 16;
  const size_t rest = slots % 16 / 4;
  const size_t accs = accumulators_per_vector(vectors);
  v128_t acc[NM_MAX_VECTORS][4];
  for (size_t b = 0; b < vectors; b++) {
    for (size_t a = 0; a < accs; a++) {
      acc[b][a] = wasm_f32x4_splat(0.0f);
    }
  }
  const float* x = input;
  for (size_t s = steps; s != 0; s--) {
    for (size_t k = 0; k < 4; k++) {
      substep(vectors, k, acc, w, idx, x, input_stride, n, m);
    }
    w += 16;
    idx += 16;
    x += rows_per_step;
  }
  for (size_t k = 0; k < rest; k++) {
    /* Accumulator 0 of each vector: substep(k) would pick accumulator k % accs. */
    const v128_t values = wasm_v128_load(w + 4 * k);
    for (size_t b = 0; b < vectors; b++) {
      const float* xb = advance(x, b * input_stride) + (4 * k / n) * m;
      acc[b][0] = MADD(acc[b][0], values, gather4(xb, idx + 4 * k, n, m));
    }
  }
  for (size_t b = 0; b < vectors; b++) {
    v128_t sum = acc[b][0];
    if (accs == 4) {
      sum = wasm_f32x4_add(wasm_f32x4_add(acc[b][0], acc[b][1]), wasm_f32x4_add(acc[b][2], acc[b][3]));
    } else if (accs == 2) {
      sum = wasm_f32x4_add(acc[b][0], acc[b][1]);
    }
    float sums[4] = {hsum_f32x4(sum), 0.0f, 0.0f, 0.0f};
    /* The last slots % 4 slots (n < 4 only), in the scalar kernel's four sums. */
    const float* xb = advance(input, b * input_stride);
    for (size_t j = 4 * rest; j < slots % 16; j++) {
      const size_t s = 16 * steps + j;
      sums[j % 4] += w[j] * xb[(s / n) * m + idx[j]];
    }
    totals[b] = bias + ((sums[0] + sums[1]) + (sums[2] + sums[3]));
  }
}

/* The channels c - 3 .. c of one vector (clamped totals in v), channel_stride bytes apart. */
INLINE void store4_channels(float* out_c, v128_t v, size_t channel_stride) {
  if (channel_stride == sizeof(float)) {
    wasm_v128_store(out_c - 3, v);
    return;
  }
  char* o = (char*) out_c - 3 * channel_stride;
  wasm_v128_store32_lane(o, v, 0);
  wasm_v128_store32_lane(o + channel_stride, v, 1);
  wasm_v128_store32_lane(o + 2 * channel_stride, v, 2);
  wasm_v128_store32_lane(out_c, v, 3);
}

/* nc channels of `vectors` input vectors (compile-time constants: vectors 1 .. 4, n dividing 16).
 * Output: channel c of vector b at output + b * vector_stride + c * channel_stride bytes. */
INLINE void nm_rows(size_t vectors, size_t n, enum clamp_flavour flavour, size_t nc, size_t groups, size_t m,
                    const float* input, size_t input_stride, const float* bias, const float* weights,
                    const uint8_t* indices, float* output, size_t channel_stride, size_t vector_stride,
                    const struct sprig_f32_minmax_params* params) {
  const size_t slots = groups * n;
  const v128_t lo = wasm_f32x4_splat(params->min);
  const v128_t hi = wasm_f32x4_splat(params->max);
  const size_t batched = nc - nc % 4;
  v128_t pending[NM_MAX_VECTORS];
  for (size_t b = 0; b < vectors; b++) {
    pending[b] = wasm_f32x4_splat(0.0f);
  }
  for (size_t c = 0; c < nc; c++) {
    float totals[NM_MAX_VECTORS];
    channel_vectors(vectors, n, m, slots, input, input_stride, bias[c], weights + c * slots, indices + c * slots,
                    totals);
    for (size_t b = 0; b < vectors; b++) {
      float* out = (float*) ((char*) output + b * vector_stride + c * channel_stride);
      if (c < batched) {
        /* Channels c - 3 .. c shifted into lanes 0 .. 3, clamped together. */
        pending[b] = wasm_i32x4_shuffle(pending[b], wasm_f32x4_splat(totals[b]), 1, 2, 3, 4);
        if (c % 4 == 3) {
          store4_channels(out, clamp(pending[b], lo, hi, flavour), channel_stride);
        }
      } else {
        store_pixels(out, clamp(wasm_f32x4_splat(totals[b]), lo, hi, flavour), 1);
      }
    }
  }
}

typedef void (*nm_rows_fn)(size_t vectors, size_t nc, size_t groups, size_t m, const float* input,
                           size_t input_stride, const float* bias, const float* weights, const uint8_t* indices,
                           float* output, size_t channel_stride, size_t vector_stride,
                           const struct sprig_f32_minmax_params* params);

/* nm_rows for one n and flavour, `vectors` (1 .. 4) chosen at run time: the 1x1 kernel and the
 * nmspmv kernel of the flavour share them. */
#define DEFINE_NM_ROWS(N, FLAVOUR)                                                                              \
  static void nm_rows_##N##_##FLAVOUR(size_t vectors, size_t nc, size_t groups, size_t m, const float* input,   \
                                      size_t input_stride, const float* bias, const float* weights,             \
                                      const uint8_t* indices, float* output, size_t channel_stride,             \
                                      size_t vector_stride, const struct sprig_f32_minmax_params* params) {     \
    switch (vectors) {                                                                                          \
      case 1:                                                                                                   \
        nm_rows(1, N, clamp_##FLAVOUR, nc, groups, m, input, input_stride, bias, weights, indices, output,     \
                channel_stride, vector_stride, params);                                                         \
        break;                                                                                                  \
      case 2:                                                                                                   \
        nm_rows(2, N, clamp_##FLAVOUR, nc, groups, m, input, input_stride, bias, weights, indices, output,     \
                channel_stride, vector_stride, params);                                                         \
        break;                                                                                                  \
      case 3:                                                                                                   \
        nm_rows(3, N, clamp_##FLAVOUR, nc, groups, m, input, input_stride, bias, weights, indices, output,     \
                channel_stride, vector_stride, params);                                                         \
        break;                                                                                                  \
      default:                                                                                                  \
        nm_rows(4, N, clamp_##FLAVOUR, nc, groups, m, input, input_stride, bias, weights, indices, output,     \
                channel_stride, vector_stride, params);                                                         \
        break;                                                                                                  \
    }                                                                                                           \
  }

/* The 1x1 and nmspmv kernels of one flavour: the fast path for n in {1, 2, 4, 8, 16}, the scalar
 * kernels for any other n (and, for 1x1, more than one pixel or rows that are not contiguous). */
#define DEFINE_WASMSIMD_NMSPMV(FLAVOUR)                                                                          \
  DEFINE_NM_ROWS(1, FLAVOUR)                                                                                    \
  DEFINE_NM_ROWS(2, FLAVOUR)                                                                                    \
  DEFINE_NM_ROWS(4, FLAVOUR)                                                                                    \
  DEFINE_NM_ROWS(8, FLAVOUR)                                                                                    \
  DEFINE_NM_ROWS(16, FLAVOUR)                                                                                   \
                                                                                                                \
  static nm_rows_fn nm_rows_for_##FLAVOUR(size_t n) {                                                           \
    switch (n) {                                                                                                \
      case 1:                                                                                                   \
        return nm_rows_1_##FLAVOUR;                                                                             \
      case 2:                                                                                                   \
        return nm_rows_2_##FLAVOUR;                                                                             \
      case 4:                                                                                                   \
        return nm_rows_4_##FLAVOUR;                                                                             \
      case 8:                                                                                                   \
        return nm_rows_8_##FLAVOUR;                                                                             \
      case 16:                                                                                                  \
        return nm_rows_16_##FLAVOUR;                                                                            \
      default:                                                                                                  \
        return NULL;                                                                                            \
    }                                                                                                           \
  }                                                                                                             \
                                                                                                                \
  void NM_KERNEL_NAME(1x1, ISA_TAG, FLAVOUR)(                                                                   \
      size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t row_stride,          \
      const float* bias, const float* weights, const uint8_t* indices, float* output, size_t output_stride,    \
      const struct sprig_f32_minmax_params* params) {                                                           \
    const nm_rows_fn rows = mc == 1 && row_stride == sizeof(float) ? nm_rows_for_##FLAVOUR(n) : NULL;           \
    if (rows == NULL) {                                                                                         \
      sprig_f32_nmspmm_minmax_ukernel_1x1__scalar(mc, nc, groups, n, m, input, row_stride, bias, weights,      \
                                                  indices, output, output_stride, params);                      \
      return;                                                                                                   \
    }                                                                                                           \
    rows(1, nc, groups, m, input, 0, bias, weights, indices, output, output_stride, 0, params);                 \
  }                                                                                                             \
                                                                                                                \
  void NM_MV_KERNEL_NAME(ISA_TAG, FLAVOUR)(                                                                     \
      size_t batch, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t input_stride,     \
      const float* bias, const float* weights, const uint8_t* indices, float* output, size_t output_stride,    \
      const struct sprig_f32_minmax_params* params) {                                                           \
    const nm_rows_fn rows = nm_rows_for_##FLAVOUR(n);                                                           \
    if (rows == NULL) {                                                                                         \
      sprig_f32_nmspmv_minmax_ukernel__scalar(batch, nc, groups, n, m, input, input_stride, bias, weights,     \
                                              indices, output, output_stride, params);                          \
      return;                                                                                                   \
    }                                                                                                           \
    for (size_t b = 0; b < batch; b += NM_MAX_VECTORS) {                                                        \
      const size_t vectors = batch - b < NM_MAX_VECTORS ? batch - b : NM_MAX_VECTORS;                           \
      rows(vectors, nc, groups, m, advance(input, b * input_stride), input_stride, bias, weights, indices,      \
           (float*) ((char*) output + b * output_stride), sizeof(float), output_stride, params);                \
    }                                                                                                           \
  }

DEFINE_WASMSIMD_NMSPMV(arm)
DEFINE_WASMSIMD_NMSPMV(x86)
