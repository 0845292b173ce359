/*
 * sprig-bench --kernels: the 32-bit transpose family (kernels/x32-transpose/list.inc), every
 * kernel this CPU runs, on the transposes a linear layer of M batch rows and K inputs makes: the
 * input [M][K] into [K][M] rows and back, in the operator's 32 x 32 tiles. Prints medians;
 * fails when a kernel's output differs from the first one's.
 * Then the layout conversion operators (sprig_create_convert_*: f32, x16, x8), NHWC -> NCHW and
 * back on one image of M pixels x N channels, 1 thread, interleaved with a memcpy of the same
 * bytes (the copy rate the conversion is bounded by); fails when a round trip changes a byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sprig.h>
#include <sprig/hardware.h>
#include <sprig/x32-transpose.h>

#include "kernels.h"
#include "timing.h"

/* The operator's tile (src/operators/linear.c). */
#define TILE 32

struct transpose_slot {
  const uint32_t* input; /* [m][k] */
  size_t m, k, m_stride;
  sprig_x32_transpose_ukernel_fn fn;
  uint32_t* transposed; /* [k][m_stride] */
  uint32_t* back;       /* [m][k] */
};

/* rows x cols from `input` (rows input_stride elements apart) into `output`, in tiles. */
static void transpose_tiles(sprig_x32_transpose_ukernel_fn fn, size_t rows, size_t cols, const uint32_t* input,
                            size_t input_stride, uint32_t* output, size_t output_stride) {
  for (size_t r = 0; r < rows; r += TILE) {
    for (size_t c = 0; c < cols; c += TILE) {
      fn(rows - r < TILE ? rows - r : TILE, cols - c < TILE ? cols - c : TILE, input + r * input_stride + c,
         input_stride * sizeof(uint32_t), output + c * output_stride + r, output_stride * sizeof(uint32_t));
    }
  }
}

static bool run_transpose_kernel(void* context) {
  const struct transpose_slot* s = context;
  transpose_tiles(s->fn, s->m, s->k, s->input, s->k, s->transposed, s->m_stride);
  transpose_tiles(s->fn, s->k, s->m, s->transposed, s->m_stride, s->back, s->k);
  return true;
}

bool bench_run_x32_transpose_kernels(const struct bench_options* options) {
  const size_t m = options->kernel_m, k = options->kernel_k, m_stride = (m + 15) / 16 * 16;
  const struct sprig_hardware* hw = sprig_get_hardware();
  const size_t most = sprig_x32_transpose_ukernel_count;
  uint32_t* input = malloc(m * k * sizeof(uint32_t));
  struct transpose_slot* slots = calloc(most, sizeof(*slots));
  struct bench_contender* contenders = calloc(most, sizeof(*contenders));
  const char** names = calloc(most, sizeof(*names));
  double* medians = calloc(most, sizeof(double));
  bool ok = input != NULL && slots != NULL && contenders != NULL && names != NULL && medians != NULL;
  size_t count = 0;
  for (size_t i = 0; ok && i < m * k; i++) {
    input[i] = (uint32_t) (i * 2654435761u + options->seed);
  }
  for (size_t i = 0; ok && i < most; i++) {
    const struct sprig_x32_transpose_ukernel* kernel = &sprig_x32_transpose_ukernels[i];
    if (hw == NULL || !hw->has_isa[kernel->isa]) {
      continue;
    }
    uint32_t* transposed = calloc(k * m_stride, sizeof(uint32_t));
    uint32_t* back = calloc(m * k, sizeof(uint32_t));
    if (transposed == NULL || back == NULL) {
      free(transposed);
      free(back);
      ok = false;
      break;
    }
    slots[count] = (struct transpose_slot){input, m, k, m_stride, kernel->fn, transposed, back};
    names[count] = kernel->name;
    contenders[count] = (struct bench_contender){run_transpose_kernel, &slots[count]};
    run_transpose_kernel(&slots[count]);
    if (memcmp(back, input, m * k * sizeof(uint32_t)) != 0 ||
        (count != 0 && memcmp(transposed, slots[0].transposed, k * m_stride * sizeof(uint32_t)) != 0)) {
      fprintf(stderr, "sprig-bench: %s disagrees with %s\n", kernel->name, names[0]);
      ok = false;
    }
    count++;
  }
  const size_t reps = ok && count != 0 ? bench_time_interleaved(contenders, count, &options->timing, medians) : 0;
  printf("\nx32-transpose kernels, [%zu][%zu] 32-bit elements to [%zu][%zu] and back, 1 thread, %zu rounds:\n", m, k,
         k, m, reps);
  bench_print_kernel_medians(names, medians, reps != 0 ? count : 0, (double) (2 * m * k), "ns/elem");
  for (size_t i = 0; slots != NULL && i < count; i++) {
    free(slots[i].transposed);
    free(slots[i].back);
  }
  free(medians);
  free(names);
  free(contenders);
  free(slots);
  free(input);
  if (!ok) {
    fprintf(stderr, "sprig-bench: --kernels (x32-transpose) failed\n");
  }
  return ok && (count == 0 || reps != 0);
}

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
