/*
 * Scalar f32 N:M SpMM: MR accumulators per channel; per stored weight one value load, one index
 * byte, an address multiply-add and MR input loads. The portable fallback and the model for the
 * SIMD kernels.
 */
#include <isa/scalar.h>
#include <sprig/nmspmm.h>

/* One pixel: the slots in turn into four sums (four add chains, as for a matrix-vector
 * product); the run base and the place in the run are carried along instead of divided out. */
static inline void nmspmm_pixel(
    size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t row_stride, const float* bias,
    const float* weights, const uint8_t* indices, float* output, size_t output_stride, float lo, float hi) {
  const size_t slots = groups * n;
  const size_t run_bytes = m * row_stride;
  for (size_t c = 0; c < nc; c++) {
    float sums[4] = {bias[c], 0.0f, 0.0f, 0.0f};
    const char* run = (const char*) input;
    size_t place = 0;
    size_t s = 0;
    for (; s + 4 <= slots; s += 4) {
      for (size_t k = 0; k < 4; k++) {
        sums[k] += weights[k] * *(const float*) (run + (size_t) indices[k] * row_stride);
        place++;
        if (place == n) {
          place = 0;
          run += run_bytes;
        }
      }
      weights += 4;
      indices += 4;
    }
    for (; s < slots; s++) {
      sums[0] += *weights++ * *(const float*) (run + (size_t) *indices++ * row_stride);
      place++;
      if (place == n) {
        place = 0;
        run += run_bytes;
      }
    }
    *output = sprig_clamp_f32((sums[0] + sums[1]) + (sums[2] + sums[3]), lo, hi);
    output = (float*) ((char*) output + output_stride);
  }
}

/* One tile of `mr` pixels (2 or more). */
static inline void nmspmm_tile(
    size_t mr, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t row_stride,
    const float* bias, const float* weights, const uint8_t* indices, float* output, size_t output_stride, float lo,
    float hi) {
  if (mr == 1) {
    nmspmm_pixel(nc, groups, n, m, input, row_stride, bias, weights, indices, output, output_stride, lo, hi);
    return;
  }
  const size_t group_stride = m * row_stride;
  for (size_t c = 0; c < nc; c++) {
    float acc[8];
    for (size_t i = 0; i < mr; i++) {
      acc[i] = bias[c];
    }
    const char* group_input = (const char*) input;
    for (size_t g = 0; g < groups; g++) {
      for (size_t j = 0; j < n; j++) {
        const float w = *weights++;
        const float* x = (const float*) (group_input + (size_t) *indices++ * row_stride);
        for (size_t i = 0; i < mr; i++) {
          acc[i] += w * x[i];
        }
      }
      group_input += group_stride;
    }
    for (size_t i = 0; i < mr; i++) {
      output[i] = sprig_clamp_f32(acc[i], lo, hi);
    }
    output = (float*) ((char*) output + output_stride);
  }
}

static inline void nmspmm_all_tiles(
    size_t mr, size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t row_stride,
    const float* bias, const float* weights, const uint8_t* indices, float* output, size_t output_stride,
    const struct sprig_f32_minmax_params* params) {
  size_t p = 0;
  for (; p + mr <= mc; p += mr) {
    nmspmm_tile(mr, nc, groups, n, m, input + p, row_stride, bias, weights, indices, output + p, output_stride,
                params->min, params->max);
  }
  /* The last mc % mr pixels in tiles of 4, 2, 1, each width a literal (see f32-spmm/scalar.c). */
#define REMAINDER_TILE(TILE)                                                                                     \
  if (mr > (TILE) && mc - p >= (TILE)) {                                                                         \
    nmspmm_tile(TILE, nc, groups, n, m, input + p, row_stride, bias, weights, indices, output + p, output_stride, \
                params->min, params->max);                                                                       \
    p += (TILE);                                                                                                 \
  }
  REMAINDER_TILE(4)
  REMAINDER_TILE(2)
  REMAINDER_TILE(1)
#undef REMAINDER_TILE
}

#define DEFINE_SCALAR_NMSPMM(MR)                                                                       \
  _Static_assert(MR <= 8, "scalar tiles hold at most 8 accumulators per channel");                 \
  void sprig_f32_nmspmm_minmax_ukernel_##MR##x1__scalar(                                               \
      size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t row_stride,   \
      const float* bias, const float* weights, const uint8_t* indices, float* output,                   \
      size_t output_stride, const struct sprig_f32_minmax_params* params) {                             \
    nmspmm_all_tiles(MR, mc, nc, groups, n, m, input, row_stride, bias, weights, indices, output,       \
                     output_stride, params);                                                           \
  }

DEFINE_SCALAR_NMSPMM(1)
DEFINE_SCALAR_NMSPMM(4)
DEFINE_SCALAR_NMSPMM(8)

/*
 * Matrix times vectors (src/sprig/nmspmm.h, "nmspmv"): vectors in groups of up to 4, each weight
 * and index read once per group; per vector two sums, the slots alternating between them.
 */
#define MV_GROUP 4

static inline void nmspmv_group(size_t vectors, size_t nc, size_t groups, size_t n, size_t m, const float* input,
                                size_t input_stride, const float* bias, const float* weights,
                                const uint8_t* indices, float* output, size_t output_stride, float lo, float hi) {
  const size_t slots = groups * n;
  for (size_t c = 0; c < nc; c++) {
    float sums[MV_GROUP][2];
    for (size_t b = 0; b < vectors; b++) {
      sums[b][0] = bias[c];
      sums[b][1] = 0.0f;
    }
    size_t run = 0; /* row 0 of the slot's run */
    size_t place = 0;
    for (size_t s = 0; s < slots; s++) {
      const float w = weights[s];
      const size_t row = run + indices[s];
      for (size_t b = 0; b < vectors; b++) {
        sums[b][s % 2] += w * ((const float*) ((const char*) input + b * input_stride))[row];
      }
      if (++place == n) {
        place = 0;
        run += m;
      }
    }
    for (size_t b = 0; b < vectors; b++) {
      ((float*) ((char*) output + b * output_stride))[c] = sprig_clamp_f32(sums[b][0] + sums[b][1], lo, hi);
    }
    weights += slots;
    indices += slots;
  }
}

void sprig_f32_nmspmv_minmax_ukernel__scalar(size_t batch, size_t nc, size_t groups, size_t n, size_t m,
                                             const float* input, size_t input_stride, const float* bias,
                                             const float* weights, const uint8_t* indices, float* output,
                                             size_t output_stride, const struct sprig_f32_minmax_params* params) {
  for (size_t b = 0; b < batch; b += MV_GROUP) {
    nmspmv_group(batch - b < MV_GROUP ? batch - b : MV_GROUP, nc, groups, n, m,
                 (const float*) ((const char*) input + b * input_stride), input_stride, bias, weights, indices,
                 (float*) ((char*) output + b * output_stride), output_stride, params->min, params->max);
  }
}
