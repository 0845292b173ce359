/* armv7 NEON peak for ISA neon: 12 independent chains of vmla.f32 (multiply, then add: the no-FMA armv7 NEON) on 4 floats (12 of the
 * 16 q registers; the multiplier and addend take two more). Every chain starts from its own
 * value: equal chains would be merged by the compiler. */
#include <arm_neon.h>

#include "peak.h"

#define MLA(a) a = vmlaq_f32(c, a, b)

static float loop_neon(size_t iterations, float multiplier, float addend) {
  const float32x4_t b = vdupq_n_f32(multiplier);
  const float32x4_t c = vdupq_n_f32(addend);
  float32x4_t a0 = vdupq_n_f32(1.0f), a1 = vdupq_n_f32(1.1f), a2 = vdupq_n_f32(1.2f), a3 = vdupq_n_f32(1.3f);
  float32x4_t a4 = vdupq_n_f32(1.4f), a5 = vdupq_n_f32(1.5f), a6 = vdupq_n_f32(1.6f), a7 = vdupq_n_f32(1.7f);
  float32x4_t a8 = vdupq_n_f32(1.8f), a9 = vdupq_n_f32(1.9f), a10 = vdupq_n_f32(2.0f), a11 = vdupq_n_f32(2.1f);
  for (size_t i = 0; i < iterations; i++) {
    MLA(a0); MLA(a1); MLA(a2); MLA(a3); MLA(a4); MLA(a5);
    MLA(a6); MLA(a7); MLA(a8); MLA(a9); MLA(a10); MLA(a11);
  }
  const float32x4_t x = vaddq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)), vaddq_f32(a4, a5));
  const float32x4_t y = vaddq_f32(vaddq_f32(vaddq_f32(a6, a7), vaddq_f32(a8, a9)), vaddq_f32(a10, a11));
  const float32x4_t s = vaddq_f32(x, y);
  const float32x2_t pair = vadd_f32(vget_low_f32(s), vget_high_f32(s));
  return vget_lane_f32(vpadd_f32(pair, pair), 0);
}

/* Four 16-byte loads per step into four integer accumulators (vadd.i64 q). */
static uint64_t read_neon(const void* data, size_t bytes) {
  const uint64_t* p = data;
  uint64x2_t s0 = vdupq_n_u64(0), s1 = s0, s2 = s0, s3 = s0;
  for (size_t i = 0; i < bytes / 8; i += 8) {
    s0 = vaddq_u64(s0, vld1q_u64(p + i));
    s1 = vaddq_u64(s1, vld1q_u64(p + i + 2));
    s2 = vaddq_u64(s2, vld1q_u64(p + i + 4));
    s3 = vaddq_u64(s3, vld1q_u64(p + i + 6));
  }
  const uint64x2_t s = vaddq_u64(vaddq_u64(s0, s1), vaddq_u64(s2, s3));
  return vgetq_lane_u64(s, 0) + vgetq_lane_u64(s, 1);
}

const struct bench_peak_probe bench_peak_probe_neon = {
    .isa = "neon",
    .method = "12 independent vmla.f32 q chains, 4 lanes, 2 flops each",
    .flops_per_iteration = 12.0 * 4.0 * 2.0,
    .multiplier = 0.999f, /* a = 0.999 a + 0.001 converges to 1 */
    .addend = 0.001f,
    .read = read_neon,
    .read_method = "16-byte vld1 loads (q registers), 4 independent vadd.i64 accumulators",
    .loop = loop_neon,
};
