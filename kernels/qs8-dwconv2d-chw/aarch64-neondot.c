/*
 * aarch64 NEON dot-product int8 direct depthwise convolution (src/sprig/qs8-dwconv2d-chw.h; ISA
 * tag neondot, ARMv8.2 SDOT). The plane is not widened but interleaved in scratch into quad
 * rows: quad row q holds, for every padded column c, 4 bytes in(a, c), in(a + 1, c),
 * in(a + 2, c), in(a + 3, c), a = q x S the padded row (padding, and rows past the plane: the
 * input zero point). One sdot of such a vector with the splat weights (w[4g][kx] .. w[4g + 3][kx],
 * rows past K 0) gives 4 taps of 4 outputs: a 3x3 window is 3 sdot per 4 outputs (smlal: 9), a
 * 5x5 one 10 (25). The sums are sum(w x) and the bias takes - input_zero_point x sum(w) (int32,
 * wrapping: the header's sum). The quad rows lie back to back (flat.h): output (y, x) is flat
 * output j = y x stride + x, reading element j + 4g x stride + kx of quad row y (stride 1); stride
 * 2 splits the columns into an even and an odd plane (ld2), and output row y reads quad rows
 * y + 2g, tap kx element j + 2g x stride + kx / 2 of plane kx % 2. Trips of 32 flat outputs (8
 * accumulators: two requantizations in flight, which in-order cores need), requantized in
 * registers (neon-requant.h). Input rows are read in whole 16- or 32-byte steps (rows.h).
 */
#include <arm_neon.h>
#include <string.h>

#include <isa/unroll.h>
#include <sprig/qs8-dwconv2d-chw.h>

#include "flat.h"
#include "neon-requant.h"
#include "rows.h"

#define INLINE static inline __attribute__((always_inline))

#define TRIP 32
#define CHUNK_S1 16
#define CHUNK_S2 32
#define MAX_K 5
#define MAX_GROUPS 2 /* quad rows per output row: ceil(K / 4) */

/* The 16 quads of columns of the four 16-byte rows r[0 .. 4) to out[0 .. 16) (4-byte elements). */
INLINE void store_quads(int8x16_t r0, int8x16_t r1, int8x16_t r2, int8x16_t r3, int32_t* out) {
  const int16x8_t lo01 = vreinterpretq_s16_s8(vzip1q_s8(r0, r1)), hi01 = vreinterpretq_s16_s8(vzip2q_s8(r0, r1));
  const int16x8_t lo23 = vreinterpretq_s16_s8(vzip1q_s8(r2, r3)), hi23 = vreinterpretq_s16_s8(vzip2q_s8(r2, r3));
  vst1q_s32(out, vreinterpretq_s32_s16(vzip1q_s16(lo01, lo23)));
  vst1q_s32(out + 4, vreinterpretq_s32_s16(vzip2q_s16(lo01, lo23)));
  vst1q_s32(out + 8, vreinterpretq_s32_s16(vzip1q_s16(hi01, hi23)));
  vst1q_s32(out + 12, vreinterpretq_s32_s16(vzip2q_s16(hi01, hi23)));
}

INLINE void store4(int32_t* p, int32_t v) {
  vst1q_s32(p, vdupq_n_s32(v));
}

/* Quad row q, stride 1: element c is the column c - P of rows r[0 .. 4), the zero point quad
 * `padding` in the padding (the left padding was written with the row before, or at the start). */
INLINE void quad_row_s1(size_t p, size_t width, const int8_t* const* r, int32_t padding, int32_t* row) {
  for (size_t c = 0; c < width; c += CHUNK_S1) {
    store_quads(vld1q_s8(r[0] + c), vld1q_s8(r[1] + c), vld1q_s8(r[2] + c), vld1q_s8(r[3] + c), row + p + c);
  }
  store4(row + p + width, padding); /* the right padding, and the next row's left padding */
}

/* Quad row q, stride 2: padded column 2j + parity to element j of the row in plane `parity`;
 * the even input columns fill plane P % 2 from element P / 2 on, the odd ones plane 1 - P % 2
 * from element (P + 1) / 2 on. */
INLINE void quad_row_s2(size_t p, size_t width, const int8_t* const* r, int32_t padding, int32_t* even_row,
                        int32_t* odd_row) {
  int32_t* from_even = (p % 2 ? odd_row : even_row) + p / 2;
  int32_t* from_odd = (p % 2 ? even_row : odd_row) + (p + 1) / 2;
  for (size_t c = 0; c < width; c += CHUNK_S2) {
    const int8x16x2_t x0 = vld2q_s8(r[0] + c), x1 = vld2q_s8(r[1] + c);
    const int8x16x2_t x2 = vld2q_s8(r[2] + c), x3 = vld2q_s8(r[3] + c);
    store_quads(x0.val[0], x1.val[0], x2.val[0], x3.val[0], from_even + c / 2);
    store_quads(x0.val[1], x1.val[1], x2.val[1], x3.val[1], from_odd + c / 2);
  }
  store4(from_even + (width + 1) / 2, padding);
  store4(from_odd + width / 2, padding);
}

/* Every flat output, TRIP at a time, to out. */
INLINE void flat_outputs(size_t k, size_t s, const struct flat* f, const int32_t* plane, const int8x16_t* w,
                         int32x4_t bias, const struct requant* rq, int8_t* out) {
  for (size_t j = 0; j < f->outputs; j += TRIP) {
    int32x4_t acc[TRIP / 4];
    UNROLL_ALL for (size_t u = 0; u < TRIP / 4; u++) {
      acc[u] = bias;
    }
    UNROLL_ALL for (size_t g = 0; g < (k + 3) / 4; g++) {
      UNROLL_ALL for (size_t kx = 0; kx < k; kx++) {
        const int32_t* at = s == 1 ? plane + j + 4 * g * f->stride + kx
                                   : plane + (kx % 2) * f->plane_elements + j + 2 * g * f->stride + kx / 2;
        UNROLL_ALL for (size_t u = 0; u < TRIP / 4; u++) {
          acc[u] = vdotq_s32(acc[u], vreinterpretq_s8_s32(vld1q_s32(at + 4 * u)), w[g * k + kx]);
        }
      }
    }
    UNROLL_ALL for (size_t h = 0; h < TRIP / 16; h++) {
      requant16(acc + 4 * h, rq, out + j + 16 * h);
    }
  }
}

INLINE void dwconv(size_t k, size_t s, size_t input_height, size_t input_width, size_t output_height,
                   size_t output_width, const int8_t* input, const int8_t* weights, int32_t bias, float scale,
                   int8_t* output, uint32_t padding_top, void* scratch,
                   const struct sprig_qs8_dwconv2d_chw_params* params) {
  const size_t p = (k - 1) / 2, groups = (k + 3) / 4, planes = s == 1 ? 1 : 2;
  /* Output row y reads quad rows y .. y + (groups - 1) x 4 / S. */
  const size_t rows = output_height + (groups - 1) * 4 / s;
  struct flat f;
  flat_init(&f, k, s, input_width, output_height, rows, planes, TRIP);
  int32_t* plane = scratch;
  int8_t* flat_out = (int8_t*) (plane + f.elements);
  const int8_t zero_point = (int8_t) params->input_zero_point;
  struct input_rows in;
  input_rows_init(&in, input, input_height, input_width, padding_top, zero_point, s == 1 ? CHUNK_S1 : CHUNK_S2,
                  flat_out + f.output_bytes);
  const uint32_t zero_point_byte = (uint8_t) zero_point;
  const int32_t padding = (int32_t) (zero_point_byte * 0x01010101u);
  for (size_t i = 0; i < planes; i++) {
    store4(plane + i * f.plane_elements, padding); /* the first row's left padding */
  }
  for (size_t q = 0; q < rows; q++) {
    const int8_t* r[4];
    for (size_t i = 0; i < 4; i++) {
      r[i] = input_row(&in, q * s + i);
    }
    if (s == 1) {
      quad_row_s1(p, input_width, r, padding, plane + q * f.stride);
    } else {
      quad_row_s2(p, input_width, r, padding, plane + q * f.stride, plane + f.plane_elements + q * f.stride);
    }
  }
  for (size_t i = 0; i < planes; i++) {
    for (size_t e = 0; e < FLAT_GAP; e += 4) {
      store4(plane + i * f.plane_elements + f.rows * f.stride + e, 0);
    }
  }
  int8x16_t w[MAX_GROUPS * MAX_K];
  for (size_t g = 0; g < groups; g++) {
    for (size_t kx = 0; kx < k; kx++) {
      int8_t quad[4] = {0, 0, 0, 0};
      for (size_t i = 0; i < 4 && 4 * g + i < k; i++) {
        quad[i] = weights[(4 * g + i) * k + kx];
      }
      int32_t bits;
      memcpy(&bits, quad, sizeof(bits));
      w[g * k + kx] = vreinterpretq_s8_s32(vdupq_n_s32(bits));
    }
  }
  struct requant rq;
  requant_init(scale, &params->requant, &rq);
  const int32_t folded_bias = sprig_qs8_dwconv2d_chw_folded_bias(bias, zero_point, k, weights);
  flat_outputs(k, s, &f, plane, w, vdupq_n_s32(folded_bias), &rq, flat_out);
  flat_copy_out(&f, flat_out, output_height, output_width, output);
}

DEFINE_KERNEL(3, 1, neondot)
DEFINE_KERNEL(3, 2, neondot)
DEFINE_KERNEL(5, 1, neondot)
DEFINE_KERNEL(5, 2, neondot)
