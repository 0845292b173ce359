/*
 * The 8-row accumulator of the NEON sliced-ELL kernels (aarch64-neonfma.c, armv7-template.h):
 * two q registers, and template.h's hooks for it. Not compiled on its own: the kernel file
 * includes it after defining
 *   MLAQ(acc, a, b)          acc + a * b, lane-wise (vfmaq_f32, or vmlaq_f32 on armv7 NEON)
 *   float32x4_t gather4(const float* x, const uint16_t* off)   x[off[0 .. 3]]
 * and then includes template.h.
 */
struct acc8 {
  float32x4_t lo;
  float32x4_t hi;
};

INLINE struct acc8 madd8(struct acc8 acc, const float* w, const float* x, const uint16_t* off) {
  acc.lo = MLAQ(acc.lo, vld1q_f32(w), gather4(x, off));
  acc.hi = MLAQ(acc.hi, vld1q_f32(w + 4), gather4(x, off + 4));
  return acc;
}

INLINE struct acc8 add8(struct acc8 a, struct acc8 b) {
  return (struct acc8){vaddq_f32(a.lo, b.lo), vaddq_f32(a.hi, b.hi)};
}

INLINE void store8(float* p, struct acc8 a) {
  vst1q_f32(p, a.lo);
  vst1q_f32(p + 4, a.hi);
}

#define C 8
#define ACC struct acc8
#define ACC_ZERO() ((struct acc8){vdupq_n_f32(0.0f), vdupq_n_f32(0.0f)})
#define MADD(acc, w, x, off) madd8(acc, w, x, off)
#define ACC_ADD(a, b) add8(a, b)
#define ACC_STORE(p, acc) store8(p, acc)
