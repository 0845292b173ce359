#include "quant.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"

#define INPUT_ZERO_POINT (-1)

static int8_t clamp_int8(float value) {
  return (int8_t) (value < -128.0f ? -128.0f : (value > 127.0f ? 127.0f : value));
}

/* The conv geometry of a layer for bench_conv_forward: a linear layer is a 1x1 convolution on a
 * 1 x m NHWC image (input [m][k]); *input_pm tells which input layout the geometry reads. */
static struct bench_conv_geometry problem_geometry(const struct bench_problem* p, bool* input_pm) {
  const struct bench_layer* l = p->layer;
  if (l->kind == bench_layer_linear) {
    *input_pm = true;
    return (struct bench_conv_geometry){p->k, p->n, 1, 1, p->m, 1, p->m, 1, 1, 0, true};
  }
  if (l->kind == bench_layer_conv2d) {
    *input_pm = l->input_nhwc;
    return (struct bench_conv_geometry){l->k,      l->n,      l->groups,
                                        l->height, l->width,  bench_layer_output_height(l),
                                        bench_layer_output_width(l), l->kernel, l->stride,
                                        l->padding, l->input_nhwc};
  }
  *input_pm = false;
  return (struct bench_conv_geometry){p->k, p->n, 1, l->height, l->width, l->height, l->width, 1, 1, 0, false};
}

static size_t input_elements(const struct bench_problem* p) {
  return p->layer->kind == bench_layer_conv2d ? p->layer->k * p->layer->height * p->layer->width : p->k * p->m;
}

void bench_int8_ohwi_from_oihw(const int8_t* oihw, size_t rows, size_t taps, size_t cols, int8_t* ohwi) {
  const size_t cin = cols / taps;
  for (size_t o = 0; o < rows; o++) {
    for (size_t c = 0; c < cin; c++) {
      for (size_t t = 0; t < taps; t++) {
        ohwi[(o * taps + t) * cin + c] = oihw[(o * cin + c) * taps + t];
      }
    }
  }
}

int bench_quantize_problem(const struct bench_problem* p, const struct bench_reference* f32_reference,
                           struct bench_quantized* q) {
  const size_t n = p->n, k = p->k, elements = input_elements(p);
  *q = (struct bench_quantized){.m = p->m, .k = k, .n = n, .input_elements = elements};
  q->weights = malloc(n * k + 64);
  q->weight_scales = malloc(n * sizeof(float));
  q->bias = malloc(n * sizeof(int32_t));
  q->input_cm = malloc(elements + 64);
  q->input_pm = malloc(elements + 64);
  const bool conv2d = p->layer->kind == bench_layer_conv2d;
  q->weights_ohwi = conv2d ? malloc(n * k + 64) : NULL;
  if (q->weights == NULL || q->weight_scales == NULL || q->bias == NULL || q->input_cm == NULL ||
      q->input_pm == NULL || (conv2d && q->weights_ohwi == NULL)) {
    bench_quantized_free(q);
    return -1;
  }
  q->input_zero_point = INPUT_ZERO_POINT;
  q->input_scale = 2.0f / 255.0f;
  for (size_t o = 0; o < n; o++) {
    float max_abs = 0.0f;
    for (size_t i = 0; i < k; i++) {
      max_abs = fmaxf(max_abs, fabsf(p->weights[o * k + i]));
    }
    const float scale = max_abs > 0.0f ? max_abs / 127.0f : 1.0f / 127.0f;
    q->weight_scales[o] = scale;
    for (size_t i = 0; i < k; i++) {
      const float v = nearbyintf(p->weights[o * k + i] / scale);
      q->weights[o * k + i] = (int8_t) (v < -127.0f ? -127.0f : (v > 127.0f ? 127.0f : v));
      q->nnz += q->weights[o * k + i] != 0;
    }
    const double b = nearbyint((double) p->bias[o] / ((double) q->input_scale * (double) scale));
    q->bias[o] = (int32_t) (b < -2147483647.0 ? -2147483647.0 : (b > 2147483647.0 ? 2147483647.0 : b));
  }
  if (conv2d) {
    bench_int8_ohwi_from_oihw(q->weights, n, (size_t) p->layer->kernel * p->layer->kernel, k, q->weights_ohwi);
  }
  for (size_t i = 0; i < elements; i++) {
    q->input_cm[i] = clamp_int8(nearbyintf(p->input_cm[i] / q->input_scale) + (float) q->input_zero_point);
    q->input_pm[i] = clamp_int8(nearbyintf(p->input_pm[i] / q->input_scale) + (float) q->input_zero_point);
  }
  float max_out = 0.0f;
  for (size_t i = 0; i < f32_reference->m * f32_reference->n; i++) {
    max_out = fmaxf(max_out, fabsf(f32_reference->output[i]));
  }
  q->output_zero_point = 0;
  q->output_scale = max_out > 0.0f ? max_out / 127.0f : 1.0f;
  return 0;
}

void bench_quantized_free(struct bench_quantized* q) {
  free(q->weights);
  free(q->weights_ohwi);
  free(q->weight_scales);
  free(q->bias);
  free(q->input_cm);
  free(q->input_pm);
  *q = (struct bench_quantized){0};
}

/* acc [n][m] (as float: (float) of the exact integer sum) and, when magnitude is not NULL, sum
 * |w x| of the integer terms, for integer weights and inputs given as floats (exact; summed in
 * double by bench_conv_forward). */
static int integer_forward(const struct bench_problem* p, const float* weights, const float* bias, const float* input,
                           float* acc, float* magnitude) {
  bool pm;
  const struct bench_conv_geometry geometry = problem_geometry(p, &pm);
  return bench_conv_forward(&geometry, weights, bias, input, -INFINITY, INFINITY, acc, magnitude);
}

int bench_qs8_reference(const struct bench_problem* p, const struct bench_quantized* q, int8_t* output) {
  const size_t n = p->n, k = p->k, m = p->m;
  bool pm;
  (void) problem_geometry(p, &pm);
  float* w = malloc(n * k * sizeof(float));
  float* b = malloc(n * sizeof(float));
  float* x = malloc(q->input_elements * sizeof(float));
  float* acc = malloc(n * m * sizeof(float));
  int status = -1;
  if (w != NULL && b != NULL && x != NULL && acc != NULL) {
    const int8_t* input = pm ? q->input_pm : q->input_cm;
    for (size_t i = 0; i < n * k; i++) {
      w[i] = (float) q->weights[i];
    }
    for (size_t o = 0; o < n; o++) {
      b[o] = (float) q->bias[o];
    }
    for (size_t i = 0; i < q->input_elements; i++) {
      x[i] = (float) (input[i] - q->input_zero_point);
    }
    status = integer_forward(p, w, b, x, acc, NULL);
    for (size_t o = 0; o < n && status == 0; o++) {
      const float s = q->input_scale * q->weight_scales[o] / q->output_scale;
      for (size_t i = 0; i < m; i++) {
        output[o * m + i] = clamp_int8(nearbyintf(acc[o * m + i] * s) + (float) q->output_zero_point);
      }
    }
  }
  free(w);
  free(b);
  free(x);
  free(acc);
  return status;
}

int bench_qd8_reference(const struct bench_problem* p, const struct bench_quantized* q,
                        struct bench_reference* reference) {
  const size_t n = p->n, k = p->k, m = p->m;
  *reference = (struct bench_reference){m, n, malloc(n * m * sizeof(float)), malloc(n * m * sizeof(float))};
  float* w = malloc(n * k * sizeof(float));
  float* zeros = calloc(n, sizeof(float));
  float* x = malloc(m * k * sizeof(float));
  float* row_scale = malloc(m * sizeof(float));
  int status = -1;
  if (reference->output != NULL && reference->magnitude != NULL && w != NULL && zeros != NULL && x != NULL &&
      row_scale != NULL) {
    for (size_t i = 0; i < n * k; i++) {
      w[i] = (float) q->weights[i];
    }
    for (size_t b = 0; b < m; b++) {
      const float* row = &p->input_pm[b * k];
      float lo = 0.0f, hi = 0.0f;
      for (size_t i = 0; i < k; i++) {
        lo = fminf(lo, row[i]);
        hi = fmaxf(hi, row[i]);
      }
      const float scale = hi == lo ? 1.0f : (hi - lo) / 255.0f;
      const float inverse = 1.0f / scale;
      const int8_t zero_point = clamp_int8(nearbyintf(-128.0f - lo / scale));
      for (size_t i = 0; i < k; i++) {
        const int8_t v = clamp_int8(nearbyintf(row[i] * inverse) + (float) zero_point);
        x[b * k + i] = (float) (v - zero_point);
      }
      row_scale[b] = scale;
    }
    /* input [m][k] is the NHWC image of the linear geometry */
    status = integer_forward(p, w, zeros, x, reference->output, reference->magnitude);
    for (size_t o = 0; o < n && status == 0; o++) {
      for (size_t b = 0; b < m; b++) {
        const float s = row_scale[b] * q->weight_scales[o];
        float* y = &reference->output[o * m + b];
        float* mag = &reference->magnitude[o * m + b];
        *y = *y * s + p->bias[o];
        *mag = *mag * s + fabsf(p->bias[o]);
      }
    }
  }
  free(w);
  free(zeros);
  free(x);
  free(row_scale);
  if (status != 0) {
    bench_reference_free(reference);
  }
  return status;
}

int bench_int8_max_diff(const int8_t* a, bool a_pixel_major, const int8_t* b, bool b_pixel_major, size_t m, size_t n,
                        long long* count_out) {
  int worst = 0;
  long long count = 0;
  for (size_t o = 0; o < n; o++) {
    for (size_t i = 0; i < m; i++) {
      const int x = a[a_pixel_major ? i * n + o : o * m + i];
      const int y = b[b_pixel_major ? i * n + o : o * m + i];
      const int d = x > y ? x - y : y - x;
      count += d != 0;
      worst = d > worst ? d : worst;
    }
  }
  if (count_out != NULL) {
    *count_out = count;
  }
  return worst;
}

double bench_int8_dequantized_error(const struct bench_reference* f32_reference, const int8_t* y, bool pixel_major,
                                    const struct bench_quantized* q) {
  const size_t m = f32_reference->m, n = f32_reference->n;
  double worst = 0.0;
  for (size_t o = 0; o < n; o++) {
    for (size_t i = 0; i < m; i++) {
      const int v = y[pixel_major ? i * n + o : o * m + i];
      const double real = (double) q->output_scale * (double) (v - q->output_zero_point);
      const double diff = fabs(real - (double) f32_reference->output[o * m + i]);
      const double magnitude = f32_reference->magnitude[o * m + i];
      const double error = magnitude > 0.0 ? diff / magnitude : (diff == 0.0 ? 0.0 : INFINITY);
      worst = error > worst ? error : worst;
    }
  }
  return worst;
}
