/*
 * armv7 NEON int8 requantization (src/sprig/qs8-requant.h): 16 values per step. armv7 has no
 * float -> int conversion that rounds to nearest, so the rounding is the "magic bias" of the
 * WebAssembly kernel: the product is clamped in f32 to [lowest, highest] (the product is never
 * NaN: a positive finite scale times an integer; NEON's flush of subnormal products to zero
 * changes nothing, they round to 0 anyway), then 1.5 x 2^23 is added: in [2^23, 2^24) the f32
 * spacing is 1, so the add rounds to nearest even (the magic is an even integer) and the sum's
 * pattern is 0x4B400000 + rne(v); one subtraction of (0x4B400000 - zero_point) gives
 * rne(v) + zero_point, within [output_min, output_max] by the params' contract, so the two
 * narrows are exact: clamp(rne(v), lowest, highest) + zero_point, the bounds being integers.
 * The last cols % 16 values go through a 16-value buffer.
 */
#include <arm_neon.h>

#include <isa/scalar.h>

#include "entry-points.h"

#define INLINE static inline __attribute__((always_inline))


struct requant_consts {
  float32x4_t lowest, highest;
  float32x4_t magic;
  int32x4_t magic_less_zero_point; /* 0x4B400000 - zero_point per lane */
};

INLINE int16x4_t rounded(const int32_t* sums, float32x4_t scale, const struct requant_consts* k) {
  float32x4_t v = vmulq_f32(vcvtq_f32_s32(vld1q_s32(sums)), scale);
  v = vminq_f32(vmaxq_f32(v, k->lowest), k->highest);
  const int32x4_t biased = vreinterpretq_s32_f32(vaddq_f32(v, k->magic));
  return vmovn_s32(vsubq_s32(biased, k->magic_less_zero_point));
}

INLINE float32x4_t scale_at(const float* scales, bool per_column, size_t c) {
  return per_column ? vld1q_f32(scales + c) : vld1q_dup_f32(scales);
}

/* 16 outputs from sums[0 .. 16) (scales from scales[c] when per_column). */
INLINE void requant_16(const int32_t* sums, const float* scales, bool per_column, size_t c, int8_t* output,
                       const struct requant_consts* k) {
  const int16x8_t lo = vcombine_s16(rounded(sums, scale_at(scales, per_column, c), k),
                                    rounded(sums + 4, scale_at(scales, per_column, c + 4), k));
  const int16x8_t hi = vcombine_s16(rounded(sums + 8, scale_at(scales, per_column, c + 8), k),
                                    rounded(sums + 12, scale_at(scales, per_column, c + 12), k));
  vst1q_s8(output, vcombine_s8(vmovn_s16(lo), vmovn_s16(hi)));
}

INLINE void requant_row(size_t cols, const int32_t* sums, const float* scales, bool per_column, int8_t* output,
                        const struct sprig_qs8_requant_params* params) {
  const struct requant_consts k = {
      vdupq_n_f32(params->lowest),
      vdupq_n_f32(params->highest),
      vdupq_n_f32(SPRIG_ROUND_MAGIC),
      vdupq_n_s32(sprig_round_magic_less(params->zero_point)),
  };
  SPRIG_QS8_REQUANT_STEPS(16, requant_16, cols, sums, scales, per_column, output, &k);
}

SPRIG_QS8_REQUANT_ENTRY_POINTS(armv7_neon)
