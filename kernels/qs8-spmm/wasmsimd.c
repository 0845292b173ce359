/*
 * WebAssembly SIMD128 int8 c4 SpMM (src/sprig/qs8-spmm.h), signed input (the whole build uses
 * -msimd128).
 *
 * The multiply is i32x4.dot_i16x8_s on the input read as it is: a 16-byte load holds 4 pixels,
 * pixel p as the i16 lanes 2p = x0 | x1 << 8 and 2p + 1 = x2 | x3 << 8, and the dot's i32 lane p
 * adds the products of those two lanes. An i16 lane holds two channels, so one of its bytes is
 * cleared first and the other kept in the high byte, where it reads as 256 x exactly:
 *   even channels (0, 2): i16x8.shl by 8        -> lanes 256 x0, 256 x2
 *   odd channels (1, 3):  v128.and with 0xff00  -> lanes 256 x1, 256 x3
 * and the dot against i16 weights [wa wb wa wb ...] (one v128.load32_splat) gives
 * 256 (wa xa + wb xb) per pixel. One scaled i32x4 accumulator per 4 pixels; |256 (wa xa + wb xb)|
 * <= 2^23, so up to 255 such terms cannot overflow, and entries go in chunks of at most 127
 * (at most 254 terms), each chunk's sum shifted back (i32x4.shr_s by 8, exact) into the output.
 *
 * Unstructured sparsity leaves most entries with a single nonzero, which would waste half of each
 * dot. So per chunk of a channel's entries the kernel first sorts them (once, for all pixel
 * tiles) into four lists of terms, on the stack:
 *   pairs 0+2 / 1+3: an entry whose only nonzero is channel 0 (1) with one whose only nonzero is
 *     channel 2 (3), from two quad rows: i16x8.shuffle takes lanes 2p from the first and 2p + 1
 *     from the second (one pblendw on x86), then the shl / and: per 4 pixels 2 loads, blend,
 *     shl or and, dot, add = 3 instructions per entry, one per nonzero 4-pixel MAC;
 *   even / odd singles: the rest (nonzeros in channels 0 and 2 only, or 1 and 3 only): load,
 *     shl or and, dot, add = 4 per entry;
 *   mixed: both parities: load, shl, and, 2 dots, 2 adds = 7 per entry (16 MACs).
 * The sums wrap as i32x4.add does.
 *
 * Compared with sign-extending loads (i16x8.load8x8_s, then dot and add per 2 pixels: 6
 * instructions per entry and 4 pixels whatever the entry holds), this is 2x fewer instructions
 * on single-nonzero entries and 14% more on dense ones.
 *
 * Measured under node 20 on x86-64 (m = 784, k = n = 256, fastest of 41 runs): unstructured 90%
 * sparsity (21.8 entries, 25.5 nonzeros per channel) 16x1c4 0.55 ms vs the f32 16x1 _x86 kernel's
 * 0.70 ms (1.28x; 1.16x vs f32 32x1), vs 1.09 ms with sign-extending loads; 4x1 blocks (dense
 * quads) 0.28 ms (2.4x f32). Default: 16x1c4 (32x1c4 runs out of x64 registers, as in f32).
 *
 * Remainder pixels: after the MR tiles, one tile for each set bit of the rest (16, 8, 4, 2, 1);
 * the 2- and 1-pixel tiles use v128.load64_zero / load32_zero and store64_lane / store32_lane, so
 * nothing outside bytes [0, 4 mc) of a quad row is read and nothing outside output[n][0 .. mc)
 * is written (later chunks of a long channel read back the output they wrote).
 */
#include <stdbool.h>

#include <wasm_simd128.h>

#include <isa/wasmsimd.h>
#include <sprig/qs8-spmm.h>

#define MAX_VECTORS 8
/* Entries per chunk: at most 2 terms each, 254 in all, each below 2^23 in magnitude. */
#define CHUNK 127

/* One term: one or two quad rows (byte offsets from the tile's input) and i16 weights. */
struct term {
  size_t a;
  size_t b;
  int32_t w;   /* (uint16) wa | wb << 16: for even / odd / pair terms, and the even half of a mixed one */
  int32_t w2;  /* the odd half of a mixed term */
};

enum term_kind {
  kind_even,
  kind_odd,
  kind_pair_even,
  kind_pair_odd,
  kind_mixed,
};

#define KINDS 5

struct lists {
  uint32_t count[KINDS];
  struct term terms[KINDS][CHUNK];
};

static inline int32_t pack_weights(int32_t wa, int32_t wb) {
  return (int32_t) ((uint32_t) (uint16_t) wa | (uint32_t) wb << 16);
}

/* Sorts `entries` entries (at most CHUNK) into the term lists. */
static void sort_entries(struct lists* l, uint32_t entries, const int8_t* weights, const uint32_t* quads,
                         size_t input_stride) {
  size_t single[4][CHUNK];
  int32_t single_w[4][CHUNK];
  uint32_t singles[4] = {0, 0, 0, 0};
  for (size_t k = 0; k < KINDS; k++) {
    l->count[k] = 0;
  }
  for (uint32_t e = 0; e < entries; e++) {
    const size_t off = (size_t) quads[e] * input_stride;
    const int32_t w0 = weights[4 * e], w1 = weights[4 * e + 1], w2 = weights[4 * e + 2], w3 = weights[4 * e + 3];
    const bool even = (w0 | w2) != 0, odd = (w1 | w3) != 0;
    if (even && odd) {
      l->terms[kind_mixed][l->count[kind_mixed]++] = (struct term){off, 0, pack_weights(w0, w2), pack_weights(w1, w3)};
    } else if (even || odd) {
      const int32_t lo = even ? w0 : w1, hi = even ? w2 : w3;
      const size_t parity = even ? 0 : 1;
      if (hi == 0) {
        single[parity][singles[parity]] = off;
        single_w[parity][singles[parity]++] = lo;
      } else if (lo == 0) {
        single[parity + 2][singles[parity + 2]] = off;
        single_w[parity + 2][singles[parity + 2]++] = hi;
      } else {
        const enum term_kind kind = even ? kind_even : kind_odd;
        l->terms[kind][l->count[kind]++] = (struct term){off, 0, pack_weights(lo, hi), 0};
      }
    }
  }
  for (size_t parity = 0; parity < 2; parity++) {
    const enum term_kind pair_kind = parity ? kind_pair_odd : kind_pair_even;
    const enum term_kind single_kind = parity ? kind_odd : kind_even;
    const uint32_t lows = singles[parity], highs = singles[parity + 2];
    const uint32_t pairs = lows < highs ? lows : highs;
    for (uint32_t i = 0; i < pairs; i++) {
      l->terms[pair_kind][l->count[pair_kind]++] =
          (struct term){single[parity][i], single[parity + 2][i], pack_weights(single_w[parity][i], single_w[parity + 2][i]), 0};
    }
    for (uint32_t i = pairs; i < lows; i++) {
      l->terms[single_kind][l->count[single_kind]++] =
          (struct term){single[parity][i], 0, pack_weights(single_w[parity][i], 0), 0};
    }
    for (uint32_t i = pairs; i < highs; i++) {
      l->terms[single_kind][l->count[single_kind]++] =
          (struct term){single[parity + 2][i], 0, pack_weights(0, single_w[parity + 2][i]), 0};
    }
  }
}

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

/* One list of terms over one tile of `mr` pixels, into the scaled accumulators. */
INLINE void run_terms(size_t mr, enum term_kind kind, const struct term* t, uint32_t count, const int8_t* input,
                      v128_t* acc) {
  const size_t nv = mr >= 4 ? mr / 4 : 1;
  for (; count != 0; count--, t++) {
    const int8_t* xa = input + t->a;
    const v128_t w = wasm_v128_load32_splat(&t->w);
    if (kind == kind_mixed) {
      const v128_t w_odd = wasm_v128_load32_splat(&t->w2);
      for (size_t v = 0; v < nv; v++) {
        const v128_t x = load_quads(xa + 16 * v, mr);
        acc[v] = wasm_i32x4_add(acc[v], wasm_i32x4_dot_i16x8(even_bytes(x), w));
        acc[v] = wasm_i32x4_add(acc[v], wasm_i32x4_dot_i16x8(odd_bytes(x), w_odd));
      }
    } else if (kind == kind_pair_even || kind == kind_pair_odd) {
      const int8_t* xb = input + t->b;
      for (size_t v = 0; v < nv; v++) {
        const v128_t x = wasm_i16x8_shuffle(load_quads(xa + 16 * v, mr), load_quads(xb + 16 * v, mr), 0, 9, 2, 11, 4,
                                            13, 6, 15);
        const v128_t y = kind == kind_pair_even ? even_bytes(x) : odd_bytes(x);
        acc[v] = wasm_i32x4_add(acc[v], wasm_i32x4_dot_i16x8(y, w));
      }
    } else {
      for (size_t v = 0; v < nv; v++) {
        const v128_t x = load_quads(xa + 16 * v, mr);
        const v128_t y = kind == kind_even ? even_bytes(x) : odd_bytes(x);
        acc[v] = wasm_i32x4_add(acc[v], wasm_i32x4_dot_i16x8(y, w));
      }
    }
  }
}

/* One tile of `mr` pixels of one channel and one chunk: the first chunk adds the bias, later ones
 * the output so far. */
INLINE void chunk_tile(size_t mr, const struct lists* l, const int8_t* input, bool first, v128_t vbias,
                       int32_t* out) {
  const size_t nv = mr >= 4 ? mr / 4 : 1;
  v128_t acc[MAX_VECTORS];
  for (size_t v = 0; v < nv; v++) {
    acc[v] = wasm_i32x4_const_splat(0);
  }
  run_terms(mr, kind_pair_even, l->terms[kind_pair_even], l->count[kind_pair_even], input, acc);
  run_terms(mr, kind_pair_odd, l->terms[kind_pair_odd], l->count[kind_pair_odd], input, acc);
  run_terms(mr, kind_even, l->terms[kind_even], l->count[kind_even], input, acc);
  run_terms(mr, kind_odd, l->terms[kind_odd], l->count[kind_odd], input, acc);
  run_terms(mr, kind_mixed, l->terms[kind_mixed], l->count[kind_mixed], input, acc);
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
INLINE void chunk_all_tiles(size_t mr, size_t mc, const struct lists* l, const int8_t* input, bool first,
                            v128_t vbias, int32_t* out) {
  size_t p = 0;
  for (; p + mr <= mc; p += mr) {
    chunk_tile(mr, l, input + 4 * p, first, vbias, out + p);
  }
  const size_t rest = mc - p;
  if (mr > 16 && (rest & 16) != 0) {
    chunk_tile(16, l, input + 4 * p, first, vbias, out + p);
    p += 16;
  }
  if (mr > 8 && (rest & 8) != 0) {
    chunk_tile(8, l, input + 4 * p, first, vbias, out + p);
    p += 8;
  }
  if (mr > 4 && (rest & 4) != 0) {
    chunk_tile(4, l, input + 4 * p, first, vbias, out + p);
    p += 4;
  }
  if (mr > 2 && (rest & 2) != 0) {
    chunk_tile(2, l, input + 4 * p, first, vbias, out + p);
    p += 2;
  }
  if (mr > 1 && (rest & 1) != 0) {
    chunk_tile(1, l, input + 4 * p, first, vbias, out + p);
  }
}

INLINE void qs8_spmm(size_t mr, size_t mc, size_t nc, const int8_t* input, size_t input_stride, const int32_t* bias,
                     const int8_t* weights, const uint32_t* quads, const uint32_t* nnz, int32_t* output,
                     size_t output_stride) {
  struct lists l;
  for (size_t n = 0; n < nc; n++) {
    int32_t* out = (int32_t*) ((char*) output + n * output_stride);
    const v128_t vbias = wasm_v128_load32_splat(bias + n);
    uint32_t remaining = nnz[n];
    bool first = true;
    do {
      const uint32_t entries = remaining < CHUNK ? remaining : CHUNK;
      sort_entries(&l, entries, weights, quads, input_stride);
      weights += 4 * (size_t) entries;
      quads += entries;
      remaining -= entries;
      chunk_all_tiles(mr, mc, &l, input, first, vbias, out);
      first = false;
    } while (remaining != 0);
  }
}

#define DEFINE_WASMSIMD_QS8_SPMM(MR)                                                                             \
  void sprig_qs8_spmm_ukernel_##MR##x1c4__wasmsimd(size_t mc, size_t nc, const int8_t* input, size_t input_stride, \
                                                   const int32_t* bias, const int8_t* weights, const uint32_t* quads, \
                                                   const uint32_t* nnz, int32_t* output, size_t output_stride) {      \
    qs8_spmm(MR, mc, nc, input, input_stride, bias, weights, quads, nnz, output, output_stride);                     \
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
