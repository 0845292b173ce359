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
 * Pixel remainders: one pass over the last mc % MR pixels with as many vectors as they need. A
 * partial last vector of k halves is, per nonzero, one ldr q of the 8 halves that end at the
 * row's last pixel and one tbl that moves their last k into lanes 0 .. k-1 and zeros the rest
 * (the index is made once per call); rows shorter than 8 pixels are loaded piecewise (8, 4, 2
 * bytes), and a partial output vector is stored piecewise, so that nothing outside
 * input[0 .. mc) and output[0 .. mc) is read or written.
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
#define TAIL uint8x16_t
#define VTAIL_INIT(k) tail_index(k)
#define VLOAD_X_TAIL(p, t) load_tail(p, t)
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

/* The tbl index for a tail of k (1 .. 7) halves: bytes 16 - 2k .. 15 to bytes 0 .. 2k-1, 0xFF
 * (a zero byte) above. */
INLINE uint8x16_t tail_index(size_t k) {
  static const uint8_t iota[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  const uint8x16_t bytes = vld1q_u8(iota);
  const uint8x16_t kept = vcltq_u8(bytes, vdupq_n_u8((uint8_t) (2 * k)));
  return vorrq_u8(vaddq_u8(bytes, vdupq_n_u8((uint8_t) (16 - 2 * k))), vmvnq_u8(kept));
}

INLINE float16x8_t load_tail(const uint16_t* p, uint8x16_t index) {
  return vreinterpretq_f16_u8(vqtbl1q_u8(vld1q_u8((const uint8_t*) p), index));
}

/* The first k (1 .. 7) halves at p, the other lanes zero: 4, 2 and 1 halves as k's bits say. */
INLINE float16x8_t load_part(const uint16_t* p, size_t k) {
  uint64_t lanes[2] = {0, 0};
  uint64_t low = 0;
  uint32_t pair = 0;
  if (k & 4) {
    memcpy(&lanes[0], p, sizeof(uint64_t));
  }
  if (k & 2) {
    memcpy(&pair, p + (k & 4), sizeof(pair));
  }
  low = pair;
  if (k & 1) {
    low |= (uint64_t) p[k - 1] << (16 * (k & 2));
  }
  lanes[(k & 4) / 4] = low;
  return vreinterpretq_f16_u64(vcombine_u64(vcreate_u64(lanes[0]), vcreate_u64(lanes[1])));
}

/* The first k (1 .. 7) lanes of v to p: 4, 2 and 1 halves as k's bits say. */
INLINE void store_part(uint16_t* p, float16x8_t v, size_t k) {
  uint16x8_t u = vreinterpretq_u16_f16(v);
  if (k & 4) {
    vst1_u16(p, vget_low_u16(u));
    p += 4;
    u = vextq_u16(u, u, 4);
  }
  if (k & 2) {
    const uint32_t pair = vgetq_lane_u32(vreinterpretq_u32_u16(u), 0);
    memcpy(p, &pair, sizeof(pair));
    p += 2;
    u = vextq_u16(u, u, 2);
  }
  if (k & 1) {
    vst1q_lane_u16(p, u, 0);
  }
}

#include "simd-template.h"

#define DEFINE_NEONFP16ARITH_SPMM(MR) SPMM_KERNEL(sprig_f16_spmm_ukernel_##MR##x1__aarch64_neonfp16arith, MR / 8)

DEFINE_NEONFP16ARITH_SPMM(8)
DEFINE_NEONFP16ARITH_SPMM(16)
DEFINE_NEONFP16ARITH_SPMM(32)
