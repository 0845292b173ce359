/*
 * x86 SSE2 f32 sparse direct convolution (src/sprig/spconv.h): 4 pixels per xmm register,
 * V = MR / 4 accumulators per channel; the body is x86-template.h.
 *
 * Inner loop per stored value of an MRx1 tile: one movslq of its byte offset, one movss +
 * shufps weight broadcast, V movups input loads at input + offset, V mulps + V addps (no FMA in
 * SSE2: the product is rounded before the add). 16 xmm registers hold 8 accumulators beside the
 * broadcast and the temporaries, so MR stops at 32 (V = 8); narrower tiles take the stored
 * values in turn into 8 / V accumulator sets, summed once per channel. [GCC 12 -O3, objdump,
 * 32x1: 30 instructions per stored value: movslq, movss + shufps, 2 add, 8 movups, 8 mulps, 8
 * addps, cmp + jne.] Default 32x1: ahead of 16x1 by 3-8% on runs of 56 to 3246 pixels of a 3x3,
 * 32-channel layer at 70% sparsity.
 * MRx4 tiles (NR = 4, 4x4 and 8x4) load the V input vectors of an offset once and multiply them
 * by the block's 4 broadcast weights.
 *
 * Pixel remainders: one pass over the whole vectors of the last mc % MR pixels, then one pass
 * over the last 1..3 pixels (movq and/or movss); nothing outside [0, mc) of any offset's run or
 * of an output row is read or written.
 */
#include <emmintrin.h>

#include <isa/sse2.h>
#include <sprig/spconv.h>

#define VBROADCAST(p) _mm_load1_ps(p)

#include "x86-template.h"

/* Full tiles of nv vectors, then the whole vectors of the rest in one pass, then the last 1..3
 * pixels in one pass. */
INLINE void spconv_all_tiles(size_t nv, size_t nr, size_t mc, size_t nc, const float* input, const float* bias,
                             const float* weights, const int32_t* offsets, const uint32_t* nnz, float* output,
                             size_t output_stride, const struct sprig_f32_minmax_params* params) {
  const __m128 vmin = _mm_set1_ps(params->min);
  const __m128 vmax = _mm_set1_ps(params->max);
  const char* in = (const char*) input;
  size_t p = 0;
  for (; p + nv * 4 <= mc; p += nv * 4) {
    spconv_tile(ACC_CHAINS, nv, nr, 0, width_full, nc, in + p * sizeof(float), bias, weights, offsets, nnz,
                output + p, output_stride, vmin, vmax);
  }
  /* rest / 4 < nv; the `nv > V` tests drop the impossible cases at compile time. */
  const size_t rest_vectors = (mc - p) / 4;
  switch (rest_vectors) {
#define REST_CASE(V)                                                                                         \
  case V:                                                                                                    \
    if (nv > V) {                                                                                            \
      spconv_tile(ACC_CHAINS, V, nr, 0, width_full, nc, in + p * sizeof(float), bias, weights, offsets, nnz, \
                  output + p, output_stride, vmin, vmax);                                                    \
    }                                                                                                        \
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
  /* The width is a literal at each call, so the partial loads and stores are straight movq/movss. */
  switch (mc - p) {
#define TAIL_CASE(WIDTH)                                                                                   \
  case WIDTH:                                                                                              \
    spconv_tile(ACC_CHAINS, 1, nr, 1, WIDTH, nc, in + p * sizeof(float), bias, weights, offsets, nnz,      \
                output + p, output_stride, vmin, vmax);                                                    \
    break;
    TAIL_CASE(width_single)
    TAIL_CASE(width_pair)
    TAIL_CASE(width_triple)
#undef TAIL_CASE
    default:
      break;
  }
}

#define DEFINE_SSE2_SPCONV(MR, NR)                                                                             \
  void sprig_f32_spconv_minmax_ukernel_##MR##x##NR##__sse2(                                                    \
      size_t mc, size_t nc, const float* input, const float* bias, const float* weights, const int32_t* offsets, \
      const uint32_t* nnz, float* output, size_t output_stride, const struct sprig_f32_minmax_params* params) { \
    spconv_all_tiles(MR / 4, NR, mc, nc, input, bias, weights, offsets, nnz, output, output_stride, params);    \
  }

DEFINE_SSE2_SPCONV(4, 1)
DEFINE_SSE2_SPCONV(8, 1)
DEFINE_SSE2_SPCONV(16, 1)
DEFINE_SSE2_SPCONV(32, 1)
DEFINE_SSE2_SPCONV(4, 4)
DEFINE_SSE2_SPCONV(8, 4)
