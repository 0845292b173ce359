/*
 * The f32 N:M SpMM microkernel family: weights with at most N nonzeros in every run of M
 * consecutive input rows (channels), stored as N values and N one-byte in-run indices per run.
 *
 * For `nc` output channels and `mc` pixels (pixels contiguous in input and output):
 *   output[c][p] = clamp(bias[c] + sum over runs g < groups, slots j < n of
 *                        w[c][g][j] * input[(g * m + idx[c][g][j]) * row_stride bytes][p], min, max)
 *
 * bias:    nc floats, one per output channel (never NULL: operators pass zeros).
 * weights: per channel: groups * n values (zeros fill runs with fewer than n): exactly the
 *          packed weights' nm_values (src/sprig/weights.h), shared as they are.
 * indices: per channel: groups * n in-run row indices, each < m and naming a row that exists
 *          (the last run may be short when the row count is not a multiple of m).
 * input:   pixel 0 of the first run's first row; rows are row_stride bytes apart.
 * output:  pixel 0 of channel 0; channels are output_stride bytes apart.
 *
 * Kernels handle any mc >= 1 and read only input[0 .. mc) of the rows the indices name, write
 * only output[0 .. mc) of each channel. 1 <= n <= m <= 16. (A padded slot multiplies a real row
 * by zero; the packer points it at a row whose weight is zero where the run has one, see
 * sprig.h on non-finite values.)
 */
#ifndef SPRIG_NMSPMM_H
#define SPRIG_NMSPMM_H

#include <stddef.h>
#include <stdint.h>

#include <sprig/isa.h>
#include <sprig/spmm.h>

typedef void (*sprig_f32_nmspmm_ukernel_fn)(
    size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t row_stride,
    const float* bias, const float* weights, const uint8_t* indices, float* output, size_t output_stride,
    const struct sprig_f32_minmax_params* params);

#define SPRIG_F32_NMSPMM_UKERNEL(isa, mr, nr, is_default, fn)                                       \
  void fn(size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input,                \
          size_t row_stride, const float* bias, const float* weights, const uint8_t* indices,         \
          float* output, size_t output_stride, const struct sprig_f32_minmax_params* params);
#include <f32-nmspmm/list.inc>
#undef SPRIG_F32_NMSPMM_UKERNEL

struct sprig_f32_nmspmm_ukernel {
  const char* name;
  sprig_f32_nmspmm_ukernel_fn fn;
  enum sprig_isa isa;
  uint32_t mr;
  uint32_t nr;
  bool is_default;
  /* A variant for in-order cores (an _INORDER entry of kernels/f32-nmspmm/list.inc). */
  bool inorder;
};

extern const struct sprig_f32_nmspmm_ukernel sprig_f32_nmspmm_ukernels[];
extern const size_t sprig_f32_nmspmm_ukernel_count;

/*
 * The matrix-times-vectors kernels of the same weights (nmspmv: a linear layer's small batches,
 * 1x1 convolutions over 1x1 images), vectorized over the stored weights. For `batch` input
 * vectors and `nc` output channels:
 *   output[b][c] = clamp(bias[c] + sum over runs g < groups, slots j < n of
 *                        w[c][g][j] * input[b][g * m + idx[c][g][j]], min, max)
 * input:   vector 0's first float; each vector holds the K input rows' floats contiguously,
 *          vectors input_stride bytes apart.
 * output:  channel 0 of vector 0; a vector's nc channels are contiguous floats, vectors
 *          output_stride bytes apart.
 * bias, weights, indices: as above. Kernels take the vectors a few at a time (SIMD kernels up to
 * 4), reading each weight and index once per such group; they read only the rows the indices
 * name or rows below them (never past a vector's last run) and write only output[b][0 .. nc).
 * The sum order is the kernel's own: results agree with the N:M SpMM kernels within rounding.
 */
typedef void (*sprig_f32_nmspmv_ukernel_fn)(
    size_t batch, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t input_stride,
    const float* bias, const float* weights, const uint8_t* indices, float* output, size_t output_stride,
    const struct sprig_f32_minmax_params* params);

#define SPRIG_F32_NMSPMV_UKERNEL(isa, is_default, fn)                                                 \
  void fn(size_t batch, size_t nc, size_t groups, size_t n, size_t m, const float* input,             \
          size_t input_stride, const float* bias, const float* weights, const uint8_t* indices,       \
          float* output, size_t output_stride, const struct sprig_f32_minmax_params* params);
#include <f32-nmspmm/mv-list.inc>
#undef SPRIG_F32_NMSPMV_UKERNEL

struct sprig_f32_nmspmv_ukernel {
  const char* name;
  sprig_f32_nmspmv_ukernel_fn fn;
  enum sprig_isa isa;
  bool is_default;
};

/* Every kernel of this build, in list order (kernels/f32-nmspmm/mv-list.inc). */
extern const struct sprig_f32_nmspmv_ukernel sprig_f32_nmspmv_ukernels[];
extern const size_t sprig_f32_nmspmv_ukernel_count;

#endif /* SPRIG_NMSPMM_H */
