/*
 * x86 SSE2 f32 SpMM: 4 pixels per xmm register, V = MR / 4 accumulators per channel.
 *
 * Inner loop per nonzero of an MRx1 tile: V movups input loads, V mulps + V addps (no FMA in
 * SSE2: the product is rounded before the add), one movss + shufps weight broadcast, one movsbq
 * of the input-row step, an imul by the row stride and an add to the input pointer, plus one
 * prefetcht0 of the first line of the input row PREFETCH_DISTANCE nonzeros ahead and the
 * movsbq + imul + add that move that pointer (every SSE2 kernel prefetches: hence _prefetch in
 * all their names).
 * Limits:
 * - Registers: 16 xmm hold at most 8 accumulators next to the broadcast and the temporaries,
 *   so MR stops at 32 (V = 8, the default), which also covers the add latency; narrower tiles
 *   take the nonzeros in turn into 8 / V accumulator sets, summed at the end.
 * - Issue: a multiply-add is two instructions of 4 lanes, so per flop this kernel needs 4x the
 *   FP instructions of the AVX2 one, and V + 2 loads per V multiply-adds.
 * MRxNR tiles (NR = 2, 4) load the V input vectors once per column and reuse them for NR
 * broadcast weights.
 *
 * Pixel remainders: one pass over the whole vectors of the last mc % MR pixels, then one pass
 * over the last 1..3 pixels (movq and/or movss); nothing is read or written outside
 * input[0, mc) and output[0, mc).
 */
#include <emmintrin.h>

#include <isa/sse2.h>
#include <sprig/spmm.h>

/* What x86-template.h needs of the ISA beyond isa/sse2.h (see the list there). */
#define VBROADCAST(p) _mm_load1_ps(p)

#include "x86-template.h"

/*
 * Full tiles of nv vectors, then the whole vectors of the rest in one pass, then the last
 * 1..3 pixels in one pass. Few passes rather than halving tiles: every pass streams all the
 * weights again, and a narrow pass is nearly as slow per nonzero as a wide one (it is bound by
 * the latency of its few accumulators).
 */
INLINE void spmm_all_tiles(
    size_t nv, size_t nr, size_t mc, size_t nc, const float* input, size_t stride, const float* bias, const float* w,
    const int8_t* deltas, const uint32_t* nnz, float* output, size_t output_stride,
    const struct sprig_f32_minmax_params* params) {
  const __m128 vmin = _mm_set1_ps(params->min);
  const __m128 vmax = _mm_set1_ps(params->max);
  const size_t total = total_nnz(nc, nr, nnz);
  size_t p = 0;
  for (; p + nv * 4 <= mc; p += nv * 4) {
    spmm_tile(ACC_CHAINS, nv, nr, 0, width_full, 1, nc, input + p, stride, bias, w, deltas, nnz, total,
              output + p, output_stride, vmin, vmax);
  }
  /* rest / 4 < nv; the `nv > V` tests drop the impossible cases at compile time. */
  const size_t rest_vectors = (mc - p) / 4;
  switch (rest_vectors) {
#define REST_CASE(V)                                                                      \
    case V:                                                                               \
      if (nv > V) {                                                                       \
        spmm_tile(ACC_CHAINS, V, nr, 0, width_full, 1, nc, input + p, stride, bias, w, deltas, nnz, \
                  total, output + p, output_stride, vmin, vmax);                          \
      }                                                                                   \
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
  /* The width must be a literal at each call for the partial loads and stores to be straight
   * movq/movss. */
  switch (mc - p) {
#define TAIL_CASE(WIDTH)                                                                    \
    case WIDTH:                                                                             \
      spmm_tile(ACC_CHAINS, 1, nr, 1, WIDTH, 1, nc, input + p, stride, bias, w, deltas, nnz, total, \
                output + p, output_stride, vmin, vmax);                                     \
      break;
    TAIL_CASE(width_single)
    TAIL_CASE(width_pair)
    TAIL_CASE(width_triple)
#undef TAIL_CASE
    default:
      break;
  }
}

#define DEFINE_SSE2_SPMM(MR, NR)                                                                              \
  void sprig_f32_spmm_minmax_ukernel_##MR##x##NR##__sse2_prefetch(                                            \
      size_t mc, size_t nc, const float* input, size_t input_stride, const float* bias, const float* weights, \
      const int8_t* input_deltas, const uint32_t* nnz, float* output, size_t output_stride,                   \
      const struct sprig_f32_minmax_params* params) {                                                         \
    spmm_all_tiles(MR / 4, NR, mc, nc, input, input_stride, bias, weights, input_deltas, nnz, output,         \
                   output_stride, params);                                                                    \
  }

DEFINE_SSE2_SPMM(4, 1)
DEFINE_SSE2_SPMM(8, 1)
DEFINE_SSE2_SPMM(16, 1)
DEFINE_SSE2_SPMM(32, 1)
DEFINE_SSE2_SPMM(4, 2)
DEFINE_SSE2_SPMM(8, 2)
DEFINE_SSE2_SPMM(16, 2)
DEFINE_SSE2_SPMM(4, 4)
DEFINE_SSE2_SPMM(8, 4)
