#include "check.h"

#include <math.h>
#include <stdlib.h>

#include <reference/reference.h>

int bench_reference_compute(const struct bench_csr* weights, const float* bias, const float* input, size_t m,
                            struct bench_reference* reference) {
  const size_t n = weights->rows;
  const size_t k = weights->cols;
  *reference = (struct bench_reference){m, n, malloc(n * m * sizeof(float)), malloc(n * m * sizeof(float))};
  float* abs_input = malloc(k * m * sizeof(float));
  float* abs_bias = malloc(n * sizeof(float));
  struct bench_csr abs_weights = {0};
  int status = -1;
  if (reference->output != NULL && reference->magnitude != NULL && abs_input != NULL && abs_bias != NULL &&
      bench_csr_abs(weights, &abs_weights) == 0) {
    for (size_t i = 0; i < k * m; i++) {
      abs_input[i] = fabsf(input[i]);
    }
    for (size_t i = 0; i < n; i++) {
      abs_bias[i] = fabsf(bias[i]);
    }
    sprig_reference_f32_spmm(m, n, input, m, weights->row_ptr, weights->col_idx, weights->values, bias,
                             reference->output, m, -INFINITY, INFINITY);
    sprig_reference_f32_spmm(m, n, abs_input, m, abs_weights.row_ptr, abs_weights.col_idx, abs_weights.values,
                             abs_bias, reference->magnitude, m, -INFINITY, INFINITY);
    bench_csr_free(&abs_weights);
    status = 0;
  }
  free(abs_input);
  free(abs_bias);
  if (status != 0) {
    bench_reference_free(reference);
  }
  return status;
}

void bench_reference_free(struct bench_reference* reference) {
  free(reference->output);
  free(reference->magnitude);
  reference->output = NULL;
  reference->magnitude = NULL;
}

double bench_max_relative_error(const struct bench_reference* reference, const float* actual, bool pixel_major) {
  double worst = 0.0;
  for (size_t c = 0; c < reference->n; c++) {
    for (size_t p = 0; p < reference->m; p++) {
      const size_t r = c * reference->m + p;
      const float y = pixel_major ? actual[p * reference->n + c] : actual[r];
      const double diff = fabs((double) y - (double) reference->output[r]);
      if (diff == 0.0) {
        continue;
      }
      const double error = reference->magnitude[r] > 0.0f ? diff / reference->magnitude[r] : INFINITY;
      if (!(error <= worst)) {
        worst = isnan(error) ? INFINITY : error;
      }
    }
  }
  return worst;
}
