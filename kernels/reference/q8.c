/* int8 ground truth: the formulas of include/sprig.h's int8 section, one element at a time,
 * with the library's rounding written the obvious way (nearbyintf, round to nearest even in the
 * default mode). */
#include <math.h>
#include <stdbool.h>

#include "reference/reference.h"

static int32_t clamp_int(int32_t v, int32_t lo, int32_t hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

int8_t sprig_reference_qs8_requantize_scaled(int32_t acc, float scale, int32_t zero_point, int32_t output_min,
                                             int32_t output_max) {
  const float v = (float) acc * scale;
  /* Saturate before converting, so that huge values do not overflow the int conversion. */
  const float bounded = v < -1024.0f ? -1024.0f : v > 1024.0f ? 1024.0f : v;
  const int32_t y = (int32_t) nearbyintf(bounded) + zero_point;
  return (int8_t) clamp_int(y, output_min, output_max);
}

int8_t sprig_reference_qs8_requantize(int32_t acc, size_t o, const struct sprig_reference_qs8_quantization* q) {
  const float scale = q->input_scale * q->weight_scales[o] / q->output_scale;
  return sprig_reference_qs8_requantize_scaled(acc, scale, q->output_zero_point, q->output_min, q->output_max);
}

int8_t sprig_reference_qs8_add(int8_t a, int8_t b, float a_multiplier, float b_multiplier, int32_t a_zero_point,
                               int32_t b_zero_point, int32_t output_zero_point, int32_t output_min,
                               int32_t output_max) {
  /* volatile: each product is rounded to f32 before the sum, whatever the compiler's contraction. */
  volatile float va = (float) ((int32_t) a - a_zero_point) * a_multiplier;
  volatile float vb = (float) ((int32_t) b - b_zero_point) * b_multiplier;
  const float v = va + vb;
  return (int8_t) clamp_int((int32_t) nearbyintf(v) + output_zero_point, output_min, output_max);
}

/* acc as int32, wrapping, from an int64 sum. */
static int32_t wrap(int64_t sum) {
  return (int32_t) (uint32_t) (uint64_t) sum;
}

void sprig_reference_qs8_linear(size_t batch, size_t in_features, size_t out_features, const int8_t* input,
                                const int8_t* weights, const struct sprig_reference_qs8_quantization* q,
                                int8_t* output) {
  for (size_t b = 0; b < batch; b++) {
    for (size_t o = 0; o < out_features; o++) {
      int64_t acc = q->bias != NULL ? q->bias[o] : 0;
      for (size_t i = 0; i < in_features; i++) {
        acc += (int64_t) weights[o * in_features + i] * ((int32_t) input[b * in_features + i] - q->input_zero_point);
      }
      output[b * out_features + o] = sprig_reference_qs8_requantize(wrap(acc), o, q);
    }
  }
}

void sprig_reference_qs8_conv2d_nchw(const struct sprig_reference_conv2d* s, int input_nhwc, const int8_t* input,
                                     const int8_t* weights, const struct sprig_reference_qs8_quantization* q,
                                     int8_t* output) {
  const size_t groups = s->groups == 0 ? 1 : s->groups;
  const size_t channels = groups * s->input_channels;
  for (size_t b = 0; b < s->batch; b++) {
    for (size_t g = 0; g < groups; g++) {
      for (size_t oc = 0; oc < s->output_channels; oc++) {
        const size_t o = g * s->output_channels + oc;
        for (size_t y = 0; y < s->output_height; y++) {
          for (size_t x = 0; x < s->output_width; x++) {
            int64_t acc = q->bias != NULL ? q->bias[o] : 0;
            for (size_t c = 0; c < s->input_channels; c++) {
              const size_t channel = g * s->input_channels + c;
              for (size_t ky = 0; ky < s->kernel_height; ky++) {
                for (size_t kx = 0; kx < s->kernel_width; kx++) {
                  const long iy = (long) (y * s->stride_height + ky * s->dilation_height) - (long) s->padding_top;
                  const long ix = (long) (x * s->stride_width + kx * s->dilation_width) - (long) s->padding_left;
                  int32_t value = q->input_zero_point;
                  if (iy >= 0 && ix >= 0 && iy < (long) s->height && ix < (long) s->width) {
                    const size_t at = input_nhwc
                                          ? ((b * s->height + (size_t) iy) * s->width + (size_t) ix) * channels + channel
                                          : ((b * channels + channel) * s->height + (size_t) iy) * s->width + (size_t) ix;
                    value = input[at];
                  }
                  const int8_t w = weights[((o * s->input_channels + c) * s->kernel_height + ky) * s->kernel_width + kx];
                  acc += (int64_t) w * (value - q->input_zero_point);
                }
              }
            }
            output[((b * groups * s->output_channels + o) * s->output_height + y) * s->output_width + x] =
                sprig_reference_qs8_requantize(wrap(acc), o, q);
          }
        }
      }
    }
  }
}

void sprig_reference_qd8_linear(size_t batch, size_t in_features, size_t out_features, const float* input,
                                const int8_t* weights, const float* weight_scales, const float* bias,
                                float output_min, float output_max, float* output) {
  for (size_t b = 0; b < batch; b++) {
    const float* x = input + b * in_features;
    float lo = 0.0f, hi = 0.0f;
    bool bad = false;
    for (size_t i = 0; i < in_features; i++) {
      bad = bad || !isfinite(x[i]);
      lo = fminf(lo, x[i]);
      hi = fmaxf(hi, x[i]);
    }
    float scale = 1.0f;
    int32_t zero_point = -128;
    if (!bad && hi > lo) {
      scale = (float) (((double) hi - (double) lo) / 255.0);
      if (scale < 0x1p-100f) {
        scale = 0x1p-100f;
      }
      zero_point = clamp_int((int32_t) nearbyintf(-128.0f - lo / scale), -128, 127);
    }
    const float inverse = 1.0f / scale;
    for (size_t o = 0; o < out_features; o++) {
      int64_t acc = 0;
      for (size_t i = 0; i < in_features && !bad; i++) {
        const float v = x[i] * inverse;
        const float bounded = v < -1024.0f ? -1024.0f : v > 1024.0f ? 1024.0f : v;
        const int32_t qx = clamp_int((int32_t) nearbyintf(bounded) + zero_point, -128, 127);
        acc += (int64_t) weights[o * in_features + i] * (qx - zero_point);
      }
      float y = (float) wrap(acc) * (scale * weight_scales[o]);
      y = y + (bias != NULL ? bias[o] : 0.0f);
      y = y < output_min ? output_min : y;
      y = y > output_max ? output_max : y;
      output[b * out_features + o] = bad ? NAN : y;
    }
  }
}
