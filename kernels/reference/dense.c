#include <reference/reference.h>

static float clamp(float x, float lo, float hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}

void sprig_reference_f32_linear(
    size_t batch, size_t in_features, size_t out_features, const float* input, const float* weights,
    const float* bias, float* output, float output_min, float output_max) {
  for (size_t b = 0; b < batch; b++) {
    for (size_t o = 0; o < out_features; o++) {
      double acc = bias != NULL ? bias[o] : 0.0;
      for (size_t i = 0; i < in_features; i++) {
        acc += (double) weights[o * in_features + i] * (double) input[b * in_features + i];
      }
      output[b * out_features + o] = clamp((float) acc, output_min, output_max);
    }
  }
}

/* One output pixel of one output channel. */
static double conv_point(const struct sprig_reference_conv2d* s, const float* image, const float* kernel,
                         size_t oy, size_t ox) {
  double acc = 0.0;
  for (size_t c = 0; c < s->input_channels; c++) {
    for (size_t ky = 0; ky < s->kernel_height; ky++) {
      for (size_t kx = 0; kx < s->kernel_width; kx++) {
        const size_t iy = oy * s->stride_height + ky * s->dilation_height;
        const size_t ix = ox * s->stride_width + kx * s->dilation_width;
        if (iy < s->padding_top || ix < s->padding_left || iy - s->padding_top >= s->height ||
            ix - s->padding_left >= s->width) {
          continue;
        }
        const float x = image[(c * s->height + iy - s->padding_top) * s->width + ix - s->padding_left];
        acc += (double) kernel[(c * s->kernel_height + ky) * s->kernel_width + kx] * (double) x;
      }
    }
  }
  return acc;
}

void sprig_reference_f32_conv2d_nchw(
    const struct sprig_reference_conv2d* s, const float* input, const float* weights,
    const float* bias, float* output, float output_min, float output_max) {
  const size_t kernel_size = s->input_channels * s->kernel_height * s->kernel_width;
  const size_t out_pixels = s->output_height * s->output_width;
  const size_t groups = s->groups == 0 ? 1 : s->groups;
  const size_t all_outputs = groups * s->output_channels;
  for (size_t b = 0; b < s->batch; b++) {
    for (size_t o = 0; o < all_outputs; o++) {
      const size_t group = o / s->output_channels;
      const float* image = input + (b * groups + group) * s->input_channels * s->height * s->width;
      float* out = output + (b * all_outputs + o) * out_pixels;
      for (size_t oy = 0; oy < s->output_height; oy++) {
        for (size_t ox = 0; ox < s->output_width; ox++) {
          const double acc = (bias != NULL ? bias[o] : 0.0) + conv_point(s, image, weights + o * kernel_size, oy, ox);
          out[oy * s->output_width + ox] = clamp((float) acc, output_min, output_max);
        }
      }
    }
  }
}
