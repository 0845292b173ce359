/*
 * --kernels for the f16 SpMM family (kernels/f16-spmm/list.inc): every kernel this CPU runs,
 * called directly on one m x k x n shape per sparsity, interleaved, medians. The weights are
 * random halves with each entry kept with probability 1 - sparsity, a channel's entries in
 * ascending row order, steps longer than SPRIG_SPMM_MAX_STEP bridged by zero-weight entries
 * (as src/pack/spmm-stream.c does); inputs random halves in [-1, 1], rows m halves apart.
 * Then the conversion family (kernels/f16-convert/list.inc) on the m x k input: widening it and
 * narrowing it back, each kernel pair this CPU runs, interleaved, medians.
 * Then the block matrix-vector family (kernels/f16-bspmv/list.inc) on an n x k matrix of 1 x C
 * blocks, each kept with probability 1 - sparsity, times one vector, next to the f32 kernel of
 * the same ISA and C on the same values as floats, interleaved, medians.
 */
#include "kernels.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sprig/bspmv.h>
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


/* One n x k matrix of 1 x c blocks in both families' layouts, and one input vector. */
struct bspmv_problem {
  size_t c, n, k, blocks;
  uint16_t* halves;  /* c per block */
  float* floats;     /* the same values */
  uint8_t* gaps;     /* f16: column steps (bridged past 255) */
  uint16_t* cols;    /* f32: block columns */
  uint32_t* nblocks; /* per row */
  float* input;      /* round_up(k, c) */
  float* bias;
  float* output;
  struct sprig_f32_minmax_params params;
};

static void free_bspmv_problem(struct bspmv_problem* p) {
  free(p->halves);
  free(p->floats);
  free(p->gaps);
  free(p->cols);
  free(p->nblocks);
  free(p->input);
  free(p->bias);
  free(p->output);
}

/* Stores block column `col` of row r, `gap` block columns after the previous one: random
 * values, or zeros for a bridge. */
static void store_block(struct bspmv_problem* p, size_t r, size_t col, size_t gap, bool bridge, uint64_t* state) {
  for (size_t j = 0; j < p->c; j++) {
    const size_t at = p->blocks * p->c + j;
    p->halves[at] = bridge ? 0 : random_half(state);
    p->floats[at] = sprig_half_to_float(p->halves[at]);
  }
  p->gaps[p->blocks] = (uint8_t) gap;
  p->cols[p->blocks++] = (uint16_t) col;
  p->nblocks[r]++;
}

/* Appends block column b of row r, after the bridges its step from *previous needs. */
static void append_block(struct bspmv_problem* p, size_t r, size_t b, size_t* previous, uint64_t* state) {
  while (b - *previous > 255) {
    *previous += 255;
    store_block(p, r, *previous, 255, true, state);
  }
  store_block(p, r, b, b - *previous, false, state);
  *previous = b;
}

static bool make_bspmv_problem(size_t c, size_t n, size_t k, double sparsity, uint64_t seed, struct bspmv_problem* p) {
  const size_t block_cols = (k + c - 1) / c;
  const size_t most = n * (block_cols + block_cols / 255 + 1);
  *p = (struct bspmv_problem){.c = c, .n = n, .k = k, .params = {-INFINITY, INFINITY}};
  p->halves = malloc(most * c * sizeof(uint16_t));
  p->floats = malloc(most * c * sizeof(float));
  p->gaps = malloc(most);
  p->cols = malloc(most * sizeof(uint16_t));
  p->nblocks = calloc(n, sizeof(uint32_t));
  p->input = malloc(block_cols * c * sizeof(float));
  p->bias = calloc(n, sizeof(float));
  p->output = malloc(n * sizeof(float));
  if (!p->halves || !p->floats || !p->gaps || !p->cols || !p->nblocks || !p->input || !p->bias || !p->output ||
      block_cols > 65536) {
    free_bspmv_problem(p);
    return false;
  }
  uint64_t state = seed * 2654435761u + 7;
  for (size_t i = 0; i < block_cols * c; i++) {
    p->input[i] = sprig_half_to_float(random_half(&state));
  }
  const uint32_t keep = (uint32_t) ((1.0 - sparsity) * 4294967295.0);
  for (size_t r = 0; r < n; r++) {
    size_t previous = (size_t) -1;
    for (size_t b = 0; b < block_cols; b++) {
      if (next_random(&state) * 2u <= keep) {
        append_block(p, r, b, &previous, &state);
      }
    }
  }
  return true;
}

struct bspmv_slot {
  const char* name;
  const struct sprig_f16_bspmv_ukernel* f16;
  const struct sprig_f32_bspmv_ukernel* f32;
  const struct bspmv_problem* problem;
};

static bool run_bspmv(void* context) {
  const struct bspmv_slot* s = context;
  const struct bspmv_problem* p = s->problem;
  if (s->f16 != NULL) {
    s->f16->fn(p->n, p->input, p->bias, p->halves, p->gaps, p->nblocks, p->output, &p->params);
  } else {
    s->f32->fn(p->n, p->input, p->bias, p->floats, p->cols, p->nblocks, p->output, &p->params);
  }
  return true;
}

/* The f32 kernel of the same ISA and block width as an f16 one, or NULL. */
static const struct sprig_f32_bspmv_ukernel* f32_peer(const struct sprig_f16_bspmv_ukernel* k) {
  for (size_t i = 0; i < sprig_f32_bspmv_ukernel_count; i++) {
    const struct sprig_f32_bspmv_ukernel* f = &sprig_f32_bspmv_ukernels[i];
    if (f->isa == k->isa && f->block_width == k->block_width) {
      return f;
    }
  }
  return NULL;
}

static bool time_bspmv_kernels(const struct bench_options* o, size_t c, double sparsity) {
  const struct sprig_hardware* hw = sprig_get_hardware();
  struct bspmv_problem problem;
  if (!make_bspmv_problem(c, o->kernel_n, o->kernel_k, sparsity, o->seed, &problem)) {
    fprintf(stderr, "sprig-bench: out of memory (or k / %zu > 65536) in --kernels (f16-bspmv)\n", c);
    return false;
  }
  const size_t most = 2 * sprig_f16_bspmv_ukernel_count;
  struct bspmv_slot* slots = calloc(most, sizeof(*slots));
  struct bench_contender* contenders = calloc(most, sizeof(*contenders));
  double* medians = calloc(most, sizeof(double));
  size_t count = 0;
  for (size_t i = 0; slots && contenders && medians && i < sprig_f16_bspmv_ukernel_count; i++) {
    const struct sprig_f16_bspmv_ukernel* k = &sprig_f16_bspmv_ukernels[i];
    if (k->block_width != c || hw == NULL || !hw->has_isa[k->isa]) {
      continue;
    }
    slots[count] = (struct bspmv_slot){k->name, k, NULL, &problem};
    contenders[count] = (struct bench_contender){run_bspmv, &slots[count]};
    count++;
    const struct sprig_f32_bspmv_ukernel* peer = f32_peer(k);
    if (peer != NULL) {
      slots[count] = (struct bspmv_slot){peer->name, NULL, peer, &problem};
      contenders[count] = (struct bench_contender){run_bspmv, &slots[count]};
      count++;
    }
  }
  const size_t reps = count != 0 ? bench_time_interleaved(contenders, count, &o->timing, medians) : 0;
  printf("\nf16-bspmv kernels (each f16 kernel, then the f32 kernel of its ISA) on n=%zu k=%zu 1x%zu blocks, "
         "sparsity %.2f (%zu blocks stored), one vector, 1 thread, %zu rounds:\n",
         problem.n, problem.k, c, sparsity, problem.blocks, reps);
  printf("  %-48s %12s %14s %10s\n", "kernel", "median us", "weights GB/s", "f16 / f32");
  for (size_t i = 0; i < count && reps != 0; i++) {
    const bool half = slots[i].f16 != NULL;
    const double bytes = (double) problem.blocks * (double) c * (half ? 2.0 : 4.0) + (double) problem.blocks * (half ? 1.0 : 2.0);
    const bool paired = half && i + 1 < count && slots[i + 1].f32 != NULL;
    printf("  %-48s %12.2f %14.2f", slots[i].name, medians[i], bytes / (medians[i] * 1e3));
    if (paired) {
      printf(" %9.2fx", medians[i + 1] / medians[i]);
    }
    printf("\n");
  }
  free(medians);
  free(contenders);
  free(slots);
  free_bspmv_problem(&problem);
  return count == 0 || reps != 0;
}

bool bench_run_f16_kernels(const struct bench_options* options) {
  bool ok = true;
  for (size_t s = 0; s < options->sparsity_count; s++) {
    ok = time_f16_kernels(options, options->sparsities[s]) && ok;
    ok = time_bspmv_kernels(options, 4, options->sparsities[s]) && ok;
    ok = time_bspmv_kernels(options, 8, options->sparsities[s]) && ok;
  }
  return time_convert_kernels(options) && ok;
}
