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
 * Pixel remainders: one pass over the last mc % MR pixels with as many vectors as they need. A
 * partial last vector of k halves is, per nonzero, one ldr d of the 4 halves that end at the
 * row's last pixel and one tbl that moves their last k into lanes 0 .. k-1 and zeros the rest
 * (the index is made once per call), then fcvtl; rows shorter than 4 pixels are loaded
 * piecewise (4 and 2 bytes), and a partial output vector is stored piecewise, so that nothing
 * outside input[0 .. mc) and output[0 .. mc) is read or written.
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
#define TAIL uint8x8_t
#define VTAIL_INIT(k) tail_index(k)
#define VLOAD_X_TAIL(p, t) load_tail(p, t)
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

/* The tbl index for a tail of k (1 .. 3) halves: bytes 8 - 2k .. 7 to bytes 0 .. 2k-1, 0xFF (a
 * zero byte) above. */
INLINE uint8x8_t tail_index(size_t k) {
  static const uint8_t iota[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  const uint8x8_t bytes = vld1_u8(iota);
  const uint8x8_t kept = vclt_u8(bytes, vdup_n_u8((uint8_t) (2 * k)));
  return vorr_u8(vadd_u8(bytes, vdup_n_u8((uint8_t) (8 - 2 * k))), vmvn_u8(kept));
}

INLINE float32x4_t load_tail(const uint16_t* p, uint8x8_t index) {
  const uint8x16_t halves = vcombine_u8(vld1_u8((const uint8_t*) p), vdup_n_u8(0));
  return vcvt_f32_f16(vreinterpret_f16_u8(vqtbl1_u8(halves, index)));
}

/* The first k (1 .. 3) halves at p, the other lanes zero: 2 and 1 halves as k's bits say. */
INLINE float32x4_t load_part(const uint16_t* p, size_t k) {
  uint32_t pair = 0;
  if (k & 2) {
    memcpy(&pair, p, sizeof(pair));
  }
  uint64_t lanes = pair;
  if (k & 1) {
    lanes |= (uint64_t) p[k - 1] << (16 * (k & 2));
  }
  return vcvt_f32_f16(vreinterpret_f16_u64(vcreate_u64(lanes)));
}

/* The first k (1 .. 3) lanes of v to p as halves: 2 and 1 halves as k's bits say. */
INLINE void store_part(uint16_t* p, float32x4_t v, size_t k) {
  uint16x4_t u = vreinterpret_u16_f16(vcvt_f16_f32(v));
  if (k & 2) {
    const uint32_t pair = vget_lane_u32(vreinterpret_u32_u16(u), 0);
    memcpy(p, &pair, sizeof(pair));
    p += 2;
    u = vext_u16(u, u, 2);
  }
  if (k & 1) {
    vst1_lane_u16(p, u, 0);
  }
}

#include "simd-template.h"

#define DEFINE_NEONFMA_SPMM(MR) SPMM_KERNEL(sprig_f16_spmm_ukernel_##MR##x1__aarch64_neonfma, MR / 4)

DEFINE_NEONFMA_SPMM(4)
DEFINE_NEONFMA_SPMM(8)
DEFINE_NEONFMA_SPMM(16)
