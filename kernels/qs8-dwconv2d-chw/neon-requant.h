/*
 * The requantization of 16 int32 sums in registers for the NEON kernels of the family (neon.h,
 * aarch64-neondot.c): clamp(rne((float) acc * scale)) + zero_point, bit for bit as the header
 * and kernels/qs8-requant say.
 *   aarch64: fcvtns rounds to nearest even and saturates, the narrows and the zero point's add
 *            saturate, one smax / smin clamps the int8 vector (kernels/qs8-requant/aarch64-neonfma.c);
 *   armv7:   no rounding conversion: clamp in f32, add 1.5 x 2^23, take the zero point in the
 *            same integer subtraction (kernels/qs8-requant/armv7-neon.c); the narrows are exact.
 */
#ifndef SPRIG_QS8_DWCONV2D_CHW_NEON_REQUANT_H
#define SPRIG_QS8_DWCONV2D_CHW_NEON_REQUANT_H

#include <arm_neon.h>

#include <isa/scalar.h>

#include <sprig/qs8-requant.h>

#ifndef INLINE
#define INLINE static inline __attribute__((always_inline))
#endif

#if defined(__aarch64__)
struct requant {
  float32x4_t scale;
  int16x8_t zero_point;
  int8x16_t output_min, output_max;
};

INLINE void requant_init(float scale, const struct sprig_qs8_requant_params* params, struct requant* k) {
  k->scale = vdupq_n_f32(scale);
  k->zero_point = vdupq_n_s16((int16_t) params->zero_point);
  k->output_min = vdupq_n_s8((int8_t) ((int32_t) params->lowest + params->zero_point));
  k->output_max = vdupq_n_s8((int8_t) ((int32_t) params->highest + params->zero_point));
}

INLINE int32x4_t rounded(int32x4_t acc, const struct requant* k) {
  return vcvtnq_s32_f32(vmulq_f32(vcvtq_f32_s32(acc), k->scale));
}

INLINE void requant16(const int32x4_t* acc, const struct requant* k, int8_t* out) {
  const int16x8_t lo = vqaddq_s16(vqmovn_high_s32(vqmovn_s32(rounded(acc[0], k)), rounded(acc[1], k)), k->zero_point);
  const int16x8_t hi = vqaddq_s16(vqmovn_high_s32(vqmovn_s32(rounded(acc[2], k)), rounded(acc[3], k)), k->zero_point);
  const int8x16_t y = vqmovn_high_s16(vqmovn_s16(lo), hi);
  vst1q_s8(out, vminq_s8(vmaxq_s8(y, k->output_min), k->output_max));
}
#else

struct requant {
  float32x4_t scale, lowest, highest, magic;
  int32x4_t magic_less_zero_point; /* 0x4B400000 - zero_point per lane */
};

INLINE void requant_init(float scale, const struct sprig_qs8_requant_params* params, struct requant* k) {
  k->scale = vdupq_n_f32(scale);
  k->lowest = vdupq_n_f32(params->lowest);
  k->highest = vdupq_n_f32(params->highest);
  k->magic = vdupq_n_f32(SPRIG_ROUND_MAGIC);
  k->magic_less_zero_point = vdupq_n_s32(sprig_round_magic_less(params->zero_point));
}

INLINE int16x4_t rounded(int32x4_t acc, const struct requant* k) {
  float32x4_t v = vmulq_f32(vcvtq_f32_s32(acc), k->scale);
  v = vminq_f32(vmaxq_f32(v, k->lowest), k->highest);
  return vmovn_s32(vsubq_s32(vreinterpretq_s32_f32(vaddq_f32(v, k->magic)), k->magic_less_zero_point));
}

INLINE void requant16(const int32x4_t* acc, const struct requant* k, int8_t* out) {
  const int16x8_t lo = vcombine_s16(rounded(acc[0], k), rounded(acc[1], k));
  const int16x8_t hi = vcombine_s16(rounded(acc[2], k), rounded(acc[3], k));
  vst1q_s8(out, vcombine_s8(vmovn_s16(lo), vmovn_s16(hi)));
}
#endif

#endif /* SPRIG_QS8_DWCONV2D_CHW_NEON_REQUANT_H */
