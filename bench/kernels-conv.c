/* --kernels, convolution families: every listed f32-spconv kernel (kernels/f32-spconv/list.inc)
 * on a 3x3 stride-1 pad-1 convolution, and every listed f32-dwconv kernel
 * (kernels/f32-dwconv/list.inc) on a depthwise 3x3 or 5x5 one, called directly on input staged
 * as the convolution path stages it (zero-padded planes; src/operators/path-conv.c); then every
 * f32-dwconv2d-chw kernel (kernels/f32-dwconv2d-chw/list.inc: depthwise read straight from the
 * NCHW planes, padding inside the kernel) on its K x K stride-S shape, and beside them every
 * qs8-dwconv2d-chw kernel (kernels/qs8-dwconv2d-chw/list.inc) on the same planes quantized to
 * int8; with XNNPACK's f32 convolutions of the same shape for context. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sprig/config.h>
#include <sprig/dwconv.h>
#include <sprig/dwconv2d-chw.h>
#include <sprig/hardware.h>
#include <sprig/qs8-dwconv2d-chw.h>
#include <sprig/spconv.h>

#include "check.h"
#include "data.h"
#include "kernels.h"
#include "layer.h"
#include "peak.h"
#include "runner.h"
#include "timing.h"

/* Output rows at least this wide are one kernel call each (as the convolution path does);
 * narrower images are one run across the padded width. */
#define ROW_PIXELS 16

/* The image: side x side pixels, `channels` planes of (side + 2 pad) rows of `plane_width`
 * floats, zero-padded. */
struct staged_image {
  size_t side, pad, plane_width, plane_rows, channels;
  float* planes;
  float* nchw;  /* [channels][side][side] */
  float* nhwc;  /* [side][side][channels] */
};

static bool stage_image(size_t side, size_t pad, size_t channels, uint64_t seed, struct staged_image* im) {
  *im = (struct staged_image){side, pad, side + 2 * pad, side + 2 * pad, channels, NULL, NULL, NULL};
  im->planes = bench_alloc_floats(channels * im->plane_rows * im->plane_width);
  im->nchw = bench_alloc_floats(channels * side * side);
  im->nhwc = bench_alloc_floats(channels * side * side);
  if (im->planes == NULL || im->nchw == NULL || im->nhwc == NULL) {
    return false;
  }
  struct bench_rng rng = {seed ^ UINT64_C(0x5bd1e9955bd1e995)};
  bench_fill_random(&rng, im->nchw, channels * side * side);
  bench_transpose(im->nchw, im->nhwc, channels, side * side);
  for (size_t c = 0; c < channels; c++) {
    for (size_t y = 0; y < side; y++) {
      memcpy(im->planes + (c * im->plane_rows + y + pad) * im->plane_width + pad, im->nchw + (c * side + y) * side,
             side * sizeof(float));
    }
  }
  return true;
}

static void free_image(struct staged_image* im) {
  free(im->planes);
  free(im->nchw);
  free(im->nhwc);
}

/* ---- f32-spconv ---- */

struct spconv_slot {
  const struct sprig_f32_spconv_ukernel* ukernel;
  const struct staged_image* image;
  size_t n;
  const float* bias;
  float* values;
  int32_t* offsets;
  uint32_t* counts;
  float* output;       /* [n][side][side], or [n][side][plane_width] for narrow images */
  bool by_row;
  struct sprig_f32_minmax_params params;
  size_t result_index;
};

static bool run_spconv(void* context) {
  const struct spconv_slot* s = context;
  const struct staged_image* im = s->image;
  const size_t side = im->side, pw = im->plane_width;
  if (s->by_row) {
    for (size_t y = 0; y < side; y++) {
      s->ukernel->fn(side, s->n, im->planes + y * pw, s->bias, s->values, s->offsets, s->counts,
                     s->output + y * side, side * side * sizeof(float), &s->params);
    }
  } else {
    s->ukernel->fn((side - 1) * pw + side, s->n, im->planes, s->bias, s->values, s->offsets, s->counts, s->output,
                   side * pw * sizeof(float), &s->params);
  }
  return true;
}

/* The kernel's weight stream for dense pruned weights [n][cols] (cols = c x 3 x 3): blocks of NR
 * channels over the union of their nonzero columns (zeros stored where a channel has none),
 * then the leftover channels one by one. Returns false when out of memory. */
static bool build_spconv_stream(const float* weights, size_t n, size_t cols, uint32_t nr,
                                const struct staged_image* im, struct spconv_slot* s) {
  const size_t blocks = n / nr, leftover = n % nr;
  s->counts = malloc((blocks + leftover + 1) * sizeof(uint32_t));
  s->values = malloc((n * cols + 1) * sizeof(float));
  s->offsets = malloc((n * cols + 1) * sizeof(int32_t));
  if (s->counts == NULL || s->values == NULL || s->offsets == NULL) {
    return false;
  }
  const size_t plane = im->plane_rows * im->plane_width;
  size_t values = 0, entries = 0;
  for (size_t unit = 0; unit < blocks + leftover; unit++) {
    const size_t first = unit < blocks ? unit * nr : blocks * nr + (unit - blocks);
    const size_t rows = unit < blocks ? nr : 1;
    uint32_t count = 0;
    for (size_t col = 0; col < cols; col++) {
      bool any = false;
      for (size_t r = 0; r < rows; r++) {
        any = any || weights[(first + r) * cols + col] != 0.0f;
      }
      if (!any) {
        continue;
      }
      for (size_t r = 0; r < rows; r++) {
        s->values[values++] = weights[(first + r) * cols + col];
      }
      const size_t c = col / 9, ky = col % 9 / 3, kx = col % 3;
      s->offsets[entries++] = (int32_t) ((c * plane + ky * im->plane_width + kx) * sizeof(float));
      count++;
    }
    s->counts[unit] = count;
  }
  return true;
}

static void free_spconv_slot(struct spconv_slot* s) {
  free(s->values);
  free(s->offsets);
  free(s->counts);
  free(s->output);
}

/* The valid side x side pixels of a narrow-image output, for the check. */
static void compact_output(const struct spconv_slot* s, float* out) {
  const size_t side = s->image->side, pw = s->image->plane_width;
  for (size_t c = 0; c < s->n; c++) {
    for (size_t y = 0; y < side; y++) {
      memcpy(out + (c * side + y) * side, s->output + (c * side + y) * pw, side * sizeof(float));
    }
  }
}

static void describe(struct bench_result* r, const char* layer, const char* format, const char* name,
                     enum sprig_isa isa, uint32_t mr, uint32_t nr, size_t m, size_t k, size_t n, size_t nnz,
                     double sparsity) {
  snprintf(r->suite, sizeof(r->suite), "kernels");
  snprintf(r->layer, sizeof(r->layer), "%s", layer);
  snprintf(r->format, sizeof(r->format), "%s", format);
  snprintf(r->kernel, sizeof(r->kernel), "%s", name);
  snprintf(r->isa, sizeof(r->isa), "%s", sprig_isa_to_string(isa));
  snprintf(r->kind, sizeof(r->kind), "kernel");
  r->m = m;
  r->k = k;
  r->n = n;
  r->nnz = nnz;
  r->threads = 1;
  r->mr = mr;
  r->nr = nr;
  r->target_sparsity = sparsity;
  r->sparsity = 1.0 - (double) nnz / ((double) k * (double) n);
  r->macs = (double) nnz * (double) m;
}

/* XNNPACK (NCHW where it has the shape, and NHWC) on a conv2d layer, set up single-threaded. */
static void create_xnn(const struct bench_problem* problem, struct bench_runner* runners) {
  bench_xnn_sparse_runner_create(problem, &runners[0]);
  bench_xnn_dense_runner_create(problem, &runners[1]);
  for (int i = 0; i < 2; i++) {
    if (runners[i].available && !runners[i].setup(&runners[i], NULL)) {
      runners[i].available = false;
    }
  }
}

static bool run_xnn(void* context) {
  struct bench_runner* runner = context;
  return runner->run(runner, NULL);
}

/* Times `count` prepared contenders plus the two XNNPACK runners; fills the results' times,
 * prints the table with `yardstick` (a slot index or SIZE_MAX) as the default kernel. */
static size_t time_family(struct bench_contender* contenders, size_t count, struct bench_runner* xnn,
                          const struct bench_options* o, double* medians) {
  for (int x = 0; x < 2; x++) {
    contenders[count + x] = (struct bench_contender){xnn[x].available ? run_xnn : NULL, &xnn[x]};
  }
  return bench_time_interleaved(contenders, count + 2, &o->timing, medians);
}

static void finish_rows(struct bench_results* results, const size_t* indices, size_t count, const double* medians,
                        size_t reps, size_t yardstick, const char* xnn_sparse_label, const char* xnn_dense_label) {
  const double default_us = yardstick != SIZE_MAX ? medians[yardstick] : NAN;
  bench_print_kernel_header(stdout);
  for (size_t i = 0; i < count; i++) {
    struct bench_result* r = &results->items[indices[i]];
    r->reps = reps;
    if (r->ok) {
      r->us[bench_sprig] = medians[i];
      r->us[bench_xnn_sparse] = medians[count];
      r->us[bench_xnn_dense] = medians[count + 1];
      r->gflops = 2.0 * r->macs / (r->us[bench_sprig] * 1e-6) * 1e-9;
      r->peak_gflops = bench_peak_gflops(r->isa, NULL);
      r->peak_pct = 100.0 * r->gflops / r->peak_gflops;
    }
    bench_print_kernel_row(stdout, r, default_us);
  }
  const char* labels[2] = {xnn_sparse_label, xnn_dense_label};
  for (int x = 0; x < 2; x++) {
    if (!isnan(medians[count + x])) {
      printf("%-62s %-9s %5s %6s %9.1f\n", labels[x], "", "", "", medians[count + x]);
    }
  }
}

static size_t image_side(size_t pixels) {
  size_t side = (size_t) (sqrt((double) pixels) + 0.5);
  return side > 0 ? side : 1;
}

static bool run_spconv_family(const struct bench_options* o, double sparsity, struct bench_results* results) {
  const struct sprig_hardware* hw = sprig_get_hardware();
  const struct bench_format* format = o->formats[0];
  const size_t side = image_side(o->kernel_m), k = o->kernel_k, n = o->kernel_n, cols = k * 9, m = side * side;
  char layer_name[64];
  snprintf(layer_name, sizeof(layer_name), "conv3x3-%zux%zux%zu-%zu", side, side, k, n);
  printf("\nf32-spconv kernels: 3x3 s1 pad 1 convolution, %zux%zu image, %zu -> %zu channels (k = %zu), sparsity %.2f "
         "(%s), 1 thread, direct calls on zero-padded planes, %s:\n",
         side, side, k, n, cols, sparsity, format->name,
         side >= ROW_PIXELS ? "one call per output row" : "one run across the padded width");
  struct staged_image im;
  float* weights = bench_alloc_floats(n * cols);
  float* ohwi = bench_alloc_floats(n * cols);
  float* bias = bench_alloc_floats(n);
  float* compact = bench_alloc_floats(n * m);
  struct spconv_slot* slots = calloc(sprig_f32_spconv_ukernel_count + 1, sizeof(struct spconv_slot));
  size_t* indices = calloc(sprig_f32_spconv_ukernel_count + 1, sizeof(size_t));
  struct bench_contender* contenders = calloc(sprig_f32_spconv_ukernel_count + 2, sizeof(struct bench_contender));
  double* medians = calloc(sprig_f32_spconv_ukernel_count + 2, sizeof(double));
  struct bench_reference reference = {0};
  struct bench_runner xnn[2] = {{0}, {0}};
  bool ok = stage_image(side, 1, k, o->seed, &im) && weights != NULL && ohwi != NULL && bias != NULL &&
            compact != NULL && slots != NULL && indices != NULL && contenders != NULL && medians != NULL;
  size_t nnz = 0;
  if (ok) {
    struct bench_rng rng = {o->seed ^ UINT64_C(0x2545f4914f6cdd1d)};
    bench_fill_random(&rng, weights, n * cols);
    bench_fill_random(&rng, bias, n);
    nnz = bench_prune(format, weights, n, cols, sparsity);
    const struct bench_conv_geometry g = {k, n, 1, side, side, side, side, 3, 1, 1, false};
    ok = nnz != (size_t) -1 && bench_reference_compute_conv(&g, weights, bias, im.nchw, &reference) == 0;
  }
  size_t count = 0;
  for (size_t i = 0; ok && i < sprig_f32_spconv_ukernel_count; i++) {
    const struct sprig_f32_spconv_ukernel* uk = &sprig_f32_spconv_ukernels[i];
    if (hw == NULL || !hw->has_isa[uk->isa]) {
      if (!o->quiet) {
        fprintf(stderr, "skipping %s: this CPU (or build) cannot run %s\n", uk->name, sprig_isa_to_string(uk->isa));
      }
      continue;
    }
    struct spconv_slot* s = &slots[count];
    *s = (struct spconv_slot){.ukernel = uk, .image = &im, .n = n, .bias = bias, .by_row = side >= ROW_PIXELS,
                              .params = {-INFINITY, INFINITY}};
    s->output = bench_alloc_floats(n * side * im.plane_width);
    struct bench_result* r = bench_results_add(results);
    ok = r != NULL && s->output != NULL && build_spconv_stream(weights, n, cols, uk->nr, &im, s);
    if (!ok) {
      break;
    }
    indices[count] = results->count - 1;
    describe(r, layer_name, format->name, uk->name, uk->isa, uk->mr, uk->nr, m, cols, n, nnz, sparsity);
    for (size_t j = 0; j < n * side * im.plane_width; j++) {
      s->output[j] = NAN;
    }
    run_spconv(s);
    if (!s->by_row) {
      compact_output(s, compact);
    }
    r->rel_err[bench_sprig] = bench_max_relative_error(&reference, s->by_row ? s->output : compact, false);
    r->ok = r->rel_err[bench_sprig] <= BENCH_MAX_REL_ERR;
    if (!r->ok) {
      snprintf(r->note, sizeof(r->note), "disagrees with the reference: max rel err %.3g", r->rel_err[bench_sprig]);
    } else if (uk->nr > 1) {
      snprintf(r->note, sizeof(r->note), "GFLOP/s counts real nonzeros only, not zeros stored in blocks of %u "
               "channels", uk->nr);
    }
    contenders[count] = (struct bench_contender){r->ok ? run_spconv : NULL, s};
    count++;
  }
  size_t yardstick = SIZE_MAX;
  if (ok) {
    for (size_t oc = 0; oc < n; oc++) {
      for (size_t c = 0; c < k; c++) {
        for (size_t t = 0; t < 9; t++) {
          ohwi[(oc * 9 + t) * k + c] = weights[(oc * k + c) * 9 + t];
        }
      }
    }
    const struct bench_layer shape = {"kernel-shape", bench_layer_conv2d, k, n, side, side, 1, 1, 3, 1, 1, 1,
                                      false, false};
    const struct bench_problem problem = {&shape, format, m, cols, n, weights, ohwi, bias, im.nchw, im.nhwc};
    create_xnn(&problem, xnn);
    const struct sprig_f32_spconv_ukernel* chosen = sprig_choose_f32_spconv_ukernel(hw, 1);
    const size_t run_pixels = side >= ROW_PIXELS ? side : (side - 1) * im.plane_width + side;
    const struct sprig_f32_spconv_ukernel* fitted =
        chosen != NULL ? sprig_fit_f32_spconv_ukernel(hw, chosen, run_pixels) : NULL;
    for (size_t i = 0; i < count && fitted != NULL; i++) {
      if (slots[i].ukernel == fitted && results->items[indices[i]].ok) {
        yardstick = i;
      }
    }
    const size_t reps = time_family(contenders, count, xnn, o, medians);
    finish_rows(results, indices, count, medians, reps, yardstick, "XNNPACK NCHW conv (same shape)",
                "XNNPACK dense (3x3 NHWC conv, same shape)");
    ok = reps > 0;
    for (size_t i = 0; i < count; i++) {
      ok = ok && results->items[indices[i]].ok;
    }
  } else {
    fprintf(stderr, "sprig-bench: out of memory (or pruning failed) in --kernels (f32-spconv)\n");
  }
  for (size_t i = 0; slots != NULL && i < sprig_f32_spconv_ukernel_count; i++) {
    free_spconv_slot(&slots[i]);
  }
  bench_runner_destroy(&xnn[0]);
  bench_runner_destroy(&xnn[1]);
  bench_reference_free(&reference);
  free_image(&im);
  free(weights);
  free(ohwi);
  free(bias);
  free(compact);
  free(slots);
  free(indices);
  free(contenders);
  free(medians);
  return ok;
}

/* ---- f32-dwconv ---- */

struct dwconv_slot {
  const struct sprig_f32_dwconv_ukernel* ukernel;
  const struct staged_image* image;
  size_t channels;
  const float* weights;  /* per channel: bias, then taps */
  int32_t offsets[25];
  float* output;         /* [channels][side][side] */
  struct sprig_f32_minmax_params params;
};

static bool run_dwconv(void* context) {
  const struct dwconv_slot* s = context;
  const struct staged_image* im = s->image;
  const size_t taps = s->ukernel->taps, side = im->side, plane = im->plane_rows * im->plane_width;
  for (size_t c = 0; c < s->channels; c++) {
    s->ukernel->fn(side, side, im->planes + c * plane, im->plane_width * sizeof(float), s->offsets,
                   s->weights + c * (taps + 1), s->output + c * side * side, side * sizeof(float), &s->params);
  }
  return true;
}

static bool run_dwconv_taps(const struct bench_options* o, uint32_t kernel, struct bench_results* results) {
  const struct sprig_hardware* hw = sprig_get_hardware();
  const size_t taps = (size_t) kernel * kernel, side = image_side(o->kernel_m), channels = o->kernel_n;
  const size_t m = side * side;
  char layer_name[64];
  snprintf(layer_name, sizeof(layer_name), "dw%ux%u-%zux%zux%zu", kernel, kernel, side, side, channels);
  size_t listed = 0;
  for (size_t i = 0; i < sprig_f32_dwconv_ukernel_count; i++) {
    listed += sprig_f32_dwconv_ukernels[i].taps == taps;
  }
  if (listed == 0) {
    return true;
  }
  printf("\nf32-dwconv kernels: depthwise %ux%u s1 pad %u, %zux%zu image, %zu channels, dense, 1 thread, one call "
         "per channel on zero-padded planes:\n", kernel, kernel, kernel / 2, side, side, channels);
  struct staged_image im;
  float* weights = bench_alloc_floats(channels * taps);
  float* ohwi = bench_alloc_floats(channels * taps);
  float* bias = bench_alloc_floats(channels);
  float* packed = bench_alloc_floats(channels * (taps + 1));
  struct dwconv_slot* slots = calloc(listed, sizeof(struct dwconv_slot));
  size_t* indices = calloc(listed, sizeof(size_t));
  struct bench_contender* contenders = calloc(listed + 2, sizeof(struct bench_contender));
  double* medians = calloc(listed + 2, sizeof(double));
  struct bench_reference reference = {0};
  struct bench_runner xnn[2] = {{0}, {0}};
  bool ok = stage_image(side, kernel / 2, channels, o->seed, &im) && weights != NULL && ohwi != NULL &&
            bias != NULL && packed != NULL && slots != NULL && indices != NULL && contenders != NULL &&
            medians != NULL;
  if (ok) {
    struct bench_rng rng = {o->seed ^ UINT64_C(0x9e3779b97f4a7c15) ^ taps};
    bench_fill_random(&rng, weights, channels * taps);
    bench_fill_random(&rng, bias, channels);
    memcpy(ohwi, weights, channels * taps * sizeof(float)); /* [c][1][kh][kw] is also OHWI */
    for (size_t c = 0; c < channels; c++) {
      packed[c * (taps + 1)] = bias[c];
      memcpy(packed + c * (taps + 1) + 1, weights + c * taps, taps * sizeof(float));
    }
    const struct bench_conv_geometry g = {channels, channels, channels, side, side, side, side, kernel, 1,
                                          kernel / 2, false};
    ok = bench_reference_compute_conv(&g, weights, bias, im.nchw, &reference) == 0;
  }
  size_t count = 0;
  for (size_t i = 0; ok && i < sprig_f32_dwconv_ukernel_count; i++) {
    const struct sprig_f32_dwconv_ukernel* uk = &sprig_f32_dwconv_ukernels[i];
    if (uk->taps != taps) {
      continue;
    }
    if (hw == NULL || !hw->has_isa[uk->isa]) {
      if (!o->quiet) {
        fprintf(stderr, "skipping %s: this CPU (or build) cannot run %s\n", uk->name, sprig_isa_to_string(uk->isa));
      }
      continue;
    }
    struct dwconv_slot* s = &slots[count];
    *s = (struct dwconv_slot){.ukernel = uk, .image = &im, .channels = channels, .weights = packed,
                              .params = {-INFINITY, INFINITY}};
    for (size_t t = 0; t < taps; t++) {
      s->offsets[t] = (int32_t) ((t / kernel * im.plane_width + t % kernel) * sizeof(float));
    }
    s->output = bench_alloc_floats(channels * m);
    struct bench_result* r = bench_results_add(results);
    ok = r != NULL && s->output != NULL;
    if (!ok) {
      break;
    }
    indices[count] = results->count - 1;
    describe(r, layer_name, "dense", uk->name, uk->isa, 1, 1, m, taps, channels, channels * taps, 0.0);
    for (size_t j = 0; j < channels * m; j++) {
      s->output[j] = NAN;
    }
    run_dwconv(s);
    r->rel_err[bench_sprig] = bench_max_relative_error(&reference, s->output, false);
    r->ok = r->rel_err[bench_sprig] <= BENCH_MAX_REL_ERR;
    if (!r->ok) {
      snprintf(r->note, sizeof(r->note), "disagrees with the reference: max rel err %.3g", r->rel_err[bench_sprig]);
    }
    contenders[count] = (struct bench_contender){r->ok ? run_dwconv : NULL, s};
    count++;
  }
  if (ok) {
    const struct bench_layer shape = {"kernel-shape", bench_layer_conv2d, channels, channels, side, side, 1, 1,
                                      kernel, 1, kernel / 2, (uint32_t) channels, true, false};
    const struct bench_problem problem = {&shape, o->formats[0], m, taps, channels, weights, ohwi, bias, im.nchw,
                                          im.nhwc};
    create_xnn(&problem, xnn);
    const struct sprig_f32_dwconv_ukernel* chosen = sprig_choose_f32_dwconv_ukernel(hw, (uint32_t) taps);
    size_t yardstick = SIZE_MAX;
    for (size_t i = 0; i < count; i++) {
      if (slots[i].ukernel == chosen && results->items[indices[i]].ok) {
        yardstick = i;
      }
    }
    const size_t reps = time_family(contenders, count, xnn, o, medians);
    finish_rows(results, indices, count, medians, reps, yardstick, "XNNPACK NCHW depthwise conv (same shape)",
                "XNNPACK NHWC depthwise conv (same shape)");
    ok = reps > 0 || count == 0;
    for (size_t i = 0; i < count; i++) {
      ok = ok && results->items[indices[i]].ok;
    }
  } else {
    fprintf(stderr, "sprig-bench: out of memory in --kernels (f32-dwconv)\n");
  }
  for (size_t i = 0; slots != NULL && i < listed; i++) {
    free(slots[i].output);
  }
  bench_runner_destroy(&xnn[0]);
  bench_runner_destroy(&xnn[1]);
  bench_reference_free(&reference);
  free_image(&im);
  free(weights);
  free(ohwi);
  free(bias);
  free(packed);
  free(slots);
  free(indices);
  free(contenders);
  free(medians);
  return ok;
}

/* ---- f32-dwconv2d-chw ---- */

struct direct_slot {
  const struct sprig_f32_dwconv2d_chw_ukernel* ukernel;
  const struct staged_image* image;  /* its nchw planes are read directly */
  size_t channels, out_side;
  const float* weights;              /* per channel: bias, then taps */
  const float* zero;
  float* output;                     /* [channels][out_side][out_side] */
  struct sprig_f32_minmax_params params;
};

static bool run_direct(void* context) {
  const struct direct_slot* s = context;
  const struct staged_image* im = s->image;
  const size_t k = s->ukernel->kernel_size, taps = k * k, side = im->side, out = s->out_side;
  for (size_t c = 0; c < s->channels; c++) {
    s->ukernel->fn(side, side, out, out, im->nchw + c * side * side, s->weights + c * (taps + 1), s->zero,
                   s->output + c * out * out, (uint32_t) ((k - 1) / 2), &s->params);
  }
  return true;
}

/* The int8 twin of a direct depthwise shape: the staged planes quantized (x x 32, rounded,
 * clamped), weights x 64, one bias and scale for every channel, and the scalar kernel's outputs,
 * which every listed int8 kernel must reproduce bit for bit (the tests hold the scalar kernel to
 * the reference). */
struct direct_q8 {
  size_t side, out_side, channels;
  int8_t* input;    /* [channels][side][side] */
  int8_t* weights;  /* [channels][k x k] */
  int8_t* expected; /* [channels][out_side][out_side] */
  size_t scratch_bytes;
  struct sprig_qs8_dwconv2d_chw_params params;
};

struct direct_q8_slot {
  const struct sprig_qs8_dwconv2d_chw_ukernel* ukernel;
  const struct direct_q8* q;
  void* scratch;
  int8_t* output;
};

static bool run_direct_q8(void* context) {
  const struct direct_q8_slot* s = context;
  const struct direct_q8* q = s->q;
  const size_t k = s->ukernel->kernel_size, side = q->side, out = q->out_side;
  for (size_t c = 0; c < q->channels; c++) {
    s->ukernel->fn(side, side, out, out, q->input + c * side * side, q->weights + c * k * k, 1000, 1.0f / 512.0f,
                   s->output + c * out * out, (uint32_t) ((k - 1) / 2), s->scratch, &q->params);
  }
  return true;
}

static int8_t quantized(float x, float scale) {
  const float v = nearbyintf(x * scale);
  return (int8_t) (v < -128.0f ? -128.0f : v > 127.0f ? 127.0f : v);
}

static void direct_q8_free(struct direct_q8* q) {
  free(q->input);
  free(q->weights);
  free(q->expected);
}

/* Quantizes the planes and weights and runs the scalar kernel of the shape for the outputs. */
static bool direct_q8_init(struct direct_q8* q, const float* planes, const float* weights, size_t side,
                           size_t out_side, size_t channels, uint32_t kernel, uint32_t stride) {
  const size_t taps = (size_t) kernel * kernel;
  *q = (struct direct_q8){side, out_side, channels, malloc(channels * side * side), malloc(channels * taps),
                          malloc(channels * out_side * out_side),
                          sprig_qs8_dwconv2d_chw_scratch_bytes(side, out_side, kernel, stride),
                          {3, {-128.0f - 2.0f, 127.0f - 2.0f, 2}}};
  const struct sprig_qs8_dwconv2d_chw_ukernel* scalar = NULL;
  for (size_t i = 0; i < sprig_qs8_dwconv2d_chw_ukernel_count; i++) {
    const struct sprig_qs8_dwconv2d_chw_ukernel* uk = &sprig_qs8_dwconv2d_chw_ukernels[i];
    if (uk->isa == sprig_isa_scalar && uk->kernel_size == kernel && uk->stride == stride) {
      scalar = uk;
    }
  }
  void* scratch = aligned_alloc(64, q->scratch_bytes);
  const bool ok = q->input != NULL && q->weights != NULL && q->expected != NULL && scratch != NULL && scalar != NULL;
  if (ok) {
    for (size_t i = 0; i < channels * side * side; i++) {
      q->input[i] = quantized(planes[i], 32.0f);
    }
    for (size_t i = 0; i < channels * taps; i++) {
      q->weights[i] = quantized(weights[i], 64.0f);
    }
    const struct direct_q8_slot reference = {scalar, q, scratch, q->expected};
    run_direct_q8((void*) &reference);
  }
  free(scratch);
  return ok;
}

/* Adds a timed row for every int8 kernel of the shape this CPU runs (after `count` contenders);
 * returns the new count. */
static size_t add_direct_q8_rows(const struct direct_q8* q, uint32_t kernel, uint32_t stride, const char* layer_name,
                                 struct direct_q8_slot* slots, struct bench_contender* contenders, size_t* indices,
                                 size_t count, struct bench_results* results) {
  const struct sprig_hardware* hw = sprig_get_hardware();
  const size_t taps = (size_t) kernel * kernel, m = q->out_side * q->out_side;
  size_t added = 0;
  for (size_t i = 0; i < sprig_qs8_dwconv2d_chw_ukernel_count; i++) {
    const struct sprig_qs8_dwconv2d_chw_ukernel* uk = &sprig_qs8_dwconv2d_chw_ukernels[i];
    if (uk->kernel_size != kernel || uk->stride != stride || hw == NULL || !hw->has_isa[uk->isa]) {
      continue;
    }
    struct direct_q8_slot* s = &slots[added];
    *s = (struct direct_q8_slot){uk, q, aligned_alloc(64, q->scratch_bytes), malloc(q->channels * m)};
    struct bench_result* r = bench_results_add(results);
    if (r == NULL || s->scratch == NULL || s->output == NULL) {
      break;
    }
    indices[count + added] = results->count - 1;
    describe(r, layer_name, "dense qs8", uk->name, uk->isa, 1, 1, m, taps, q->channels, q->channels * taps, 0.0);
    run_direct_q8(s);
    r->ok = memcmp(s->output, q->expected, q->channels * m) == 0;
    r->rel_err[bench_sprig] = r->ok ? 0.0 : NAN;
    if (!r->ok) {
      snprintf(r->note, sizeof(r->note), "int8 outputs differ from the scalar kernel's");
    }
    contenders[count + added] = (struct bench_contender){r->ok ? run_direct_q8 : NULL, s};
    added++;
  }
  return count + added;
}

static bool run_direct_shape(const struct bench_options* o, uint32_t kernel, uint32_t stride,
                             struct bench_results* results) {
  const struct sprig_hardware* hw = sprig_get_hardware();
  const size_t taps = (size_t) kernel * kernel, side = image_side(o->kernel_m), channels = o->kernel_n;
  const uint32_t pad = (kernel - 1) / 2;
  const size_t out_side = bench_conv_output_size(side, kernel, stride, pad), m = out_side * out_side;
  size_t listed = 0;
  for (size_t i = 0; i < sprig_f32_dwconv2d_chw_ukernel_count; i++) {
    const struct sprig_f32_dwconv2d_chw_ukernel* uk = &sprig_f32_dwconv2d_chw_ukernels[i];
    listed += uk->kernel_size == kernel && uk->stride == stride;
  }
  if (listed == 0 || side + 2 * pad < kernel) {
    return true;
  }
  char layer_name[64];
  snprintf(layer_name, sizeof(layer_name), "dw%ux%us%u-%zux%zux%zu", kernel, kernel, stride, side, side, channels);
  printf("\nf32-dwconv2d-chw kernels (then qs8-dwconv2d-chw on the planes in int8, their outputs equal to the "
         "scalar kernel's): depthwise %ux%u s%u pad %u, %zux%zu image -> %zux%zu, %zu channels, dense, "
         "1 thread, one call per channel on the NCHW planes (no staging):\n",
         kernel, kernel, stride, pad, side, side, out_side, out_side, channels);
  struct staged_image im;
  float* weights = bench_alloc_floats(channels * taps);
  float* bias = bench_alloc_floats(channels);
  float* packed = bench_alloc_floats(channels * (taps + 1));
  float* zero = bench_alloc_floats(side + 2 * kernel);
  struct direct_slot* slots = calloc(listed, sizeof(struct direct_slot));
  struct direct_q8_slot* q8_slots = calloc(sprig_qs8_dwconv2d_chw_ukernel_count, sizeof(struct direct_q8_slot));
  const size_t most = listed + sprig_qs8_dwconv2d_chw_ukernel_count;
  size_t* indices = calloc(most, sizeof(size_t));
  struct bench_contender* contenders = calloc(most + 2, sizeof(struct bench_contender));
  double* medians = calloc(most + 2, sizeof(double));
  struct direct_q8 q8 = {0};
  struct bench_reference reference = {0};
  struct bench_runner xnn[2] = {{0}, {0}};
  bool ok = stage_image(side, 0, channels, o->seed, &im) && weights != NULL && bias != NULL && packed != NULL &&
            zero != NULL && slots != NULL && q8_slots != NULL && indices != NULL && contenders != NULL &&
            medians != NULL;
  if (ok) {
    struct bench_rng rng = {o->seed ^ UINT64_C(0x9e3779b97f4a7c15) ^ taps ^ ((uint64_t) stride << 8)};
    bench_fill_random(&rng, weights, channels * taps);
    bench_fill_random(&rng, bias, channels);
    for (size_t c = 0; c < channels; c++) {
      packed[c * (taps + 1)] = bias[c];
      memcpy(packed + c * (taps + 1) + 1, weights + c * taps, taps * sizeof(float));
    }
    const struct bench_conv_geometry g = {channels, channels, channels, side, side, out_side, out_side, kernel,
                                          stride, pad, false};
    ok = bench_reference_compute_conv(&g, weights, bias, im.nchw, &reference) == 0 &&
         direct_q8_init(&q8, im.nchw, weights, side, out_side, channels, kernel, stride);
  }
  size_t count = 0;
  for (size_t i = 0; ok && i < sprig_f32_dwconv2d_chw_ukernel_count; i++) {
    const struct sprig_f32_dwconv2d_chw_ukernel* uk = &sprig_f32_dwconv2d_chw_ukernels[i];
    if (uk->kernel_size != kernel || uk->stride != stride) {
      continue;
    }
    if (hw == NULL || !hw->has_isa[uk->isa]) {
      if (!o->quiet) {
        fprintf(stderr, "skipping %s: this CPU (or build) cannot run %s\n", uk->name, sprig_isa_to_string(uk->isa));
      }
      continue;
    }
    struct direct_slot* s = &slots[count];
    *s = (struct direct_slot){.ukernel = uk, .image = &im, .channels = channels, .out_side = out_side,
                              .weights = packed, .zero = zero, .params = {-INFINITY, INFINITY}};
    s->output = bench_alloc_floats(channels * m);
    struct bench_result* r = bench_results_add(results);
    ok = r != NULL && s->output != NULL;
    if (!ok) {
      break;
    }
    indices[count] = results->count - 1;
    describe(r, layer_name, "dense", uk->name, uk->isa, 1, 1, m, taps, channels, channels * taps, 0.0);
    for (size_t j = 0; j < channels * m; j++) {
      s->output[j] = NAN;
    }
    run_direct(s);
    r->rel_err[bench_sprig] = bench_max_relative_error(&reference, s->output, false);
    r->ok = r->rel_err[bench_sprig] <= BENCH_MAX_REL_ERR;
    if (!r->ok) {
      snprintf(r->note, sizeof(r->note), "disagrees with the reference: max rel err %.3g", r->rel_err[bench_sprig]);
    }
    contenders[count] = (struct bench_contender){r->ok ? run_direct : NULL, s};
    count++;
  }
  const size_t f32_count = count;
  if (ok) {
    count = add_direct_q8_rows(&q8, kernel, stride, layer_name, q8_slots, contenders, indices, count, results);
  }
  if (ok) {
    const struct bench_layer shape = {"kernel-shape", bench_layer_conv2d, channels, channels, side, side, 1, 1,
                                      kernel, stride, pad, (uint32_t) channels, true, false};
    const struct bench_problem problem = {&shape, o->formats[0], m, taps, channels, weights, weights, bias, im.nchw,
                                          im.nhwc};
    create_xnn(&problem, xnn);
    const struct sprig_f32_dwconv2d_chw_ukernel* chosen = sprig_choose_f32_dwconv2d_chw_ukernel(hw, kernel, stride);
    size_t yardstick = SIZE_MAX;
    for (size_t i = 0; i < f32_count; i++) {
      if (slots[i].ukernel == chosen && results->items[indices[i]].ok) {
        yardstick = i;
      }
    }
    const size_t reps = time_family(contenders, count, xnn, o, medians);
    finish_rows(results, indices, count, medians, reps, yardstick, "XNNPACK NCHW depthwise conv (same shape)",
                "XNNPACK NHWC depthwise conv (same shape)");
    ok = reps > 0 || count == 0;
    for (size_t i = 0; i < count; i++) {
      ok = ok && results->items[indices[i]].ok;
    }
  } else {
    fprintf(stderr, "sprig-bench: out of memory in --kernels (f32-dwconv2d-chw)\n");
  }
  for (size_t i = 0; slots != NULL && i < listed; i++) {
    free(slots[i].output);
  }
  for (size_t i = 0; q8_slots != NULL && i < sprig_qs8_dwconv2d_chw_ukernel_count; i++) {
    free(q8_slots[i].scratch);
    free(q8_slots[i].output);
  }
  free(q8_slots);
  direct_q8_free(&q8);
  bench_runner_destroy(&xnn[0]);
  bench_runner_destroy(&xnn[1]);
  bench_reference_free(&reference);
  free_image(&im);
  free(weights);
  free(bias);
  free(packed);
  free(zero);
  free(slots);
  free(indices);
  free(contenders);
  free(medians);
  return ok;
}

bool bench_run_conv_kernels(const struct bench_options* options, struct bench_results* results) {
  bool ok = true;
  for (size_t s = 0; s < options->sparsity_count; s++) {
    ok = run_spconv_family(options, options->sparsities[s], results) && ok;
  }
  ok = run_dwconv_taps(options, 3, results) && ok;
  ok = run_dwconv_taps(options, 5, results) && ok;
  for (uint32_t kernel = 3; kernel <= 5; kernel += 2) {
    for (uint32_t stride = 1; stride <= 2; stride++) {
      ok = run_direct_shape(options, kernel, stride, results) && ok;
    }
  }
  return ok;
}
