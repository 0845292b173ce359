/*
 * sprig-bench --kernels: the 32-bit transpose family (kernels/x32-transpose/list.inc), every
 * kernel this CPU runs, on the transposes a linear layer of M batch rows and K inputs makes: the
 * input [M][K] into [K][M] rows and back, in the operator's 32 x 32 tiles. Prints medians;
 * fails when a kernel's output differs from the first one's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
