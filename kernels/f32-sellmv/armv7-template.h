/*
 * armv7 NEON f32 sliced-ELL matrix-vector kernel, slices of 8 rows (two q registers per
 * accumulator), written once for both armv7 ISAs: armv7-neon.c includes this with ARMV7_FMA 0
 * (ISA tag neon: vmla.f32, the product rounded before the add) and armv7-neonvfpv4.c with
 * ARMV7_FMA 1 (ISA tag neonvfpv4: VFPv4's vfma.f32, one rounding). Not compiled on its own; the
 * loop over slices and slots is template.h's (four accumulators taking the slots in turn).
 *
 * Per slot: 4 ldr of the offsets (two 16-bit offsets per load, split by uxth / lsr), 8 address
 * adds (32-bit: input + offset * 4), 8 lane loads of the inputs (armv7 has no gather), two vld1 q
 * of the weights, two vmla / vfma: 14 loads, where 8 ldrh would make 18. Cortex-A7, A9 and A15
 * issue at most one load per cycle, which bounds this loop; the extra uxth / lsr go to the
 * integer pipes. The pairs are read with memcpy (no alignment is assumed). Each q of
 * gathered inputs starts with an all-lanes load (vld1.32 {d[], d[]}), which does not read the
 * register's old value, then takes lanes 1-3; the 8 gathers of a trip of 4 slots are independent
 * of each other, so an in-order core (Cortex-A7, A9) overlaps their lane loads. The gather writes
 * its q register whole: two d halves combined with vcombine cost GCC 12 d-register moves (vmov,
 * vswp) in every slot. The four accumulators are 8 independent multiply-add chains (q
 * registers), each taking one vmla / vfma per 4 slots, far apart for the vmla / vfma latency of
 * these cores; the 8 accumulators and the 4 q of a slot's operands fit the 16 q registers.
 *
 * NEON on armv7 flushes subnormal inputs, products and sums to zero: at most 2^-126 per term
 * from the scalar kernel. The bias add and the clamp are scalar VFP code (template.h), which
 * does not flush, and a NaN input or sum stays NaN through them.
 */
#ifndef ARMV7_FMA
#error "armv7-template.h is included by armv7-neon.c / armv7-neonvfpv4.c after they define ARMV7_FMA"
#endif

#include <arm_neon.h>
#include <stdint.h>
#include <string.h>

#include <isa/armv7.h>
#include <isa/neon.h>
#include <sprig/sellmv.h>

/* Two 16-bit offsets from one 32-bit load: the one stored first, then the one after it. */
INLINE uint32_t first_offset(uint32_t pair) {
#if defined(__ARM_BIG_ENDIAN)
  return pair >> 16;
#else
  return pair & 0xFFFF;
#endif
}

INLINE uint32_t second_offset(uint32_t pair) {
#if defined(__ARM_BIG_ENDIAN)
  return pair & 0xFFFF;
#else
  return pair >> 16;
#endif
}

INLINE float32x4_t gather4(const float* x, const uint16_t* off) {
  uint32_t p01;
  uint32_t p23;
  memcpy(&p01, off, sizeof(p01));
  memcpy(&p23, off + 2, sizeof(p23));
  float32x4_t v = vld1q_dup_f32(x + first_offset(p01));
  v = vld1q_lane_f32(x + second_offset(p01), v, 1);
  v = vld1q_lane_f32(x + first_offset(p23), v, 2);
  return vld1q_lane_f32(x + second_offset(p23), v, 3);
}

#include "neon-acc8.h"
#include "template.h"
