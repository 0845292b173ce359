#include <reference/reference.h>

static float clamp(float x, float lo, float hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}

void sprig_reference_f32_spmm(
    size_t m, size_t n, const float* input, size_t input_stride, const uint32_t* row_ptr,
    const uint32_t* col_idx, const float* values, const float* bias, float* output,
    size_t output_stride, float output_min, float output_max) {
  for (size_t row = 0; row < n; row++) {
    for (size_t p = 0; p < m; p++) {
      double acc = bias != NULL ? bias[row] : 0.0;
      for (uint32_t j = row_ptr[row]; j < row_ptr[row + 1]; j++) {
        acc += (double) values[j] * (double) input[col_idx[j] * input_stride + p];
      }
      output[row * output_stride + p] = clamp((float) acc, output_min, output_max);
    }
  }
}
