/* The int8 cases of --dtypes qs8 / qd8: sprig's int8 operator, sprig's f32 operator on the same
 * layer and XNNPACK's dense per-channel int8 (qc8) convolution, on weights quantized per output
 * channel from the f32 case's pruned weights (bench/quant.h).
 *
 * Checks: sprig qs8 against a plain-C evaluation of sprig.h's qs8 formulas (at most 1 apart) and
 * against XNNPACK qc8 element by element (at most 1 apart; the maximum and the count of differing
 * outputs are recorded); sprig qd8 against a plain-C evaluation of sprig.h's qd8 formulas
 * (relative error <= BENCH_MAX_REL_ERR of |bias| + sum |w x|); XNNPACK against the qs8
 * evaluation; sprig f32 against the f32 reference. Any failure marks the record FAILED. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layer.h"
#include "network.h"
#include "peak.h"
#include "quant.h"
#include "timing.h"

enum { slot_int8 = 0, slot_f32 = 1, slot_xnn = 2, slot_count = 3 };

static const char* const slot_names[slot_count] = {"sprig int8", "sprig f32", "XNNPACK qc8"};

struct int8_state {
  enum bench_dtype dtype;
  const struct bench_problem* problem;
  const struct bench_reference* f32_reference;
  struct bench_quantized q;
  int8_t* qs8_reference;                /* [n][m] */
  struct bench_reference qd8_reference; /* qd8 only */
  struct bench_runner runners[slot_count];
  struct bench_sprig_info info, f32_info;
  const char* failure;                  /* why the case could not be prepared (static), or NULL */
};

struct timed_runner {
  struct bench_runner* runner;
  pthreadpool_t pool;
};

static bool run_timed(void* context) {
  struct timed_runner* t = context;
  return t->runner->run(t->runner, t->pool);
}

static void fill_outputs(struct bench_runner* runner, size_t count) {
  if (runner->output != NULL) {
    for (size_t i = 0; i < count; i++) {
      runner->output[i] = NAN;
    }
  }
  if (runner->output_q != NULL) {
    memset(runner->output_q, 0x5a, count); /* a value no check expects everywhere */
  }
}

/* Sets up and runs each runner once, then compares (see the top of the file). */
static bool check_int8(struct int8_state* st, pthreadpool_t pool, struct bench_result* r) {
  const size_t m = st->problem->m, n = st->problem->n;
  for (int c = 0; c < slot_count; c++) {
    struct bench_runner* runner = &st->runners[c];
    if (!runner->available) {
      continue;
    }
    fill_outputs(runner, m * n);
    if (!runner->setup(runner, pool) || !runner->run(runner, pool)) {
      snprintf(r->note, sizeof(r->note), "%s failed to run", slot_names[c]);
      return false;
    }
  }
  const struct bench_runner* sprig = &st->runners[slot_int8];
  const struct bench_runner* f32 = &st->runners[slot_f32];
  const struct bench_runner* xnn = &st->runners[slot_xnn];
  r->f32_rel_err = bench_max_relative_error(st->f32_reference, f32->output, f32->output_pixel_major);
  if (st->dtype == bench_dtype_qs8) {
    r->sprig_ref_max_diff = bench_int8_max_diff(sprig->output_q, sprig->output_pixel_major, st->qs8_reference, false,
                                                m, n, &r->ref_diff_count);
    r->quant_rel_err = bench_int8_dequantized_error(st->f32_reference, sprig->output_q, sprig->output_pixel_major,
                                                    &st->q);
  } else {
    r->rel_err[bench_sprig] = bench_max_relative_error(&st->qd8_reference, sprig->output, sprig->output_pixel_major);
    r->ref_diff_count = 0;
    for (size_t o = 0; o < n; o++) {
      for (size_t i = 0; i < m; i++) {
        const float y = sprig->output[sprig->output_pixel_major ? i * n + o : o * m + i];
        r->ref_diff_count += !(y == st->qd8_reference.output[o * m + i]);
      }
    }
    r->quant_rel_err = bench_max_relative_error(st->f32_reference, sprig->output, sprig->output_pixel_major);
  }
  if (xnn->available) {
    r->xnn_ref_max_diff = bench_int8_max_diff(xnn->output_q, true, st->qs8_reference, false, m, n, NULL);
    if (st->dtype == bench_dtype_qs8) {
      r->int8_max_diff = bench_int8_max_diff(sprig->output_q, sprig->output_pixel_major, xnn->output_q, true, m, n,
                                             &r->int8_diff_count);
    }
  }
  if (!(r->f32_rel_err <= BENCH_MAX_REL_ERR)) {
    snprintf(r->note, sizeof(r->note), "sprig f32 disagrees with the reference: max rel err %.3g > %.0e",
             r->f32_rel_err, BENCH_MAX_REL_ERR);
    return false;
  }
  if (st->dtype == bench_dtype_qs8 && r->sprig_ref_max_diff > 1.0) {
    snprintf(r->note, sizeof(r->note), "sprig qs8 disagrees with the qs8 formulas: max |diff| %.0f, %lld outputs differ",
             r->sprig_ref_max_diff, r->ref_diff_count);
    return false;
  }
  if (st->dtype == bench_dtype_qd8 && !(r->rel_err[bench_sprig] <= BENCH_MAX_REL_ERR)) {
    snprintf(r->note, sizeof(r->note), "sprig qd8 disagrees with the qd8 formulas: max rel err %.3g > %.0e, %lld "
             "outputs differ", r->rel_err[bench_sprig], BENCH_MAX_REL_ERR, r->ref_diff_count);
    return false;
  }
  if (xnn->available && st->dtype == bench_dtype_qs8 && r->int8_max_diff > 1.0) {
    snprintf(r->note, sizeof(r->note), "sprig qs8 and XNNPACK qc8 differ by up to %.0f (%lld outputs; XNNPACK vs the "
             "formulas: %.0f)", r->int8_max_diff, r->int8_diff_count, r->xnn_ref_max_diff);
    return false;
  }
  if (xnn->available && r->xnn_ref_max_diff > 1.0) {
    snprintf(r->note, sizeof(r->note), "XNNPACK qc8 disagrees with the qs8 formulas: max |diff| %.0f",
             r->xnn_ref_max_diff);
    return false;
  }
  return true;
}

/* The slot_count runners (sprig int8, sprig f32, XNNPACK), interleaved, into r. */
static void time_int8(struct bench_runner* runners, pthreadpool_t pool, const struct bench_timing_plan* plan,
                      struct bench_result* r) {
  struct timed_runner timed[slot_count];
  struct bench_contender contenders[slot_count];
  for (int c = 0; c < slot_count; c++) {
    timed[c] = (struct timed_runner){&runners[c], pool};
    contenders[c] = (struct bench_contender){runners[c].available ? run_timed : NULL, &timed[c]};
  }
  double medians[slot_count], minimums[slot_count];
  r->reps = bench_time_interleaved_min(contenders, slot_count, plan, medians, minimums);
  if (r->reps == 0) {
    r->ok = false;
    snprintf(r->note, sizeof(r->note), "a run failed while timing");
    return;
  }
  r->us[bench_sprig] = medians[slot_int8];
  r->min_us[bench_sprig] = minimums[slot_int8];
  r->f32_us = medians[slot_f32];
  r->f32_min_us = minimums[slot_f32];
  r->us[bench_xnn_dense] = medians[slot_xnn];
  r->min_us[bench_xnn_dense] = minimums[slot_xnn];
}

static void describe_int8(const struct bench_suite* suite, const struct bench_layer* layer,
                          const struct bench_format* format, double sparsity, const struct int8_state* st,
                          size_t threads, struct bench_result* r) {
  const struct bench_problem* p = st->problem;
  bench_describe_layer(suite, layer, format, sparsity, p->m, p->k, p->n, st->q.nnz, &st->info, threads, r);
  snprintf(r->dtype, sizeof(r->dtype), "%s", bench_dtype_name(st->dtype));
  snprintf(r->xnn_sparse_path, sizeof(r->xnn_sparse_path), "none");
  r->input_scale = st->q.input_scale;
  r->input_zero_point = st->q.input_zero_point;
  r->output_scale = st->dtype == bench_dtype_qs8 ? st->q.output_scale : NAN;
  r->output_zero_point = st->q.output_zero_point;
  const struct bench_runner* xnn = &st->runners[slot_xnn];
  if (!xnn->available) {
    snprintf(r->note, sizeof(r->note), "xnn-qc8: %s", xnn->note != NULL ? xnn->note : "not created");
  } else if (st->dtype == bench_dtype_qd8) {
    snprintf(r->note, sizeof(r->note), "XNNPACK has no qd8: its qc8 1x1 convolution runs on the input quantized "
             "once, outside the timing (sprig's qd8 time includes quantizing the input)");
  } else {
    snprintf(r->note, sizeof(r->note), "XNNPACK qc8 = dense per-channel int8 convolution on the NHWC input");
  }
}

static void record(struct bench_run* run, struct int8_state* st, const struct bench_pool* pool,
                   const struct bench_suite* suite, const struct bench_layer* layer, const struct bench_format* format,
                   double sparsity) {
  struct bench_result* r = bench_results_add(run->results);
  if (r == NULL) {
    fprintf(stderr, "sprig-bench: out of memory\n");
    run->cases_done++;
    return;
  }
  describe_int8(suite, layer, format, sparsity, st, pool->threads, r);
  if (st->failure != NULL) {
    r->ok = false;
    snprintf(r->note, sizeof(r->note), "%s", st->failure);
  } else {
    r->ok = check_int8(st, pool->pool, r);
    if (r->ok) {
      time_int8(st->runners, pool->pool, &run->options->timing, r);
    }
    if (r->ok) {
      r->gflops = 2.0 * r->macs / (r->us[bench_sprig] * 1e-6) * 1e-9; /* GOP/s: int8 multiply-adds */
      bench_derive_weight_rate(r, &st->info);
    }
  }
  run->cases_done++;
  bench_print_progress(run, r);
}

/* Quantizes, computes the references and creates the runners; st->failure says what failed. */
static bool prepare(struct int8_state* st) {
  const struct bench_problem* p = st->problem;
  if (st->f32_reference == NULL) {
    st->failure = "setup failed: no f32 reference (reason on stderr)";
    return true;
  }
  if (bench_quantize_problem(p, st->f32_reference, &st->q) != 0 ||
      (st->qs8_reference = malloc(p->m * p->n)) == NULL || bench_qs8_reference(p, &st->q, st->qs8_reference) != 0 ||
      (st->dtype == bench_dtype_qd8 && bench_qd8_reference(p, &st->q, &st->qd8_reference) != 0)) {
    fprintf(stderr, "sprig-bench: out of memory quantizing %s\n", p->layer->name);
    return false;
  }
  if (!bench_sprig_int8_runner_create(p, &st->q, st->dtype == bench_dtype_qd8, &st->runners[slot_int8], &st->info) ||
      !bench_sprig_runner_create(p, &st->runners[slot_f32], &st->f32_info) ||
      !bench_xnn_qc8_runner_create(p, &st->q, &st->runners[slot_xnn])) {
    st->failure = "setup failed (reason on stderr)";
    return true;
  }
  if (!st->runners[slot_int8].available) {
    st->failure = st->runners[slot_int8].note != NULL ? st->runners[slot_int8].note : "sprig refused the layer";
  }
  return true;
}

bool bench_run_int8_case(struct bench_run* run, const struct bench_suite* suite, const struct bench_layer* layer,
                         const struct bench_format* format, double sparsity, enum bench_dtype dtype,
                         const struct bench_problem* problem, const struct bench_reference* f32_reference) {
  struct int8_state st = {.dtype = dtype, .problem = problem, .f32_reference = f32_reference};
  const bool prepared = prepare(&st);
  bool ok = prepared;
  if (prepared) {
    const size_t first = run->results->count;
    for (size_t p = 0; p < run->pool_count; p++) {
      record(run, &st, &run->pools[p], suite, layer, format, sparsity);
    }
    for (size_t i = first; i < run->results->count; i++) {
      ok = ok && run->results->items[i].ok;
    }
  }
  for (int c = 0; c < slot_count; c++) {
    bench_runner_destroy(&st.runners[c]);
  }
  free(st.qs8_reference);
  bench_reference_free(&st.qd8_reference);
  bench_quantized_free(&st.q);
  return ok;
}

/* ---- whole networks (e2e --dtypes qs8) ---- */

/* The network's int8 version (bench/net-quant.c) as sprig qs8 operators and as XNNPACK's NHWC
 * int8 operators, and sprig's f32 network on the same weights, timed interleaved. Checks: every
 * network runs; sprig f32 against the f32 reference. Recorded, not failed: the int8 logits,
 * dequantized, against the f32 reference (a random network quantized per tensor loses accuracy)
 * and sprig's int8 logits against XNNPACK's (its add and pooling round in fixed point, and
 * differences grow through the layers); each sprig int8 operator's exactness is the tests'
 * business (tests/q8-operators.c, tests/q8-companions.c). */
struct int8_network_state {
  const struct bench_network* net;
  const struct bench_reference* reference;
  struct bench_net_q8 q;
  struct bench_runner runners[slot_count];
  struct bench_sprig_info info, f32_info;
};

static size_t top_class(const int8_t* y, size_t classes) {
  size_t top = 0;
  for (size_t o = 1; o < classes; o++) {
    top = y[o] > y[top] ? o : top;
  }
  return top;
}

static bool check_int8_network(struct int8_network_state* st, pthreadpool_t pool, struct bench_result* r) {
  const size_t classes = st->reference->n;
  for (int c = 0; c < slot_count; c++) {
    struct bench_runner* runner = &st->runners[c];
    if (!runner->available) {
      continue;
    }
    fill_outputs(runner, classes);
    if (!runner->setup(runner, pool) || !runner->run(runner, pool)) {
      snprintf(r->note, sizeof(r->note), "%s failed to run", slot_names[c]);
      return false;
    }
  }
  const struct bench_runner* f32 = &st->runners[slot_f32];
  r->f32_rel_err = bench_max_relative_error(st->reference, f32->output, false);
  if (!(r->f32_rel_err <= BENCH_MAX_REL_ERR)) {
    snprintf(r->note, sizeof(r->note), "sprig f32 disagrees with the reference: max rel err %.3g > %.0e",
             r->f32_rel_err, BENCH_MAX_REL_ERR);
    return false;
  }
  const size_t logits = st->net->tensor_count - 1;
  const int8_t* y = st->runners[slot_int8].output_q;
  double worst = 0.0;
  size_t top_f = 0;
  for (size_t o = 0; o < classes; o++) {
    const double v = (double) st->q.scale[logits] * ((double) y[o] - (double) st->q.zero_point[logits]);
    const double e = fabs(v - (double) st->reference->output[o]) / (double) st->reference->magnitude[o];
    worst = e > worst ? e : worst;
    top_f = st->reference->output[o] > st->reference->output[top_f] ? o : top_f;
  }
  r->quant_rel_err = worst;
  r->output_scale = st->q.scale[logits];
  r->output_zero_point = st->q.zero_point[logits];
  r->input_scale = st->q.scale[0];
  r->input_zero_point = st->q.zero_point[0];
  const struct bench_runner* xnn = &st->runners[slot_xnn];
  if (xnn->available) {
    r->int8_max_diff = bench_int8_max_diff(y, false, xnn->output_q, false, 1, classes, &r->int8_diff_count);
  }
  snprintf(r->note, sizeof(r->note), "int8 network: activations quantized per tensor from the f32 reference run; "
           "top-1 class: sprig int8 %s, XNNPACK qc8 %s the f32 reference's",
           top_class(y, classes) == top_f ? "matches" : "differs from",
           !xnn->available ? "not run," : top_class(xnn->output_q, classes) == top_f ? "matches" : "differs from");
  return true;
}

/* Each operator timed alone, summed per operator class, median (and fastest) over
 * BENCH_PROFILE_ROUNDS rounds, the three networks interleaved: sprig int8 into the sprig
 * breakdown, sprig f32 into the xnn_sparse one (int8 records have no XNNPACK sparse network; the
 * report and JSON name it sprig f32), XNNPACK qc8 into xnn_dense. */
static bool profile_int8_network(struct int8_network_state* st, pthreadpool_t pool, struct bench_result* r) {
  static const int contender_of[slot_count] = {bench_sprig, bench_xnn_sparse, bench_xnn_dense};
  const struct bench_network* net = st->net;
  double samples[slot_count][bench_net_class_count][BENCH_PROFILE_ROUNDS];
  size_t ops_of_class[bench_net_class_count] = {0};
  for (size_t i = 0; i < net->op_count; i++) {
    ops_of_class[net->ops[i].op_class]++;
  }
  bool ok = true;
  for (size_t round = 0; round < BENCH_PROFILE_ROUNDS && ok; round++) {
    for (int c = 0; c < slot_count && ok; c++) {
      double sums[bench_net_class_count] = {0.0};
      ok = !st->runners[c].available || bench_time_network_classes(net, &st->runners[c], pool, sums);
      for (size_t k = 0; k < bench_net_class_count; k++) {
        samples[c][k][round] = sums[k];
      }
    }
  }
  r->breakdown_count = bench_net_class_count;
  r->breakdown_names = bench_net_class_names;
  for (int c = 0; c < slot_count; c++) {
    for (size_t k = 0; k < bench_net_class_count; k++) {
      const bool timed = ok && st->runners[c].available && ops_of_class[k] > 0;
      /* bench_median sorts: the fastest round is then the first. */
      r->breakdown_us[contender_of[c]][k] = timed ? bench_median(samples[c][k], BENCH_PROFILE_ROUNDS) : NAN;
      r->breakdown_min_us[contender_of[c]][k] = timed ? samples[c][k][0] : NAN;
    }
  }
  return ok;
}

bool bench_run_int8_network(struct bench_run* run, const struct bench_suite* suite, const struct bench_layer* layer,
                            const struct bench_format* format, double sparsity, const struct bench_network* net,
                            const struct bench_reference* reference, const struct bench_net_range* ranges) {
  struct int8_network_state st = {.net = net, .reference = reference};
  if (bench_network_quantize(net, ranges, &st.q) != 0) {
    fprintf(stderr, "sprig-bench: out of memory quantizing %s\n", net->name);
    return false;
  }
  const bool created = bench_sprig_q8_network_runner_create(net, &st.q, &st.runners[slot_int8], &st.info) &&
                       bench_sprig_network_runner_create(net, &st.runners[slot_f32], &st.f32_info) &&
                       bench_xnn_qc8_network_runner_create(net, &st.q, &st.runners[slot_xnn]);
  bool ok = true;
  for (size_t p = 0; p < run->pool_count; p++) {
    struct bench_result* r = bench_results_add(run->results);
    if (r == NULL) {
      fprintf(stderr, "sprig-bench: out of memory\n");
      ok = false;
      break;
    }
    bench_describe_layer(suite, layer, format, sparsity, 1, bench_layer_cols(layer), layer->n, st.info.nnz,
                         &st.info, run->pools[p].threads, r);
    snprintf(r->dtype, sizeof(r->dtype), "qs8");
    snprintf(r->xnn_sparse_path, sizeof(r->xnn_sparse_path), "none");
    r->macs = net->macs;
    bench_describe_network(net, r);
    r->ok = created && check_int8_network(&st, run->pools[p].pool, r);
    if (!created) {
      snprintf(r->note, sizeof(r->note), "setup failed (reason on stderr)");
    }
    if (r->ok) {
      time_int8(st.runners, run->pools[p].pool, &run->options->timing, r);
    }
    if (r->ok) {
      r->gflops = 2.0 * r->macs / (r->us[bench_sprig] * 1e-6) * 1e-9;
      if (!profile_int8_network(&st, run->pools[p].pool, r)) {
        r->ok = false;
        snprintf(r->note, sizeof(r->note), "a run failed while timing operators one by one");
      }
    }
    ok = ok && r->ok;
    run->cases_done++;
    bench_print_progress(run, r);
  }
  for (int c = 0; c < slot_count; c++) {
    bench_runner_destroy(&st.runners[c]);
  }
  bench_network_q8_free(net, &st.q);
  return ok;
}
