/*
 * aarch64 NEON qd8 row quantization (contract: src/sprig/qd8-quantize.h). range: fmin / fmax, 8
 * floats per step in two chains (a NaN lane turns its bound NaN; the poison sum flags the row,
 * whose bounds are then unspecified). quantize: per 16 floats four fmul and fcvtns (round to
 * nearest, ties to even, whatever the FPCR says), sqxtn to int16, a saturating add of the zero
 * point (|q| <= 256 fits), sqxtn to int8 (the clamp) and eor with the flip. The tail goes
 * through the scalar kernel.
 */
#include <arm_neon.h>
#include <math.h>

#include <sprig/qd8-quantize.h>

bool sprig_qd8_range_ukernel__aarch64_neonfma(size_t cols, const float* x, float* lo_out, float* hi_out) {
  float32x4_t lo0 = vdupq_n_f32(0.0f), lo1 = lo0, hi0 = lo0, hi1 = lo0, poison0 = lo0, poison1 = lo0;
  size_t i = 0;
  for (; i + 8 <= cols; i += 8) {
    const float32x4_t v0 = vld1q_f32(x + i), v1 = vld1q_f32(x + i + 4);
    poison0 = vaddq_f32(poison0, vsubq_f32(v0, v0));
    poison1 = vaddq_f32(poison1, vsubq_f32(v1, v1));
    lo0 = vminq_f32(v0, lo0);
    lo1 = vminq_f32(v1, lo1);
    hi0 = vmaxq_f32(v0, hi0);
    hi1 = vmaxq_f32(v1, hi1);
  }
  float l, h;
  const bool bad = sprig_qd8_range_ukernel__scalar(cols - i, x + i, &l, &h);
  const float vl = vminvq_f32(vminq_f32(lo0, lo1)), vh = vmaxvq_f32(vmaxq_f32(hi0, hi1));
  *lo_out = vl < l ? vl : l;
  *hi_out = vh > h ? vh : h;
  return bad || isnan(vaddvq_f32(vaddq_f32(poison0, poison1)));
}

void sprig_qd8_quantize_ukernel__aarch64_neonfma(size_t cols, const float* x, float inverse, int32_t zero_point,
                                                 uint8_t flip, int8_t* out, size_t padded) {
  const int16x8_t vzero_point = vdupq_n_s16((int16_t) zero_point);
  const int8x16_t vflip = vdupq_n_s8((int8_t) flip);
  size_t i = 0;
  for (; i + 16 <= cols; i += 16) {
    const int32x4_t q0 = vcvtnq_s32_f32(vmulq_n_f32(vld1q_f32(x + i), inverse));
    const int32x4_t q1 = vcvtnq_s32_f32(vmulq_n_f32(vld1q_f32(x + i + 4), inverse));
    const int32x4_t q2 = vcvtnq_s32_f32(vmulq_n_f32(vld1q_f32(x + i + 8), inverse));
    const int32x4_t q3 = vcvtnq_s32_f32(vmulq_n_f32(vld1q_f32(x + i + 12), inverse));
    const int16x8_t h01 = vqaddq_s16(vcombine_s16(vqmovn_s32(q0), vqmovn_s32(q1)), vzero_point);
    const int16x8_t h23 = vqaddq_s16(vcombine_s16(vqmovn_s32(q2), vqmovn_s32(q3)), vzero_point);
    vst1q_s8(out + i, veorq_s8(vcombine_s8(vqmovn_s16(h01), vqmovn_s16(h23)), vflip));
  }
  sprig_qd8_quantize_ukernel__scalar(cols - i, x + i, inverse, zero_point, flip, out + i, padded - i);
}
