/*
 * WebAssembly SIMD128 int8 SpMM (src/sprig/qs8-spmm.h; the whole build uses -msimd128). MR = 4,
 * 8, 16, 32 read the term layout and MR = 1 the c4 stream (below), both signed input; 64x1q4
 * reads the quartet layout, unsigned input (at the end of the file): per quartet and 8 pixels,
 * rows 0 and 1 (and 2 and 3) interleaved by bytes and zero-extended to int16 pairs, then
 * i32x4.dot_i16x8_s with the quartet's (w0, w1) (and (w2, w3)) sums each pixel's two products.
 *
 * The multiply is i32x4.dot_i16x8_s on the input read as it is: a 16-byte load holds 4 pixels,
 * pixel p as the i16 lanes 2p = x0 | x1 << 8 and 2p + 1 = x2 | x3 << 8, and the dot's i32 lane p
 * adds the products of those two lanes. An i16 lane holds two channels, so one of its bytes is
 * cleared first and the other kept in the high byte, where it reads as 256 x exactly:
 *   even channels (0, 2): i16x8.shl by 8        -> lanes 256 x0, 256 x2
 *   odd channels (1, 3):  v128.and with 0xff00  -> lanes 256 x1, 256 x3
 * and the dot against i16 weights [wl wh wl wh ...] (one v128.load32_splat of a term's weight
 * word) gives 256 (wl xa + wh xb) per pixel. One scaled i32x4 accumulator per 4 pixels; a chunk
 * of the term layout is at most 254 such products of magnitude <= 2^23, so its scaled sum is
 * exact, and is shifted back (i32x4.shr_s by 8, exact) into the output.
 *
 * Per term and 4 pixels (the weights' sorting into kinds is done once, when the term stream is
 * derived from the weights; long calls first turn the chunk's quad rows into byte offsets, see
 * OFFSETS_MIN_TILES):
 *   pair_even / pair_odd: 2 loads, i16x8.shuffle taking lanes 2p from quad row a and 2p + 1 from
 *     b (one pblendw on x86), shl or and, dot, add: one instruction per nonzero 4-pixel MAC;
 *   even / odd: load, shl or and, dot, add;
 *   mixed: load, shl, and, 2 dots, 2 adds (16 MACs).
 * The sums wrap as i32x4.add does. Compared with sign-extending loads (i16x8.load8x8_s, then dot
 * and add per 2 pixels: 6 instructions per entry and 4 pixels whatever the entry holds), this is
 * 2x fewer instructions on single-nonzero entries and 14% more on dense ones. Default: 16x1
 * (32x1 runs out of x64 registers, as in f32).
 *
 * Remainder pixels: after the MR tiles, one tile for each set bit of the rest (16, 8, 4, 2, 1);
 * the 2- and 1-pixel tiles use v128.load64_zero / load32_zero and store64_lane / store32_lane, so
 * nothing outside bytes [0, 4 mc) of a quad row is read and nothing outside output[n][0 .. mc)
 * is written (later chunks of a long channel read back the output they wrote).
 */
#include <stdbool.h>
#include <string.h>

#include <wasm_simd128.h>

#include <isa/wasmsimd.h>
#include <qs8-requant/wasmsimd-round.h>
#include <sprig/qs8-spmm.h>

#define MAX_VECTORS 8

/* 4 pixels (or `mr` < 4) of a quad row, 16 bytes per vector. */
INLINE v128_t load_quads(const int8_t* p, size_t mr) {
  if (mr >= 4) {
    return wasm_v128_load(p);
  }
  if (mr == 2) {
    return wasm_v128_load64_zero(p);
  }
  return wasm_v128_load32_zero(p);
}

INLINE v128_t even_bytes(v128_t x) {
  return wasm_i16x8_shl(x, 8);
}

INLINE v128_t odd_bytes(v128_t x) {
  return wasm_v128_and(x, wasm_i16x8_const_splat((int16_t) 0xff00));
}

/* `count` pair terms {a, b, w} of one parity over one tile of `mr` pixels, into the scaled
 * accumulators; returns the words after them. */
INLINE const uint32_t* run_pairs(size_t mr, bool odd, const uint32_t* t, uint32_t count, const int8_t* input,
                                 size_t input_stride, v128_t* acc) {
  const size_t nv = mr >= 4 ? mr / 4 : 1;
  for (; count != 0; count--, t += 3) {
    const int8_t* xa = input + (size_t) t[0] * input_stride;
    const int8_t* xb = input + (size_t) t[1] * input_stride;
    const v128_t w = wasm_v128_load32_splat(t + 2);
    for (size_t v = 0; v < nv; v++) {
      const v128_t x =
          wasm_i16x8_shuffle(load_quads(xa + 16 * v, mr), load_quads(xb + 16 * v, mr), 0, 9, 2, 11, 4, 13, 6, 15);
      acc[v] = wasm_i32x4_add(acc[v], wasm_i32x4_dot_i16x8(odd ? odd_bytes(x) : even_bytes(x), w));
    }
  }
  return t;
}

/* `count` even or odd terms {a, w}. */
INLINE const uint32_t* run_singles(size_t mr, bool odd, const uint32_t* t, uint32_t count, const int8_t* input,
                                   size_t input_stride, v128_t* acc) {
  const size_t nv = mr >= 4 ? mr / 4 : 1;
  for (; count != 0; count--, t += 2) {
    const int8_t* xa = input + (size_t) t[0] * input_stride;
    const v128_t w = wasm_v128_load32_splat(t + 1);
    for (size_t v = 0; v < nv; v++) {
      const v128_t x = load_quads(xa + 16 * v, mr);
      acc[v] = wasm_i32x4_add(acc[v], wasm_i32x4_dot_i16x8(odd ? odd_bytes(x) : even_bytes(x), w));
    }
  }
  return t;
}

/* `count` mixed terms {a, w, v}. */
INLINE const uint32_t* run_mixed(size_t mr, const uint32_t* t, uint32_t count, const int8_t* input,
                                 size_t input_stride, v128_t* acc) {
  const size_t nv = mr >= 4 ? mr / 4 : 1;
  for (; count != 0; count--, t += 3) {
    const int8_t* xa = input + (size_t) t[0] * input_stride;
    const v128_t w_even = wasm_v128_load32_splat(t + 1);
    const v128_t w_odd = wasm_v128_load32_splat(t + 2);
    for (size_t v = 0; v < nv; v++) {
      const v128_t x = load_quads(xa + 16 * v, mr);
      acc[v] = wasm_i32x4_add(acc[v], wasm_i32x4_dot_i16x8(even_bytes(x), w_even));
      acc[v] = wasm_i32x4_add(acc[v], wasm_i32x4_dot_i16x8(odd_bytes(x), w_odd));
    }
  }
  return t;
}

/* One tile of `mr` pixels of one channel and one chunk (terms at `words`): the first chunk adds
 * the bias, later ones the output so far. */
INLINE void chunk_tile(size_t mr, const struct sprig_qs8_term_chunk* chunk, const uint32_t* words,
                       const int8_t* input, size_t input_stride, bool first, v128_t vbias, int32_t* out) {
  const size_t nv = mr >= 4 ? mr / 4 : 1;
  v128_t acc[MAX_VECTORS];
  for (size_t v = 0; v < nv; v++) {
    acc[v] = wasm_i32x4_const_splat(0);
  }
  const uint32_t* t = words;
  t = run_pairs(mr, false, t, chunk->count[sprig_qs8_term_pair_even], input, input_stride, acc);
  t = run_pairs(mr, true, t, chunk->count[sprig_qs8_term_pair_odd], input, input_stride, acc);
  t = run_singles(mr, false, t, chunk->count[sprig_qs8_term_even], input, input_stride, acc);
  t = run_singles(mr, true, t, chunk->count[sprig_qs8_term_odd], input, input_stride, acc);
  run_mixed(mr, t, chunk->count[sprig_qs8_term_mixed], input, input_stride, acc);
  for (size_t v = 0; v < nv; v++) {
    const v128_t base = first ? vbias : load_quads((const int8_t*) (out + 4 * v), mr);
    const v128_t sum = wasm_i32x4_add(base, wasm_i32x4_shr(acc[v], 8));
    if (mr >= 4) {
      wasm_v128_store(out + 4 * v, sum);
    } else if (mr == 2) {
      wasm_v128_store64_lane(out, sum, 0);
    } else {
      wasm_v128_store32_lane(out, sum, 0);
    }
  }
}

/* Every pixel of one channel and one chunk: tiles of `mr`, then one tile per set bit of the rest. */
INLINE void chunk_all_tiles(size_t mr, size_t mc, const struct sprig_qs8_term_chunk* chunk, const uint32_t* words,
                            const int8_t* input, size_t input_stride, bool first, v128_t vbias, int32_t* out) {
  size_t p = 0;
  for (; p + mr <= mc; p += mr) {
    chunk_tile(mr, chunk, words, input + 4 * p, input_stride, first, vbias, out + p);
  }
  const size_t rest = mc - p;
  if (mr > 16 && (rest & 16) != 0) {
    chunk_tile(16, chunk, words, input + 4 * p, input_stride, first, vbias, out + p);
    p += 16;
  }
  if (mr > 8 && (rest & 8) != 0) {
    chunk_tile(8, chunk, words, input + 4 * p, input_stride, first, vbias, out + p);
    p += 8;
  }
  if (mr > 4 && (rest & 4) != 0) {
    chunk_tile(4, chunk, words, input + 4 * p, input_stride, first, vbias, out + p);
    p += 4;
  }
  if (mr > 2 && (rest & 2) != 0) {
    chunk_tile(2, chunk, words, input + 4 * p, input_stride, first, vbias, out + p);
    p += 2;
  }
  if (mr > 1 && (rest & 1) != 0) {
    chunk_tile(1, chunk, words, input + 4 * p, input_stride, first, vbias, out + p);
  }
}

/* A chunk's terms copied to `local` with their quad rows as byte offsets (q x input_stride). */
static void chunk_offsets(const struct sprig_qs8_term_chunk* chunk, const uint32_t* words, size_t input_stride,
                          uint32_t* local) {
  const uint32_t stride = (uint32_t) input_stride;
  const uint32_t pairs = (uint32_t) chunk->count[sprig_qs8_term_pair_even] + chunk->count[sprig_qs8_term_pair_odd];
  const uint32_t singles = (uint32_t) chunk->count[sprig_qs8_term_even] + chunk->count[sprig_qs8_term_odd];
  const uint32_t mixed = chunk->count[sprig_qs8_term_mixed];
  for (uint32_t i = 0; i < pairs; i++, words += 3, local += 3) {
    local[0] = words[0] * stride;
    local[1] = words[1] * stride;
    local[2] = words[2];
  }
  for (uint32_t i = 0; i < singles; i++, words += 2, local += 2) {
    local[0] = words[0] * stride;
    local[1] = words[1];
  }
  for (uint32_t i = 0; i < mixed; i++, words += 3, local += 3) {
    local[0] = words[0] * stride;
    local[1] = words[1];
    local[2] = words[2];
  }
}

/* Calls of at least this many MR tiles per channel turn each chunk's quad rows into byte offsets
 * first (chunk_offsets, one multiply per quad row and call), so that the tile loops add an
 * offset instead of multiplying per quad row and tile; shorter calls multiply in the tile loops
 * (the copy would cost more than it saves). Either way the same sums. */
#define OFFSETS_MIN_TILES 6

INLINE void qs8_spmm_terms(size_t mr, size_t mc, size_t nc, const int8_t* input, size_t input_stride,
                           const int32_t* bias, const struct sprig_qs8_term_chunk* chunk, const uint32_t* words,
                           int32_t* output, size_t output_stride) {
  const bool offsets = mc >= OFFSETS_MIN_TILES * mr;
  uint32_t local[3 * SPRIG_QS8_TERMS_CHUNK_ENTRIES];
  for (size_t n = 0; n < nc; n++) {
    int32_t* out = (int32_t*) ((char*) output + n * output_stride);
    const v128_t vbias = wasm_v128_load32_splat(bias + n);
    bool first = true;
    bool last;
    do {
      if (offsets) {
        chunk_offsets(chunk, words, input_stride, local);
        chunk_all_tiles(mr, mc, chunk, local, input, 1, first, vbias, out);
      } else {
        chunk_all_tiles(mr, mc, chunk, words, input, input_stride, first, vbias, out);
      }
      words += sprig_qs8_term_chunk_words(chunk);
      last = chunk->last != 0;
      chunk++;
      first = false;
    } while (!last);
  }
}

#define DEFINE_WASMSIMD_QS8_SPMM(MR)                                                                                 \
  void sprig_qs8_spmm_ukernel_##MR##x1c4__wasmsimd(size_t mc, size_t nc, const int8_t* input, size_t input_stride, \
                                                   const int32_t* bias, const struct sprig_qs8_term_chunk* chunks,   \
                                                   const uint32_t* words, int32_t* output, size_t output_stride) {   \
    qs8_spmm_terms(MR, mc, nc, input, input_stride, bias, chunks, words, output, output_stride);                  \
  }

DEFINE_WASMSIMD_QS8_SPMM(4)
DEFINE_WASMSIMD_QS8_SPMM(8)
DEFINE_WASMSIMD_QS8_SPMM(16)
DEFINE_WASMSIMD_QS8_SPMM(32)

/*
 * MR = 1 (batch-1 linear layers): vectorized over a channel's entries instead of its pixels (the
 * term lists above would give one 1-pixel dot per term). Per group of 4 entries: their 4 input
 * words (pixel p's 4 bytes of each entry's quad row) gathered by lane loads (v128.load32_zero,
 * 3 v128.load32_lane) and one v128.load of the 4 weight words, both sign-extended to i16
 * (i16x8.extend_low / high_i8x16_s) and multiplied by 2 i32x4.dot_i16x8_s: lane j sums
 * x0 w0 + x1 w1 and x2 w2 + x3 w3 of an entry (exact), all lanes the channel's. Two groups per
 * trip into 4 accumulators; the channel's sum is one horizontal add at its end. The last 1-3
 * entries load only their own input and weight words (zeros elsewhere). Pixels (mc, usually 1)
 * are passes over the weights. The sums wrap as i32x4.add does.
 */

/* acc_lo / acc_hi += the products of 4 entries' input words vx and weight words vw. */
INLINE void mac_words(v128_t* acc_lo, v128_t* acc_hi, v128_t vx, v128_t vw) {
  *acc_lo = wasm_i32x4_add(*acc_lo, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(vx), wasm_i16x8_extend_low_i8x16(vw)));
  *acc_hi = wasm_i32x4_add(*acc_hi, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(vx), wasm_i16x8_extend_high_i8x16(vw)));
}

/* The input words of 4 entries of q. */
INLINE v128_t gather_words_4(const int8_t* x, size_t stride, const uint32_t* q) {
  v128_t v = wasm_v128_load32_zero(x + (size_t) q[0] * stride);
  v = wasm_v128_load32_lane(x + (size_t) q[1] * stride, v, 1);
  v = wasm_v128_load32_lane(x + (size_t) q[2] * stride, v, 2);
  return wasm_v128_load32_lane(x + (size_t) q[3] * stride, v, 3);
}

static void qs8_spmm_1x1(size_t mc, size_t nc, const int8_t* input, size_t input_stride, const int32_t* bias,
                         const int8_t* weights, const uint32_t* quads, const uint32_t* nnz, int32_t* output,
                         size_t output_stride) {
  for (size_t p = 0; p < mc; p++) {
    const int8_t* x = input + 4 * p;
    const int8_t* w = weights;
    const uint32_t* q = quads;
    for (size_t n = 0; n < nc; n++) {
      v128_t acc0 = wasm_i32x4_const_splat(0), acc1 = wasm_i32x4_const_splat(0);
      v128_t acc2 = wasm_i32x4_const_splat(0), acc3 = wasm_i32x4_const_splat(0);
      uint32_t e = nnz[n];
      for (; e >= 8; e -= 8) {
        const v128_t vx0 = gather_words_4(x, input_stride, q);
        const v128_t vx1 = gather_words_4(x, input_stride, q + 4);
        mac_words(&acc0, &acc1, vx0, wasm_v128_load(w));
        mac_words(&acc2, &acc3, vx1, wasm_v128_load(w + 16));
        w += 32;
        q += 8;
      }
      if (e >= 4) {
        mac_words(&acc0, &acc1, gather_words_4(x, input_stride, q), wasm_v128_load(w));
        w += 16;
        q += 4;
        e -= 4;
      }
      if (e != 0) {
        /* 1 to 3 entries: lanes past the last one stay zero in both operands. */
        v128_t vx = wasm_v128_load32_zero(x + (size_t) q[0] * input_stride);
        v128_t vw = wasm_v128_load32_zero(w);
        if (e >= 2) {
          vx = wasm_v128_load32_lane(x + (size_t) q[1] * input_stride, vx, 1);
          vw = wasm_v128_load32_lane(w + 4, vw, 1);
        }
        if (e >= 3) {
          vx = wasm_v128_load32_lane(x + (size_t) q[2] * input_stride, vx, 2);
          vw = wasm_v128_load32_lane(w + 8, vw, 2);
        }
        mac_words(&acc2, &acc3, vx, vw);
        w += 4 * e;
        q += e;
      }
      const v128_t sum = wasm_i32x4_add(wasm_i32x4_add(acc0, acc1), wasm_i32x4_add(acc2, acc3));
      const v128_t h = wasm_i32x4_add(sum, wasm_i32x4_shuffle(sum, sum, 2, 3, 0, 1));
      const v128_t t = wasm_i32x4_add(h, wasm_i32x4_shuffle(h, h, 1, 0, 3, 2));
      int32_t* out = (int32_t*) ((char*) output + n * output_stride) + p;
      *out = (int32_t) ((uint32_t) bias[n] + (uint32_t) wasm_i32x4_extract_lane(t, 0));
    }
  }
}

void sprig_qs8_spmm_ukernel_1x1c4__wasmsimd(size_t mc, size_t nc, const int8_t* input, size_t input_stride,
                                            const int32_t* bias, const int8_t* weights, const uint32_t* quads,
                                            const uint32_t* nnz, int32_t* output, size_t output_stride) {
  qs8_spmm_1x1(mc, nc, input, input_stride, bias, weights, quads, nnz, output, output_stride);
}

/*
 * The quartet layout (src/sprig/qs8-spmm.h), 64x1q4, unsigned input (x + 128, read as uint8:
 * zero-extending the high half of a vector is one x86 instruction under V8, sign-extending it two).
 * Vector L (bytes 16L .. 16L + 15) of a block holds in its 32-bit word i pixels 16i + 4L + j,
 * j < 4. For one quartet, rows 0 and 1 of vector L interleaved by bytes (i8x16.shuffle: one
 * punpck[lh]bw) give words 0-1 (low shuffle) and 2-3 (high shuffle) as byte pairs; each half,
 * zero-extended (u16x8.extend_low / high_u8x16), is 4 pixels' (x0, x1) int16 pairs, and
 * i32x4.dot_i16x8_s with (w0, w1) in every i32 lane adds x0 w0 + x1 w1 per pixel (exact: at most
 * 2 x 255 x 128 in magnitude); rows 2 and 3 likewise with (w2, w3). Accumulator (L, i) holds
 * pixels 16i + 4L .. 16i + 4L + 3. The sums wrap as i32x4.add does.
 * Per channel, chunks of at most Q4_CHUNK quartets are prepared once per call (row byte offsets,
 * the weight pairs as i16x8 vectors), then each block takes two passes over a chunk, vectors 0-1
 * and 2-3 (8 accumulators: x64 has 16 xmm registers, V8 keeps one as scratch; 16 accumulators
 * spill). A pass runs only the words holding pixels below `last` and is skipped when none does.
 * A channel's first chunk starts from the bias, later ones from the sums the previous wrote. The
 * _requant entry point (qs8 convolutions) requantizes each pass's accumulators in registers and
 * stores int8, 8 pixels per word (kernels/qs8-requant/wasmsimd-round.h: the same bits as the
 * requantization kernel).
 */
#define Q4_CHUNK 128

/* The loops over a pass's vectors and words have constant trip counts; unrolled fully, the
 * accumulators are locals (else clang keeps the array in linear memory). */
#define UNROLL _Pragma("clang loop unroll(full)")

struct q4_chunk {
  v128_t w01[Q4_CHUNK];           /* (w0, w1) as int16 in every i32 lane */
  v128_t w23[Q4_CHUNK];           /* (w2, w3) */
  uint32_t offsets[4 * Q4_CHUNK]; /* row x input_stride for weights 0 .. 3 */
};

/* The `count` quartets at weights / rows as the passes read them. */
static void q4_prepare(struct q4_chunk* chunk, const uint32_t* weights, const uint32_t* rows, uint32_t count,
                       size_t input_stride) {
  const v128_t vstride = wasm_i32x4_splat((int32_t) input_stride);
  for (uint32_t q = 0; q < count; q++) {
    const v128_t w = wasm_i16x8_extend_low_i8x16(wasm_v128_load32_zero(weights + q)); /* w0 w1 w2 w3 0 0 0 0 */
    chunk->w01[q] = wasm_i32x4_shuffle(w, w, 0, 0, 0, 0);
    chunk->w23[q] = wasm_i32x4_shuffle(w, w, 1, 1, 1, 1);
    wasm_v128_store(chunk->offsets + 4 * q, wasm_i32x4_mul(wasm_v128_load(rows + 4 * q), vstride));
  }
}

/* acc[i] += the products of rows x, y with the weight pair w for words i < nw of one vector. */
INLINE void q4_pair(size_t nw, v128_t x, v128_t y, v128_t w, v128_t acc[4]) {
  const v128_t lo = wasm_i8x16_shuffle(x, y, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  acc[0] = wasm_i32x4_add(acc[0], wasm_i32x4_dot_i16x8(wasm_u16x8_extend_low_u8x16(lo), w));
  if (nw > 1) {
    acc[1] = wasm_i32x4_add(acc[1], wasm_i32x4_dot_i16x8(wasm_u16x8_extend_high_u8x16(lo), w));
  }
  if (nw > 2) {
    const v128_t hi = wasm_i8x16_shuffle(x, y, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    acc[2] = wasm_i32x4_add(acc[2], wasm_i32x4_dot_i16x8(wasm_u16x8_extend_low_u8x16(hi), w));
    if (nw > 3) {
      acc[3] = wasm_i32x4_add(acc[3], wasm_i32x4_dot_i16x8(wasm_u16x8_extend_high_u8x16(hi), w));
    }
  }
}

/* A channel's output pixels [first, first + 4), those below `last` (stored from v; loaded, with
 * zeros in the lanes above). */
INLINE void store_group(int32_t* out, size_t first, size_t last, v128_t v) {
  if (first + 4 <= last) {
    wasm_v128_store(out + first, v);
  } else if (first + 2 <= last) {
    wasm_v128_store64_lane(out + first, v, 0);
    if (first + 3 == last) {
      wasm_v128_store32_lane(out + first + 2, v, 2);
    }
  } else if (first < last) {
    wasm_v128_store32_lane(out + first, v, 0);
  }
}

INLINE v128_t load_group(const int32_t* out, size_t first, size_t last) {
  if (first + 4 <= last) {
    return wasm_v128_load(out + first);
  }
  if (first + 2 <= last) {
    const v128_t v = wasm_v128_load64_zero(out + first);
    return first + 3 == last ? wasm_v128_load32_lane(out + first + 2, v, 2) : v;
  }
  return first < last ? wasm_v128_load32_zero(out + first) : wasm_i32x4_const_splat(0);
}

/* Where a channel's sums go, from pixel 0 of the block or tile on: int32 at `sums`, where a
 * later chunk also finds the sums so far; or, in requantizing passes, int8 at `bytes`, the sums
 * times `scale` requantized as kernels/qs8-requant does. */
struct q4_to {
  int32_t* sums;
  int8_t* bytes;
  v128_t scale;
  const struct qs8_wasm_requant* rq;
};

INLINE struct q4_to q4_to_at(struct q4_to to, size_t p) {
  to.sums = to.sums != NULL ? to.sums + p : NULL;
  to.bytes = to.bytes != NULL ? to.bytes + p : NULL;
  return to;
}

/* The low 8 bytes of v to out[first .. first + 8), those below `last`. */
INLINE void store_bytes(int8_t* out, size_t first, size_t last, v128_t v) {
  if (first + 8 <= last) {
    wasm_v128_store64_lane(out + first, v, 0);
  } else {
    int8_t part[8];
    wasm_v128_store64_lane(part, v, 0);
    memcpy(out + first, part, last - first);
  }
}

/* Words i < nw of vectors v0, v0 + 1 of the block at `input` for one channel: the bias (`first`)
 * or the sums so far, plus the chunk's `count` quartets; its pixels below `last` stored as sums,
 * or (`requant`) requantized: word i's two vectors are pixels 16i + 4 v0 .. + 7. */
INLINE void q4_pass(bool requant, size_t nw, size_t v0, size_t last, const int8_t* input,
                    const struct q4_chunk* chunk, uint32_t count, bool first, v128_t vbias, const struct q4_to* to) {
  v128_t acc[8];
  UNROLL for (size_t v = 0; v < 2; v++) {
    UNROLL for (size_t i = 0; i < nw; i++) {
      acc[4 * v + i] = first ? vbias : load_group(to->sums, 16 * i + 4 * (v0 + v), last);
    }
  }
  input += 16 * v0;
  const uint32_t* offsets = chunk->offsets;
  for (uint32_t q = 0; q < count; q++, offsets += 4) {
    const int8_t* x0 = input + offsets[0];
    const int8_t* x1 = input + offsets[1];
    const int8_t* x2 = input + offsets[2];
    const int8_t* x3 = input + offsets[3];
    UNROLL for (size_t v = 0; v < 2; v++) {
      q4_pair(nw, wasm_v128_load(x0 + 16 * v), wasm_v128_load(x1 + 16 * v), chunk->w01[q], acc + 4 * v);
      q4_pair(nw, wasm_v128_load(x2 + 16 * v), wasm_v128_load(x3 + 16 * v), chunk->w23[q], acc + 4 * v);
    }
  }
  if (requant) {
    UNROLL for (size_t i = 0; i < nw; i++) {
      const v128_t halves = wasm_i16x8_narrow_i32x4(qs8_wasm_rounded(acc[i], to->scale, to->rq),
                                                    qs8_wasm_rounded(acc[4 + i], to->scale, to->rq));
      store_bytes(to->bytes, 16 * i + 4 * v0, last, wasm_i8x16_narrow_i16x8(halves, halves));
    }
    return;
  }
  UNROLL for (size_t v = 0; v < 2; v++) {
    UNROLL for (size_t i = 0; i < nw; i++) {
      store_group(to->sums, 16 * i + 4 * (v0 + v), last, acc[4 * v + i]);
    }
  }
}

/* Vectors v0, v0 + 1 of one chunk over one block, the words that hold pixels below `last`: word
 * i of vector v0 starts at pixel 16i + 4 v0, vector v0 + 1's pixels are 4 higher. */
INLINE void q4_half(bool requant, size_t v0, size_t last, const int8_t* input, const struct q4_chunk* chunk,
                    uint32_t count, bool first, v128_t vbias, const struct q4_to* to) {
  switch ((last - 4 * v0 + 15) / 16) {
    case 1:
      q4_pass(requant, 1, v0, last, input, chunk, count, first, vbias, to);
      break;
    case 2:
      q4_pass(requant, 2, v0, last, input, chunk, count, first, vbias, to);
      break;
    case 3:
      q4_pass(requant, 3, v0, last, input, chunk, count, first, vbias, to);
      break;
    default:
      q4_pass(requant, 4, v0, last, input, chunk, count, first, vbias, to);
      break;
  }
}

/* One chunk over one block, its pixels below `last` (1 .. 64); vectors 2-3 start at pixel 8. */
INLINE void q4_block(bool requant, size_t last, const int8_t* input, const struct q4_chunk* chunk, uint32_t count,
                     bool first, v128_t vbias, const struct q4_to* to) {
  q4_half(requant, 0, last, input, chunk, count, first, vbias, to);
  if (last > 8) {
    q4_half(requant, 2, last, input, chunk, count, first, vbias, to);
  }
}

/* One chunk over the `mc` pixels of a call: whole blocks (a literal `last`), then the rest. */
INLINE void q4_blocks(bool requant, size_t mc, const int8_t* input, const struct q4_chunk* chunk, uint32_t count,
                      bool first, v128_t vbias, struct q4_to to) {
  size_t p = 0;
  for (; p + 64 <= mc; p += 64) {
    const struct q4_to at = q4_to_at(to, p);
    q4_block(requant, 64, input + p, chunk, count, first, vbias, &at);
  }
  if (p < mc) {
    const struct q4_to at = q4_to_at(to, p);
    q4_block(requant, mc - p, input + p, chunk, count, first, vbias, &at);
  }
}

void sprig_qs8_spmm_ukernel_64x1q4__wasmsimd(size_t mc, size_t nc, const int8_t* input, size_t input_stride,
                                            const int32_t* bias, const uint32_t* weights, const uint32_t* rows,
                                            const uint32_t* quartets, int32_t* output, size_t output_stride) {
  struct q4_chunk chunk;
  for (size_t n = 0; n < nc; n++) {
    const struct q4_to to = {(int32_t*) ((char*) output + n * output_stride), NULL, wasm_i32x4_const_splat(0), NULL};
    const v128_t vbias = wasm_v128_load32_splat(bias + n);
    uint32_t left = quartets[n];
    bool first = true;
    do {
      const uint32_t count = left < Q4_CHUNK ? left : Q4_CHUNK;
      q4_prepare(&chunk, weights, rows, count, input_stride);
      q4_blocks(false, mc, input, &chunk, count, first, vbias, to);
      weights += count;
      rows += 4 * (size_t) count;
      left -= count;
      first = false;
    } while (left != 0);
  }
}

/* Pixels of a long channel (more than Q4_CHUNK quartets) whose sums a requantizing call holds at
 * a time, on the stack, between its chunks. */
#define Q4_PIECE 256

/* The same, requantized in registers: a channel of at most Q4_CHUNK quartets goes from its
 * accumulators to int8; a longer one keeps its sums on the stack, Q4_PIECE pixels at a time,
 * until its last chunk. */
void sprig_qs8_spmm_ukernel_64x1q4__wasmsimd_requant(size_t mc, size_t nc, const int8_t* input,
                                                    size_t input_stride, const int32_t* bias,
                                                    const uint32_t* weights, const uint32_t* rows,
                                                    const uint32_t* quartets, const float* scales,
                                                    const struct sprig_qs8_requant_params* params, int8_t* output,
                                                    size_t output_stride) {
  const struct qs8_wasm_requant rq = qs8_wasm_requant_init(params);
  struct q4_chunk chunk;
  int32_t sums[Q4_PIECE];
  for (size_t n = 0; n < nc; n++) {
    const struct q4_to to = {sums, output + n * output_stride, wasm_v128_load32_splat(scales + n), &rq};
    const v128_t vbias = wasm_v128_load32_splat(bias + n);
    const uint32_t total = quartets[n];
    if (total <= Q4_CHUNK) {
      q4_prepare(&chunk, weights, rows, total, input_stride);
      q4_blocks(true, mc, input, &chunk, total, true, vbias, to);
    } else {
      for (size_t p = 0; p < mc; p += Q4_PIECE) {
        const size_t pc = mc - p < Q4_PIECE ? mc - p : Q4_PIECE;
        const struct q4_to piece = {sums, to.bytes + p, to.scale, &rq};
        for (uint32_t done = 0; done < total;) {
          const uint32_t count = total - done < Q4_CHUNK ? total - done : Q4_CHUNK;
          q4_prepare(&chunk, weights + done, rows + 4 * (size_t) done, count, input_stride);
          if (done + count == total) {
            q4_blocks(true, pc, input + p, &chunk, count, false, vbias, piece);
          } else {
            q4_blocks(false, pc, input + p, &chunk, count, done == 0, vbias, piece);
          }
          done += count;
        }
      }
    }
    weights += total;
    rows += 4 * (size_t) total;
  }
}

/* One 64-byte block of a channel row into the block order: its 4 x 4 32-bit words transposed
 * (i32x4 interleaves, then i64x2 ones), XOR flip. All of it is loaded before anything is stored
 * (src may be dst). */
INLINE void pack_block(const int8_t* src, v128_t vflip, int8_t* dst) {
  const v128_t r0 = wasm_v128_load(src), r1 = wasm_v128_load(src + 16);
  const v128_t r2 = wasm_v128_load(src + 32), r3 = wasm_v128_load(src + 48);
  const v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5); /* r0[0] r1[0] r0[1] r1[1] */
  const v128_t t1 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7); /* r0[2] r1[2] r0[3] r1[3] */
  const v128_t t2 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5);
  const v128_t t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
  wasm_v128_store(dst, wasm_v128_xor(wasm_i64x2_shuffle(t0, t2, 0, 2), vflip)); /* r0[0] r1[0] r2[0] r3[0] */
  wasm_v128_store(dst + 16, wasm_v128_xor(wasm_i64x2_shuffle(t0, t2, 1, 3), vflip));
  wasm_v128_store(dst + 32, wasm_v128_xor(wasm_i64x2_shuffle(t1, t3, 0, 2), vflip));
  wasm_v128_store(dst + 48, wasm_v128_xor(wasm_i64x2_shuffle(t1, t3, 1, 3), vflip));
}

/* Whole blocks in place or not; the partial last one through a zeroed copy (nothing read past
 * src[pixels - 1]; the whole last block of dst written). */
void sprig_qs8_spmm_ukernel_64x1q4__wasmsimd_pack(size_t pixels, const int8_t* src, uint8_t flip, int8_t* dst) {
  const v128_t vflip = wasm_i8x16_splat((int8_t) flip);
  size_t p = 0;
  for (; p + 64 <= pixels; p += 64) {
    pack_block(src + p, vflip, dst + p);
  }
  if (p < pixels) {
    int8_t block[64] = {0};
    memcpy(block, src + p, pixels - p);
    pack_block(block, vflip, dst + p);
  }
}
