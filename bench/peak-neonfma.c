/* AArch64 NEON peak: 16 independent fmla chains of 4 floats (32 vector registers). Every chain
 * starts from its own value: equal chains would be merged by the compiler. */
#include <arm_neon.h>

#include "peak.h"

#define FMA(a) a = vfmaq_f32(c, a, b)

static float loop_neonfma(size_t iterations, float multiplier, float addend) {
  const float32x4_t b = vdupq_n_f32(multiplier);
  const float32x4_t c = vdupq_n_f32(addend);
  float32x4_t a0 = vdupq_n_f32(1.0f), a1 = vdupq_n_f32(1.1f), a2 = vdupq_n_f32(1.2f), a3 = vdupq_n_f32(1.3f);
  float32x4_t a4 = vdupq_n_f32(1.4f), a5 = vdupq_n_f32(1.5f), a6 = vdupq_n_f32(1.6f), a7 = vdupq_n_f32(1.7f);
  float32x4_t a8 = vdupq_n_f32(1.8f), a9 = vdupq_n_f32(1.9f), a10 = vdupq_n_f32(2.0f), a11 = vdupq_n_f32(2.1f);
  float32x4_t a12 = vdupq_n_f32(2.2f), a13 = vdupq_n_f32(2.3f), a14 = vdupq_n_f32(2.4f), a15 = vdupq_n_f32(2.5f);
  for (size_t i = 0; i < iterations; i++) {
    FMA(a0); FMA(a1); FMA(a2); FMA(a3); FMA(a4); FMA(a5); FMA(a6); FMA(a7);
    FMA(a8); FMA(a9); FMA(a10); FMA(a11); FMA(a12); FMA(a13); FMA(a14); FMA(a15);
  }
  const float32x4_t x = vaddq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)),
                                  vaddq_f32(vaddq_f32(a4, a5), vaddq_f32(a6, a7)));
  const float32x4_t y = vaddq_f32(vaddq_f32(vaddq_f32(a8, a9), vaddq_f32(a10, a11)),
                                  vaddq_f32(vaddq_f32(a12, a13), vaddq_f32(a14, a15)));
  return vaddvq_f32(vaddq_f32(x, y));
}

/* Four 16-byte loads per step into four integer accumulators (add v.2d). */
static uint64_t read_neonfma(const void* data, size_t bytes) {
  const uint64_t* p = data;
  uint64x2_t s0 = vdupq_n_u64(0), s1 = s0, s2 = s0, s3 = s0;
  for (size_t i = 0; i < bytes / 8; i += 8) {
    s0 = vaddq_u64(s0, vld1q_u64(p + i));
    s1 = vaddq_u64(s1, vld1q_u64(p + i + 2));
    s2 = vaddq_u64(s2, vld1q_u64(p + i + 4));
    s3 = vaddq_u64(s3, vld1q_u64(p + i + 6));
  }
  return vaddvq_u64(vaddq_u64(vaddq_u64(s0, s1), vaddq_u64(s2, s3)));
}

const struct bench_peak_probe bench_peak_probe_neonfma = {
    .isa = "neonfma",
    .method = "16 independent fmla v.4s chains, 4 lanes, 2 flops each",
    .flops_per_iteration = 16.0 * 4.0 * 2.0,
    .multiplier = 0.999f, /* a = 0.999 a + 0.001 converges to 1 */
    .addend = 0.001f,
    .read = read_neonfma,
    .read_method = "16-byte ld1 loads (q registers), 4 independent add v.2d accumulators",
    .loop = loop_neonfma,
};
