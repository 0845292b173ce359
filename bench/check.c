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

int bench_conv_forward(const struct bench_conv_geometry* g, const float* weights, const float* bias,
                        const float* input, float output_min, float output_max, float* output, float* magnitude) {
  const size_t pixels = g->out_height * g->out_width;
  const size_t group_in = g->in_channels / g->groups, group_out = g->out_channels / g->groups;
  const size_t taps = g->kernel * g->kernel;
  double* acc = malloc(pixels * sizeof(double));
  double* mag = malloc(pixels * sizeof(double));
  if (acc == NULL || mag == NULL) {
    free(acc);
    free(mag);
    return -1;
  }
  for (size_t o = 0; o < g->out_channels; o++) {
    const size_t first_channel = o / group_out * group_in;
    for (size_t p = 0; p < pixels; p++) {
      acc[p] = bias[o];
      mag[p] = fabs((double) bias[o]);
    }
    for (size_t j = 0; j < group_in * taps; j++) {
      const double w = weights[o * group_in * taps + j];
      if (w == 0.0) {
        continue;
      }
      const size_t c = first_channel + j / taps, ky = j % taps / g->kernel, kx = j % g->kernel;
      for (size_t oy = 0; oy < g->out_height; oy++) {
        const size_t iy = oy * g->stride + ky; /* padded coordinates */
        if (iy < g->padding || iy - g->padding >= g->height) {
          continue;
        }
        for (size_t ox = 0; ox < g->out_width; ox++) {
          const size_t ix = ox * g->stride + kx;
          if (ix < g->padding || ix - g->padding >= g->width) {
            continue;
          }
          const size_t y = iy - g->padding, x = ix - g->padding;
          const double v = g->input_nhwc ? input[(y * g->width + x) * g->in_channels + c]
                                         : input[(c * g->height + y) * g->width + x];
          acc[oy * g->out_width + ox] += w * v;
          mag[oy * g->out_width + ox] += fabs(w * v);
        }
      }
    }
    for (size_t p = 0; p < pixels; p++) {
      const float y = (float) acc[p];
      output[o * pixels + p] = y < output_min ? output_min : (y > output_max ? output_max : y);
      if (magnitude != NULL) {
        magnitude[o * pixels + p] = (float) mag[p];
      }
    }
  }
  free(acc);
  free(mag);
  return 0;
}

int bench_reference_compute_conv(const struct bench_conv_geometry* geometry, const float* weights,
                                 const float* bias, const float* input, struct bench_reference* reference) {
  const size_t m = geometry->out_height * geometry->out_width, n = geometry->out_channels;
  *reference = (struct bench_reference){m, n, malloc(n * m * sizeof(float)), malloc(n * m * sizeof(float))};
  if (reference->output == NULL || reference->magnitude == NULL) {
    bench_reference_free(reference);
    return -1;
  }
  if (bench_conv_forward(geometry, weights, bias, input, -INFINITY, INFINITY, reference->output,
                         reference->magnitude) != 0) {
    bench_reference_free(reference);
    return -1;
  }
  return 0;
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
