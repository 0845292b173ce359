/*
 * aarch64 NEON half <-> single conversions (ARMv8.0 AdvSIMD: fcvtl / fcvtl2, fcvtn / fcvtn2, in
 * the default rounding mode, nearest even): 8 values per trip; the last n % 8 one at a time
 * (drivers.h).
 */
#include <arm_neon.h>

#include "drivers.h"

static inline void widen8(const uint16_t* input, float* output) {
  const float16x8_t h = vreinterpretq_f16_u16(vld1q_u16(input));
  vst1q_f32(output, vcvt_f32_f16(vget_low_f16(h)));
  vst1q_f32(output + 4, vcvt_high_f32_f16(h));
}

static inline void narrow8(const float* input, uint16_t* output) {
  const float16x4_t low = vcvt_f16_f32(vld1q_f32(input));
  vst1q_u16(output, vreinterpretq_u16_f16(vcvt_high_f16_f32(low, vld1q_f32(input + 4))));
}

SPRIG_F16_CONVERT_DRIVERS(sprig_f16_widen_ukernel__aarch64_neonfma, sprig_f16_narrow_ukernel__aarch64_neonfma)
