/*
 * The int8 SpMM microkernel family ("c4": four input channels per weight entry), the engine of
 * the qs8 and qd8 operators: one signature, implemented once per ISA and tile.
 *
 * Computes int32 sums for `nc` output channels and `mc` pixels (batch rows):
 *   output[n][p] = bias[n] + sum over the entries e of channel n, t < 4 of
 *                  weights[e][t] * x[quad(e)][p][t]
 * with wrapping int32 arithmetic (two's complement, as the SIMD instructions do).
 *
 * input:   quad-interleaved int8 activations: quad row q (input channels 4q .. 4q + 3) starts at
 *          input + q * input_stride bytes and holds, for pixel p, the four bytes of those channels
 *          at [4p .. 4p + 3]. Kernels listed with unsigned_input read these bytes as uint8
 *          (x86 vpdpbusd multiplies unsigned by signed bytes): the operator then stores x + 128
 *          (x XOR 0x80) and folds -128 * sum(weights) into the bias.
 * bias:    nc int32 values, one per output channel (the operator's zero-point corrections).
 * weights: for each output channel n: nnz[n] entries of 4 int8 weights, for input channels
 *          4q .. 4q + 3 of the entry's quad row q (zeros where a channel has no weight).
 * quads:   one uint32 per entry, in the same order: the entry's quad row q (absolute, so that no
 *          address depends on the previous entry's).
 * nnz:     nc entry counts.
 * output:  int32; channel n's pixel p at output + n * output_stride bytes + 4p.
 *
 * A kernel processes pixels in tiles of MR, then smaller tiles for the remainder; it reads only
 * bytes [0, 4 mc) of each quad row it uses and writes only output[n][0 .. mc).
 *
 * The term layout. Kernels listed with layout `terms` compute the same sums from the same
 * weights stored otherwise (derived once per weights object, src/sprig/qs8-terms.h), for
 * kernels whose multiply takes two int8 weights at a time (wasm's i32x4.dot_i16x8_s on 16-bit
 * lanes holding channels 0 + 2 or 1 + 3 of a quad):
 *   chunks: each channel's entries, in c4 order, are cut into chunks of at most
 *           SPRIG_QS8_TERMS_CHUNK_ENTRIES consecutive entries (a channel without entries has one
 *           empty chunk); per chunk one struct sprig_qs8_term_chunk: its term counts by kind and
 *           whether it is its channel's last. Channel n + 1's chunks follow channel n's.
 *   words:  every chunk's terms back to back, in chunk order, within a chunk by kind in the
 *           order of enum sprig_qs8_term_kind, each term 2 or 3 uint32 words:
 *     pair_even {a, b, w}: an entry at quad row a whose only nonzero is channel 0 and one at
 *                          quad row b whose only nonzero is channel 2:
 *                          wl x[a][p][0] + wh x[b][p][2]
 *     pair_odd  {a, b, w}: the same for channels 1 (of a) and 3 (of b):
 *                          wl x[a][p][1] + wh x[b][p][3]
 *     even      {a, w}:    an entry with nonzeros in channels 0 and 2 only (either may be zero):
 *                          wl x[a][p][0] + wh x[a][p][2]
 *     odd       {a, w}:    the same for channels 1 and 3: wl x[a][p][1] + wh x[a][p][3]
 *     mixed     {a, w, v}: an entry with nonzeros of both parities: w as even, v as odd
 *   a and b are quad rows (a kernel multiplies them by input_stride); w and v hold two int8
 *   weights as int16: (uint16) wl | wh << 16. Entries whose four weights are zero hold no term.
 * A chunk's terms come from at most SPRIG_QS8_TERMS_CHUNK_ENTRIES entries, so they are at most
 * 2 x 127 = 254 two-weight products, each below 2^15 in magnitude: 256 x their sum fits int32,
 * which the wasm kernels rely on (exact scaled sums per chunk, added to the output wrapping).
 * Same tiles, over-read and output bounds as the c4 kernels; bias, input and output as above.
 *
 * The quartet layout. Kernels listed with layout `quartets` read every input channel as a row of
 * its own and take a channel's nonzeros four at a time, whatever their channels (derived once
 * per weights object, src/sprig/qs8-quartets.h), for kernels that interleave four input rows in
 * registers and multiply them with four int8 weights per 32-bit lane (vpdpbusd, sdot; AVX2 and
 * WebAssembly as two pairs, vpmaddwd / i32x4.dot_i16x8_s):
 *   input:    channel row c starts at input + c * input_stride bytes; its pixels come in blocks
 *             of SPRIG_QS8_QUARTET_BLOCK = 64, block b at bytes [64 b, 64 b + 64), and pixel
 *             64 b + 16 i + 4 l + j (i, l, j < 4) at byte 64 b + 16 l + 4 i + j: the 4 x 4
 *             32-bit words of a block transposed (sprig_qs8_quartet_byte). That is the order in
 *             which byte interleaving within 128-bit lanes leaves whole 16-pixel vectors. Kernels
 *             listed with layout quartets_plain (plain_blocks) read pixel p at byte p instead:
 *             their shuffles leave pixels in order, and a partial block's first pixels are then
 *             in its first vectors, which a kernel can take alone. A kernel
 *             reads the ceil(mc / 64) whole blocks of every row it uses: the bytes past the last
 *             pixel must be readable (their values do not reach the outputs). input points at a
 *             block start. Bytes read as uint8 or int8 as the entry's unsigned_input says (as
 *             for the c4 kernels).
 *   weights:  one uint32 per quartet: its four int8 weights, weight t in byte t.
 *   rows:     four uint32 per quartet: the input channel rows of weights 0 .. 3 (a quartet that
 *             ends a channel with fewer nonzeros has zero weights there, on one of its rows).
 *   quartets: nc quartet counts, channel n + 1's quartets following channel n's.
 * Each quartet kernel `fn` comes with `fn_pack` (sprig_qs8_quartet_pack_fn): one channel row of
 * `pixels` int8 values (src[0 .. pixels)) into that input order at dst, each byte XOR flip; it
 * writes nothing outside bytes [0, 64 ceil(pixels / 64)) of dst and may write any value to the
 * bytes there that hold no pixel. dst may be src (in place); otherwise they do not overlap.
 * output[n][p] = bias[n] + the sum over channel n's quartets and t < 4 of weights[t] x row t's
 * pixel p. Output bounds as above.
 */
#ifndef SPRIG_QS8_SPMM_H
#define SPRIG_QS8_SPMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sprig/isa.h>

/* The weight layouts of the family. */
enum sprig_qs8_spmm_layout {
  sprig_qs8_spmm_layout_c4 = 0,    /* weights, quads, nnz: the c4 entry stream (src/sprig/qs8-stream.h) */
  sprig_qs8_spmm_layout_terms = 1, /* chunks, words: the term stream (src/sprig/qs8-terms.h) */
  sprig_qs8_spmm_layout_quartets = 2, /* weights, rows, quartets: src/sprig/qs8-quartets.h */
};

/* Pixels per block of the quartet layout's input rows. */
#define SPRIG_QS8_QUARTET_BLOCK 64

/* Where pixel p of a channel row of the quartet layout lies: the 32-bit words of each 64-pixel
 * block transposed as a 4 x 4 matrix (its own inverse), or, for plain blocks, at byte p. */
static inline size_t sprig_qs8_quartet_byte(size_t p, bool plain_blocks) {
  return plain_blocks ? p : (p & ~(size_t) 63) | (p & 3) | (p >> 2 & 3) << 4 | (p >> 4 & 3) << 2;
}

/* Entries per chunk of the term layout at most. */
#define SPRIG_QS8_TERMS_CHUNK_ENTRIES 127

enum sprig_qs8_term_kind {
  sprig_qs8_term_pair_even = 0, /* 3 words */
  sprig_qs8_term_pair_odd = 1,  /* 3 words */
  sprig_qs8_term_even = 2,      /* 2 words */
  sprig_qs8_term_odd = 3,       /* 2 words */
  sprig_qs8_term_mixed = 4,     /* 3 words */
};

#define SPRIG_QS8_TERM_KINDS 5

/* One chunk of the term layout: its terms by kind (each at most SPRIG_QS8_TERMS_CHUNK_ENTRIES). */
struct sprig_qs8_term_chunk {
  uint8_t count[SPRIG_QS8_TERM_KINDS];
  uint8_t last; /* 1 on the channel's last chunk, else 0 */
};

/* Words of a chunk's terms. */
static inline size_t sprig_qs8_term_chunk_words(const struct sprig_qs8_term_chunk* chunk) {
  return 3 * ((size_t) chunk->count[sprig_qs8_term_pair_even] + chunk->count[sprig_qs8_term_pair_odd] +
              chunk->count[sprig_qs8_term_mixed]) +
         2 * ((size_t) chunk->count[sprig_qs8_term_even] + chunk->count[sprig_qs8_term_odd]);
}

typedef void (*sprig_qs8_spmm_ukernel_fn)(
    size_t mc, size_t nc, const int8_t* input, size_t input_stride, const int32_t* bias, const int8_t* weights,
    const uint32_t* quads, const uint32_t* nnz, int32_t* output, size_t output_stride);

typedef void (*sprig_qs8_spmm_terms_ukernel_fn)(
    size_t mc, size_t nc, const int8_t* input, size_t input_stride, const int32_t* bias,
    const struct sprig_qs8_term_chunk* chunks, const uint32_t* words, int32_t* output, size_t output_stride);

#define SPRIG_QS8_SPMM_DECLARE_c4(fn)                                                                     \
  void fn(size_t mc, size_t nc, const int8_t* input, size_t input_stride, const int32_t* bias,           \
          const int8_t* weights, const uint32_t* quads, const uint32_t* nnz, int32_t* output,             \
          size_t output_stride);
#define SPRIG_QS8_SPMM_DECLARE_terms(fn)                                                                  \
  void fn(size_t mc, size_t nc, const int8_t* input, size_t input_stride, const int32_t* bias,           \
          const struct sprig_qs8_term_chunk* chunks, const uint32_t* words, int32_t* output,               \
          size_t output_stride);
typedef void (*sprig_qs8_spmm_quartets_ukernel_fn)(
    size_t mc, size_t nc, const int8_t* input, size_t input_stride, const int32_t* bias, const uint32_t* weights,
    const uint32_t* rows, const uint32_t* quartets, int32_t* output, size_t output_stride);

typedef void (*sprig_qs8_quartet_pack_fn)(size_t pixels, const int8_t* src, uint8_t flip, int8_t* dst);

/* A quartet kernel that requantizes its own sums (qs8 convolutions): y[n][p] = int8 at output +
 * n x output_stride bytes + p, as a qs8-requant kernel's `rows` entry point gives them from the
 * sums the plain entry point would store (scales[n] per channel; src/sprig/qs8-requant.h). */
struct sprig_qs8_requant_params;
typedef void (*sprig_qs8_spmm_quartets_requant_ukernel_fn)(
    size_t mc, size_t nc, const int8_t* input, size_t input_stride, const int32_t* bias, const uint32_t* weights,
    const uint32_t* rows, const uint32_t* quartets, const float* scales,
    const struct sprig_qs8_requant_params* params, int8_t* output, size_t output_stride);

#define SPRIG_QS8_SPMM_DECLARE_quartets(fn)                                                               \
  void fn(size_t mc, size_t nc, const int8_t* input, size_t input_stride, const int32_t* bias,           \
          const uint32_t* weights, const uint32_t* rows, const uint32_t* quartets, int32_t* output,         \
          size_t output_stride);                                                                          \
  void fn##_pack(size_t pixels, const int8_t* src, uint8_t flip, int8_t* dst);
#define SPRIG_QS8_SPMM_DECLARE_quartets_plain(fn) SPRIG_QS8_SPMM_DECLARE_quartets(fn)
#define SPRIG_QS8_SPMM_DECLARE_quartets_requant(fn)                                                       \
  SPRIG_QS8_SPMM_DECLARE_quartets(fn)                                                                     \
  void fn##_requant(size_t mc, size_t nc, const int8_t* input, size_t input_stride, const int32_t* bias, \
                    const uint32_t* weights, const uint32_t* rows, const uint32_t* quartets,              \
                    const float* scales, const struct sprig_qs8_requant_params* params, int8_t* output,   \
                    size_t output_stride);
#define SPRIG_QS8_SPMM_UKERNEL(isa, mr, layout, unsigned_input, is_default, fn) SPRIG_QS8_SPMM_DECLARE_##layout(fn)
#include <qs8-spmm/list.inc>
#undef SPRIG_QS8_SPMM_UKERNEL

struct sprig_qs8_spmm_ukernel {
  const char* name;
  sprig_qs8_spmm_ukernel_fn fn;             /* layout c4; else NULL */
  sprig_qs8_spmm_terms_ukernel_fn terms_fn; /* layout terms; else NULL */
  sprig_qs8_spmm_quartets_ukernel_fn quartets_fn; /* layout quartets; else NULL */
  sprig_qs8_quartet_pack_fn quartet_pack;         /* layout quartets: its input rows' packer; else NULL */
  /* Layout quartets: the same kernel with int8 outputs (a quartets_requant entry); else NULL. */
  sprig_qs8_spmm_quartets_requant_ukernel_fn quartets_requant_fn;
  enum sprig_qs8_spmm_layout layout;
  /* Layout quartets: input blocks in pixel order (list layout quartets_plain); else transposed. */
  bool plain_blocks;
  enum sprig_isa isa;
  uint32_t mr;
  /* Reads the input bytes as uint8 (x + 128); else as int8. */
  bool unsigned_input;
  /* The kernel an operator uses when this ISA is the best one allowed. */
  bool is_default;
  /* A variant for in-order cores (an _INORDER entry of kernels/qs8-spmm/list.inc). */
  bool inorder;
};

/* Every kernel of this build, in list order (kernels/qs8-spmm/list.inc). */
extern const struct sprig_qs8_spmm_ukernel sprig_qs8_spmm_ukernels[];
extern const size_t sprig_qs8_spmm_ukernel_count;

#endif /* SPRIG_QS8_SPMM_H */
