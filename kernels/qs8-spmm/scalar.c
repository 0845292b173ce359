/*
 * Scalar int8 c4 SpMM: MR int32 accumulators per output channel; per entry the four weights are
 * loaded once and each pixel's four input bytes multiplied by them. Sums wrap (uint32_t
 * arithmetic, no signed overflow). The portable fallback and the model for the SIMD kernels'
 * tile and remainder structure.
 */
#include <sprig/qs8-spmm.h>

#define INLINE static inline __attribute__((always_inline))

/* One tile of `mr` pixels (a compile-time constant at every call site). */
INLINE void qs8_spmm_tile(size_t mr, size_t nc, const int8_t* input, size_t input_stride, const int32_t* bias,
                          const int8_t* weights, const uint32_t* quads, const uint32_t* nnz, int32_t* output,
                          size_t output_stride) {
  for (size_t n = 0; n < nc; n++) {
    uint32_t acc[4];
    for (size_t i = 0; i < mr; i++) {
      acc[i] = (uint32_t) bias[n];
    }
    for (uint32_t e = nnz[n]; e != 0; e--) {
      const int8_t* x = input + (size_t) *quads++ * input_stride;
      const int32_t w0 = weights[0], w1 = weights[1], w2 = weights[2], w3 = weights[3];
      weights += 4;
      for (size_t i = 0; i < mr; i++) {
        const int8_t* px = x + 4 * i;
        acc[i] += (uint32_t) (w0 * px[0] + w1 * px[1] + w2 * px[2] + w3 * px[3]);
      }
    }
    int32_t* out = (int32_t*) ((char*) output + n * output_stride);
    for (size_t i = 0; i < mr; i++) {
      out[i] = (int32_t) acc[i];
    }
  }
}

/* Tiles of MR pixels, then the remainder in tiles of 2 and 1 (each a full pass over the weights). */
#define QS8_SPMM_SCALAR(MR, fn)                                                                                  \
  void fn(size_t mc, size_t nc, const int8_t* input, size_t input_stride, const int32_t* bias,                 \
          const int8_t* weights, const uint32_t* quads, const uint32_t* nnz, int32_t* output,                   \
          size_t output_stride) {                                                                               \
    size_t p = 0;                                                                                               \
    for (; p + (MR) <= mc; p += (MR)) {                                                                         \
      qs8_spmm_tile((MR), nc, input + 4 * p, input_stride, bias, weights, quads, nnz, output + p, output_stride); \
    }                                                                                                           \
    if ((MR) > 2) {                                                                                             \
      for (; p + 2 <= mc; p += 2) {                                                                             \
        qs8_spmm_tile(2, nc, input + 4 * p, input_stride, bias, weights, quads, nnz, output + p, output_stride); \
      }                                                                                                         \
    }                                                                                                           \
    if ((MR) > 1 && p < mc) {                                                                                   \
      qs8_spmm_tile(1, nc, input + 4 * p, input_stride, bias, weights, quads, nnz, output + p, output_stride);   \
    }                                                                                                           \
  }

QS8_SPMM_SCALAR(1, sprig_qs8_spmm_ukernel_1x1c4__scalar)
QS8_SPMM_SCALAR(2, sprig_qs8_spmm_ukernel_2x1c4__scalar)
QS8_SPMM_SCALAR(4, sprig_qs8_spmm_ukernel_4x1c4__scalar)

/*
 * Scalar kernel of the quartet layout (src/sprig/qs8-spmm.h; unsigned input): tiles of 4
 * pixels, whose 4 bytes of a row are adjacent in the block order (pixels 4j .. 4j + 3 keep
 * their 4-byte word), then one tile of the last 1-3 pixels. The portable model of the layout.
 */
INLINE void quartet_tile(size_t mr, size_t nc, const int8_t* input, size_t input_stride, const int32_t* bias,
                         const uint32_t* weights, const uint32_t* rows, const uint32_t* quartets, int32_t* output,
                         size_t output_stride, size_t p) {
  const size_t at = sprig_qs8_quartet_byte(p, false);
  for (size_t n = 0; n < nc; n++) {
    uint32_t acc[4];
    for (size_t i = 0; i < mr; i++) {
      acc[i] = (uint32_t) bias[n];
    }
    for (uint32_t q = quartets[n]; q != 0; q--) {
      const uint32_t word = *weights++;
      for (size_t t = 0; t < 4; t++) {
        const int32_t w = (int8_t) (uint8_t) (word >> (8 * t));
        const uint8_t* x = (const uint8_t*) input + (size_t) rows[t] * input_stride + at;
        for (size_t i = 0; i < mr; i++) {
          acc[i] += (uint32_t) (w * (int32_t) x[i]);
        }
      }
      rows += 4;
    }
    int32_t* out = (int32_t*) ((char*) output + n * output_stride) + p;
    for (size_t i = 0; i < mr; i++) {
      out[i] = (int32_t) acc[i];
    }
  }
}

/* Block by block through a copy, so that dst may be src. */
void sprig_qs8_spmm_ukernel_4x1q4__scalar_pack(size_t pixels, const int8_t* src, uint8_t flip, int8_t* dst) {
  for (size_t first = 0; first < pixels; first += SPRIG_QS8_QUARTET_BLOCK) {
    const size_t count = pixels - first < SPRIG_QS8_QUARTET_BLOCK ? pixels - first : SPRIG_QS8_QUARTET_BLOCK;
    int8_t block[SPRIG_QS8_QUARTET_BLOCK];
    for (size_t p = 0; p < count; p++) {
      block[p] = src[first + p];
    }
    for (size_t p = 0; p < count; p++) {
      dst[first + sprig_qs8_quartet_byte(p, false)] = (int8_t) ((uint8_t) block[p] ^ flip);
    }
  }
}

void sprig_qs8_spmm_ukernel_4x1q4__scalar(size_t mc, size_t nc, const int8_t* input, size_t input_stride,
                                          const int32_t* bias, const uint32_t* weights, const uint32_t* rows,
                                          const uint32_t* quartets, int32_t* output, size_t output_stride) {
  size_t p = 0;
  for (; p + 4 <= mc; p += 4) {
    quartet_tile(4, nc, input, input_stride, bias, weights, rows, quartets, output, output_stride, p);
  }
  if (p < mc) {
    quartet_tile(mc - p, nc, input, input_stride, bias, weights, rows, quartets, output, output_stride, p);
  }
}
