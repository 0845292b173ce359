/*
 * armv7 NEON int8 element-wise addition (src/sprig/qs8-vadd.h): 16 values per step. vsubl
 * widens each input and takes its zero point off (exact in int16), vmovl to int32, vcvt; products,
 * sum and clamp as f32 vectors. armv7 NEON flushes subnormal operands and results to zero: what
 * it loses is below 2^-118 in magnitude (a subnormal multiplier times at most 255), far below half
 * an ulp of any sum of magnitude 0.5 or more, and a smaller sum rounds to 0 either way, so the
 * outputs equal the other ISAs'. Rounding to nearest
 * even is the "magic" add of 1.5 x 2^23 (the clamped values are below 2^22 in magnitude, and NEON
 * adds round to nearest even); one subtraction of (0x4B400000 - zero point) from the sum's
 * pattern gives rne(v) + zero point, within [output_min, output_max], so both narrows are exact.
 */
#include <arm_neon.h>

#include <isa/scalar.h>

#include <qs8-vadd/steps.h>
#include <sprig/qs8-vadd.h>

#define INLINE static inline __attribute__((always_inline))


struct vadd_consts {
  float32x4_t ma, mb, lowest, highest, magic;
  int32x4_t magic_less_zero_point;
  int8x8_t za, zb;
};

/* 4 outputs from int16 differences (4 lanes each) as int32 with the output zero point. */
INLINE int32x4_t add_4(int16x4_t da, int16x4_t db, const struct vadd_consts* k) {
  const float32x4_t va = vmulq_f32(vcvtq_f32_s32(vmovl_s16(da)), k->ma);
  const float32x4_t vb = vmulq_f32(vcvtq_f32_s32(vmovl_s16(db)), k->mb);
  const float32x4_t v = vminq_f32(vmaxq_f32(vaddq_f32(va, vb), k->lowest), k->highest);
  return vsubq_s32(vreinterpretq_s32_f32(vaddq_f32(v, k->magic)), k->magic_less_zero_point);
}

/* 8 outputs from 8 inputs of a and b. */
INLINE int8x8_t add_8(int8x8_t a, int8x8_t b, const struct vadd_consts* k) {
  const int16x8_t da = vsubl_s8(a, k->za), db = vsubl_s8(b, k->zb);
  const int32x4_t lo = add_4(vget_low_s16(da), vget_low_s16(db), k);
  const int32x4_t hi = add_4(vget_high_s16(da), vget_high_s16(db), k);
  return vmovn_s16(vcombine_s16(vmovn_s32(lo), vmovn_s32(hi)));
}

INLINE void step_16(const int8_t* a, const int8_t* b, int8_t* y, const struct vadd_consts* k) {
  const int8x16_t va = vld1q_s8(a), vb = vld1q_s8(b);
  const int8x8_t lo = add_8(vget_low_s8(va), vget_low_s8(vb), k);
  const int8x8_t hi = add_8(vget_high_s8(va), vget_high_s8(vb), k);
  vst1q_s8(y, vcombine_s8(lo, hi));
}

void sprig_qs8_vadd_ukernel__armv7_neon(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                        const struct sprig_qs8_vadd_params* params) {
  const struct vadd_consts k = {
      vdupq_n_f32(params->a_multiplier),
      vdupq_n_f32(params->b_multiplier),
      vdupq_n_f32(params->lowest),
      vdupq_n_f32(params->highest),
      vdupq_n_f32(SPRIG_ROUND_MAGIC),
      vdupq_n_s32(sprig_round_magic_less(params->output_zero_point)),
      vdup_n_s8((int8_t) params->a_zero_point),
      vdup_n_s8((int8_t) params->b_zero_point),
  };
  SPRIG_QS8_VADD_STEPS(16, step_16, n, a, b, y, &k);
}
