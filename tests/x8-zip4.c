/*
 * Every byte-quad interleave kernel of kernels/x8-zip4/list.inc against the definition in
 * src/sprig/x8-zip4.h: lengths 0 .. 70 (below, at and past the 16-element SIMD step) at input
 * offsets 0 .. 3, row strides equal to n and longer, flip bytes 0x00, 0x80 and 0xFF, exact-size
 * heap arrays (ASan sees reads past a row's end) and guard bytes after the output.
 */
#include "test-util.h"

#include <sprig.h>
#include <sprig/config.h>
#include <sprig/x8-zip4.h>

#define KERNEL(uk) const struct sprig_x8_zip4_ukernel* uk = (const struct sprig_x8_zip4_ukernel*) ukernel

#define GUARD_BYTES 16

/* One call on n elements: rows `stride` apart, starting `offset` bytes into an exact-size array. */
static void check_zip(const struct sprig_x8_zip4_ukernel* uk, size_t n, size_t stride, size_t offset, uint8_t flip,
                      struct rng* rng) {
  const size_t input_bytes = SPRIG_TEST_MAX(offset + 3 * stride + n, 1);
  struct guarded input_memory; /* and a guard page after it */
  uint8_t* input = guarded_alloc(&input_memory, input_bytes);
  uint8_t* output = malloc(4 * n + GUARD_BYTES);
  assert_true(input != NULL && output != NULL);
  for (size_t i = 0; i < input_bytes; i++) {
    input[i] = (uint8_t) rng_next(rng);
  }
  memset(output, 0x5A, 4 * n + GUARD_BYTES);
  uk->fn(n, input + offset, stride, flip, output);
  for (size_t p = 0; p < n; p++) {
    for (size_t t = 0; t < 4; t++) {
      const uint8_t want = (uint8_t) (input[offset + t * stride + p] ^ flip);
      if (output[4 * p + t] != want) {
        fail_msg("%s: n %zu stride %zu offset %zu flip 0x%02x: element %zu row %zu: got 0x%02x, expected 0x%02x",
                 *kernel_test_name(), n, stride, offset, flip, p, t, output[4 * p + t], want);
      }
    }
  }
  for (size_t i = 4 * n; i < 4 * n + GUARD_BYTES; i++) {
    if (output[i] != 0x5A) {
      fail_msg("%s: n %zu: byte %zu past the output written", *kernel_test_name(), n, i - 4 * n);
    }
  }
  guarded_free(&input_memory);
  free(output);
}

static void lengths_offsets_and_flips(const void* ukernel) {
  KERNEL(uk);
  static const uint8_t flips[] = {0x00, 0x80, 0xFF};
  struct rng rng = {11};
  for (size_t n = 0; n <= 70; n++) {
    for (size_t offset = 0; offset < 4; offset++) {
      check_zip(uk, n, n, offset, flips[(n + offset) % 3], &rng);
    }
  }
}

static void long_strides(const void* ukernel) {
  KERNEL(uk);
  struct rng rng = {12};
  static const size_t lengths[] = {1, 15, 16, 17, 49, 196, 3136};
  for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
    check_zip(uk, lengths[i], lengths[i] + 7, 1, 0x80, &rng);
    check_zip(uk, lengths[i], 4 * lengths[i] + 64, 0, 0x00, &rng);
  }
}

/* Every kernel is its ISA's default, the one the operators take when that ISA is the best allowed. */
static void chosen_for_its_isa(const void* ukernel) {
  KERNEL(uk);
  assert_true(uk->is_default);
  const struct sprig_hardware hardware = hardware_with_only(uk->isa, false);
  assert_ptr_equal(sprig_choose_x8_zip4_ukernel(&hardware), uk);
}

static const struct kernel_test_case cases[] = {
    {"lengths 0 .. 70, offsets 0 .. 3, flips", lengths_offsets_and_flips, NULL},
    {"rows longer than n", long_strides, NULL},
    {"chosen for its ISA", chosen_for_its_isa, NULL},
};

static enum sprig_isa isa_of(const void* entry) {
  return ((const struct sprig_x8_zip4_ukernel*) entry)->isa;
}

static int initialize(void** state) {
  (void) state;
  return sprig_initialize() == sprig_status_success ? 0 : -1;
}

int main(void) {
  return run_kernel_cases("x8-zip4", sprig_x8_zip4_ukernels, sprig_x8_zip4_ukernel_count,
                          sizeof(sprig_x8_zip4_ukernels[0]), isa_of, cases, sizeof(cases) / sizeof(cases[0]),
                          initialize);
}
