/* The int8 version of a network (bench/network.h, struct bench_net_q8): what sprig's and
 * XNNPACK's int8 networks both run. */
#include <math.h>
#include <stdlib.h>

#include "network.h"
#include "quant.h"

static int8_t clamp_q(double v) {
  return (int8_t) (v < -128.0 ? -128.0 : (v > 127.0 ? 127.0 : v));
}

/* The int8 value of `v` in tensor t's quantization (+-Inf: the ends of the range). */
static int8_t quantize_value(const struct bench_net_q8* q, size_t t, float v) {
  if (isinf(v)) {
    return v > 0.0f ? 127 : -128;
  }
  return clamp_q(nearbyint((double) v / (double) q->scale[t]) + q->zero_point[t]);
}

/* op's weights per output channel and its bias for an input of scale input_scale. */
static bool quantize_weights(const struct bench_net_op* op, float input_scale, struct bench_net_q8_op* w) {
  const size_t rows = op->rows, cols = op->cols;
  w->weights = malloc(rows * cols);
  w->weights_ohwi = malloc(rows * cols);
  w->scales = malloc(rows * sizeof(float));
  w->bias = malloc(rows * sizeof(int32_t));
  if (w->weights == NULL || w->weights_ohwi == NULL || w->scales == NULL || w->bias == NULL) {
    return false;
  }
  for (size_t o = 0; o < rows; o++) {
    const float* row = op->weights + o * cols;
    float max_abs = 0.0f;
    for (size_t i = 0; i < cols; i++) {
      max_abs = fmaxf(max_abs, fabsf(row[i]));
    }
    const float scale = max_abs > 0.0f ? max_abs / 127.0f : 1.0f / 127.0f;
    w->scales[o] = scale;
    for (size_t i = 0; i < cols; i++) {
      w->weights[o * cols + i] = clamp_q(nearbyint((double) row[i] / (double) scale));
    }
    const double b = nearbyint((double) op->bias[o] / ((double) input_scale * (double) scale));
    w->bias[o] = (int32_t) (b < -2147483647.0 ? -2147483647.0 : (b > 2147483647.0 ? 2147483647.0 : b));
  }
  const size_t taps = op->kind == bench_net_conv ? (size_t) op->kernel * op->kernel : 1;
  bench_int8_ohwi_from_oihw(w->weights, rows, taps, cols, w->weights_ohwi);
  return true;
}

int bench_network_quantize(const struct bench_network* net, const struct bench_net_range* ranges,
                           struct bench_net_q8* q) {
  *q = (struct bench_net_q8){0};
  for (size_t t = 0; t < net->tensor_count; t++) {
    const float lo = fminf(ranges[t].lo, 0.0f), hi = fmaxf(ranges[t].hi, 0.0f);
    const float scale = hi > lo ? (float) (((double) hi - (double) lo) / 255.0) : 1.0f;
    q->scale[t] = scale;
    q->zero_point[t] = clamp_q(nearbyint(-128.0 - (double) lo / (double) scale));
  }
  const struct bench_net_tensor* image = &net->tensors[0];
  const size_t image_elements = image->channels * image->height * image->width;
  q->image = malloc(image_elements);
  bool ok = q->image != NULL;
  for (size_t i = 0; ok && i < image_elements; i++) {
    q->image[i] = quantize_value(q, 0, net->input[i]);
  }
  for (size_t i = 0; ok && i < net->op_count; i++) {
    const struct bench_net_op* op = &net->ops[i];
    struct bench_net_q8_op* w = &q->ops[i];
    w->output_min = quantize_value(q, op->output, op->output_min);
    w->output_max = quantize_value(q, op->output, op->output_max);
    if (op->kind == bench_net_conv || op->kind == bench_net_linear) {
      ok = quantize_weights(op, q->scale[op->input], w);
    }
  }
  if (!ok) {
    bench_network_q8_free(net, q);
    return -1;
  }
  return 0;
}

void bench_network_q8_free(const struct bench_network* net, struct bench_net_q8* q) {
  for (size_t i = 0; i < net->op_count; i++) {
    free(q->ops[i].weights);
    free(q->ops[i].weights_ohwi);
    free(q->ops[i].scales);
    free(q->ops[i].bias);
  }
  free(q->image);
  *q = (struct bench_net_q8){0};
}
