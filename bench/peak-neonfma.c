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

const struct bench_peak_probe bench_peak_probe_neonfma = {
    .isa = "neonfma",
    .method = "16 independent fmla v.4s chains, 4 lanes, 2 flops each",
    .flops_per_iteration = 16.0 * 4.0 * 2.0,
    .multiplier = 0.999f, /* a = 0.999 a + 0.001 converges to 1 */
    .addend = 0.001f,
    .loop = loop_neonfma,
};
