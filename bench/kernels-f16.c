/*
 * --kernels for the f16 SpMM family (kernels/f16-spmm/list.inc): every kernel this CPU runs,
 * called directly on one m x k x n shape per sparsity, interleaved, medians. The weights are
 * random halves with each entry kept with probability 1 - sparsity, a channel's entries in
 * ascending row order, steps longer than SPRIG_SPMM_MAX_STEP bridged by zero-weight entries
 * (as src/pack/spmm-stream.c does); inputs random halves in [-1, 1], rows m halves apart.
 * Then the conversion family (kernels/f16-convert/list.inc) on the m x k input: widening it and
 * narrowing it back, each kernel pair this CPU runs, interleaved, medians.
 */
#include "kernels.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sprig/f16-convert.h>
#include <sprig/f16-spmm.h>
#include <sprig/half.h>
#include <sprig/hardware.h>
#include <sprig/spmm.h>

#include "timing.h"

struct f16_problem {
  size_t m, k, n;
  uint16_t* input;  /* [k][m] */
  uint16_t* bias;   /* [n] */
  uint16_t* weights;
  int8_t* deltas;
  uint32_t* nnz;    /* [n] */
  size_t entries;   /* stored, bridges included */
  size_t nonzeros;  /* without bridges: the FLOP count is 2 m nonzeros */
  uint16_t* output; /* [n][m] */
  struct sprig_f16_minmax_params params;
};

struct f16_slot {
  const struct sprig_f16_spmm_ukernel* ukernel;
  const struct f16_problem* problem;
};

static uint32_t next_random(uint64_t* state) {
  *state = *state * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32_t) (*state >> 33);
}

static uint16_t random_half(uint64_t* state) {
  return sprig_float_to_half((float) next_random(state) / 2147483648.0f - 1.0f);
}

static void free_problem(struct f16_problem* p) {
  free(p->input);
  free(p->bias);
  free(p->weights);
  free(p->deltas);
  free(p->nnz);
  free(p->output);
}

/* Appends one entry at `row` (after the previous one at *last, bridging long steps); the
 * delta of the previous entry points here. */
static void append_entry(struct f16_problem* p, size_t row, uint16_t weight, size_t* last, uint32_t* count) {
  while (p->entries != 0 && (long) row - (long) *last > SPRIG_SPMM_MAX_STEP) {
    p->deltas[p->entries - 1] = SPRIG_SPMM_MAX_STEP;
    *last += SPRIG_SPMM_MAX_STEP;
    p->weights[p->entries] = 0;
    p->entries++;
    (*count)++;
  }
  while (p->entries != 0 && (long) *last - (long) row > SPRIG_SPMM_MAX_STEP) {
    p->deltas[p->entries - 1] = -SPRIG_SPMM_MAX_STEP;
    *last -= SPRIG_SPMM_MAX_STEP;
    p->weights[p->entries] = 0;
    p->entries++;
    (*count)++;
  }
  if (p->entries != 0) {
    p->deltas[p->entries - 1] = (int8_t) ((long) row - (long) *last);
  }
  p->weights[p->entries] = weight;
  p->deltas[p->entries] = 0;
  p->entries++;
  (*count)++;
  *last = row;
}

/* The problem for `sparsity`; false when out of memory. The input pointer the kernels get is
 * the row of the first entry. */
static bool make_problem(size_t m, size_t k, size_t n, double sparsity, uint64_t seed, struct f16_problem* p,
                         size_t* first_row) {
  *p = (struct f16_problem){.m = m, .k = k, .n = n, .params = {-INFINITY, INFINITY, 0xFC00, 0x7C00}};
  /* Worst case: every weight kept, each step bridged twice over. */
  const size_t most = n * k * 2 + 2 * k + 1;
  p->input = malloc(sizeof(uint16_t) * m * k);
  p->bias = calloc(n, sizeof(uint16_t));
  p->weights = malloc(sizeof(uint16_t) * most);
  p->deltas = malloc(most);
  p->nnz = calloc(n, sizeof(uint32_t));
  p->output = malloc(sizeof(uint16_t) * m * n);
  if (!p->input || !p->bias || !p->weights || !p->deltas || !p->nnz || !p->output) {
    free_problem(p);
    return false;
  }
  uint64_t state = seed * 2654435761u + 1;
  for (size_t i = 0; i < m * k; i++) {
    p->input[i] = random_half(&state);
  }
  const uint32_t keep = (uint32_t) ((1.0 - sparsity) * 4294967295.0);
  size_t last = 0;
  *first_row = SIZE_MAX;
  for (size_t c = 0; c < n; c++) {
    for (size_t r = 0; r < k; r++) {
      if (next_random(&state) * 2u <= keep) {
        if (*first_row == SIZE_MAX) {
          *first_row = r;
          last = r;
        }
        append_entry(p, r, random_half(&state), &last, &p->nnz[c]);
        p->nonzeros++;
      }
    }
  }
  if (*first_row == SIZE_MAX) {
    *first_row = 0;
  }
  return true;
}

static bool run_f16_kernel(void* context) {
  const struct f16_slot* s = context;
  const struct f16_problem* p = s->problem;
  s->ukernel->fn(p->m, p->n, p->input, p->m * sizeof(uint16_t), p->bias, p->weights, p->deltas, p->nnz, p->output,
                 p->m * sizeof(uint16_t), &p->params);
  return true;
}

static bool time_f16_kernels(const struct bench_options* o, double sparsity) {
  const struct sprig_hardware* hw = sprig_get_hardware();
  struct f16_problem problem;
  size_t first_row = 0;
  if (!make_problem(o->kernel_m, o->kernel_k, o->kernel_n, sparsity, o->seed, &problem, &first_row)) {
    fprintf(stderr, "sprig-bench: out of memory in --kernels (f16)\n");
    return false;
  }
  /* The kernels start at the first entry's row. */
  uint16_t* rows = problem.input;
  problem.input = rows + first_row * problem.m;
  struct f16_slot* slots = calloc(sprig_f16_spmm_ukernel_count, sizeof(*slots));
  struct bench_contender* contenders = calloc(sprig_f16_spmm_ukernel_count, sizeof(*contenders));
  double* medians = calloc(sprig_f16_spmm_ukernel_count, sizeof(double));
  size_t count = 0;
  for (size_t i = 0; slots && contenders && medians && i < sprig_f16_spmm_ukernel_count; i++) {
    const struct sprig_f16_spmm_ukernel* k = &sprig_f16_spmm_ukernels[i];
    if (hw != NULL && hw->has_isa[k->isa]) {
      slots[count] = (struct f16_slot){k, &problem};
      contenders[count] = (struct bench_contender){run_f16_kernel, &slots[count]};
      count++;
    }
  }
  const size_t reps = count != 0 ? bench_time_interleaved(contenders, count, &o->timing, medians) : 0;
  printf("\nf16-spmm kernels on m=%zu k=%zu n=%zu, sparsity %.2f (%zu nonzeros, %zu stored), 1 thread, %zu rounds:\n",
         problem.m, problem.k, problem.n, sparsity, problem.nonzeros, problem.entries, reps);
  printf("  %-48s %12s %10s\n", "kernel", "median us", "GFLOP/s");
  for (size_t i = 0; i < count && reps != 0; i++) {
    const double gflops = 2.0 * (double) problem.nonzeros * (double) problem.m / (medians[i] * 1e3);
    printf("  %-48s %12.1f %10.2f%s\n", slots[i].ukernel->name, medians[i], gflops,
           slots[i].ukernel->is_default ? "  (default)" : "");
  }
  problem.input = rows;
  free(medians);
  free(contenders);
  free(slots);
  free_problem(&problem);
  return count == 0 || reps != 0;
}

/* One conversion call: widening (narrow == false) or narrowing `count` values. */
struct convert_slot {
  const struct sprig_f16_convert_ukernel* ukernel;
  bool narrow;
  size_t count;
  uint16_t* halves;
  float* floats;
};

static bool run_convert(void* context) {
  const struct convert_slot* s = context;
  if (s->narrow) {
    s->ukernel->narrow(s->count, s->floats, s->halves);
  } else {
    s->ukernel->widen(s->count, s->halves, s->floats);
  }
  return true;
}

static bool time_convert_kernels(const struct bench_options* o) {
  const struct sprig_hardware* hw = sprig_get_hardware();
  const size_t count = o->kernel_m * o->kernel_k;
  const size_t most = 2 * sprig_f16_convert_ukernel_count;
  uint16_t* halves = malloc(count * sizeof(uint16_t));
  float* floats = malloc(count * sizeof(float));
  struct convert_slot* slots = calloc(most, sizeof(*slots));
  struct bench_contender* contenders = calloc(most, sizeof(*contenders));
  double* medians = calloc(most, sizeof(double));
  bool ok = halves != NULL && floats != NULL && slots != NULL && contenders != NULL && medians != NULL;
  size_t used = 0;
  uint64_t state = o->seed;
  for (size_t i = 0; ok && i < count; i++) {
    halves[i] = random_half(&state);
    floats[i] = sprig_half_to_float(halves[i]) * 1.001f;
  }
  for (size_t i = 0; ok && i < sprig_f16_convert_ukernel_count; i++) {
    const struct sprig_f16_convert_ukernel* k = &sprig_f16_convert_ukernels[i];
    for (int narrow = 0; hw != NULL && hw->has_isa[k->isa] && narrow < 2; narrow++) {
      slots[used] = (struct convert_slot){k, narrow != 0, count, halves, floats};
      contenders[used] = (struct bench_contender){run_convert, &slots[used]};
      used++;
    }
  }
  const size_t reps = ok && used != 0 ? bench_time_interleaved(contenders, used, &o->timing, medians) : 0;
  if (ok) {
    printf("\nf16-convert kernels on %zu values (the m x k input), 1 thread, %zu rounds:\n", count, reps);
    printf("  %-48s %12s %10s\n", "kernel", "median us", "ns/value");
    for (size_t i = 0; i < used && reps != 0; i++) {
      printf("  %-48s %12.1f %10.3f%s\n", slots[i].narrow ? slots[i].ukernel->narrow_name : slots[i].ukernel->name,
             medians[i], medians[i] * 1e3 / (double) count, slots[i].ukernel->is_default ? "  (default)" : "");
    }
  } else {
    fprintf(stderr, "sprig-bench: out of memory in --kernels (f16-convert)\n");
  }
  free(medians);
  free(contenders);
  free(slots);
  free(floats);
  free(halves);
  return ok && (used == 0 || reps != 0);
}

bool bench_run_f16_kernels(const struct bench_options* options) {
  bool ok = true;
  for (size_t s = 0; s < options->sparsity_count; s++) {
    ok = time_f16_kernels(options, options->sparsities[s]) && ok;
  }
  return time_convert_kernels(options) && ok;
}
