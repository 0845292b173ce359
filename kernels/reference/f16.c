/* f16 reference: dense products in double over the exact values of the halves. */
#include <math.h>

#include <reference/reference.h>
#include <sprig/half.h>

/* A running dot product: the exact sum, the sum of magnitudes, the nonzero weights. */
struct dot {
  double sum;
  double magnitude;
  size_t nonzeros;
};

static void add_product(struct dot* d, uint16_t weight, uint16_t x) {
  const double w = sprig_half_to_float(weight), v = sprig_half_to_float(x);
  d->sum += w * v;
  d->magnitude += fabs(w * v);
  d->nonzeros += (size_t) (w != 0.0 || isnan(w));
}

static double clamp(double x, double lo, double hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}

/* The expected output and its tolerance for one dot product (bias already added). */
static void finish(const struct dot* d, float output_min, float output_max, double* expected, double* tolerance) {
  const double lo = sprig_half_to_float(sprig_float_to_half(output_min));
  const double hi = sprig_half_to_float(sprig_float_to_half(output_max));
  *expected = isnan(d->sum) ? d->sum : clamp(d->sum, lo, hi);
  if (!isfinite(d->sum) || !isfinite(d->magnitude)) {
    *tolerance = 0.0;
    return;
  }
  const double rounding_steps = 2.0 * (double) d->nonzeros + 2.0;
  *tolerance = rounding_steps * 0x1p-11 * d->magnitude + rounding_steps * 0x1p-24;
}

static struct dot start(const uint16_t* bias, size_t o) {
  const double b = bias != NULL ? sprig_half_to_float(bias[o]) : 0.0;
  return (struct dot){b, fabs(b), 0};
}

void sprig_reference_f16_linear(
    size_t batch, size_t in_features, size_t out_features, const uint16_t* input, const uint16_t* weights,
    const uint16_t* bias, float output_min, float output_max, double* expected, double* tolerance) {
  for (size_t b = 0; b < batch; b++) {
    for (size_t o = 0; o < out_features; o++) {
      struct dot d = start(bias, o);
      for (size_t i = 0; i < in_features; i++) {
        add_product(&d, weights[o * in_features + i], input[b * in_features + i]);
      }
      finish(&d, output_min, output_max, expected + b * out_features + o, tolerance + b * out_features + o);
    }
  }
}

void sprig_reference_f16_conv2d_nchw(
    const struct sprig_reference_conv2d* s, int input_nhwc, const uint16_t* input, const uint16_t* weights,
    const uint16_t* bias, float output_min, float output_max, double* expected, double* tolerance) {
  const size_t groups = s->groups == 0 ? 1 : s->groups;
  const size_t channels = groups * s->input_channels;
  const size_t all_outputs = groups * s->output_channels;
  const size_t kernel_size = s->input_channels * s->kernel_height * s->kernel_width;
  const size_t out_pixels = s->output_height * s->output_width;
  for (size_t b = 0; b < s->batch; b++) {
    const uint16_t* image = input + b * channels * s->height * s->width;
    for (size_t o = 0; o < all_outputs; o++) {
      const size_t group = o / s->output_channels;
      const uint16_t* kernel = weights + o * kernel_size;
      for (size_t oy = 0; oy < s->output_height; oy++) {
        for (size_t ox = 0; ox < s->output_width; ox++) {
          struct dot d = start(bias, o);
          for (size_t c = 0; c < s->input_channels; c++) {
            const size_t channel = group * s->input_channels + c;
            for (size_t ky = 0; ky < s->kernel_height; ky++) {
              for (size_t kx = 0; kx < s->kernel_width; kx++) {
                const size_t iy = oy * s->stride_height + ky * s->dilation_height;
                const size_t ix = ox * s->stride_width + kx * s->dilation_width;
                if (iy < s->padding_top || ix < s->padding_left || iy - s->padding_top >= s->height ||
                    ix - s->padding_left >= s->width) {
                  continue;
                }
                const size_t y = iy - s->padding_top, x = ix - s->padding_left;
                const size_t at = input_nhwc ? (y * s->width + x) * channels + channel
                                             : (channel * s->height + y) * s->width + x;
                add_product(&d, kernel[(c * s->kernel_height + ky) * s->kernel_width + kx], image[at]);
              }
            }
          }
          const size_t out = (b * all_outputs + o) * out_pixels + oy * s->output_width + ox;
          finish(&d, output_min, output_max, expected + out, tolerance + out);
        }
      }
    }
  }
}
