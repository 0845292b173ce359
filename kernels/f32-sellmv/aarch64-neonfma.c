/*
 * aarch64 NEON+FMA f32 sliced-ELL matrix-vector kernel, slices of 8 rows (two q registers per
 * accumulator). Per slot: 8 ldrh offsets and 8 lane loads (ld1 {v.s}[j]) of the inputs, one ldp q
 * of the weights, two fmla. Limit: the 8 lane loads per slot (NEON has no gather); the weight
 * stream (6 bytes per slot) for large layers.
 */
#include <arm_neon.h>
#include <string.h>

#include <isa/neon.h>
#include <sprig/sellmv.h>

#define MLAQ(acc, a, b) vfmaq_f32((acc), (a), (b))

INLINE float32x4_t gather4(const float* x, const uint16_t* off) {
  float32x4_t v = vld1q_dup_f32(x + off[0]);
  v = vld1q_lane_f32(x + off[1], v, 1);
  v = vld1q_lane_f32(x + off[2], v, 2);
  return vld1q_lane_f32(x + off[3], v, 3);
}

#include "neon-acc8.h"
#include "template.h"

DEFINE_SELLMV_UKERNEL(sprig_f32_sellmv_minmax_ukernel_8__aarch64_neonfma)

/*
 * 8w16 reads the windowed layout (windows of 16 columns: the window's 64 input bytes in four q
 * registers, loaded once per slice and window): a slot's 8 inputs come out of those registers by
 * two tbl (four-register table) on byte indices made from the slot's 8 index bytes (one tbl each
 * spreads them 4 ways, one sli makes 4 x index + byte); the padding index 16 makes bytes 64-67,
 * which tbl turns into 0. Two input vectors share each weight pass (per slot and vector two tbl
 * and two fmla); 3 and 4 vectors take two passes (more windows would not fit the 32 registers).
 */
#define WINDOW 16

/* The 16 inputs of window v as table registers (past `cols`: 0). */
INLINE uint8x16x4_t load_window(const float* x, size_t v, size_t cols) {
  const size_t first = WINDOW * v;
  const size_t left = cols - first;
  if (left >= WINDOW) {
    return vld1q_u8_x4((const uint8_t*) (x + first));
  }
  float part[WINDOW] = {0.0f};
  memcpy(part, x + first, left * sizeof(float));
  return vld1q_u8_x4((const uint8_t*) part);
}

/* bias + sums, clamped (NaN stays), the slice's first `rows` (1 .. 8) stored. */
INLINE void store_rows(float32x4_t lo, float32x4_t hi, const float* bias, size_t rows, float32x4_t vmin,
                       float32x4_t vmax, float* output) {
  float b[8] = {0.0f};
  memcpy(b, bias, rows * sizeof(float));
  lo = vminq_f32(vmax, vmaxq_f32(vmin, vaddq_f32(vld1q_f32(b), lo)));
  hi = vminq_f32(vmax, vmaxq_f32(vmin, vaddq_f32(vld1q_f32(b + 4), hi)));
  if (rows == 8) {
    vst1q_f32(output, lo);
    vst1q_f32(output + 4, hi);
    return;
  }
  float y[8];
  vst1q_f32(y, lo);
  vst1q_f32(y + 4, hi);
  memcpy(output, y, rows * sizeof(float));
}

/* The windowed layout for nv (1 or 2, a constant) vectors at a time. */
INLINE void windowed_pass(size_t nv, size_t nc, size_t cols, const float* input, size_t input_stride,
                          const float* bias, const float* w, const uint8_t* indices, const uint8_t* widths,
                          float* output, size_t output_stride, const struct sprig_f32_minmax_params* params) {
  static const uint8_t spread[32] = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
                                     4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7};
  static const uint8_t byte_of_float[16] = {0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3};
  const uint8x16_t spread_lo = vld1q_u8(spread);
  const uint8x16_t spread_hi = vld1q_u8(spread + 16);
  const uint8x16_t bytes = vld1q_u8(byte_of_float);
  const size_t windows = (cols + WINDOW - 1) / WINDOW;
  const float32x4_t vmin = vdupq_n_f32(params->min);
  const float32x4_t vmax = vdupq_n_f32(params->max);
  for (size_t r = 0; r < nc; r += 8) {
    float32x4_t acc0_lo = vdupq_n_f32(0.0f), acc0_hi = acc0_lo, acc1_lo = acc0_lo, acc1_hi = acc0_lo;
    for (size_t v = 0; v < windows; v++) {
      size_t left = *widths++;
      if (left == 0) {
        continue;
      }
      const uint8x16x4_t x0 = load_window(input, v, cols);
      const uint8x16x4_t x1 = nv > 1 ? load_window(input + input_stride, v, cols) : x0;
      do {
        const uint8x16_t pair = vreinterpretq_u8_u64(vld1q_dup_u64((const uint64_t*) (const void*) indices));
        const uint8x16_t lo = vsliq_n_u8(bytes, vqtbl1q_u8(pair, spread_lo), 2);
        const uint8x16_t hi = vsliq_n_u8(bytes, vqtbl1q_u8(pair, spread_hi), 2);
        const float32x4_t w_lo = vld1q_f32(w);
        const float32x4_t w_hi = vld1q_f32(w + 4);
        acc0_lo = vfmaq_f32(acc0_lo, w_lo, vreinterpretq_f32_u8(vqtbl4q_u8(x0, lo)));
        acc0_hi = vfmaq_f32(acc0_hi, w_hi, vreinterpretq_f32_u8(vqtbl4q_u8(x0, hi)));
        if (nv > 1) {
          acc1_lo = vfmaq_f32(acc1_lo, w_lo, vreinterpretq_f32_u8(vqtbl4q_u8(x1, lo)));
          acc1_hi = vfmaq_f32(acc1_hi, w_hi, vreinterpretq_f32_u8(vqtbl4q_u8(x1, hi)));
        }
        w += 8;
        indices += 8;
      } while (--left != 0);
    }
    const size_t rows = nc - r < 8 ? nc - r : 8;
    store_rows(acc0_lo, acc0_hi, bias + r, rows, vmin, vmax, output + r);
    if (nv > 1) {
      store_rows(acc1_lo, acc1_hi, bias + r, rows, vmin, vmax, output + output_stride + r);
    }
  }
}

void sprig_f32_sellmv_minmax_ukernel_8w16__aarch64_neonfma(size_t nc, size_t cols, size_t vectors, const float* input,
                                                           size_t input_stride, const float* bias, const float* values,
                                                           const uint8_t* indices, const uint8_t* widths,
                                                           float* output, size_t output_stride,
                                                           const struct sprig_f32_minmax_params* params) {
  for (size_t j = 0; j < vectors && j < SPRIG_F32_SELLMV_MAX_VECTORS; j += 2) {
    if (vectors - j >= 2) {
      windowed_pass(2, nc, cols, input + j * input_stride, input_stride, bias, values, indices, widths,
                    output + j * output_stride, output_stride, params);
    } else {
      windowed_pass(1, nc, cols, input + j * input_stride, input_stride, bias, values, indices, widths,
                    output + j * output_stride, output_stride, params);
    }
  }
}
