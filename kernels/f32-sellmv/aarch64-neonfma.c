/*
 * aarch64 NEON+FMA f32 sliced-ELL matrix-vector kernel, slices of 8 rows (two q registers per
 * accumulator). Per slot: 8 ldrh offsets and 8 lane loads (ld1 {v.s}[j]) of the inputs, one ldp q
 * of the weights, two fmla. Limit: the 8 lane loads per slot (NEON has no gather); the weight
 * stream (6 bytes per slot) for large layers.
 */
#include <arm_neon.h>

#include <isa/neon.h>
#include <sprig/sellmv.h>

struct acc8 {
  float32x4_t lo;
  float32x4_t hi;
};

INLINE float32x4_t gather4(const float* x, const uint16_t* off) {
  float32x4_t v = vld1q_dup_f32(x + off[0]);
  v = vld1q_lane_f32(x + off[1], v, 1);
  v = vld1q_lane_f32(x + off[2], v, 2);
  return vld1q_lane_f32(x + off[3], v, 3);
}

INLINE struct acc8 madd8(struct acc8 acc, const float* w, const float* x, const uint16_t* off) {
  acc.lo = vfmaq_f32(acc.lo, vld1q_f32(w), gather4(x, off));
  acc.hi = vfmaq_f32(acc.hi, vld1q_f32(w + 4), gather4(x, off + 4));
  return acc;
}

INLINE struct acc8 add8(struct acc8 a, struct acc8 b) {
  return (struct acc8){vaddq_f32(a.lo, b.lo), vaddq_f32(a.hi, b.hi)};
}

INLINE void store8(float* p, struct acc8 a) {
  vst1q_f32(p, a.lo);
  vst1q_f32(p + 4, a.hi);
}

#define C 8
#define ACC struct acc8
#define ACC_ZERO() ((struct acc8){vdupq_n_f32(0.0f), vdupq_n_f32(0.0f)})
#define MADD(acc, w, x, off) madd8(acc, w, x, off)
#define ACC_ADD(a, b) add8(a, b)
#define ACC_STORE(p, acc) store8(p, acc)
#include "template.h"

DEFINE_SELLMV_UKERNEL(sprig_f32_sellmv_minmax_ukernel_8__aarch64_neonfma)
