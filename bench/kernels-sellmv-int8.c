/*
 * --kernels for the int8 sliced matrix-vector family (kernels/qs8-sellmv/list.inc): every kernel
 * this CPU runs, on one K x N int8 layer at each sparsity (unstructured, then 1x4 blocks) and one
 * input vector, beside the MR = 1 kernels of the c4 SpMM family (what batch-1 layers ran before)
 * on the same weights; interleaved, medians. Every kernel's sums, put back in row order, are
 * compared with a plain evaluation over the same input bytes (read as int8 or as uint8).
 */
#include "kernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sprig.h>
#include <sprig/hardware.h>
#include <sprig/qs8-sellmv.h>
#include <sprig/qs8-spmm.h>
#include <sprig/qs8-stream.h>
#include <sprig/weights.h>

#include "timing.h"

struct matvec_problem {
  size_t rows, cols;
  struct sprig_weights* weights;
  const struct sprig_qs8_stream* stream;
  int8_t* input;        /* 4 x quad_rows bytes */
  int32_t* zero_bias;   /* rows zeros, for the c4 kernels */
  int32_t* signed_sums; /* rows: the plain sums over the bytes as int8 */
  int32_t* unsigned_sums;
};

struct matvec_slot {
  const struct matvec_problem* problem;
  const struct sprig_qs8_sellmv_ukernel* sell_kernel; /* or NULL: */
  const struct sprig_qs8_spmm_ukernel* spmm_kernel;
  const struct sprig_qs8_sell* sell;
  int32_t* output; /* rows */
};

static bool run_matvec_kernel(void* context) {
  const struct matvec_slot* s = context;
  const struct matvec_problem* p = s->problem;
  if (s->sell_kernel != NULL && s->sell_kernel->window_quads != 0) {
    s->sell_kernel->window_fn(p->rows, s->sell->quad_rows, 1, p->input, 0, s->sell->weights, s->sell->indices,
                              s->sell->window_widths, s->output, 0);
  } else if (s->sell_kernel != NULL) {
    s->sell_kernel->fn(p->rows, p->input, s->sell->weights, s->sell->offsets, s->sell->widths, s->sell->quad_base,
                       s->output);
  } else {
    s->spmm_kernel->fn(1, p->rows, p->input, 4, p->zero_bias, p->stream->weights, p->stream->quads, p->stream->nnz,
                       s->output, sizeof(int32_t));
  }
  return true;
}

static void plain_sums(struct matvec_problem* p) {
  const struct sprig_qs8_stream* st = p->stream;
  for (size_t r = 0; r < p->rows; r++) {
    uint32_t as_signed = 0, as_unsigned = 0;
    for (size_t e = st->first_entry[r]; e < st->first_entry[r + 1]; e++) {
      for (size_t t = 0; t < 4; t++) {
        const int8_t x = p->input[4 * (size_t) st->quads[e] + t];
        as_signed += (uint32_t) (st->weights[4 * e + t] * (int32_t) x);
        as_unsigned += (uint32_t) (st->weights[4 * e + t] * (int32_t) (uint8_t) x);
      }
    }
    p->signed_sums[r] = (int32_t) as_signed;
    p->unsigned_sums[r] = (int32_t) as_unsigned;
  }
}

static void free_problem(struct matvec_problem* p) {
  sprig_release_weights(p->weights);
  free(p->input);
  free(p->zero_bias);
  free(p->signed_sums);
  free(p->unsigned_sums);
}

static bool make_problem(size_t rows, size_t cols, double sparsity, bool blocks, uint64_t seed,
                         struct matvec_problem* p) {
  *p = (struct matvec_problem){.rows = rows, .cols = cols};
  const size_t quad_rows = (cols + 3) / 4;
  int8_t* dense = malloc(rows * cols);
  p->input = calloc(4 * quad_rows, 1);
  p->zero_bias = calloc(rows, sizeof(int32_t));
  p->signed_sums = malloc(rows * sizeof(int32_t));
  p->unsigned_sums = malloc(rows * sizeof(int32_t));
  if (dense == NULL || p->input == NULL || p->zero_bias == NULL || p->signed_sums == NULL || p->unsigned_sums == NULL) {
    free(dense);
    free_problem(p);
    return false;
  }
  uint64_t state = seed * 2654435761u + 7;
  for (size_t i = 0; i < rows * cols; i++) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    dense[i] = (int8_t) ((state >> 40) | 1);
  }
  /* Zero whole units (single weights, or 1x4 blocks of one row) with probability `sparsity`. */
  const size_t width = blocks ? 4 : 1;
  for (size_t r = 0; r < rows; r++) {
    for (size_t c = 0; c < cols; c += width) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      if ((double) (state >> 11) / 9007199254740992.0 < sparsity) {
        memset(dense + r * cols + c, 0, c + width <= cols ? width : cols - c);
      }
    }
  }
  for (size_t i = 0; i < cols; i++) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    p->input[i] = (int8_t) (state >> 50);
  }
  const struct sprig_sparsity csr = {.format = SPRIG_FORMAT_CSR};
  const struct sprig_sparsity block = {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = 4};
  const enum sprig_status status = sprig_pack_weights_qs8(rows, cols, dense, blocks ? &block : &csr, 0, &p->weights);
  free(dense);
  p->stream = status == sprig_status_success ? sprig_weights_qs8_stream(p->weights) : NULL;
  if (p->stream == NULL) {
    free_problem(p);
    return false;
  }
  plain_sums(p);
  return true;
}

/* The slot's sums in row order against the plain sums; false (and a message) on a mismatch. */
static bool check_slot(const struct matvec_slot* s, const char* name) {
  const struct matvec_problem* p = s->problem;
  const bool unsigned_input = s->sell_kernel != NULL ? s->sell_kernel->unsigned_input : s->spmm_kernel->unsigned_input;
  const int32_t* expected = unsigned_input ? p->unsigned_sums : p->signed_sums;
  for (size_t i = 0; i < p->rows; i++) {
    const size_t row = s->sell != NULL ? s->sell->row_of[i] : i;
    if (s->output[i] != expected[row]) {
      fprintf(stderr, "sprig-bench: %s: row %zu sums %d, expected %d\n", name, row, (int) s->output[i],
              (int) expected[row]);
      return false;
    }
  }
  return true;
}

/* Adds a contender for every runnable kernel of both families; false when out of memory. */
static bool add_contenders(struct matvec_problem* p, struct matvec_slot* slots, const char** names, size_t* count) {
  const struct sprig_hardware* hw = sprig_get_hardware();
  for (size_t i = 0; i < sprig_qs8_sellmv_ukernel_count; i++) {
    const struct sprig_qs8_sellmv_ukernel* k = &sprig_qs8_sellmv_ukernels[i];
    if (hw == NULL || !hw->has_isa[k->isa]) {
      continue;
    }
    const struct sprig_qs8_sell* sell = sprig_weights_qs8_sell(p->weights, k->slice_rows, k->window_quads);
    int32_t* output = malloc(p->rows * sizeof(int32_t));
    if (sell == NULL || output == NULL) {
      free(output);
      return false;
    }
    names[*count] = k->name;
    slots[(*count)++] = (struct matvec_slot){p, k, NULL, sell, output};
  }
  for (size_t i = 0; i < sprig_qs8_spmm_ukernel_count; i++) {
    const struct sprig_qs8_spmm_ukernel* k = &sprig_qs8_spmm_ukernels[i];
    if (hw == NULL || !hw->has_isa[k->isa] || k->mr != 1 || k->layout != sprig_qs8_spmm_layout_c4) {
      continue;
    }
    int32_t* output = malloc(p->rows * sizeof(int32_t));
    if (output == NULL) {
      return false;
    }
    names[*count] = k->name;
    slots[(*count)++] = (struct matvec_slot){p, NULL, k, NULL, output};
  }
  return true;
}

static bool time_problem(struct matvec_problem* p, const char* what, const struct bench_options* o) {
  const size_t most = sprig_qs8_sellmv_ukernel_count + sprig_qs8_spmm_ukernel_count;
  struct matvec_slot* slots = calloc(most, sizeof(*slots));
  struct bench_contender* contenders = calloc(most, sizeof(*contenders));
  const char** names = calloc(most, sizeof(*names));
  double* medians = calloc(most, sizeof(double));
  size_t count = 0;
  bool ok = slots != NULL && contenders != NULL && names != NULL && medians != NULL &&
            add_contenders(p, slots, names, &count);
  for (size_t i = 0; ok && i < count; i++) {
    contenders[i] = (struct bench_contender){run_matvec_kernel, &slots[i]};
    run_matvec_kernel(&slots[i]);
    ok = check_slot(&slots[i], names[i]);
  }
  const size_t reps = ok && count != 0 ? bench_time_interleaved(contenders, count, &o->timing, medians) : 0;
  const struct sprig_qs8_sell* sell16 = sprig_weights_qs8_sell(p->weights, 16, 0);
  const struct sprig_qs8_sell* windowed = sprig_weights_qs8_sell(p->weights, 16, 32);
  const double entries = p->stream->entries != 0 ? (double) p->stream->entries : 1.0;
  printf("\nint8 batch-1 kernels (qs8-sellmv, and the c4 MR = 1 kernels), %zu x %zu, %s: %zu c4 entries, "
         "16-row slices pad to %.3fx, windows of 32 quads to %.3fx; 1 thread, %zu rounds:\n",
         p->rows, p->cols, what, p->stream->entries, sell16 != NULL ? (double) sell16->slots / entries : 0.0,
         windowed != NULL ? (double) windowed->slots / entries : 0.0, reps);
  printf("  %-56s %12s %12s %8s\n", "kernel", "median us", "ns/entry", "vs 1st");
  for (size_t i = 0; i < count && reps != 0; i++) {
    printf("  %-56s %12.2f %12.3f %7.2fx\n", names[i], medians[i],
           medians[i] * 1e3 / (double) (p->stream->entries != 0 ? p->stream->entries : 1), medians[0] / medians[i]);
  }
  for (size_t i = 0; slots != NULL && i < count; i++) {
    free(slots[i].output);
  }
  free(medians);
  free(names);
  free(contenders);
  free(slots);
  return ok && (count == 0 || reps != 0);
}

bool bench_run_qs8_sellmv_kernels(const struct bench_options* options) {
  bool ok = true;
  for (size_t s = 0; s < options->sparsity_count; s++) {
    for (int blocks = 0; blocks < 2; blocks++) {
      struct matvec_problem problem;
      if (!make_problem(options->kernel_n, options->kernel_k, options->sparsities[s], blocks != 0, options->seed,
                        &problem)) {
        fprintf(stderr, "sprig-bench: out of memory in --kernels (qs8-sellmv)\n");
        return false;
      }
      char what[64];
      snprintf(what, sizeof(what), "%s at %.2f", blocks ? "1x4 blocks" : "unstructured", options->sparsities[s]);
      ok = time_problem(&problem, what, options) && ok;
      free_problem(&problem);
    }
  }
  return ok;
}
