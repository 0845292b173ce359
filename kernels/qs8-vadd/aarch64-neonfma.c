/*
 * aarch64 NEON int8 element-wise addition (src/sprig/qs8-vadd.h): 16 values per step. ssubl
 * widens each input and takes its zero point off in one instruction (the int16 difference is
 * exact), sxtl to int32, scvtf; products, sum and clamp as f32 vectors (compiled with
 * -ffp-contract=off: no fmla joins them); fcvtns rounds to nearest even whatever the FPCR mode;
 * the rounded values lie in [lowest, highest], so the saturating narrows are exact, with the
 * output zero point added in int16 between them.
 */
#include <arm_neon.h>

#include <qs8-vadd/steps.h>
#include <sprig/qs8-vadd.h>

#define INLINE static inline __attribute__((always_inline))

struct vadd_consts {
  float32x4_t ma, mb, lowest, highest;
  int8x16_t za, zb;
  int16x8_t zy;
};

/* 4 outputs from the int16 differences da, db (lanes 0-3 or, `high`, 4-7) as rounded int32. */
INLINE int32x4_t add_4(int16x8_t da, int16x8_t db, bool high, const struct vadd_consts* k) {
  const int32x4_t ia = high ? vmovl_high_s16(da) : vmovl_s16(vget_low_s16(da));
  const int32x4_t ib = high ? vmovl_high_s16(db) : vmovl_s16(vget_low_s16(db));
  const float32x4_t va = vmulq_f32(vcvtq_f32_s32(ia), k->ma);
  const float32x4_t vb = vmulq_f32(vcvtq_f32_s32(ib), k->mb);
  const float32x4_t v = vminq_f32(vmaxq_f32(vaddq_f32(va, vb), k->lowest), k->highest);
  return vcvtnq_s32_f32(v);
}

/* 8 outputs from the differences da, db as int16 with the output zero point. */
INLINE int16x8_t add_8(int16x8_t da, int16x8_t db, const struct vadd_consts* k) {
  const int16x8_t r = vqmovn_high_s32(vqmovn_s32(add_4(da, db, false, k)), add_4(da, db, true, k));
  return vaddq_s16(r, k->zy);
}

INLINE void step_16(const int8_t* a, const int8_t* b, int8_t* y, const struct vadd_consts* k) {
  const int8x16_t va = vld1q_s8(a), vb = vld1q_s8(b);
  const int16x8_t lo = add_8(vsubl_s8(vget_low_s8(va), vget_low_s8(k->za)),
                             vsubl_s8(vget_low_s8(vb), vget_low_s8(k->zb)), k);
  const int16x8_t hi = add_8(vsubl_high_s8(va, k->za), vsubl_high_s8(vb, k->zb), k);
  vst1q_s8(y, vqmovn_high_s16(vqmovn_s16(lo), hi));
}

void sprig_qs8_vadd_ukernel__aarch64_neonfma(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                             const struct sprig_qs8_vadd_params* params) {
  const struct vadd_consts k = {
      vdupq_n_f32(params->a_multiplier),
      vdupq_n_f32(params->b_multiplier),
      vdupq_n_f32(params->lowest),
      vdupq_n_f32(params->highest),
      vdupq_n_s8((int8_t) params->a_zero_point),
      vdupq_n_s8((int8_t) params->b_zero_point),
      vdupq_n_s16((int16_t) params->output_zero_point),
  };
  SPRIG_QS8_VADD_STEPS(16, step_16, n, a, b, y, &k);
}
