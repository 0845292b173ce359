/*
 * aarch64 NEON FP16 arithmetic (ARMv8.2-A FP16) f16 SpMM: 8 pixels per q register as halves,
 * V = MR / 8 accumulators per channel, summed in half precision (fmla .8h: one rounding per
 * fused multiply-add).
 *
 * Per nonzero of an MRx1 tile: V ldr q of 8 input halves, V fmla .8h with the weight taken by
 * lane from one ldr q of 8 weights per 8 nonzeros, and the row step from one 8-byte load per 8
 * nonzeros. Narrow tiles take the nonzeros in turn into 8 / V accumulator sets, summed (in half)
 * at the end. The clamp uses min_f16 / max_f16 (fmax / fmin keep NaN).
 *
 * Pixel remainders: one pass over the last mc % MR pixels with as many vectors as they need; a
 * partial last vector goes through an 8-half buffer filled and emptied lane by lane (no
 * library call in the loop), so that nothing outside input[0 .. mc) and
 * output[0 .. mc) is read or written.
 */
#include <arm_neon.h>
#include <string.h>

#include <sprig/f16-spmm.h>

#define INLINE static inline __attribute__((always_inline))
#define VEC float16x8_t
#define LANES 8
#define VLOAD_X(p) vreinterpretq_f16_u16(vld1q_u16(p))
#define VLOAD_X_PART(p, k) load_part(p, k)
#define VSTORE_Y(p, v) vst1q_u16(p, vreinterpretq_u16_f16(v))
#define VSTORE_Y_PART(p, v, k) store_part(p, v, k)
#define VMADD(acc, x, w) vfmaq_f16(acc, x, w)
#define VADD(a, b) vaddq_f16(a, b)
#define VZERO() vreinterpretq_f16_u16(vdupq_n_u16(0))
#define VBROADCAST_HALF(h) vreinterpretq_f16_u16(vdupq_n_u16(h))
#define WGROUP float16x8_t
#define VLOAD_WGROUP(p) VLOAD_X(p)
#define VPERM_W(g, l) vdupq_n_f16((g)[(l)])
#define VCLAMP_MIN(params) VBROADCAST_HALF((params)->min_f16)
#define VCLAMP_MAX(params) VBROADCAST_HALF((params)->max_f16)
#define VMIN(a, b) vminq_f16(a, b)
#define VMAX(a, b) vmaxq_f16(a, b)

INLINE float16x8_t load_part(const uint16_t* p, size_t k) {
  uint16_t buffer[LANES];
  for (size_t i = 0; i < LANES; i++) {
    buffer[i] = i < k ? p[i] : 0;
  }
  return VLOAD_X(buffer);
}

INLINE void store_part(uint16_t* p, float16x8_t v, size_t k) {
  uint16_t buffer[LANES];
  VSTORE_Y(buffer, v);
  for (size_t i = 0; i < k; i++) {
    p[i] = buffer[i];
  }
}

#include "simd-template.h"

#define DEFINE_NEONFP16ARITH_SPMM(MR)                                                                      \
  void sprig_f16_spmm_ukernel_##MR##x1__aarch64_neonfp16arith(                                             \
      size_t mc, size_t nc, const uint16_t* input, size_t input_stride, const uint16_t* bias,              \
      const uint16_t* weights, const int8_t* input_deltas, const uint32_t* nnz, uint16_t* output,          \
      size_t output_stride, const struct sprig_f16_minmax_params* params) {                                \
    spmm_all_tiles(MR / 8, mc, nc, input, input_stride, bias, weights, input_deltas, nnz, output,          \
                   output_stride, params);                                                                 \
  }

DEFINE_NEONFP16ARITH_SPMM(8)
DEFINE_NEONFP16ARITH_SPMM(16)
DEFINE_NEONFP16ARITH_SPMM(32)
