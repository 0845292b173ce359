#include "kernels.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sprig/bspmv.h>
#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/hardware.h>
#include <sprig/nmspmm.h>
#include <sprig/operator.h>
#include <sprig/spmm.h>

#include "check.h"
#include "data.h"
#include "layer.h"
#include "peak.h"
#include "runner.h"
#include "stream.h"
#include "timing.h"

/* One listed kernel of any family: f32 SpMM (CSR, blocks, groups; kernels/f32-spmm/list.inc),
 * f32 N:M SpMM (kernels/f32-nmspmm/list.inc) or f32 1 x C block-sparse matrix-vector
 * (kernels/f32-bspmv/list.inc; MR 1, NR = C). */
struct kernel_ref {
  const struct sprig_f32_spmm_ukernel* spmm;
  const struct sprig_f32_nmspmm_ukernel* nm;
  const struct sprig_f32_bspmv_ukernel* bspmv;
  const char* name;
  enum sprig_isa isa;
  uint32_t mr, nr;
};

/* The matrix-vector kernels' view: the weights packed in 1 x C blocks, and the input pixel-major
 * ([m][padded_k], each vector zero-padded to whole blocks). */
struct bench_bspmv_data {
  sprig_weights_t packed;
  uint32_t* nblocks;           /* per output channel */
  float* input;                /* [m][padded_k] */
  size_t padded_k;
};

struct kernel_slot {
  struct kernel_ref ukernel;
  struct bench_kernel_stream stream;  /* SpMM */
  struct bench_nm_stream nm;          /* N:M */
  struct bench_bspmv_data bspmv;      /* 1 x C block-sparse matrix-vector */
  const float* bias;           /* [n] */
  const float* input;          /* row of the stream's first column */
  size_t input_stride;         /* bytes between input rows */
  float* output;               /* [n][m]; [m][n] for the matrix-vector kernels */
  size_t m, n;
  struct sprig_f32_minmax_params params;
  size_t result_index;         /* in the results array (which may move as it grows) */
};

static bool run_kernel(void* context) {
  const struct kernel_slot* s = context;
  if (s->ukernel.nm != NULL) {
    s->ukernel.nm->fn(s->m, s->n, s->nm.groups, s->nm.n, s->nm.m, s->input, s->input_stride, s->bias,
                      s->nm.weights, s->nm.indices, s->output, s->m * sizeof(float), &s->params);
  } else if (s->ukernel.bspmv != NULL) {
    /* One call per input vector, as the operators run them. */
    const struct sprig_weights* w = s->bspmv.packed;
    for (size_t v = 0; v < s->m; v++) {
      s->ukernel.bspmv->fn(s->n, s->bspmv.input + v * s->bspmv.padded_k, s->bias, w->block_values, w->block_col16,
                           s->bspmv.nblocks, s->output + v * s->n, &s->params);
    }
  } else {
    s->ukernel.spmm->fn(s->m, s->n, s->input, s->input_stride, s->bias, s->stream.packed.weights,
                        s->stream.packed.deltas, s->stream.packed.nnz, s->output, s->m * sizeof(float), &s->params);
  }
  return true;
}

/* The weights as 1 x c blocks and the padded pixel-major input; -1 when out of memory or the
 * block columns do not fit 16 bits (then the kernel is not timed). */
static int bspmv_data_build(const struct bench_case_data* d, uint32_t c, struct bench_bspmv_data* b) {
  *b = (struct bench_bspmv_data){.padded_k = sprig_round_up(d->k, c)};
  const struct sprig_sparsity pattern = {.format = SPRIG_FORMAT_BLOCK, .block_rows = 1, .block_cols = c};
  if (sprig_pack_weights_f32(d->n, d->k, d->weights, &pattern, 0, &b->packed) != sprig_status_success ||
      b->packed->block_col16 == NULL) {
    return -1;
  }
  b->nblocks = malloc(SPRIG_MAX(d->n, 1) * sizeof(uint32_t));
  b->input = bench_alloc_floats(d->m * b->padded_k);
  if (b->nblocks == NULL || b->input == NULL) {
    return -1;
  }
  for (size_t r = 0; r < d->n; r++) {
    b->nblocks[r] = sprig_block_row_count(b->packed, r);
  }
  for (size_t v = 0; v < d->m; v++) {
    memcpy(b->input + v * b->padded_k, d->input_pm + v * d->k, d->k * sizeof(float));
  }
  return 0;
}

static void bspmv_data_free(struct bench_bspmv_data* b) {
  sprig_release_weights(b->packed);
  free(b->nblocks);
  free(b->input);
  *b = (struct bench_bspmv_data){0};
}

static bool run_xnn(void* context) {
  struct bench_runner* runner = context;
  return runner->run(runner, NULL);
}

/* The input rows as operators hand them to kernels: [k][m], rows of 16+ pixels staged to a
 * multiple of the cache line apart (sprig_aligned_row_stride). */
struct kernel_input {
  float* rows;
  size_t stride; /* bytes */
};

/* Builds the kernel's stream, runs it once and checks it; false when out of memory. */
static bool prepare_slot(struct kernel_slot* s, const struct bench_case_data* d, const struct kernel_input* in,
                         const struct bench_reference* reference, const struct sprig_sparsity* pattern,
                         struct bench_result* r) {
  s->output = bench_alloc_floats(d->m * d->n);
  if (s->output == NULL) {
    return false;
  }
  s->bias = d->bias;
  if (s->ukernel.nm != NULL) {
    if (bench_nm_stream_build(d->weights, d->n, d->k, pattern->n, pattern->m, &s->nm) != 0) {
      return false;
    }
    s->input = in->rows;
  } else if (s->ukernel.bspmv != NULL) {
    if (bspmv_data_build(d, s->ukernel.bspmv->block_width, &s->bspmv) != 0) {
      return false;
    }
  } else {
    if (bench_kernel_stream_build(d->weights, d->n, d->k, s->ukernel.nr, &s->stream) != 0) {
      return false;
    }
    s->input = (const float*) ((const char*) in->rows + s->stream.first_row * in->stride);
  }
  s->input_stride = in->stride;
  for (size_t i = 0; i < d->m * d->n; i++) {
    s->output[i] = NAN;
  }
  run_kernel(s);
  r->rel_err[bench_sprig] = bench_max_relative_error(reference, s->output, s->ukernel.bspmv != NULL);
  r->ok = r->rel_err[bench_sprig] <= BENCH_MAX_REL_ERR;
  if (!r->ok) {
    snprintf(r->note, sizeof(r->note), "disagrees with the reference: max rel err %.3g", r->rel_err[bench_sprig]);
  }
  return true;
}

static void describe_kernel(struct bench_result* r, const struct kernel_ref* uk,
                            const struct bench_case_data* d, const struct bench_options* o, double sparsity) {
  snprintf(r->suite, sizeof(r->suite), "kernels");
  snprintf(r->layer, sizeof(r->layer), "%zux%zux%zu", d->m, d->k, d->n);
  snprintf(r->format, sizeof(r->format), "%s", o->formats[0]->name);
  snprintf(r->kernel, sizeof(r->kernel), "%s", uk->name);
  snprintf(r->isa, sizeof(r->isa), "%s", sprig_isa_to_string(uk->isa));
  snprintf(r->kind, sizeof(r->kind), "kernel");
  r->macs = (double) d->nnz * (double) d->m;
  r->m = d->m;
  r->k = d->k;
  r->n = d->n;
  r->nnz = d->nnz;
  r->threads = 1;
  r->mr = uk->mr;
  r->nr = uk->nr;
  r->target_sparsity = sparsity;
  r->sparsity = 1.0 - (double) d->nnz / ((double) d->k * (double) d->n);
}

/* XNNPACK on the same shape (an NCHW image of 1 x m pixels), single-threaded, for context. */
static void create_xnn(const struct bench_problem* problem, struct bench_runner* runners) {
  bench_xnn_sparse_runner_create(problem, &runners[0]);
  bench_xnn_dense_runner_create(problem, &runners[1]);
  for (int i = 0; i < 2; i++) {
    if (runners[i].available && !runners[i].setup(&runners[i], NULL)) {
      runners[i].available = false;
    }
  }
}

struct kernel_case {
  bool nm; /* the N:M family (an N:M --formats entry) */
  size_t m, k;
  struct bench_results* results;
  struct kernel_input input;
  struct kernel_slot* slots;
  size_t slot_count;
  struct bench_runner xnn[2];
  /* The default kernel again with input stride 0: every entry reads the same input row, so all
   * its loads hit L1 and its time is what the kernel costs without waiting on memory. */
  struct kernel_slot l1_probe;
  bool has_l1_probe;
  struct bench_contender* contenders;
  double* medians;
};

/* Contenders after the kernels' slots, in this order. */
enum { xnn_sparse_contender, xnn_dense_contender, l1_probe_contender, extra_contenders };

static struct bench_result* slot_result(const struct kernel_case* kc, size_t i) {
  return &kc->results->items[kc->slots[i].result_index];
}

static void finish_results(struct kernel_case* kc, const struct bench_case_data* d, size_t reps) {
  for (size_t i = 0; i < kc->slot_count; i++) {
    struct bench_result* r = slot_result(kc, i);
    r->reps = reps;
    r->us[bench_sprig] = kc->medians[i];
    r->us[bench_xnn_sparse] = kc->medians[kc->slot_count + xnn_sparse_contender];
    r->us[bench_xnn_dense] = kc->medians[kc->slot_count + xnn_dense_contender];
    r->gflops = 2.0 * (double) d->nnz * (double) d->m / (r->us[bench_sprig] * 1e-6) * 1e-9;
    r->peak_gflops = bench_peak_gflops(r->isa, NULL);
    r->peak_pct = 100.0 * r->gflops / r->peak_gflops;
    if (kc->slots[i].ukernel.bspmv != NULL) {
      snprintf(r->note, sizeof(r->note), "GFLOP/s counts real nonzeros only, not zeros stored in 1x%u blocks; "
               "one call per input vector", r->nr);
    } else if (r->nr > 1) {
      snprintf(r->note, sizeof(r->note), "GFLOP/s counts real nonzeros only, not zeros stored in blocks of %u "
               "channels", r->nr);
    }
  }
}

/* The single-core peak each ISA's %peak column is relative to. */
static void print_peaks(const struct kernel_case* kc) {
  printf("%%peak is relative to the kernel's own ISA:");
  for (size_t i = 0; i < kc->slot_count; i++) {
    bool seen = false;
    for (size_t j = 0; j < i && !seen; j++) {
      seen = kc->slots[j].ukernel.isa == kc->slots[i].ukernel.isa;
    }
    if (!seen) {
      const char* isa = sprig_isa_to_string(kc->slots[i].ukernel.isa);
      printf(" %s %.1f GFLOP/s", isa, bench_peak_gflops(isa, NULL));
    }
  }
  printf("\n");
}

/* The slot of the kernel operators choose for this shape (SPRIG_FORCE_ISA respected: the default
 * kernel fitted to m pixels and k input rows), or SIZE_MAX. */
static size_t default_slot(const struct kernel_case* kc) {
  const struct sprig_hardware* hw = sprig_get_hardware();
  const char* chosen =
      kc->nm ? sprig_fit_f32_nmspmm_ukernel(hw, sprig_choose_f32_nmspmm_ukernel(hw), kc->m)->name
             : sprig_fit_f32_spmm_ukernel(hw, sprig_choose_f32_spmm_ukernel(hw), kc->m, kc->k)->name;
  for (size_t i = 0; i < kc->slot_count; i++) {
    if (strcmp(kc->slots[i].ukernel.name, chosen) == 0 && slot_result(kc, i)->ok) {
      return i;
    }
  }
  return SIZE_MAX;
}

static void print_l1_probe(const struct kernel_case* kc, double default_us) {
  const double us = kc->medians[kc->slot_count + l1_probe_contender];
  if (kc->has_l1_probe && !isnan(us)) {
    printf("%-62s %-9s %5s %6s %9.1f  the default kernel with all input rows at one address (every load an L1 "
           "hit): memory costs it %.0f%% of its time here\n",
           "default kernel, input stride 0", "", "", "", us, 100.0 * (1.0 - us / default_us));
  }
}

static void print_kernel_table(const struct kernel_case* kc) {
  /* The kernel operators choose is the yardstick. */
  const size_t yardstick = default_slot(kc);
  const double default_us = yardstick != SIZE_MAX ? kc->medians[yardstick] : NAN;
  bench_print_kernel_header(stdout);
  for (size_t i = 0; i < kc->slot_count; i++) {
    bench_print_kernel_row(stdout, slot_result(kc, i), default_us);
  }
  for (int x = 0; x < 2; x++) {
    if (!isnan(kc->medians[kc->slot_count + x])) {
      printf("%-62s %-9s %5s %6s %9.1f\n", x == 0 ? "XNNPACK sparse (1x1 NCHW conv, same shape)"
                                                   : "XNNPACK dense (1x1 NHWC conv, same shape)",
             "", "", "", kc->medians[kc->slot_count + x]);
    }
  }
  print_l1_probe(kc, default_us);
  print_peaks(kc);
}

/* Times every runnable kernel (and XNNPACK) interleaved on one sparsity. */
static bool time_kernels(struct kernel_case* kc, const struct bench_case_data* d, const struct bench_options* o) {
  bool ok = true;
  for (size_t i = 0; i < kc->slot_count; i++) {
    const bool good = slot_result(kc, i)->ok;
    kc->contenders[i] = (struct bench_contender){good ? run_kernel : NULL, &kc->slots[i]};
    ok = ok && good;
  }
  for (int x = 0; x < 2; x++) {
    kc->contenders[kc->slot_count + x] = (struct bench_contender){kc->xnn[x].available ? run_xnn : NULL, &kc->xnn[x]};
  }
  const size_t yardstick = default_slot(kc);
  kc->has_l1_probe = yardstick != SIZE_MAX && !kc->nm;
  if (kc->has_l1_probe) {
    kc->l1_probe = kc->slots[yardstick];
    kc->l1_probe.input_stride = 0;
  }
  kc->contenders[kc->slot_count + l1_probe_contender] =
      (struct bench_contender){kc->has_l1_probe ? run_kernel : NULL, &kc->l1_probe};
  const size_t reps = bench_time_interleaved(kc->contenders, kc->slot_count + extra_contenders, &o->timing,
                                             kc->medians);
  finish_results(kc, d, reps);
  print_kernel_table(kc);
  return ok && reps > 0;
}

/* Kernels of the lists that take this format: N:M formats the N:M list; the others the SpMM
 * list and then the block-sparse matrix-vector list (1 x C formats only its kernels of that C;
 * other formats every C, on the same weights packed in 1 x C blocks). */
static size_t listed_kernels(const struct sprig_sparsity* format, struct kernel_ref* list) {
  size_t count = 0;
  if (format->format == SPRIG_FORMAT_NM) {
    for (size_t i = 0; i < sprig_f32_nmspmm_ukernel_count; i++) {
      const struct sprig_f32_nmspmm_ukernel* k = &sprig_f32_nmspmm_ukernels[i];
      list[count++] = (struct kernel_ref){NULL, k, NULL, k->name, k->isa, k->mr, k->nr};
    }
    return count;
  }
  for (size_t i = 0; i < sprig_f32_spmm_ukernel_count; i++) {
    const struct sprig_f32_spmm_ukernel* k = &sprig_f32_spmm_ukernels[i];
    list[count++] = (struct kernel_ref){k, NULL, NULL, k->name, k->isa, k->mr, k->nr};
  }
  const bool row_blocks = format->format == SPRIG_FORMAT_BLOCK && format->block_rows == 1;
  for (size_t i = 0; i < sprig_f32_bspmv_ukernel_count; i++) {
    const struct sprig_f32_bspmv_ukernel* k = &sprig_f32_bspmv_ukernels[i];
    if (!row_blocks || format->block_cols == k->block_width) {
      list[count++] = (struct kernel_ref){NULL, NULL, k, k->name, k->isa, 1, k->block_width};
    }
  }
  return count;
}

static size_t runnable_kernels(const struct sprig_sparsity* format, struct kernel_ref* list, bool quiet) {
  const struct sprig_hardware* hw = sprig_get_hardware();
  const size_t listed = listed_kernels(format, list);
  size_t count = 0;
  for (size_t i = 0; i < listed; i++) {
    const struct kernel_ref uk = list[i];
    if (hw != NULL && hw->has_isa[uk.isa]) {
      list[count++] = uk;
    } else if (!quiet) {
      fprintf(stderr, "skipping %s: this CPU (or build) cannot run %s\n", uk.name, sprig_isa_to_string(uk.isa));
    }
  }
  return count;
}

/* Bytes between the kernels' input rows of m floats: as operators would hand them over, or
 * with --kernel-rows odd an odd number of cache lines. */
static size_t kernel_row_stride(const struct bench_options* o, size_t m) {
  return o->kernel_rows_odd ? sprig_padded_row_stride(m) : sprig_aligned_row_stride(m, m * sizeof(float));
}

/* The input at `stride` bytes per row; false when out of memory. */
static bool stage_input(const struct bench_case_data* d, size_t stride, struct kernel_input* in) {
  in->stride = stride;
  in->rows = sprig_allocate_aligned(in->stride * SPRIG_MAX(d->k, 1));
  for (size_t k = 0; in->rows != NULL && k < d->k; k++) {
    memcpy((char*) in->rows + k * in->stride, d->input_cm + k * d->m, d->m * sizeof(float));
  }
  return in->rows != NULL;
}

/* One result and one ready slot per runnable kernel; false when out of memory. */
static bool prepare_slots(struct kernel_case* kc, const struct kernel_ref* list,
                          const struct bench_case_data* d, const struct bench_reference* reference,
                          const struct bench_options* o, double sparsity) {
  kc->slots = calloc(kc->slot_count + 1, sizeof(struct kernel_slot));
  kc->contenders = calloc(kc->slot_count + extra_contenders, sizeof(struct bench_contender));
  kc->medians = calloc(kc->slot_count + extra_contenders, sizeof(double));
  bool ok = kc->slots != NULL && kc->contenders != NULL && kc->medians != NULL;
  for (size_t i = 0; ok && i < kc->slot_count; i++) {
    struct bench_result* r = bench_results_add(kc->results);
    ok = r != NULL;
    if (ok) {
      describe_kernel(r, &list[i], d, o, sparsity);
      kc->slots[i] = (struct kernel_slot){.ukernel = list[i], .m = d->m, .n = d->n,
                                          .params = {-INFINITY, INFINITY},
                                          .result_index = kc->results->count - 1};
      ok = prepare_slot(&kc->slots[i], d, &kc->input, reference, &o->formats[0]->pattern, r);
    }
  }
  return ok;
}

static void free_kernel_case(struct kernel_case* kc) {
  for (size_t i = 0; kc->slots != NULL && i < kc->slot_count; i++) {
    bench_kernel_stream_free(&kc->slots[i].stream);
    bench_nm_stream_free(&kc->slots[i].nm);
    bspmv_data_free(&kc->slots[i].bspmv);
    free(kc->slots[i].output);
  }
  bench_runner_destroy(&kc->xnn[0]);
  bench_runner_destroy(&kc->xnn[1]);
  free(kc->slots);
  free(kc->input.rows);
  free(kc->contenders);
  free(kc->medians);
}

static bool run_sparsity(const struct bench_options* o, double sparsity, struct bench_results* results) {
  const bool nm = o->formats[0]->pattern.format == SPRIG_FORMAT_NM;
  struct kernel_ref* list =
      malloc((sprig_f32_nmspmm_ukernel_count + sprig_f32_spmm_ukernel_count + sprig_f32_bspmv_ukernel_count) *
             sizeof(*list));
  struct kernel_case kc = {.nm = nm, .m = o->kernel_m, .k = o->kernel_k, .results = results};
  struct bench_case_data d = {0};
  struct bench_csr csr = {0};
  struct bench_reference reference = {0};
  bool ok = list != NULL &&
            bench_case_data_make(o->formats[0], o->kernel_m, o->kernel_k, o->kernel_n, sparsity, o->seed, "kernels",
                                 &d) == 0 &&
            bench_csr_from_dense(d.weights, d.n, d.k, &csr) == 0 &&
            bench_reference_compute(&csr, d.bias, d.input_cm, d.m, &reference) == 0;
  kc.slot_count = ok ? runnable_kernels(&o->formats[0]->pattern, list, o->quiet) : 0;
  ok = ok && stage_input(&d, kernel_row_stride(o, o->kernel_m), &kc.input) &&
       prepare_slots(&kc, list, &d, &reference, o, sparsity);
  if (ok) {
    /* XNNPACK sees the shape as a 1x1 convolution of one 1 x m image. */
    const struct bench_layer shape = {"kernel-shape", bench_layer_conv1x1, d.k, d.n, 1, d.m, 1, 1, 0, 0, 0, 0,
                                      false, false};
    const struct bench_problem problem = {&shape, o->formats[0], d.m, d.k, d.n, d.weights, d.weights, d.bias,
                                          d.input_cm, d.input_pm};
    create_xnn(&problem, kc.xnn);
    ok = time_kernels(&kc, &d, o);
  } else {
    fprintf(stderr, "sprig-bench: out of memory in --kernels\n");
  }
  free_kernel_case(&kc);
  bench_reference_free(&reference);
  bench_csr_free(&csr);
  bench_case_data_free(&d);
  free(list);
  return ok;
}

void bench_print_kernel_medians(const char* const* names, const double* medians, size_t count, double units,
                                const char* unit_label) {
  if (count == 0) {
    return;
  }
  printf("  %-48s %12s %10s %8s\n", "kernel", "median us", unit_label, "vs 1st");
  for (size_t i = 0; i < count; i++) {
    printf("  %-48s %12.2f %10.3f %7.2fx\n", names[i], medians[i], medians[i] * 1e3 / units, medians[0] / medians[i]);
  }
}

bool bench_run_kernels(const struct bench_options* options, struct bench_results* results) {
  bool ok = true;
  for (size_t s = 0; s < options->sparsity_count; s++) {
    const size_t m = options->kernel_m;
    printf("\nkernels on m=%zu k=%zu n=%zu, sparsity %.2f (%s), 1 thread, direct calls, input rows %zu bytes apart "
           "(%s):\n",
           m, options->kernel_k, options->kernel_n, options->sparsities[s], options->formats[0]->name,
           kernel_row_stride(options, m),
           options->kernel_rows_odd ? "--kernel-rows odd" : "as operators stage them");
    ok = run_sparsity(options, options->sparsities[s], results) && ok;
  }
  if (options->formats[0]->pattern.format != SPRIG_FORMAT_NM) {
    ok = bench_run_f16_kernels(options) && ok;
  }
  ok = bench_run_qs8_requant_kernels(options) && ok;
  ok = bench_run_qd8_quantize_kernels(options) && ok;
  ok = bench_run_x8_zip4_kernels(options) && ok;
  ok = bench_run_qs8_vadd_kernels(options) && ok;
  ok = bench_run_x32_transpose_kernels(options) && ok;
  ok = bench_run_x16_transpose_kernels(options) && ok;
  ok = bench_run_x8_transpose_kernels(options) && ok;
  ok = bench_run_convert_operators(options) && ok;
  ok = bench_run_f32_sellmv_kernels(options) && ok;
  ok = bench_run_f32_nmspmv_kernels(options) && ok;
  ok = bench_run_qs8_sellmv_kernels(options) && ok;
  return bench_run_conv_kernels(options, results) && ok;
}
