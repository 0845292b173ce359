/* armv7 NEON int8 SpMM (ISA tag neon; armv7 has no dot product): vmull.s8 + vpadal.s16. The c4
 * kernels' code and description: kernels/qs8-spmm/neon-c4.h; the quartet kernel below. */
#include "neon-c4.h"
#include "neon-plain-pack.h"

DEFINE_NEON_C4_SPMM(1, armv7_neon)
DEFINE_NEON_C4_SPMM(4, armv7_neon)
DEFINE_NEON_C4_SPMM(8, armv7_neon)
DEFINE_NEON_C4_SPMM(16, armv7_neon)

/*
 * The quartet layout (src/sprig/qs8-spmm.h; signed input, plain blocks), armv7 NEON. Per quartet
 * and 16 bytes of its 4 rows (4 words of a 64-pixel block: word k holds pixels 4k .. 4k + 3),
 * rows 0 + 1 and 2 + 3 are interleaved by bytes (vzip.8), so that each d half holds
 * one word's 4 pixels as (row a, row b) byte pairs; vmull.s8 by the pair's weights repeated
 * (w0 w1 x 4, one vld1.16 dup) gives their 8 int16 products and vpadal.s16 adds each pixel's pair
 * into its int32 lane: per 16 pixels and 4 nonzeros 4 loads, 2 zips, 8 vmull and 8 vpadal, every
 * product a nonzero's (a c4 entry at 90% unstructured sparsity holds 1.16 nonzeros in 4 lanes).
 * A pair's sum never meets int16 (|x w| <= 16384 each; two could reach 32768). A block goes in
 * two passes of 32 bytes per row (8 words, 8 accumulators: 16 q registers hold them beside one
 * pass's inputs), each over the channel's quartets: pixels 0 .. 31, then 32 .. 63, which a
 * partial last block of at most 32 pixels skips (14x14 maps: 196 = 3 x 64 + 4).
 */
#define QUARTET_PASS_WORDS 8

/* Word k's accumulator (pass words k0 .. k0 + 7) += the quartet's products, x_t = row t + 4 k0. */
INLINE void quartet_pass_words(const int8_t* x0, const int8_t* x1, const int8_t* x2, const int8_t* x3,
                               int8x8_t w01, int8x8_t w23, int32x4_t acc[QUARTET_PASS_WORDS]) {
  UNROLL for (size_t v = 0; v < QUARTET_PASS_WORDS / 4; v++) {
    /* 8 accumulators, one group's 4 inputs, the weights and a product fill the 16 q registers:
     * no load of the next group before this one's products (GCC would hoist them and spill). */
    __asm__ volatile("" ::: "memory");
    const int8x16x2_t ab = vzipq_s8(vld1q_s8(x0 + 16 * v), vld1q_s8(x1 + 16 * v));
    const int8x16x2_t cd = vzipq_s8(vld1q_s8(x2 + 16 * v), vld1q_s8(x3 + 16 * v));
    UNROLL for (size_t h = 0; h < 2; h++) {
      int32x4_t* a = acc + 4 * v + 2 * h;
      a[0] = vpadalq_s16(a[0], vmull_s8(vget_low_s8(ab.val[h]), w01));
      a[0] = vpadalq_s16(a[0], vmull_s8(vget_low_s8(cd.val[h]), w23));
      a[1] = vpadalq_s16(a[1], vmull_s8(vget_high_s8(ab.val[h]), w01));
      a[1] = vpadalq_s16(a[1], vmull_s8(vget_high_s8(cd.val[h]), w23));
    }
  }
}

/* One pass (words k0 .. k0 + 7 of the block at `input`) of nc channels; `last` (1 .. 64) pixels
 * of the block are stored. */
static __attribute__((noinline)) void quartet_pass(size_t k0, size_t last, size_t nc, const int8_t* input,
                                                   size_t input_stride, const int32_t* bias,
                                                   const uint32_t* weights, const uint32_t* rows,
                                                   const uint32_t* quartets, int32_t* output,
                                                   size_t output_stride) {
  for (size_t n = 0; n < nc; n++) {
    int32x4_t acc[QUARTET_PASS_WORDS];
    UNROLL for (size_t k = 0; k < QUARTET_PASS_WORDS; k++) {
      acc[k] = vld1q_dup_s32(bias + n);
    }
    for (uint32_t q = quartets[n]; q != 0; q--) {
      /* (w0 w1) (w2 w3) twice; unzipped by halfwords: (w0 w1) x 4 and (w2 w3) x 4. */
      const uint16x4_t w = vreinterpret_u16_u32(vld1_dup_u32(weights++));
      const uint16x4x2_t pairs = vuzp_u16(w, w);
      const int8x8_t w01 = vreinterpret_s8_u16(pairs.val[0]);
      const int8x8_t w23 = vreinterpret_s8_u16(pairs.val[1]);
      const int8_t* x0 = input + (size_t) rows[0] * input_stride + 4 * k0;
      const int8_t* x1 = input + (size_t) rows[1] * input_stride + 4 * k0;
      const int8_t* x2 = input + (size_t) rows[2] * input_stride + 4 * k0;
      const int8_t* x3 = input + (size_t) rows[3] * input_stride + 4 * k0;
      rows += 4;
      quartet_pass_words(x0, x1, x2, x3, w01, w23, acc);
    }
    int32_t* out = (int32_t*) ((char*) output + n * output_stride);
    UNROLL for (size_t k = 0; k < QUARTET_PASS_WORDS; k++) {
      sprig_qs8_neon_store_below(out, 4 * (k0 + k), last, acc[k]);
    }
  }
}

void sprig_qs8_spmm_ukernel_64x1q4__armv7_neon(size_t mc, size_t nc, const int8_t* input, size_t input_stride,
                                              const int32_t* bias, const uint32_t* weights, const uint32_t* rows,
                                              const uint32_t* quartets, int32_t* output, size_t output_stride) {
  for (size_t p = 0; p < mc; p += SPRIG_QS8_QUARTET_BLOCK) {
    const size_t last = mc - p < SPRIG_QS8_QUARTET_BLOCK ? mc - p : SPRIG_QS8_QUARTET_BLOCK;
    for (size_t k0 = 0; k0 < 16 && 4 * k0 < last; k0 += QUARTET_PASS_WORDS) {
      quartet_pass(k0, last, nc, input + p, input_stride, bias, weights, rows, quartets, output + p, output_stride);
    }
  }
}

void sprig_qs8_spmm_ukernel_64x1q4__armv7_neon_pack(size_t pixels, const int8_t* src, uint8_t flip, int8_t* dst) {
  sprig_qs8_neon_plain_pack(pixels, src, flip, dst);
}
