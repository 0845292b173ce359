/*
 * Scalar f32 SpMM: MR x NR accumulators, per nonzero column one weight load per channel of the
 * block and MR input loads shared by the block. The portable fallback, and the model for the
 * SIMD kernels' tile and remainder structure.
 */
#include <isa/scalar.h>
#include <sprig/spmm.h>

/* Forced: MR, NR and the accumulator sets must be constants inside the tiles (accumulators in
 * registers, loops unrolled). With plain `inline`, clang for WebAssembly stopped inlining the
 * tiles once they grew accumulator sets and a one-float-stride copy, and the scalar kernels
 * ran 4-5x slower there (sprig-bench --kernels under node, 3136x256x256 at 90%: 4x1 26.8 ms,
 * 6.3 ms with the tiles inlined). */
#define INLINE static inline __attribute__((always_inline))

/* One tile of `mr` pixels (mr is a compile-time constant at every call site below, so the
 * accumulator arrays live in registers). Narrow tiles take the entries in turn into `sets`
 * accumulator sets (4 add chains for one pixel, as for a matrix-vector product), summed at the
 * end of the channel. */
INLINE void spmm_tile(
    size_t mr, size_t nc, const float* input, size_t stride, const float* bias, const float* weights,
    const int8_t* deltas, const uint32_t* nnz, float* output, size_t output_stride, float lo, float hi) {
  const size_t sets = mr == 1 ? 4 : mr == 2 ? 2 : 1;
  for (size_t n = 0; n < nc; n++) {
    float acc[4][8];
    const float b = bias[n];
    for (size_t i = 0; i < mr; i++) {
      acc[0][i] = b;
      for (size_t k = 1; k < sets; k++) {
        acc[k][i] = 0.0f;
      }
    }
    uint32_t j = nnz[n];
    for (; j >= sets; j -= sets) {
      /* The rows of the `sets` entries from prefix sums of their steps, so that the input
       * pointer carries one add per `sets` entries instead of one per entry. */
      const float* rows[4];
      intptr_t ahead = 0;
      for (size_t k = 0; k < sets; k++) {
        rows[k] = (const float*) ((uintptr_t) input + (uintptr_t) (ahead * (intptr_t) stride));
        ahead += deltas[k];
      }
      for (size_t k = 0; k < sets; k++) {
        const float w = weights[k];
        for (size_t i = 0; i < mr; i++) {
          acc[k][i] += w * rows[k][i];
        }
      }
      input = (const float*) ((uintptr_t) input + (uintptr_t) (ahead * (intptr_t) stride));
      weights += sets;
      deltas += sets;
    }
    for (; j != 0; j--) {
      const float w = *weights++;
      for (size_t i = 0; i < mr; i++) {
        acc[0][i] += w * input[i];
      }
      input = sprig_spmm_next_row(input, *deltas++, stride);
    }
    for (size_t i = 0; i < mr; i++) {
      float sum = acc[0][i];
      if (sets == 4) {
        sum += (acc[1][i] + acc[2][i]) + acc[3][i];
      } else if (sets == 2) {
        sum += acc[1][i];
      }
      output[i] = sprig_clamp_f32(sum, lo, hi);
    }
    output = (float*) ((uintptr_t) output + output_stride);
  }
}

/* One tile of `mr` pixels for blocks of `nr` channels sharing columns (spmm.h block layout),
 * then the nc % nr leftover channels with the single-channel layout. */
INLINE void spmm_tile_blocks(
    size_t mr, size_t nr, size_t nc, const float* input, size_t stride, const float* bias, const float* weights,
    const int8_t* deltas, const uint32_t* nnz, float* output, size_t output_stride, float lo, float hi) {
  if (nr == 1) {
    spmm_tile(mr, nc, input, stride, bias, weights, deltas, nnz, output, output_stride, lo, hi);
    return;
  }
  size_t n = nc;
  for (; n >= nr; n -= nr) {
    float acc[4][8];
    for (size_t r = 0; r < nr; r++) {
      const float b = *bias++;
      for (size_t i = 0; i < mr; i++) {
        acc[r][i] = b;
      }
    }
    for (uint32_t j = *nnz++; j != 0; j--) {
      for (size_t r = 0; r < nr; r++) {
        const float w = *weights++;
        for (size_t i = 0; i < mr; i++) {
          acc[r][i] += w * input[i];
        }
      }
      input = sprig_spmm_next_row(input, *deltas++, stride);
    }
    for (size_t r = 0; r < nr; r++) {
      for (size_t i = 0; i < mr; i++) {
        output[i] = sprig_clamp_f32(acc[r][i], lo, hi);
      }
      output = (float*) ((uintptr_t) output + output_stride);
    }
  }
  for (; n != 0; n--) {
    spmm_tile(mr, 1, input, stride, bias++, weights, deltas, nnz, output, output_stride, lo, hi);
    for (uint32_t j = *nnz; j != 0; j--) {
      input = sprig_spmm_next_row(input, *deltas++, stride);
    }
    weights += *nnz++;
    output = (float*) ((uintptr_t) output + output_stride);
  }
}

/* Walks the pixels in tiles of `mr`, then halves the tile for the remainder. */
INLINE void spmm_all_tiles_strided(
    size_t mr, size_t nr, size_t mc, size_t nc, const float* input, size_t stride, const float* bias,
    const float* weights, const int8_t* deltas, const uint32_t* nnz, float* output, size_t output_stride,
    const struct sprig_f32_minmax_params* params) {
  const float lo = params->min;
  const float hi = params->max;
  size_t p = 0;
  for (; p + mr <= mc; p += mr) {
    spmm_tile_blocks(mr, nr, nc, input + p, stride, bias, weights, deltas, nnz, output + p, output_stride, lo, hi);
  }
  /* The last mc % mr pixels in tiles of 4, 2, 1, each width a literal (a loop over the widths
   * left them unknown to clang, whose generic tile code ran ~3x slower in WebAssembly). */
#define REMAINDER_TILE(TILE)                                                                                   \
  if (mr > (TILE) && mc - p >= (TILE)) {                                                                       \
    spmm_tile_blocks(TILE, nr, nc, input + p, stride, bias, weights, deltas, nnz, output + p, output_stride, lo, \
                     hi);                                                                                      \
    p += (TILE);                                                                                               \
  }
  REMAINDER_TILE(4)
  REMAINDER_TILE(2)
  REMAINDER_TILE(1)
#undef REMAINDER_TILE
}

/* One-pixel rows (stride of one float: matrix-vector products) get their own copy of the code,
 * where the step times the stride is a shift and rows are indexed loads. */
INLINE void spmm_all_tiles(
    size_t mr, size_t nr, size_t mc, size_t nc, const float* input, size_t stride, const float* bias,
    const float* weights, const int8_t* deltas, const uint32_t* nnz, float* output, size_t output_stride,
    const struct sprig_f32_minmax_params* params) {
  if (stride == sizeof(float)) {
    spmm_all_tiles_strided(mr, nr, mc, nc, input, sizeof(float), bias, weights, deltas, nnz, output, output_stride,
                           params);
  } else {
    spmm_all_tiles_strided(mr, nr, mc, nc, input, stride, bias, weights, deltas, nnz, output, output_stride, params);
  }
}

#define DEFINE_SCALAR_SPMM(MR, NR)                                                                   \
  _Static_assert(MR <= 8 && NR <= 4, "scalar tiles hold at most 4 x 8 accumulators");                \
  void sprig_f32_spmm_minmax_ukernel_##MR##x##NR##__scalar(                                          \
      size_t mc, size_t nc, const float* input, size_t input_stride, const float* bias, const float* weights, \
      const int8_t* input_deltas, const uint32_t* nnz, float* output, size_t output_stride,                   \
      const struct sprig_f32_minmax_params* params) {                                                         \
    spmm_all_tiles(MR, NR, mc, nc, input, input_stride, bias, weights, input_deltas, nnz, output,             \
                   output_stride, params);                                                                    \
  }

DEFINE_SCALAR_SPMM(1, 1)
DEFINE_SCALAR_SPMM(2, 1)
DEFINE_SCALAR_SPMM(4, 1)
DEFINE_SCALAR_SPMM(8, 1)
DEFINE_SCALAR_SPMM(4, 2)
DEFINE_SCALAR_SPMM(4, 4)
