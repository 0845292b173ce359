/*
 * NEON int8 direct depthwise convolution (src/sprig/qs8-dwconv2d-chw.h), shared by
 * aarch64-neonfma.c and armv7-neon.c. NEON has no multiply that sums adjacent int16 products
 * into int32 lanes, but multiplies-accumulates int16 by a lane of a weight vector into int32
 * (smlal / vmlal by lane): so the plane is widened in scratch to plain int16 rows,
 * in(r, c) - input_zero_point for every padded row r and column c (padding 0), each tap one
 * widening multiply-add per 4 outputs. The rows lie back to back (flat.h): output (y, x) is
 * flat output j = y x stride + x, and tap (ky, kx) reads element j + ky x stride + kx (stride 1);
 * stride 2 splits the rows into four planes by row and column parity (ld2 splits the columns on
 * loading), and tap (ky, kx) reads element j + (ky / 2) x stride + kx / 2 of plane (ky % 2,
 * kx % 2). Input rows are read in whole 16- or 32-byte steps (rows.h). Trips of 16 flat outputs
 * (4 accumulators) across the rows' ends, requantized in registers (neon-requant.h).
 */
#include <arm_neon.h>
#include <string.h>

#include <isa/unroll.h>
#include <sprig/qs8-dwconv2d-chw.h>

#include "flat.h"
#include "neon-requant.h"
#include "rows.h"

#define INLINE static inline __attribute__((always_inline))

#define TRIP 16
#define CHUNK_S1 16
#define CHUNK_S2 32
#define MAX_K 5
#define WEIGHT_VECTORS 7 /* ceil(25 / 4) */

/* acc + a x w[lane] for the low and the high half of a (lane a constant through the switch,
 * so that builds without optimization see an immediate too). */
INLINE int32x4_t mla_low(int32x4_t acc, int16x8_t a, int16x4_t w, size_t lane) {
  switch (lane) {
    case 0:
      return vmlal_lane_s16(acc, vget_low_s16(a), w, 0);
    case 1:
      return vmlal_lane_s16(acc, vget_low_s16(a), w, 1);
    case 2:
      return vmlal_lane_s16(acc, vget_low_s16(a), w, 2);
    default:
      return vmlal_lane_s16(acc, vget_low_s16(a), w, 3);
  }
}

#if defined(__aarch64__)
INLINE int32x4_t mla_high(int32x4_t acc, int16x8_t a, int16x4_t w, size_t lane) {
  switch (lane) {
    case 0:
      return vmlal_high_lane_s16(acc, a, w, 0);
    case 1:
      return vmlal_high_lane_s16(acc, a, w, 1);
    case 2:
      return vmlal_high_lane_s16(acc, a, w, 2);
    default:
      return vmlal_high_lane_s16(acc, a, w, 3);
  }
}
#else
INLINE int32x4_t mla_high(int32x4_t acc, int16x8_t a, int16x4_t w, size_t lane) {
  switch (lane) {
    case 0:
      return vmlal_lane_s16(acc, vget_high_s16(a), w, 0);
    case 1:
      return vmlal_lane_s16(acc, vget_high_s16(a), w, 1);
    case 2:
      return vmlal_lane_s16(acc, vget_high_s16(a), w, 2);
    default:
      return vmlal_lane_s16(acc, vget_high_s16(a), w, 3);
  }
}
#endif

/* ---- widening ---- */

INLINE void widen_store(int8x8_t x, int8x8_t zero_point, int16_t* out) {
  vst1q_s16(out, vsubl_s8(x, zero_point));
}

/* Padded row r, stride 1: element c is a[c - P] - zp, 0 in the padding (the left padding was
 * zeroed with the row before, or at the start). */
INLINE void widen_row_s1(size_t p, size_t width, const int8_t* a, int8_t zero_point, int16_t* row) {
  const int8x8_t zp = vdup_n_s8(zero_point);
  for (size_t c = 0; c < width; c += CHUNK_S1) {
    const int8x16_t x = vld1q_s8(a + c);
    widen_store(vget_low_s8(x), zp, row + p + c);
    widen_store(vget_high_s8(x), zp, row + p + c + 8);
  }
  vst1_s16(row + p + width, vdup_n_s16(0)); /* the right padding, and the next row's left padding */
}

/* Padded row r, stride 2: padded column 2j + parity to element j of the row in plane `parity`.
 * Input column i is padded column i + P: the even input columns fill plane P % 2 from element
 * P / 2 on, the odd ones plane 1 - P % 2 from element (P + 1) / 2 on. */
INLINE void widen_row_s2(size_t p, size_t width, const int8_t* a, int8_t zero_point, int16_t* even_row,
                         int16_t* odd_row) {
  const int8x8_t zp = vdup_n_s8(zero_point);
  int16_t* from_even = (p % 2 ? odd_row : even_row) + p / 2;
  int16_t* from_odd = (p % 2 ? even_row : odd_row) + (p + 1) / 2;
  for (size_t c = 0; c < width; c += CHUNK_S2) {
    const int8x16x2_t x = vld2q_s8(a + c);
    widen_store(vget_low_s8(x.val[0]), zp, from_even + c / 2);
    widen_store(vget_high_s8(x.val[0]), zp, from_even + c / 2 + 8);
    widen_store(vget_low_s8(x.val[1]), zp, from_odd + c / 2);
    widen_store(vget_high_s8(x.val[1]), zp, from_odd + c / 2 + 8);
  }
  vst1_s16(from_even + (width + 1) / 2, vdup_n_s16(0));
  vst1_s16(from_odd + width / 2, vdup_n_s16(0));
}

/* ---- compute ---- */

/* Every flat output, TRIP at a time, to out: tap (ky, kx) starts ky x stride + kx elements along
 * (stride 1), (ky / 2) x stride + kx / 2 along plane (ky % 2, kx % 2) (stride 2). */
INLINE void flat_outputs(size_t k, size_t s, const struct flat* f, const int16_t* plane, const int16x4_t* w,
                         int32x4_t bias, const struct requant* rq, int8_t* out) {
  for (size_t j = 0; j < f->outputs; j += TRIP) {
    int32x4_t acc[4] = {bias, bias, bias, bias};
    UNROLL_ALL for (size_t ky = 0; ky < k; ky++) {
      UNROLL_ALL for (size_t kx = 0; kx < k; kx++) {
        const int16_t* at = s == 1 ? plane + j + ky * f->stride + kx
                                   : plane + ((ky % 2) * 2 + kx % 2) * f->plane_elements + j +
                                         (ky / 2) * f->stride + kx / 2;
        const int16x8_t v0 = vld1q_s16(at), v1 = vld1q_s16(at + 8);
        const size_t t = ky * k + kx;
        acc[0] = mla_low(acc[0], v0, w[t / 4], t % 4);
        acc[1] = mla_high(acc[1], v0, w[t / 4], t % 4);
        acc[2] = mla_low(acc[2], v1, w[t / 4], t % 4);
        acc[3] = mla_high(acc[3], v1, w[t / 4], t % 4);
      }
    }
    requant16(acc, rq, out + j);
  }
}

INLINE void dwconv(size_t k, size_t s, size_t input_height, size_t input_width, size_t output_height,
                   size_t output_width, const int8_t* input, const int8_t* weights, int32_t bias, float scale,
                   int8_t* output, uint32_t padding_top, void* scratch,
                   const struct sprig_qs8_dwconv2d_chw_params* params) {
  const size_t p = (k - 1) / 2, planes = s == 1 ? 1 : 4;
  struct flat f;
  flat_init(&f, k, s, input_width, output_height, s == 1 ? (output_height - 1) + k : output_height + p, planes, TRIP);
  int16_t* plane = scratch;
  int8_t* flat_out = (int8_t*) (plane + f.elements);
  const int8_t zero_point = (int8_t) params->input_zero_point;
  struct input_rows in;
  input_rows_init(&in, input, input_height, input_width, padding_top, zero_point, s == 1 ? CHUNK_S1 : CHUNK_S2,
                  flat_out + f.output_bytes);
  for (size_t i = 0; i < planes; i++) {
    vst1_s16(plane + i * f.plane_elements, vdup_n_s16(0)); /* the first row's left padding */
  }
  for (size_t q = 0; q < f.rows; q++) {
    if (s == 1) {
      widen_row_s1(p, input_width, input_row(&in, q), zero_point, plane + q * f.stride);
    } else {
      for (size_t parity = 0; parity < 2; parity++) {
        int16_t* even_row = plane + 2 * parity * f.plane_elements + q * f.stride;
        widen_row_s2(p, input_width, input_row(&in, 2 * q + parity), zero_point, even_row, even_row + f.plane_elements);
      }
    }
  }
  for (size_t i = 0; i < planes; i++) {
    for (size_t e = 0; e < FLAT_GAP; e += 8) {
      vst1q_s16(plane + i * f.plane_elements + f.rows * f.stride + e, vdupq_n_s16(0));
    }
  }
  int16_t taps[WEIGHT_VECTORS * 4] = {0};
  for (size_t t = 0; t < k * k; t++) {
    taps[t] = weights[t];
  }
  int16x4_t w[WEIGHT_VECTORS];
  for (size_t v = 0; v < WEIGHT_VECTORS; v++) {
    w[v] = vld1_s16(taps + 4 * v);
  }
  struct requant rq;
  requant_init(scale, &params->requant, &rq);
  flat_outputs(k, s, &f, plane, w, vdupq_n_s32(bias), &rq, flat_out);
  flat_copy_out(&f, flat_out, output_height, output_width, output);
}
