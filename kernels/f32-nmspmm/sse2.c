/*
 * x86 SSE2 f32 N:M SpMM: 4 pixels per xmm register, V = MR / 4 accumulators per channel, and C
 * channels of the tile computed side by side (C = 4, 2, 1 for MR = 8, 16, 32: always 8
 * accumulators, which with the weights and temporaries fill the 16 xmm registers).
 *
 * Inner loop per stored weight: one movzbl of the index byte and an imul by row_stride (row
 * address = run base + index * row_stride), V movups input loads, V mulps + V addps (no FMA in
 * SSE2: the product is rounded before the add), and the weight broadcast: for n = 2 and 4
 * (2:4, 2:8, 4:8, 4:16) and the pairs of other even n one movq of a weight pair plus two shufps
 * per pair, else movss + shufps. Per run one add of m * row_stride to the run base. n = 1, 2
 * and 4 are compile-time constants (a run is straight-line code); any other n takes a loop.
 * Limits:
 * - Issue: a 4-lane multiply-add is three instructions (movups, mulps, addps; SSE memory
 *   operands must be aligned, so the load is not folded), so this kernel needs ~4x the
 *   instructions per flop of the AVX2 one. Measured on a Zen 5 core: 32x1 (the default) runs
 *   at ~60% of a mulps + addps peak on 3136 pixels x 256 rows x 256 channels at 2:4, ~10%
 *   ahead of the 32x1 CSR kernel on the same weights.
 * - Dependency chains: the order bias + w0*x0 + w1*x1 ... is kept, so each accumulator is one
 *   chain of addps; the C channels at once give 8 chains for every MR.
 *
 * Pixel remainders: one pass over the whole vectors of the last mc % MR pixels, then one pass
 * over the last 1..3 pixels (movq and/or movss), with up to 4 channels per block so that a
 * narrow pass still has several chains; nothing is read or written outside input[0, mc) and
 * output[0, mc). Channels: blocks of C, then the nc % C left over in blocks of 2 and 1.
 */
#include <emmintrin.h>

#include <isa/sse2.h>
#include <sprig/nmspmm.h>

/* What x86-template.h needs of the ISA beyond isa/sse2.h (see the list there). */
#define VLOAD_PAIR(p) _mm_castsi128_ps(_mm_loadl_epi64((const __m128i*) (p)))
#define VPAIR_LO(v) _mm_shuffle_ps(v, v, 0x00)
#define VPAIR_HI(v) _mm_shuffle_ps(v, v, 0x55)

#include "x86-template.h"

/*
 * Full tiles of nv vectors, then the whole vectors of the rest in one pass, then the last
 * 1..3 pixels in one pass: every pass streams all the weights again, so few passes beat
 * halving tiles.
 */
INLINE void nm_all_tiles(
    size_t nv, size_t nb, size_t n_fixed, size_t n, size_t mc, size_t nc, size_t groups,
    const float* input, size_t row_stride, size_t group_stride, const float* bias, const float* w,
    const uint8_t* idx, float* output, size_t output_stride, __m128 vmin, __m128 vmax) {
  size_t p = 0;
  for (; p + nv * 4 <= mc; p += nv * 4) {
    nm_tile(nv, nb, 0, width_full, n_fixed, n, nc, groups, input + p, row_stride, group_stride, bias,
            w, idx, output + p, output_stride, vmin, vmax);
  }
  /* rest / 4 < nv; the `nv > V` tests drop the impossible cases at compile time. */
  const size_t rest_vectors = (mc - p) / 4;
  switch (rest_vectors) {
#define REST_CASE(V)                                                                                 \
    case V:                                                                                          \
      if (nv > V) {                                                                                  \
        nm_tile(V, block_channels(nb * nv, V), 0, width_full, n_fixed, n, nc, groups, input + p,     \
                row_stride, group_stride, bias, w, idx, output + p, output_stride, vmin, vmax);      \
      }                                                                                              \
      break;
    REST_CASE(1)
    REST_CASE(2)
    REST_CASE(3)
    REST_CASE(4)
    REST_CASE(5)
    REST_CASE(6)
    REST_CASE(7)
#undef REST_CASE
    default:
      break;
  }
  p += rest_vectors * 4;
  input += p;
  output += p;
  /* The width must be a literal at each call for the partial loads and stores to be straight
   * movq/movss. */
  switch (mc - p) {
#define TAIL_CASE(WIDTH)                                                                             \
    case WIDTH:                                                                                      \
      nm_tile(1, block_channels(nb * nv, 1), 1, WIDTH, n_fixed, n, nc, groups, input, row_stride,    \
              group_stride, bias, w, idx, output, output_stride, vmin, vmax);                        \
      break;
    TAIL_CASE(width_single)
    TAIL_CASE(width_pair)
    TAIL_CASE(width_triple)
#undef TAIL_CASE
    default:
      break;
  }
}

#define DEFINE_SSE2_NMSPMM(MR, C)                                                                     \
  void sprig_f32_nmspmm_minmax_ukernel_##MR##x1__sse2(                                                \
      size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t row_stride, \
      const float* bias, const float* weights, const uint8_t* indices, float* output,                 \
      size_t output_stride, const struct sprig_f32_minmax_params* params) {                           \
    nm_kernel(MR / 4, C, mc, nc, groups, n, m, input, row_stride, bias, weights, indices, output,    \
              output_stride, params);                                                                 \
  }

DEFINE_SSE2_NMSPMM(8, 4)
DEFINE_SSE2_NMSPMM(16, 2)
DEFINE_SSE2_NMSPMM(32, 1)
