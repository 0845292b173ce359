/*
 * Every qd8 row quantization kernel of kernels/qd8-quantize/list.inc against plain C written from
 * the contract (src/sprig/qd8-quantize.h): range's bounds and its NaN / infinity flag, and every
 * quantized byte (nearbyintf in the default rounding mode), on row lengths around every kernel's
 * step, ties, the extremes of the zero point and the flip. Inputs are exactly `cols` floats and
 * the bytes past `padded` are guarded, so ASan and the guards see any over-read or over-write.
 */
#include "test-util.h"

#include <stdbool.h>

#include <sprig.h>
#include <sprig/qd8-quantize.h>

#define GUARD 8
#define GUARD_BYTE 0x5A

static int8_t expected_byte(float x, float inverse, int32_t zero_point, uint8_t flip) {
  const float v = x * inverse;
  int32_t q = (int32_t) nearbyintf(v) + zero_point;
  q = q < -128 ? -128 : q > 127 ? 127 : q;
  return (int8_t) (uint8_t) ((uint8_t) q ^ flip);
}

/* A row of `cols` values spread so that |x x inverse| <= 256, with some exact ties. */
static float* make_row(size_t cols, float inverse, uint64_t seed) {
  struct rng rng = {seed};
  float* x = malloc(SPRIG_TEST_MAX(cols, 1) * sizeof(float));
  for (size_t i = 0; i < cols; i++) {
    const float v = rng_float(&rng) * 256.0f;
    /* Every fifth value a tie: k + 0.5 in units of 1 / inverse (inverse a power of two here). */
    x[i] = (i % 5 == 2 ? (float) ((int) v) + 0.5f : v) / inverse;
  }
  return x;
}

static void check_quantize(const struct sprig_qd8_quantize_ukernel* k, size_t cols, size_t padded, float inverse,
                           int32_t zero_point, uint8_t flip, uint64_t seed) {
  float* x = make_row(cols, inverse, seed);
  int8_t* out = malloc(padded + GUARD);
  memset(out, GUARD_BYTE, padded + GUARD);
  k->quantize(cols, x, inverse, zero_point, flip, out, padded);
  for (size_t i = 0; i < padded; i++) {
    const int8_t want = i < cols ? expected_byte(x[i], inverse, zero_point, flip) : 0;
    if (out[i] != want) {
      fail_msg("%s: cols %zu padded %zu zero point %d flip %u: byte %zu is %d, expected %d (x = %.9g)", k->name, cols,
               padded, (int) zero_point, (unsigned) flip, i, (int) out[i], (int) want,
               i < cols ? (double) x[i] : 0.0);
    }
  }
  for (size_t i = padded; i < padded + GUARD; i++) {
    if ((uint8_t) out[i] != GUARD_BYTE) {
      fail_msg("%s: cols %zu padded %zu: wrote past padded (byte %zu)", k->name, cols, padded, i);
    }
  }
  free(x);
  free(out);
}

static void check_range(const struct sprig_qd8_quantize_ukernel* k, const float* x, size_t cols, bool bad) {
  float lo = 1.0f, hi = -1.0f, want_lo = 0.0f, want_hi = 0.0f;
  for (size_t i = 0; i < cols; i++) {
    want_lo = x[i] < want_lo ? x[i] : want_lo;
    want_hi = x[i] > want_hi ? x[i] : want_hi;
  }
  const bool got_bad = k->range(cols, x, &lo, &hi);
  if (got_bad != bad) {
    fail_msg("%s: range of %zu values flags %d, expected %d", k->name, cols, (int) got_bad, (int) bad);
  }
  if (!bad && (lo != want_lo || hi != want_hi)) {
    fail_msg("%s: range of %zu values is [%.9g, %.9g], expected [%.9g, %.9g]", k->name, cols, (double) lo,
             (double) hi, (double) want_lo, (double) want_hi);
  }
}

#define KERNEL(k) const struct sprig_qd8_quantize_ukernel* k = (const struct sprig_qd8_quantize_ukernel*) ukernel

static void quantize_lengths(const void* ukernel) {
  KERNEL(k);
  for (size_t cols = 0; cols <= 100; cols++) {
    check_quantize(k, cols, cols, 0.5f, 3, 0x00, cols);
    check_quantize(k, cols, (cols + 3) / 4 * 4, 2.0f, -5, 0x80, cols + 1000);
  }
  check_quantize(k, 3072, 3072, 0.25f, 0, 0x00, 7);
  check_quantize(k, 4093, 4096, 1.0f, 0, 0x80, 8);
}

static void quantize_zero_points(const void* ukernel) {
  KERNEL(k);
  /* At the extremes most values saturate at -128 or 127. */
  const int32_t zero_points[] = {-128, -127, -1, 0, 1, 126, 127};
  for (size_t i = 0; i < sizeof(zero_points) / sizeof(zero_points[0]); i++) {
    check_quantize(k, 77, 80, 0.5f, zero_points[i], 0x00, 20 + i);
    check_quantize(k, 77, 80, 0.5f, zero_points[i], 0x80, 40 + i);
  }
}

static void quantize_ties_and_bounds(const void* ukernel) {
  KERNEL(k);
  /* Every half step from -256 to 256, and the bounds themselves. */
  const size_t cols = 1025;
  float* x = malloc(cols * sizeof(float));
  int8_t* out = malloc(cols);
  for (size_t i = 0; i < cols; i++) {
    x[i] = -256.0f + 0.5f * (float) i;
  }
  const int32_t zero_points[] = {-128, 0, 127};
  for (size_t z = 0; z < 3; z++) {
    k->quantize(cols, x, 1.0f, zero_points[z], 0x00, out, cols);
    for (size_t i = 0; i < cols; i++) {
      const int8_t want = expected_byte(x[i], 1.0f, zero_points[z], 0x00);
      if (out[i] != want) {
        fail_msg("%s: %.1f with zero point %d gives %d, expected %d", k->name, (double) x[i], (int) zero_points[z],
                 (int) out[i], (int) want);
      }
    }
  }
  free(x);
  free(out);
}

static void range_values(const void* ukernel) {
  KERNEL(k);
  for (size_t cols = 0; cols <= 70; cols++) {
    float* x = make_row(cols, 1.0f, 300 + cols);
    check_range(k, x, cols, false);
    for (size_t i = 0; i < cols; i++) {
      x[i] = x[i] < 0.0f ? -x[i] : x[i]; /* all positive: lo stays 0 */
    }
    check_range(k, x, cols, false);
    for (size_t i = 0; i < cols; i++) {
      x[i] = -x[i]; /* all negative: hi stays 0 */
    }
    check_range(k, x, cols, false);
    free(x);
  }
}

static void range_flags(const void* ukernel) {
  KERNEL(k);
  /* One NaN or infinity anywhere in rows around the kernels' steps. */
  const float specials[] = {NAN, INFINITY, -INFINITY};
  const size_t lengths[] = {1, 7, 8, 9, 16, 31, 32, 33, 64, 100};
  for (size_t s = 0; s < 3; s++) {
    for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++) {
      for (size_t at = 0; at < lengths[l]; at += (lengths[l] + 4) / 5) {
        float* x = make_row(lengths[l], 1.0f, 500 + l);
        x[at] = specials[s];
        check_range(k, x, lengths[l], true);
        free(x);
      }
    }
  }
}

static const struct kernel_test_case cases[] = {
    {"quantize: lengths 0 to 100, 3072, 4093", quantize_lengths, NULL},
    {"quantize: zero points and flips", quantize_zero_points, NULL},
    {"quantize: ties and +-256", quantize_ties_and_bounds, NULL},
    {"range: values", range_values, NULL},
    {"range: NaN and infinities", range_flags, NULL},
};

static enum sprig_isa isa_of(const void* entry) {
  return ((const struct sprig_qd8_quantize_ukernel*) entry)->isa;
}

static int initialize(void** state) {
  (void) state;
  return sprig_initialize() == sprig_status_success ? 0 : -1;
}

int main(void) {
  return run_kernel_cases("qd8-quantize", sprig_qd8_quantize_ukernels, sprig_qd8_quantize_ukernel_count,
                          sizeof(sprig_qd8_quantize_ukernels[0]), isa_of, cases, sizeof(cases) / sizeof(cases[0]),
                          initialize);
}
