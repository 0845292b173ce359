/*
 * aarch64 NEON int8 requantization (src/sprig/qs8-requant.h): 16 values per step. No clamp in
 * f32: fcvtns rounds to nearest with ties to even and saturates to int32, the narrows (sqxtn)
 * and the zero point's add (sqadd) saturate too, so a value beyond the int8 range stays beyond
 * it, and the output clamp is one smax and one smin on the int8 vector: exactly
 * clamp(rne(v) + zero_point, min, max), the clamp bounds being integers. The last cols % 16
 * values go through a 16-value buffer.
 */
#include <arm_neon.h>

#include "entry-points.h"

#define INLINE static inline __attribute__((always_inline))

INLINE int32x4_t rounded(const int32_t* sums, float32x4_t scale) {
  return vcvtnq_s32_f32(vmulq_f32(vcvtq_f32_s32(vld1q_s32(sums)), scale));
}

INLINE float32x4_t scale_at(const float* scales, bool per_column, size_t c) {
  return per_column ? vld1q_f32(scales + c) : vld1q_dup_f32(scales);
}

/* 16 outputs from sums[0 .. 16) (scales from scales[c] when per_column). */
INLINE void requant_16(const int32_t* sums, const float* scales, bool per_column, size_t c, int8_t* output,
                       int16x8_t zero_point, int8x16_t output_min, int8x16_t output_max) {
  const int32x4_t r0 = rounded(sums, scale_at(scales, per_column, c));
  const int32x4_t r1 = rounded(sums + 4, scale_at(scales, per_column, c + 4));
  const int32x4_t r2 = rounded(sums + 8, scale_at(scales, per_column, c + 8));
  const int32x4_t r3 = rounded(sums + 12, scale_at(scales, per_column, c + 12));
  const int16x8_t lo = vqaddq_s16(vqmovn_high_s32(vqmovn_s32(r0), r1), zero_point);
  const int16x8_t hi = vqaddq_s16(vqmovn_high_s32(vqmovn_s32(r2), r3), zero_point);
  const int8x16_t y = vqmovn_high_s16(vqmovn_s16(lo), hi);
  vst1q_s8(output, vminq_s8(vmaxq_s8(y, output_min), output_max));
}

INLINE void requant_row(size_t cols, const int32_t* sums, const float* scales, bool per_column, int8_t* output,
                        const struct sprig_qs8_requant_params* params) {
  const int16x8_t zero_point = vdupq_n_s16((int16_t) params->zero_point);
  const int8x16_t output_min = vdupq_n_s8((int8_t) ((int32_t) params->lowest + params->zero_point));
  const int8x16_t output_max = vdupq_n_s8((int8_t) ((int32_t) params->highest + params->zero_point));
  SPRIG_QS8_REQUANT_STEPS(16, requant_16, cols, sums, scales, per_column, output, zero_point, output_min, output_max);
}

SPRIG_QS8_REQUANT_ENTRY_POINTS(aarch64_neonfma)
