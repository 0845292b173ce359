/*
 * aarch64 NEON+FMA f32 sliced-ELL matrix-vector kernel, slices of 8 rows (two q registers per
 * accumulator). Per slot: 8 ldrh offsets and 8 lane loads (ld1 {v.s}[j]) of the inputs, one ldp q
 * of the weights, two fmla. Limit: the 8 lane loads per slot (NEON has no gather); the weight
 * stream (6 bytes per slot) for large layers.
 */
#include <arm_neon.h>

#include <isa/neon.h>
#include <sprig/sellmv.h>

#define MLAQ(acc, a, b) vfmaq_f32((acc), (a), (b))

INLINE float32x4_t gather4(const float* x, const uint16_t* off) {
  float32x4_t v = vld1q_dup_f32(x + off[0]);
  v = vld1q_lane_f32(x + off[1], v, 1);
  v = vld1q_lane_f32(x + off[2], v, 2);
  return vld1q_lane_f32(x + off[3], v, 3);
}

#include "neon-acc8.h"
#include "template.h"

DEFINE_SELLMV_UKERNEL(sprig_f32_sellmv_minmax_ukernel_8__aarch64_neonfma)
