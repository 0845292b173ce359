/*
 * NEON f32 depthwise convolution (src/sprig/dwconv.h), written once for aarch64
 * (aarch64-neonfma.c, ISA tag neonfma: fmla by lane) and armv7 (armv7-neon.c, ISA tag neon, also
 * taken on NEON + VFPv4 cores: vmla by lane of a d register, multiply then add): 4 pixels per
 * q register. The bias and taps are loaded once per call, 4 per q register (7 for 5x5), and the
 * FMAs take their tap by lane; the tap row pointers once per output row.
 *
 * x loop: 4 vectors (16 pixels) per trip, then single vectors, then 2 pixels in a d register and
 * 1 in lane 0 of one (ld1 / st1 of one lane), so nothing outside [0, width) of a row is read or
 * written. aarch64 inner loop per trip, GCC 12 -O3 (objdump):
 *   9 taps:  36 fmla, the 36 input vectors in 17 ldp q + 2 ldr q, 10 add (one per row pointer,
 *            the output's included), 5 mov (accumulators = bias), 4 fmax + 4 fmin, 2 stp,
 *            cmp/b.ne: 82 instructions, 20.5 per vector of output. GCC hoists a dup of each tap
 *            out of the loop (9 registers) and uses fmla by vector.
 *   25 taps: 100 fmla, 50 ldp q, 26 add, 4 mov, 8 clamps, 2 stp, 2 loop, and 5 ldr q: the 25
 *            hoisted tap dups, 4 accumulators and the loaded inputs exceed 32 registers, so 5 taps
 *            are reloaded from the stack each trip. 197 instructions, 49.25 per vector. (Keeping
 *            the FMAs by lane through an opaque copy of the weight registers made it 216.)
 */
#ifndef SPRIG_F32_DWCONV_NEON_H
#define SPRIG_F32_DWCONV_NEON_H

#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>

#include <isa/neon.h>
#include <sprig/dwconv.h>


/* Largest TAPS: the bias and the taps take (MAX_TAPS + 4) / 4 q registers. */
#define MAX_TAPS 25
#define WEIGHT_VECTORS ((MAX_TAPS + 4) / 4)
/* Vectors of 4 pixels per trip of the x loop. */
#define U 4

/* The tap loops have 9 or 25 trips (isa/neon.h's UNROLL stops at 8). */
#if defined(__clang__)
#define UNROLL_ALL _Pragma("clang loop unroll(full)")
#else
#define UNROLL_ALL _Pragma("GCC unroll 32")
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
      dwconv_q(taps, U, in, x, w, vbias, out, c);
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
