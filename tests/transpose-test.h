/*
 * The test of a transpose kernel family (src/sprig/transpose.h), shared by x32-transpose.c,
 * x16-transpose.c and x8-transpose.c: every kernel of the family's list.inc against the
 * definition. The including file defines N (32, 16, 8) and T (its element type) first.
 * - every shape up to 2 x 8 + 3 on both sides (below, at and past the 4 x 4 and 8 x 8 blocks,
 *   0 rows or columns included), input rows padded or not and starting 0 .. 3 elements into
 *   exact-size heap arrays (reads past the last row fault on a guard page), output rows longer
 *   than `rows` whose other elements must stay as they were;
 * - the tiles the operators hand them: a linear layer's batch transposes, and the 32 x 32 or
 *   64 x 64 tiles of an image's layout conversion with their partial last ones.
 */
#include "test-util.h"

#include <sprig.h>
#include <sprig/config.h>
#include <sprig/transpose.h>

#define CAT3_(a, b, c) a##b##c
#define CAT3(a, b, c) CAT3_(a, b, c)
#define UKERNEL struct CAT3(sprig_x, N, _transpose_ukernel)
#define UKERNELS CAT3(sprig_x, N, _transpose_ukernels)
#define UKERNEL_COUNT CAT3(sprig_x, N, _transpose_ukernel_count)
#define CHOOSE CAT3(sprig_choose_x, N, _transpose_ukernel)

#define KERNEL(uk) const UKERNEL* uk = (const UKERNEL*) ukernel

/* 0xDEADBEEF truncated to T. */
#define UNTOUCHED ((T) 0xDEADBEEFu)

/* One call: input rows `input_stride` elements apart starting `offset` elements into an exact-size
 * array, output rows `output_stride` elements apart (>= rows), output rows x `output_stride` + 1
 * elements so that the element after the last output row is checked too. */
static void check_transpose(const UKERNEL* uk, size_t rows, size_t cols, size_t input_stride, size_t offset,
                            size_t output_stride, struct rng* rng) {
  const size_t input_elements = SPRIG_TEST_MAX(offset + (rows == 0 ? 0 : (rows - 1) * input_stride + cols), 1);
  const size_t output_elements = cols * output_stride + 1;
  struct guarded input_memory; /* and a guard page after it */
  T* input = guarded_alloc(&input_memory, input_elements * sizeof(T));
  T* output = malloc(output_elements * sizeof(T));
  assert_true(input != NULL && output != NULL);
  for (size_t i = 0; i < input_elements; i++) {
    input[i] = (T) rng_next(rng);
  }
  for (size_t i = 0; i < output_elements; i++) {
    output[i] = UNTOUCHED;
  }
  uk->fn(rows, cols, input + offset, input_stride * sizeof(T), output, output_stride * sizeof(T));
  for (size_t c = 0; c < cols; c++) {
    for (size_t e = 0; e < output_stride; e++) {
      const T want = e < rows ? input[offset + e * input_stride + c] : UNTOUCHED;
      if (output[c * output_stride + e] != want) {
        fail_msg("%s: %zu x %zu, strides %zu / %zu, offset %zu: output row %zu element %zu: got 0x%x, "
                 "expected 0x%x", *kernel_test_name(), rows, cols, input_stride, output_stride, offset, c, e,
                 (unsigned) output[c * output_stride + e], (unsigned) want);
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
  for (size_t rows = 0; rows <= 19; rows++) {
    for (size_t cols = 0; cols <= 19; cols++) {
      check_transpose(uk, rows, cols, cols, (rows + cols) % 4, rows, &rng);
      check_transpose(uk, rows, cols, cols + 3, 1, rows + 2, &rng);
    }
  }
}

static void operator_tiles(const void* ukernel) {
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
  /* Tiles of an image of 3136 or 49 pixels x 24, 96 or 1000 channels, either direction. */
  static const size_t tiles[][2] = {{32, 32}, {64, 64}, {64, 24}, {49, 32}, {17, 64}, {64, 40}};
  static const size_t pixels[] = {3136, 49};
  static const size_t channels[] = {24, 96, 1000};
  for (size_t t = 0; t < sizeof(tiles) / sizeof(tiles[0]); t++) {
    for (size_t p = 0; p < sizeof(pixels) / sizeof(pixels[0]); p++) {
      for (size_t c = 0; c < sizeof(channels) / sizeof(channels[0]); c++) {
        const size_t rows = SPRIG_TEST_MIN(tiles[t][0], pixels[p]), cols = SPRIG_TEST_MIN(tiles[t][1], channels[c]);
        check_transpose(uk, rows, cols, channels[c], 0, pixels[p], &rng);
        check_transpose(uk, cols, rows, pixels[p], 0, channels[c], &rng);
      }
    }
  }
}

/* Every kernel is its ISA's default, the one the operators take when that ISA is the best allowed. */
static void chosen_for_its_isa(const void* ukernel) {
  KERNEL(uk);
  assert_true(uk->is_default);
  const struct sprig_hardware hardware = hardware_with_only(uk->isa, false);
  assert_ptr_equal(CHOOSE(&hardware), uk);
}

static const struct kernel_test_case cases[] = {
    {"shapes up to 19 x 19, offsets, padded rows", small_shapes, NULL},
    {"linear layers' batch transposes, conversion tiles", operator_tiles, NULL},
    {"chosen for its ISA", chosen_for_its_isa, NULL},
};

static enum sprig_isa isa_of(const void* entry) {
  return ((const UKERNEL*) entry)->isa;
}

static int initialize(void** state) {
  (void) state;
  return sprig_initialize() == sprig_status_success ? 0 : -1;
}

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

int main(void) {
  return run_kernel_cases("x" STRINGIFY(N) "-transpose", UKERNELS, UKERNEL_COUNT, sizeof(UKERNELS[0]), isa_of, cases,
                          sizeof(cases) / sizeof(cases[0]), initialize);
}
