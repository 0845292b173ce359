/*
 * NEON f32 depthwise convolution (src/sprig/dwconv.h), written once for aarch64
 * (aarch64-neonfma.c, ISA tag neonfma: fmla by lane) and armv7 (armv7-neon.c, ISA tag neon, also
 * taken on NEON + VFPv4 cores: vmla by lane of a d register, multiply then add): 4 pixels per
 * q register. The bias and taps are loaded once per call, 4 per q register (7 for 5x5), and the
 * FMAs take their tap by lane; the tap row pointers once per output row.
 *
 * x loop: U vectors per trip (aarch64 8, armv7 4: 16 q registers), then one trip of 4 where it
 * fits (aarch64), then single vectors, then 2 pixels in a d register and 1 in lane 0 of one (ld1
 * / st1 of one lane), so nothing outside [0, width) of a row is read or written. Out-of-order
 * cores need the 8 independent accumulator chains of an aarch64 trip to keep their FMA pipes fed
 * (each FMA waits for the previous one of its output vector). aarch64 inner loop per trip, GCC 12
 * -O3:
 *   9 taps:  72 fmla by vector (GCC hoists a dup of each of the 9 taps out of the loop, which
 *            fits in registers), 72 input vectors in 34 ldp q + 4 ldr q, 10 add, 8 mov (the
 *            bias), 16 clamps, 4 stp, 2 loop: 150 instructions, 18.75 per output vector.
 *   25 taps: 200 fmla by lane (pin_taps), 200 input vectors in 99 ldp q + 2 ldr q, 27 add,
 *            9 mov, 16 clamps, 4 stp, 2 loop: 359, 44.9 per output vector. Hoisted dups of 25
 *            taps would not fit beside the accumulators and spill to the stack.
 */
#ifndef SPRIG_F32_DWCONV_NEON_H
#define SPRIG_F32_DWCONV_NEON_H

#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>

#include <isa/neon.h>
#include <isa/unroll.h> /* UNROLL_ALL: the tap loops have 9 or 25 trips (isa/neon.h's UNROLL, 8 at most) */
#include <sprig/dwconv.h>


/* Largest TAPS: the bias and the taps take (MAX_TAPS + 4) / 4 q registers. */
#define MAX_TAPS 25
#define WEIGHT_VECTORS ((MAX_TAPS + 4) / 4)
/* Vectors of 4 pixels per trip of the x loop: independent accumulators (armv7: 16 q registers). */
#if defined(__aarch64__)
#define U 8
#else
#define U 4
#endif

/* weights[0 .. taps] (the bias, then the taps) into q registers, 4 per register: weight i is lane
 * i % 4 of w[i / 4]. Reads nothing past weights[taps]; the lanes past it are zero. */
INLINE void load_weights(size_t taps, const float* weights, float32x4_t* w) {
  const size_t n = taps + 1;
  UNROLL_ALL for (size_t i = 0; i < n / 4; i++) {
    w[i] = vld1q_f32(weights + 4 * i);
  }
  const float* rest = weights + n / 4 * 4;
  const float32x2_t zero = vdup_n_f32(0.0f);
  switch (n % 4) {
    case 1:
      w[n / 4] = vcombine_f32(vld1_lane_f32(rest, zero, 0), zero);
      break;
    case 2:
      w[n / 4] = vcombine_f32(vld1_f32(rest), zero);
      break;
    case 3:
      w[n / 4] = vcombine_f32(vld1_f32(rest), vld1_lane_f32(rest + 2, zero, 0));
      break;
    default:
      break;
  }
}

/* The weight of tap t is weight 1 + t. */
#define TAP_VECTOR(t) (((t) + 1) / 4)
#define TAP_LANE(t) (((t) + 1) % 4)

/* aarch64, 25 taps: the weight registers made opaque to GCC at each trip, so that it keeps the FMAs
 * by lane rather than hoisting 25 tap dups out of the loop, which spill. 9 taps keep the dups
 * (9 registers; faster on the llvm-mca models than by lane). */
INLINE void pin_taps(size_t taps, float32x4_t* w) {
#if defined(__aarch64__)
  if (taps > 9) {
    UNROLL_ALL for (size_t i = 0; i < (taps + 4) / 4; i++) {
      __asm__ volatile("" : "+w"(w[i]));
    }
  }
#else
  (void) taps;
  (void) w;
#endif
}

/* nv (1 .. U) vectors of output at pixel x of the row, clamped. */
INLINE void dwconv_q(size_t taps, size_t nv, const float* const* in, size_t x, const float32x4_t* w,
                     float32x4_t vbias, float* out, struct clamp c) {
  float32x4_t acc[U];
  UNROLL_ALL for (size_t u = 0; u < nv; u++) {
    acc[u] = vbias;
  }
  UNROLL_ALL for (size_t t = 0; t < taps; t++) {
    UNROLL_ALL for (size_t u = 0; u < nv; u++) {
      acc[u] = mlaq_by_lane(acc[u], vld1q_f32(in[t] + x + 4 * u), w[TAP_VECTOR(t)], TAP_LANE(t));
    }
  }
  UNROLL_ALL for (size_t u = 0; u < nv; u++) {
    vst1q_f32(out + x + 4 * u, clampq(acc[u], c));
  }
}

/* The last 1 .. 3 pixels at pixel x: 2 in a d register, then 1 in lane 0 of one. */
INLINE void dwconv_tail(size_t taps, size_t rest, const float* const* in, size_t x, const float32x4_t* w,
                        float32x4_t vbias, float* out, struct clamp c) {
  if (rest & 2) {
    float32x2_t acc = vget_low_f32(vbias);
    UNROLL_ALL for (size_t t = 0; t < taps; t++) {
      acc = mlad_by_lane(acc, vld1_f32(in[t] + x), w[TAP_VECTOR(t)], TAP_LANE(t));
    }
    vst1_f32(out + x, clampd(acc, c));
    x += 2;
  }
  if (rest & 1) {
    float32x2_t acc = vget_low_f32(vbias);
    UNROLL_ALL for (size_t t = 0; t < taps; t++) {
      acc = mlad_by_lane(acc, vld1_dup_f32(in[t] + x), w[TAP_VECTOR(t)], TAP_LANE(t));
    }
    vst1_lane_f32(out + x, clampd(acc, c), 0);
  }
}

INLINE void dwconv(size_t taps, size_t rows, size_t width, const float* input, size_t input_row_stride,
                   const int32_t* offsets, const float* weights, float* output, size_t output_row_stride,
                   const struct sprig_f32_minmax_params* params) {
  float32x4_t w[WEIGHT_VECTORS];
  load_weights(taps, weights, w);
  const float32x4_t vbias = vdupq_lane_f32(vget_low_f32(w[0]), 0);
  const struct clamp c = {vld1q_dup_f32(&params->min), vld1q_dup_f32(&params->max)};
  for (size_t y = 0; y < rows; y++) {
    const char* row = (const char*) input + y * input_row_stride;
    float* out = (float*) ((char*) output + y * output_row_stride);
    const float* in[MAX_TAPS];
    UNROLL_ALL for (size_t t = 0; t < taps; t++) {
      in[t] = (const float*) (row + offsets[t]);
    }
    size_t x = 0;
    for (; x + 4 * U <= width; x += 4 * U) {
      pin_taps(taps, w);
      dwconv_q(taps, U, in, x, w, vbias, out, c);
    }
    if (U > 4 && x + 16 <= width) {
      dwconv_q(taps, 4, in, x, w, vbias, out, c);
      x += 16;
    }
    for (; x + 4 <= width; x += 4) {
      dwconv_q(taps, 1, in, x, w, vbias, out, c);
    }
    if (x != width) {
      dwconv_tail(taps, width - x, in, x, w, vbias, out, c);
    }
  }
}

/* The kernel sprig_f32_dwconv_minmax_ukernel_<TAPS>p__<suffix> (TAPS = 9 or 25). */
#define DEFINE_NEON_DWCONV(TAPS, suffix)                                                                       \
  void sprig_f32_dwconv_minmax_ukernel_##TAPS##p__##suffix(size_t rows, size_t width, const float* input,      \
                                                           size_t input_row_stride, const int32_t* offsets,   \
                                                           const float* weights, float* output,               \
                                                           size_t output_row_stride,                          \
                                                           const struct sprig_f32_minmax_params* params) {    \
    dwconv(TAPS, rows, width, input, input_row_stride, offsets, weights, output, output_row_stride, params);    \
  }

#endif /* SPRIG_F32_DWCONV_NEON_H */
