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
 * and index read once per group; per vector two sums, even and odd slots. Each group size has its
 * own function, so that the sums are registers (a sum indexed by a variable lives in memory, and
 * every multiply-add would wait for the store of the one before).
 */
#define MV_GROUP 4
#define INLINE static inline __attribute__((always_inline))

/* The run base and place of the next slot. */
INLINE void next_slot(size_t n, size_t m, size_t* run, size_t* place) {
  if (++*place == n) {
    *place = 0;
    *run += m;
  }
}

INLINE void nmspmv_group(size_t vectors, size_t nc, size_t groups, size_t n, size_t m, const float* input,
                         size_t input_stride, const float* bias, const float* weights, const uint8_t* indices,
                         float* output, size_t output_stride, float lo, float hi) {
  const size_t slots = groups * n;
  for (size_t c = 0; c < nc; c++) {
    float even[MV_GROUP], odd[MV_GROUP];
    for (size_t b = 0; b < vectors; b++) {
      even[b] = bias[c];
      odd[b] = 0.0f;
    }
    size_t run = 0; /* row 0 of the slot's run */
    size_t place = 0;
    size_t s = 0;
    for (; s + 2 <= slots; s += 2) {
      const size_t row0 = run + indices[s];
      next_slot(n, m, &run, &place);
      const size_t row1 = run + indices[s + 1];
      next_slot(n, m, &run, &place);
      for (size_t b = 0; b < vectors; b++) {
        const float* x = (const float*) ((const char*) input + b * input_stride);
        even[b] += weights[s] * x[row0];
        odd[b] += weights[s + 1] * x[row1];
      }
    }
    if (s < slots) {
      const size_t row0 = run + indices[s];
      for (size_t b = 0; b < vectors; b++) {
        even[b] += weights[s] * ((const float*) ((const char*) input + b * input_stride))[row0];
      }
    }
    for (size_t b = 0; b < vectors; b++) {
      ((float*) ((char*) output + b * output_stride))[c] = sprig_clamp_f32(even[b] + odd[b], lo, hi);
    }
    weights += slots;
    indices += slots;
  }
}

typedef void (*nmspmv_group_fn)(size_t nc, size_t groups, size_t n, size_t m, const float* input,
                                size_t input_stride, const float* bias, const float* weights,
                                const uint8_t* indices, float* output, size_t output_stride, float lo, float hi);

#define DEFINE_NMSPMV_GROUP(B)                                                                                  \
  static void nmspmv_group_##B(size_t nc, size_t groups, size_t n, size_t m, const float* input,               \
                               size_t input_stride, const float* bias, const float* weights,                   \
                               const uint8_t* indices, float* output, size_t output_stride, float lo, float hi) { \
    nmspmv_group(B, nc, groups, n, m, input, input_stride, bias, weights, indices, output, output_stride, lo, hi); \
  }

DEFINE_NMSPMV_GROUP(1)
DEFINE_NMSPMV_GROUP(2)
DEFINE_NMSPMV_GROUP(3)
DEFINE_NMSPMV_GROUP(4)

void sprig_f32_nmspmv_minmax_ukernel__scalar(size_t batch, size_t nc, size_t groups, size_t n, size_t m,
                                             const float* input, size_t input_stride, const float* bias,
                                             const float* weights, const uint8_t* indices, float* output,
                                             size_t output_stride, const struct sprig_f32_minmax_params* params) {
  static const nmspmv_group_fn groups_of[MV_GROUP] = {nmspmv_group_1, nmspmv_group_2, nmspmv_group_3,
                                                      nmspmv_group_4};
  for (size_t b = 0; b < batch; b += MV_GROUP) {
    const size_t vectors = batch - b < MV_GROUP ? batch - b : MV_GROUP;
    groups_of[vectors - 1](nc, groups, n, m, (const float*) ((const char*) input + b * input_stride), input_stride,
                           bias, weights, indices, (float*) ((char*) output + b * output_stride), output_stride,
                           params->min, params->max);
  }
}
