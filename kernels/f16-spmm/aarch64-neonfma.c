/*
 * aarch64 NEON+FMA f16 SpMM for ARMv8.0 cores without FP16 arithmetic: 4 pixels per q register
 * as f32, V = MR / 4 accumulators per channel.
 *
 * Per nonzero of an MRx1 tile: V ldr d of 4 input halves each widened by fcvtl, V fmla .4s with
 * the weight from a group of 8 weights widened once per 8 nonzeros (two fcvtl), and the row
 * step from one 8-byte load per 8 nonzeros. Sums stay in f32 and are narrowed to half once
 * (fcvtn, round to nearest even) after the clamp. Narrow tiles take the nonzeros in turn into
 * 8 / V accumulator sets.
 *
 * Pixel remainders: one pass over the last mc % MR pixels with as many vectors as they need; a
 * partial last vector goes through a 4-half buffer filled and emptied lane by lane (no
 * library call in the loop), so that nothing outside input[0 .. mc) and
 * output[0 .. mc) is read or written.
 */
#include <arm_neon.h>
#include <string.h>

#include <sprig/f16-spmm.h>

#define INLINE static inline __attribute__((always_inline))
#define VEC float32x4_t
#define LANES 4
#define VLOAD_X(p) vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)))
#define VLOAD_X_PART(p, k) load_part(p, k)
#define VSTORE_Y(p, v) vst1_u16(p, vreinterpret_u16_f16(vcvt_f16_f32(v)))
#define VSTORE_Y_PART(p, v, k) store_part(p, v, k)
#define VMADD(acc, x, w) vfmaq_f32(acc, x, w)
#define VADD(a, b) vaddq_f32(a, b)
#define VZERO() vdupq_n_f32(0.0f)
#define VBROADCAST_HALF(h) vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(h)))
#define WGROUP struct weights8
#define VLOAD_WGROUP(p) load_weights8(p)
#define VPERM_W(g, l) vdupq_n_f32((l) < 4 ? (g).low[(l) & 3] : (g).high[(l) & 3])
#define VCLAMP_MIN(params) vdupq_n_f32((params)->min)
#define VCLAMP_MAX(params) vdupq_n_f32((params)->max)
#define VMIN(a, b) vminq_f32(a, b)
#define VMAX(a, b) vmaxq_f32(a, b)

/* 8 weights widened to f32. */
struct weights8 {
  float32x4_t low;
  float32x4_t high;
};

INLINE struct weights8 load_weights8(const uint16_t* p) {
  const float16x8_t h = vreinterpretq_f16_u16(vld1q_u16(p));
  return (struct weights8){vcvt_f32_f16(vget_low_f16(h)), vcvt_high_f32_f16(h)};
}

INLINE float32x4_t load_part(const uint16_t* p, size_t k) {
  uint16_t buffer[LANES];
  for (size_t i = 0; i < LANES; i++) {
    buffer[i] = i < k ? p[i] : 0;
  }
  return VLOAD_X(buffer);
}

INLINE void store_part(uint16_t* p, float32x4_t v, size_t k) {
  uint16_t buffer[LANES];
  VSTORE_Y(buffer, v);
  for (size_t i = 0; i < k; i++) {
    p[i] = buffer[i];
  }
}

#include "simd-template.h"

#define DEFINE_NEONFMA_SPMM(MR)                                                                            \
  void sprig_f16_spmm_ukernel_##MR##x1__aarch64_neonfma(                                                   \
      size_t mc, size_t nc, const uint16_t* input, size_t input_stride, const uint16_t* bias,              \
      const uint16_t* weights, const int8_t* input_deltas, const uint32_t* nnz, uint16_t* output,          \
      size_t output_stride, const struct sprig_f16_minmax_params* params) {                                \
    spmm_all_tiles(MR / 4, mc, nc, input, input_stride, bias, weights, input_deltas, nnz, output,          \
                   output_stride, params);                                                                 \
  }

DEFINE_NEONFMA_SPMM(4)
DEFINE_NEONFMA_SPMM(8)
DEFINE_NEONFMA_SPMM(16)
