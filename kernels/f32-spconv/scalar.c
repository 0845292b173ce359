/*
 * Scalar f32 sparse direct convolution (src/sprig/spconv.h): MR accumulators per channel, one
 * weight and one offset per stored value, MR loads at that offset. The portable fallback.
 */
#include <isa/scalar.h>
#include <sprig/spconv.h>

#define INLINE static inline __attribute__((always_inline))

/* One tile of `mr` pixels (a constant at every call site, so the accumulators live in
 * registers) over every channel. */
INLINE void spconv_tile(size_t mr, size_t nc, const char* input, const float* bias, const float* weights,
                        const int32_t* offsets, const uint32_t* nnz, float* output, size_t output_stride, float lo,
                        float hi) {
  for (size_t n = 0; n < nc; n++) {
    float acc[8];
    for (size_t i = 0; i < mr; i++) {
      acc[i] = bias[n];
    }
    for (uint32_t j = nnz[n]; j != 0; j--) {
      const float w = *weights++;
      const float* row = (const float*) (input + *offsets++);
      for (size_t i = 0; i < mr; i++) {
        acc[i] += w * row[i];
      }
    }
    for (size_t i = 0; i < mr; i++) {
      output[i] = sprig_clamp_f32(acc[i], lo, hi);
    }
    output = (float*) ((char*) output + output_stride);
  }
}

INLINE void spconv(size_t mr, size_t mc, size_t nc, const float* input, const float* bias, const float* weights,
                   const int32_t* offsets, const uint32_t* nnz, float* output, size_t output_stride,
                   const struct sprig_f32_minmax_params* params) {
  const float lo = params->min, hi = params->max;
  const char* in = (const char*) input;
  for (; mc >= mr; mc -= mr) {
    spconv_tile(mr, nc, in, bias, weights, offsets, nnz, output, output_stride, lo, hi);
    in += mr * sizeof(float);
    output += mr;
  }
  for (size_t tail = mr / 2; tail != 0; tail /= 2) {
    if (mc & tail) {
      if (tail == 4) {
        spconv_tile(4, nc, in, bias, weights, offsets, nnz, output, output_stride, lo, hi);
      } else if (tail == 2) {
        spconv_tile(2, nc, in, bias, weights, offsets, nnz, output, output_stride, lo, hi);
      } else {
        spconv_tile(1, nc, in, bias, weights, offsets, nnz, output, output_stride, lo, hi);
      }
      in += tail * sizeof(float);
      output += tail;
    }
  }
}

void sprig_f32_spconv_minmax_ukernel_1x1__scalar(size_t mc, size_t nc, const float* input, const float* bias,
                                                 const float* weights, const int32_t* offsets, const uint32_t* nnz,
                                                 float* output, size_t output_stride,
                                                 const struct sprig_f32_minmax_params* params) {
  spconv(1, mc, nc, input, bias, weights, offsets, nnz, output, output_stride, params);
}

void sprig_f32_spconv_minmax_ukernel_4x1__scalar(size_t mc, size_t nc, const float* input, const float* bias,
                                                 const float* weights, const int32_t* offsets, const uint32_t* nnz,
                                                 float* output, size_t output_stride,
                                                 const struct sprig_f32_minmax_params* params) {
  spconv(4, mc, nc, input, bias, weights, offsets, nnz, output, output_stride, params);
}

void sprig_f32_spconv_minmax_ukernel_8x1__scalar(size_t mc, size_t nc, const float* input, const float* bias,
                                                 const float* weights, const int32_t* offsets, const uint32_t* nnz,
                                                 float* output, size_t output_stride,
                                                 const struct sprig_f32_minmax_params* params) {
  spconv(8, mc, nc, input, bias, weights, offsets, nnz, output, output_stride, params);
}
