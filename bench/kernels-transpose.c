/*
 * sprig-bench --kernels: the transpose families (kernels/x32-, x16-, x8-transpose/list.inc), every
 * kernel this CPU runs, on the transposes a linear layer of M batch rows and K inputs makes (or an
 * image of M pixels x K channels): the input [M][K] into [K][M] rows and back, in the operators'
 * tiles. Prints medians; fails when a kernel's output differs from the first one's.
 * Then the layout conversion operators (sprig_create_convert_*: f32, x16, x8), NHWC -> NCHW and
 * back on one image of M pixels x N channels, 1 thread, interleaved with a memcpy of the same
 * bytes (the copy rate the conversion is bounded by); fails when a round trip changes a byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sprig.h>
#include <sprig/hardware.h>
#include <sprig/transpose.h>

#include "kernels.h"
#include "timing.h"

/* The tiles the operators hand a family's kernels: 32 x 32 for 32-bit elements
 * (src/operators/linear.c and convert.c), 64 x 64 for 16- and 8-bit ones (convert.c). */
#define TILE_X32 32
#define TILE_X16 64
#define TILE_X8 64

/* bench_run_xN_transpose_kernels for the family of N-bit elements T: every kernel this CPU runs
 * on [m][k] -> [k][m_stride] and back, in the operators' tiles. */
#define DEFINE_TRANSPOSE_KERNEL_BENCH(N, T)                                                                          \
  struct transpose_slot_x##N {                                                                                       \
    const T* input; /* [m][k] */                                                                                     \
    size_t m, k, m_stride;                                                                                           \
    sprig_x##N##_transpose_ukernel_fn fn;                                                                            \
    T* transposed; /* [k][m_stride] */                                                                               \
    T* back;       /* [m][k] */                                                                                      \
  };                                                                                                                 \
                                                                                                                     \
  /* rows x cols from `input` (rows input_stride elements apart) into `output`, in tiles. */                         \
  static void transpose_tiles_x##N(sprig_x##N##_transpose_ukernel_fn fn, size_t rows, size_t cols, const T* input,   \
                                   size_t input_stride, T* output, size_t output_stride) {                           \
    const size_t tile = TILE_X##N;                                                                                   \
    for (size_t r = 0; r < rows; r += tile) {                                                                        \
      for (size_t c = 0; c < cols; c += tile) {                                                                      \
        fn(rows - r < tile ? rows - r : tile, cols - c < tile ? cols - c : tile, input + r * input_stride + c,       \
           input_stride * sizeof(T), output + c * output_stride + r, output_stride * sizeof(T));                     \
      }                                                                                                              \
    }                                                                                                                \
  }                                                                                                                  \
                                                                                                                     \
  static bool run_transpose_kernel_x##N(void* context) {                                                             \
    const struct transpose_slot_x##N* s = context;                                                                   \
    transpose_tiles_x##N(s->fn, s->m, s->k, s->input, s->k, s->transposed, s->m_stride);                             \
    transpose_tiles_x##N(s->fn, s->k, s->m, s->transposed, s->m_stride, s->back, s->k);                              \
    return true;                                                                                                     \
  }                                                                                                                  \
                                                                                                                     \
  bool bench_run_x##N##_transpose_kernels(const struct bench_options* options) {                                     \
    const size_t m = options->kernel_m, k = options->kernel_k, m_stride = (m + 15) / 16 * 16;                        \
    const struct sprig_hardware* hw = sprig_get_hardware();                                                          \
    const size_t most = sprig_x##N##_transpose_ukernel_count;                                                        \
    T* input = malloc(m * k * sizeof(T));                                                                            \
    struct transpose_slot_x##N* slots = calloc(most, sizeof(*slots));                                               \
    struct bench_contender* contenders = calloc(most, sizeof(*contenders));                                          \
    const char** names = calloc(most, sizeof(*names));                                                               \
    double* medians = calloc(most, sizeof(double));                                                                  \
    bool ok = input != NULL && slots != NULL && contenders != NULL && names != NULL && medians != NULL;              \
    size_t count = 0;                                                                                                \
    for (size_t i = 0; ok && i < m * k; i++) {                                                                       \
      input[i] = (T) (i * 2654435761u + options->seed);                                                              \
    }                                                                                                                \
    for (size_t i = 0; ok && i < most; i++) {                                                                        \
      const struct sprig_x##N##_transpose_ukernel* kernel = &sprig_x##N##_transpose_ukernels[i];                     \
      if (hw == NULL || !hw->has_isa[kernel->isa]) {                                                                 \
        continue;                                                                                                    \
      }                                                                                                              \
      T* transposed = calloc(k * m_stride, sizeof(T));                                                               \
      T* back = calloc(m * k, sizeof(T));                                                                            \
      if (transposed == NULL || back == NULL) {                                                                      \
        free(transposed);                                                                                            \
        free(back);                                                                                                  \
        ok = false;                                                                                                  \
        break;                                                                                                       \
      }                                                                                                              \
      slots[count] = (struct transpose_slot_x##N){input, m, k, m_stride, kernel->fn, transposed, back};              \
      names[count] = kernel->name;                                                                                   \
      contenders[count] = (struct bench_contender){run_transpose_kernel_x##N, &slots[count]};                        \
      run_transpose_kernel_x##N(&slots[count]);                                                                      \
      if (memcmp(back, input, m * k * sizeof(T)) != 0 ||                                                             \
          (count != 0 && memcmp(transposed, slots[0].transposed, k * m_stride * sizeof(T)) != 0)) {                  \
        fprintf(stderr, "sprig-bench: %s disagrees with %s\n", kernel->name, names[0]);                              \
        ok = false;                                                                                                  \
      }                                                                                                              \
      count++;                                                                                                       \
    }                                                                                                                \
    const size_t reps = ok && count != 0 ? bench_time_interleaved(contenders, count, &options->timing, medians) : 0; \
    printf("\nx" #N "-transpose kernels, [%zu][%zu] " #N "-bit elements to [%zu][%zu] and back, %zu x %zu tiles, "  \
           "1 thread, %zu rounds:\n", m, k, k, m, (size_t) TILE_X##N, (size_t) TILE_X##N, reps);                     \
    bench_print_kernel_medians(names, medians, reps != 0 ? count : 0, (double) (2 * m * k), "ns/elem");              \
    for (size_t i = 0; slots != NULL && i < count; i++) {                                                            \
      free(slots[i].transposed);                                                                                     \
      free(slots[i].back);                                                                                           \
    }                                                                                                                \
    free(medians);                                                                                                   \
    free(names);                                                                                                     \
    free(contenders);                                                                                                \
    free(slots);                                                                                                     \
    free(input);                                                                                                     \
    if (!ok) {                                                                                                       \
      fprintf(stderr, "sprig-bench: --kernels (x" #N "-transpose) failed\n");                                        \
    }                                                                                                                \
    return ok && (count == 0 || reps != 0);                                                                          \
  }

DEFINE_TRANSPOSE_KERNEL_BENCH(32, uint32_t)
DEFINE_TRANSPOSE_KERNEL_BENCH(16, uint16_t)
DEFINE_TRANSPOSE_KERNEL_BENCH(8, uint8_t)

/* ---- layout conversion operators ---- */

struct convert_slot {
  sprig_operator_t op; /* NULL: the memcpy */
  const void* input;
  void* output;
  size_t bytes;
};

static bool run_convert(void* context) {
  const struct convert_slot* s = context;
  if (s->op == NULL) {
    memcpy(s->output, s->input, s->bytes);
    return true;
  }
  return sprig_run_operator(s->op, NULL) == sprig_status_success;
}

/* f32, x16 and x8: both directions set up on buffers of `bytes`; false when one fails or a round
 * trip changes a byte. ops[2k] = NHWC -> NCHW of size k, ops[2k + 1] = back. */
static bool make_converts(size_t pixels, size_t channels, const uint8_t* image, uint8_t* const* buffers,
                          sprig_operator_t ops[6]) {
  typedef enum sprig_status (*create_fn)(size_t, uint32_t, sprig_operator_t*);
  const create_fn creates[6] = {sprig_create_convert_nhwc_to_nchw_f32, sprig_create_convert_nchw_to_nhwc_f32,
                                sprig_create_convert_nhwc_to_nchw_x16, sprig_create_convert_nchw_to_nhwc_x16,
                                sprig_create_convert_nhwc_to_nchw_x8,  sprig_create_convert_nchw_to_nhwc_x8};
  static const size_t sizes[3] = {4, 2, 1};
  bool ok = true;
  for (size_t i = 0; i < 6 && ok; i++) {
    ok = creates[i](channels, 0, &ops[i]) == sprig_status_success;
    const size_t k = i / 2;
    enum sprig_status status = sprig_status_invalid_parameter;
    void* in = i % 2 == 0 ? (void*) image : buffers[2 * k];
    void* out = i % 2 == 0 ? buffers[2 * k] : buffers[2 * k + 1];
    if (ok && k == 0) {
      status = sprig_reshape_convert_f32(ops[i], 1, pixels, 1) == sprig_status_success
                   ? sprig_setup_convert_f32(ops[i], in, out)
                   : sprig_status_invalid_parameter;
    } else if (ok && k == 1) {
      status = sprig_reshape_convert_x16(ops[i], 1, pixels, 1) == sprig_status_success
                   ? sprig_setup_convert_x16(ops[i], in, out)
                   : sprig_status_invalid_parameter;
    } else if (ok) {
      status = sprig_reshape_convert_x8(ops[i], 1, pixels, 1) == sprig_status_success
                   ? sprig_setup_convert_x8(ops[i], in, out)
                   : sprig_status_invalid_parameter;
    }
    ok = ok && status == sprig_status_success && sprig_run_operator(ops[i], NULL) == sprig_status_success;
    if (ok && i % 2 == 1) {
      ok = memcmp(buffers[2 * k + 1], image, pixels * channels * sizes[k]) == 0;
    }
  }
  return ok;
}

bool bench_run_convert_operators(const struct bench_options* options) {
  const size_t pixels = options->kernel_m, channels = options->kernel_n, bytes = pixels * channels * 4;
  uint8_t* image = malloc(bytes);
  uint8_t* buffers[6];
  bool ok = image != NULL;
  for (size_t i = 0; i < 6; i++) {
    buffers[i] = malloc(bytes);
    ok = ok && buffers[i] != NULL;
  }
  sprig_operator_t ops[6] = {NULL, NULL, NULL, NULL, NULL, NULL};
  for (size_t i = 0; ok && i < bytes; i++) {
    image[i] = (uint8_t) (i * 2654435761u >> 13);
  }
  ok = ok && make_converts(pixels, channels, image, buffers, ops);
  static const char* const names[9] = {"f32 NHWC -> NCHW", "f32 NCHW -> NHWC", "memcpy (f32 bytes)",
                                       "x16 NHWC -> NCHW", "x16 NCHW -> NHWC", "memcpy (x16 bytes)",
                                       "x8 NHWC -> NCHW",  "x8 NCHW -> NHWC",  "memcpy (x8 bytes)"};
  struct convert_slot slots[9];
  struct bench_contender contenders[9];
  double medians[9];
  for (size_t k = 0; k < 3; k++) {
    const size_t size = pixels * channels * (4 >> k);
    slots[3 * k] = (struct convert_slot){ops[2 * k], NULL, NULL, size};
    slots[3 * k + 1] = (struct convert_slot){ops[2 * k + 1], NULL, NULL, size};
    slots[3 * k + 2] = (struct convert_slot){NULL, image, buffers[2 * k], size};
  }
  for (size_t i = 0; i < 9; i++) {
    contenders[i] = (struct bench_contender){run_convert, &slots[i]};
  }
  const size_t reps = ok ? bench_time_interleaved(contenders, 9, &options->timing, medians) : 0;
  printf("\nlayout conversion operators, one image of %zu pixels x %zu channels, 1 thread, %zu rounds:\n", pixels,
         channels, reps);
  printf("  %-28s %12s %10s\n", "operator", "median us", "GB/s");
  for (size_t i = 0; i < 9 && reps != 0; i++) {
    printf("  %-28s %12.2f %10.2f\n", names[i], medians[i], (double) slots[i].bytes / (medians[i] * 1e3));
  }
  for (size_t i = 0; i < 6; i++) {
    sprig_delete_operator(ops[i]);
    free(buffers[i]);
  }
  free(image);
  if (!ok) {
    fprintf(stderr, "sprig-bench: --kernels (layout conversion) failed\n");
  }
  return ok && reps != 0;
}
