/*
 * Every 32-bit transpose kernel of kernels/x32-transpose/list.inc against the definition in
 * src/sprig/x32-transpose.h: every shape up to 13 x 13 (below, at and past the 4 x 4 SIMD block on
 * both sides, 0 rows or columns included), input rows padded or not and starting 0 .. 3 elements
 * into exact-size heap arrays (ASan sees reads past the last row), output rows longer than `rows`
 * whose other elements must stay as they were, and the batch shapes of linear layers.
 */
#include "test-util.h"

#include <sprig.h>
#include <sprig/config.h>
#include <sprig/x32-transpose.h>

#define KERNEL(uk) \
  const struct sprig_x32_transpose_ukernel* uk = (const struct sprig_x32_transpose_ukernel*) ukernel

#define UNTOUCHED 0xDEADBEEFu

/* One call: input rows `input_stride` elements apart starting `offset` elements into an exact-size
 * array, output rows `output_stride` elements apart (>= rows), output rows x `output_stride` + 1
 * elements so that the element after the last output row is checked too. */
static void check_transpose(const struct sprig_x32_transpose_ukernel* uk, size_t rows, size_t cols,
                            size_t input_stride, size_t offset, size_t output_stride, struct rng* rng) {
  const size_t input_elements = SPRIG_TEST_MAX(offset + (rows == 0 ? 0 : (rows - 1) * input_stride + cols), 1);
  const size_t output_elements = cols * output_stride + 1;
  struct guarded input_memory; /* and a guard page after it */
  uint32_t* input = guarded_alloc(&input_memory, input_elements * sizeof(uint32_t));
  uint32_t* output = malloc(output_elements * sizeof(uint32_t));
  assert_true(input != NULL && output != NULL);
  for (size_t i = 0; i < input_elements; i++) {
    input[i] = (uint32_t) rng_next(rng);
  }
  for (size_t i = 0; i < output_elements; i++) {
    output[i] = UNTOUCHED;
  }
  uk->fn(rows, cols, input + offset, input_stride * sizeof(uint32_t), output, output_stride * sizeof(uint32_t));
  for (size_t c = 0; c < cols; c++) {
    for (size_t e = 0; e < output_stride; e++) {
      const uint32_t want = e < rows ? input[offset + e * input_stride + c] : UNTOUCHED;
      if (output[c * output_stride + e] != want) {
        fail_msg("%s: %zu x %zu, strides %zu / %zu, offset %zu: output row %zu element %zu: got 0x%08x, "
                 "expected 0x%08x", *kernel_test_name(), rows, cols, input_stride, output_stride, offset, c, e,
                 output[c * output_stride + e], want);
      }
    }
  }
  if (output[cols * output_stride] != UNTOUCHED) {
    fail_msg("%s: %zu x %zu: written past the last output row", *kernel_test_name(), rows, cols);
  }
  guarded_free(&input_memory);
  free(output);
}

static void small_shapes(const void* ukernel) {
  KERNEL(uk);
  struct rng rng = {21};
  for (size_t rows = 0; rows <= 13; rows++) {
    for (size_t cols = 0; cols <= 13; cols++) {
      check_transpose(uk, rows, cols, cols, (rows + cols) % 4, rows, &rng);
      check_transpose(uk, rows, cols, cols + 3, 1, rows + 2, &rng);
    }
  }
}

static void linear_batches(const void* ukernel) {
  KERNEL(uk);
  struct rng rng = {22};
  /* [batch][K] -> [K][batch rows padded to 16 elements] and back. */
  static const size_t batches[] = {4, 5, 8, 16, 17, 33};
  static const size_t features[] = {64, 77, 768};
  for (size_t i = 0; i < sizeof(batches) / sizeof(batches[0]); i++) {
    for (size_t j = 0; j < sizeof(features) / sizeof(features[0]); j++) {
      const size_t padded = (batches[i] + 15) / 16 * 16;
      check_transpose(uk, batches[i], features[j], features[j], 0, padded, &rng);
      check_transpose(uk, features[j], batches[i], padded, 0, features[j], &rng);
    }
  }
}

/* Every kernel is its ISA's default, the one the operators take when that ISA is the best allowed. */
static void chosen_for_its_isa(const void* ukernel) {
  KERNEL(uk);
  assert_true(uk->is_default);
  const struct sprig_hardware hardware = hardware_with_only(uk->isa, false);
  assert_ptr_equal(sprig_choose_x32_transpose_ukernel(&hardware), uk);
}

static const struct kernel_test_case cases[] = {
    {"shapes up to 13 x 13, offsets, padded rows", small_shapes, NULL},
    {"linear layers' batch transposes", linear_batches, NULL},
    {"chosen for its ISA", chosen_for_its_isa, NULL},
};

static enum sprig_isa isa_of(const void* entry) {
  return ((const struct sprig_x32_transpose_ukernel*) entry)->isa;
}

static int initialize(void** state) {
  (void) state;
  return sprig_initialize() == sprig_status_success ? 0 : -1;
}

int main(void) {
  return run_kernel_cases("x32-transpose", sprig_x32_transpose_ukernels, sprig_x32_transpose_ukernel_count,
                          sizeof(sprig_x32_transpose_ukernels[0]), isa_of, cases, sizeof(cases) / sizeof(cases[0]),
                          initialize);
}
