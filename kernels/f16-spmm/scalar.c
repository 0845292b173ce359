/*
 * Scalar f16 SpMM: the f32 scalar kernels' tiles (kernels/f32-spmm/scalar.c) on half data.
 * Weights and inputs are widened exactly to f32 (widen below: src/sprig/half.h's rules without
 * its branches), the sums kept in f32, clamped in f32 and rounded to half once, at the store
 * (src/sprig/half.h). The portable fallback.
 */
#include <isa/scalar.h>
#include <sprig/f16-spmm.h>
#include <sprig/half.h>

/* Forced, as in the f32 scalar kernels: MR and the accumulator sets must be constants inside
 * the tiles so that the accumulators live in registers. */
#define INLINE static inline __attribute__((always_inline))

/* The half with bits h as f32, exactly: exponent and mantissa shifted into f32 position and
 * multiplied by 2^112 rebias normals and scale subnormals exactly; exponent 31 (Inf, NaN, made
 * quiet) takes the all-ones f32 exponent instead; then the sign. */
INLINE float widen(uint16_t h) {
  const uint32_t magnitude = h & 0x7FFFu;
  const uint32_t shifted = magnitude << 13;
  const uint32_t finite = sprig_float_to_bits(sprig_bits_to_float(shifted) * 0x1.0p112f);
  const uint32_t special = shifted | 0x7F800000u | (magnitude > 0x7C00u ? 0x00400000u : 0);
  const uint32_t bits = magnitude >= 0x7C00u ? special : finite;
  return sprig_bits_to_float(bits | ((uint32_t) (h & 0x8000u) << 16));
}

/* The input row `delta` rows of `stride` bytes from `row`. */
INLINE const uint16_t* next_row(const uint16_t* row, int8_t delta, size_t stride) {
  return (const uint16_t*) ((uintptr_t) row + (uintptr_t) ((intptr_t) delta * (intptr_t) stride));
}

/* One tile of `mr` pixels (a compile-time constant at every call site). Narrow tiles take the
 * entries in turn into `sets` accumulator sets, summed at the end of the channel. */
INLINE void spmm_tile(
    size_t mr, size_t nc, const uint16_t* input, size_t stride, const uint16_t* bias, const uint16_t* weights,
    const int8_t* deltas, const uint32_t* nnz, uint16_t* output, size_t output_stride, float lo, float hi) {
  const size_t sets = mr == 1 ? 4 : mr == 2 ? 2 : 1;
  for (size_t n = 0; n < nc; n++) {
    float acc[4][4];
    const float b = widen(bias[n]);
    for (size_t i = 0; i < mr; i++) {
      acc[0][i] = b;
      for (size_t k = 1; k < sets; k++) {
        acc[k][i] = 0.0f;
      }
    }
    uint32_t j = nnz[n];
    for (; j >= sets; j -= sets) {
      for (size_t k = 0; k < sets; k++) {
        const float w = widen(weights[k]);
        for (size_t i = 0; i < mr; i++) {
          acc[k][i] += w * widen(input[i]);
        }
        input = next_row(input, deltas[k], stride);
      }
      weights += sets;
      deltas += sets;
    }
    for (; j != 0; j--) {
      const float w = widen(*weights++);
      for (size_t i = 0; i < mr; i++) {
        acc[0][i] += w * widen(input[i]);
      }
      input = next_row(input, *deltas++, stride);
    }
    for (size_t i = 0; i < mr; i++) {
      float sum = acc[0][i];
      if (sets == 4) {
        sum += (acc[1][i] + acc[2][i]) + acc[3][i];
      } else if (sets == 2) {
        sum += acc[1][i];
      }
      output[i] = sprig_float_to_half(sprig_clamp_f32(sum, lo, hi));
    }
    output = (uint16_t*) ((uintptr_t) output + output_stride);
  }
}

/* Walks the pixels in tiles of `mr`, then halves the tile for the remainder. */
INLINE void spmm_all_tiles(
    size_t mr, size_t mc, size_t nc, const uint16_t* input, size_t stride, const uint16_t* bias,
    const uint16_t* weights, const int8_t* deltas, const uint32_t* nnz, uint16_t* output, size_t output_stride,
    const struct sprig_f16_minmax_params* params) {
  const float lo = params->min;
  const float hi = params->max;
  size_t p = 0;
  for (; p + mr <= mc; p += mr) {
    spmm_tile(mr, nc, input + p, stride, bias, weights, deltas, nnz, output + p, output_stride, lo, hi);
  }
  /* The last mc % mr pixels in tiles of 2 and 1, each width a literal (see f32-spmm/scalar.c). */
#define REMAINDER_TILE(TILE)                                                                                 \
  if (mr > (TILE) && mc - p >= (TILE)) {                                                                     \
    spmm_tile(TILE, nc, input + p, stride, bias, weights, deltas, nnz, output + p, output_stride, lo, hi);   \
    p += (TILE);                                                                                             \
  }
  REMAINDER_TILE(2)
  REMAINDER_TILE(1)
#undef REMAINDER_TILE
}

#define DEFINE_SCALAR_SPMM(MR)                                                                        \
  _Static_assert(MR <= 4, "scalar tiles hold at most 4 accumulators per set");                        \
  void sprig_f16_spmm_ukernel_##MR##x1__scalar(                                                       \
      size_t mc, size_t nc, const uint16_t* input, size_t input_stride, const uint16_t* bias,         \
      const uint16_t* weights, const int8_t* input_deltas, const uint32_t* nnz, uint16_t* output,     \
      size_t output_stride, const struct sprig_f16_minmax_params* params) {                           \
    spmm_all_tiles(MR, mc, nc, input, input_stride, bias, weights, input_deltas, nnz, output, output_stride, \
                   params);                                                                           \
  }

DEFINE_SCALAR_SPMM(1)
DEFINE_SCALAR_SPMM(2)
DEFINE_SCALAR_SPMM(4)
