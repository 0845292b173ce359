/*
 * Every half <-> single conversion kernel of kernels/f16-convert/list.inc against the portable
 * conversions of src/sprig/half.h, bit for bit: all 65536 halves widened; narrowed, every float
 * that is a half, the floats one ulp either side of every half and of every midpoint between
 * neighbouring halves (the ties), the range's edges (65504, 65520, 2^-24, 2^-25, subnormal f32),
 * NaNs with payloads and a sweep of 2^22 bit patterns over the whole f32 range. Lengths 0 .. 19
 * and odd offsets run against exact-size heap arrays with guards, so ASan and the guards see any
 * touch outside them.
 */
#include "test-util.h"

#include <sprig.h>
#include <sprig/f16-convert.h>
#include <sprig/half.h>

#define KERNEL(uk) const struct sprig_f16_convert_ukernel* uk = (const struct sprig_f16_convert_ukernel*) ukernel

/* Widens n halves in one call and compares every bit. */
static void check_widen(const struct sprig_f16_convert_ukernel* uk, const uint16_t* halves, size_t n) {
  float* out = malloc(SPRIG_TEST_MAX(n, 1) * sizeof(float));
  assert_non_null(out);
  uk->widen(n, halves, out);
  for (size_t i = 0; i < n; i++) {
    const uint32_t got = sprig_float_to_bits(out[i]), want = sprig_float_to_bits(sprig_half_to_float(halves[i]));
    if (got != want) {
      fail_msg("%s: half 0x%04x: got 0x%08x, expected 0x%08x", *kernel_test_name(), halves[i], got, want);
    }
  }
  free(out);
}

/* Narrows n floats in one call and compares every bit. */
static void check_narrow(const struct sprig_f16_convert_ukernel* uk, const float* floats, size_t n) {
  uint16_t* out = malloc(SPRIG_TEST_MAX(n, 1) * sizeof(uint16_t));
  assert_non_null(out);
  uk->narrow(n, floats, out);
  for (size_t i = 0; i < n; i++) {
    const uint16_t want = sprig_float_to_half(floats[i]);
    if (out[i] != want) {
      fail_msg("%s: float 0x%08x (%.9g): got 0x%04x, expected 0x%04x", *kernel_test_name(),
               sprig_float_to_bits(floats[i]), floats[i], out[i], want);
    }
  }
  free(out);
}

static void every_half_widened(const void* ukernel) {
  KERNEL(uk);
  uint16_t* halves = malloc(65536 * sizeof(uint16_t));
  assert_non_null(halves);
  for (uint32_t h = 0; h < 65536; h++) {
    halves[h] = (uint16_t) h;
  }
  check_widen(uk, halves, 65536);
  free(halves);
}

/* Every half as a float, its neighbours one f32 ulp away and the ties between halves. */
static void halves_ties_and_neighbours_narrowed(const void* ukernel) {
  KERNEL(uk);
  enum { per_half = 6 };
  float* floats = malloc(65536 * per_half * sizeof(float));
  assert_non_null(floats);
  size_t n = 0;
  for (uint32_t h = 0; h < 65536; h++) {
    const float x = sprig_half_to_float((uint16_t) h);
    const uint32_t bits = sprig_float_to_bits(x);
    floats[n++] = x;
    if ((h & 0x7C00u) == 0x7C00u) {
      continue; /* Inf, NaN: no neighbours */
    }
    /* The midpoint to the next half up in magnitude (65504's is 65520: rounds to Inf). */
    const float next = (h & 0x7FFFu) == 0x7BFFu ? 65536.0f : sprig_half_to_float((uint16_t) (h + 1));
    const float tie = (float) (((double) x + (double) next) / 2.0);
    const uint32_t tie_bits = sprig_float_to_bits(tie);
    floats[n++] = sprig_bits_to_float(bits + 1);
    floats[n++] = tie;
    floats[n++] = sprig_bits_to_float(tie_bits + 1);
    floats[n++] = sprig_bits_to_float(tie_bits - 1);
    if ((bits & 0x7FFFFFFFu) != 0) {
      floats[n++] = sprig_bits_to_float(bits - 1);
    }
  }
  check_narrow(uk, floats, n);
  free(floats);
}

static void edges_and_nans_narrowed(const void* ukernel) {
  KERNEL(uk);
  const uint32_t bits[] = {
      0x00000000u, 0x80000000u, 0x00000001u, 0x807FFFFFu, 0x33000000u, 0x33000001u, 0x32FFFFFFu, 0x33800000u,
      0x387FC000u, 0x387FE000u, 0x387FF000u, 0x38800000u, 0x477FE000u, 0x477FEFFFu, 0x477FF000u, 0x477FFFFFu,
      0x47800000u, 0x7F7FFFFFu, 0x7F800000u, 0xFF800000u, 0x7F800001u, 0x7FC00000u, 0xFFFFFFFFu, 0x7FA5A5A5u,
      0xFF812345u, 0x7FBFFFFFu, 0x3F800000u, 0xBF800000u, 0x3FFFFFFFu, 0x40000000u, 0x00800000u, 0x0000F000u};
  float floats[sizeof(bits) / sizeof(bits[0])];
  for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
    floats[i] = sprig_bits_to_float(bits[i]);
  }
  check_narrow(uk, floats, sizeof(floats) / sizeof(floats[0]));
}

/* 2^22 bit patterns spread over all of them (an odd stride). */
static void sweep_narrowed(const void* ukernel) {
  KERNEL(uk);
  const size_t n = (size_t) 1 << 22;
  float* floats = malloc(n * sizeof(float));
  assert_non_null(floats);
  uint32_t u = 0x12345u;
  for (size_t i = 0; i < n; i++, u += 0x3FFu) {
    floats[i] = sprig_bits_to_float(u);
  }
  check_narrow(uk, floats, n);
  free(floats);
}

/* Every length 0 .. 19 at offsets 0 .. 3 of exact-size arrays, guards after the outputs. */
static void lengths_and_offsets(const void* ukernel) {
  KERNEL(uk);
  struct rng rng = {77};
  for (size_t n = 0; n < 20; n++) {
    for (size_t offset = 0; offset < 4; offset++) {
      uint16_t* halves = malloc((offset + n + 1) * sizeof(uint16_t));
      float* floats = malloc((offset + n + 1) * sizeof(float));
      uint16_t* halves_out = malloc((offset + n + 4) * sizeof(uint16_t));
      float* floats_out = malloc((offset + n + 4) * sizeof(float));
      assert_true(halves != NULL && floats != NULL && halves_out != NULL && floats_out != NULL);
      for (size_t i = 0; i < offset + n; i++) {
        halves[i] = (uint16_t) rng_next(&rng);
        floats[i] = sprig_bits_to_float(rng_next(&rng) << 1 ^ rng_next(&rng));
      }
      for (size_t i = 0; i < offset + n + 4; i++) {
        halves_out[i] = 0xA5A5u;
        floats_out[i] = -7.0f;
      }
      /* Exact-size inputs: the arrays end at element offset + n. */
      uint16_t* h_in = realloc(halves, SPRIG_TEST_MAX(offset + n, 1) * sizeof(uint16_t));
      float* f_in = realloc(floats, SPRIG_TEST_MAX(offset + n, 1) * sizeof(float));
      assert_true(h_in != NULL && f_in != NULL);
      uk->widen(n, h_in + offset, floats_out + offset);
      uk->narrow(n, f_in + offset, halves_out + offset);
      for (size_t i = 0; i < offset + n + 4; i++) {
        const bool inside = i >= offset && i < offset + n;
        if (inside) {
          assert_int_equal(sprig_float_to_bits(floats_out[i]), sprig_float_to_bits(sprig_half_to_float(h_in[i])));
          assert_int_equal(halves_out[i], sprig_float_to_half(f_in[i]));
        } else {
          assert_true(floats_out[i] == -7.0f);
          assert_int_equal(halves_out[i], 0xA5A5u);
        }
      }
      free(h_in);
      free(f_in);
      free(halves_out);
      free(floats_out);
    }
  }
}

static const struct kernel_test_case cases[] = {
    {"every half widened", every_half_widened, NULL},
    {"halves, ties and neighbours narrowed", halves_ties_and_neighbours_narrowed, NULL},
    {"edges and NaNs narrowed", edges_and_nans_narrowed, NULL},
    {"2^22 bit patterns narrowed", sweep_narrowed, NULL},
    {"lengths 0 .. 19, offsets 0 .. 3", lengths_and_offsets, NULL},
};

static enum sprig_isa isa_of(const void* entry) {
  return ((const struct sprig_f16_convert_ukernel*) entry)->isa;
}

static int initialize(void** state) {
  (void) state;
  return sprig_initialize() == sprig_status_success ? 0 : -1;
}

int main(void) {
  return run_kernel_cases("f16-convert", sprig_f16_convert_ukernels, sprig_f16_convert_ukernel_count,
                          sizeof(sprig_f16_convert_ukernels[0]), isa_of, cases, sizeof(cases) / sizeof(cases[0]),
                          initialize);
}
