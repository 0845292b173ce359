/*
 * Every f32 sparse direct convolution kernel of kernels/f32-spconv/list.inc against a plain-C
 * reference computed here (double sums), case by case.
 *
 * How to read this file: struct spconv_tester describes one problem (pixels, channels, how many
 * stored values each channel or block has, the range of their byte offsets, output padding,
 * clamps, NaN inputs, split calls). spconv_tester_run makes random weights and offsets in the
 * kernels' layout (src/sprig/spconv.h: per unit -- a block of NR channels, or a single leftover
 * channel -- its stored values and one signed byte offset each), an input buffer that holds
 * exactly the bytes the offsets reach (from the lowest offset to the highest plus mc floats, so
 * that ASan catches a read outside [0, mc) of any offset's run), calls the kernel the way the
 * convolution path does and compares every output float with the reference: pixels [0, mc) of
 * each channel within error_bound of the exact sum, NaN where the exact sum is NaN; the padding
 * after pixel mc of every channel and guard floats before and after the output bit-identical
 * (never written). The cases at the end each set up a tester for one situation and the table
 * `cases` names them; every listed kernel runs every case, as one CMocka test "<kernel>: <case>",
 * skipped when this CPU or build cannot run the kernel's ISA. SPRIG_TEST_FILTER=<glob> runs only
 * the tests whose names match.
 */
#include "test-util.h"

#include <stdbool.h>

#include <sprig.h>
#include <sprig/config.h>
#include <sprig/hardware.h>
#include <sprig/spconv.h>

/* How many stored values each unit (block of NR channels, or single channel) gets. */
enum nnz_mode {
  nnz_random, /* uniform in [0, max_nnz] */
  nnz_zero,   /* none: the output is the clamped bias */
  nnz_one,    /* exactly one */
};

struct spconv_tester {
  size_t mc;              /* pixels: the kernel's mc */
  size_t nc;              /* output channels */
  enum nnz_mode nnz;
  uint32_t max_nnz;       /* for nnz_random */
  bool empty_units;       /* units 1, 4, 7, ... have no stored value */
  int32_t offset_min;     /* offsets are random multiples of 4 bytes in [4 * offset_min, */
  int32_t offset_max;     /*   4 * offset_max] */
  size_t output_padding;  /* output channels are mc + output_padding floats apart */
  float min, max;         /* the output clamp */
  bool nan_input;         /* some input floats are NaN */
  bool split;             /* 2 x 2 calls: at an odd pixel and an NR-aligned channel */
  uint64_t seed;
};

/* Guard floats before and after the output, which must stay untouched. */
#define GUARD 16

static struct spconv_tester spconv_tester_for(const struct sprig_f32_spconv_ukernel* uk) {
  return (struct spconv_tester){.mc = uk->mr, .nc = 5, .nnz = nnz_random, .max_nnz = 40, .offset_min = -300,
                                .offset_max = 300, .min = -INFINITY, .max = INFINITY, .seed = 1};
}

/* The kernel's view of the weights (src/sprig/spconv.h), and where each unit starts. */
struct kernel_stream {
  size_t nr, blocks, units;
  float* weights;
  int32_t* offsets;
  uint32_t* nnz;          /* per unit: stored values (columns for a block) */
  size_t* unit_weight;    /* per unit: its first weight */
  size_t* unit_offset;    /* per unit: its first offset */
  int32_t lowest, highest; /* the extreme stored offsets (bytes); 0, 0 when none */
  size_t stored;          /* offsets in all */
};

/* The unit of channel n, and channel n's row within it. */
static size_t unit_of(const struct kernel_stream* s, size_t n, size_t* row) {
  if (n < s->blocks * s->nr) {
    *row = n % s->nr;
    return n / s->nr;
  }
  *row = 0;
  return s->blocks + (n - s->blocks * s->nr);
}

static float nonzero_weight(struct rng* rng) {
  const float v = rng_float(rng);
  return v == 0.0f ? 0.5f : v;
}

static struct kernel_stream make_stream(const struct spconv_tester* t, size_t nr, struct rng* rng) {
  struct kernel_stream s;
  s.nr = nr;
  s.blocks = t->nc / nr;
  s.units = s.blocks + t->nc % nr;
  s.nnz = malloc(s.units * sizeof(uint32_t));
  s.unit_weight = malloc((s.units + 1) * sizeof(size_t));
  s.unit_offset = malloc((s.units + 1) * sizeof(size_t));
  size_t total_offsets = 0, total_weights = 0;
  for (size_t u = 0; u < s.units; u++) {
    uint32_t count = 0;
    switch (t->nnz) {
      case nnz_random:
        count = rng_next(rng) % (t->max_nnz + 1);
        break;
      case nnz_zero:
        count = 0;
        break;
      case nnz_one:
        count = 1;
        break;
    }
    if (t->empty_units && u % 3 == 1) {
      count = 0;
    }
    s.nnz[u] = count;
    s.unit_weight[u] = total_weights;
    s.unit_offset[u] = total_offsets;
    total_offsets += count;
    total_weights += count * (u < s.blocks ? nr : 1);
  }
  s.unit_weight[s.units] = total_weights;
  s.unit_offset[s.units] = total_offsets;
  s.stored = total_offsets;
  /* Exactly sized, so ASan catches a kernel reading past its weights or offsets. */
  s.weights = malloc(SPRIG_TEST_MAX(total_weights, 1) * sizeof(float));
  s.offsets = malloc(SPRIG_TEST_MAX(total_offsets, 1) * sizeof(int32_t));
  const uint32_t span = (uint32_t) (t->offset_max - t->offset_min) + 1;
  s.lowest = 0;
  s.highest = 0;
  for (size_t j = 0; j < total_offsets; j++) {
    const int32_t o = 4 * (t->offset_min + (int32_t) (rng_next(rng) % span));
    s.offsets[j] = o;
    if (j == 0 || o < s.lowest) {
      s.lowest = o;
    }
    if (j == 0 || o > s.highest) {
      s.highest = o;
    }
  }
  for (size_t u = 0; u < s.units; u++) {
    for (size_t i = s.unit_weight[u]; i < s.unit_weight[u + 1]; i++) {
      /* Blocks store a zero where a channel of the block has no weight at that offset. */
      s.weights[i] = u < s.blocks && rng_next(rng) % 5 == 0 ? 0.0f : nonzero_weight(rng);
    }
  }
  return s;
}

static void free_stream(struct kernel_stream* s) {
  free(s->weights);
  free(s->offsets);
  free(s->nnz);
  free(s->unit_weight);
  free(s->unit_offset);
}

/* The stored values of channel n: count, then weight k at weights[first + k * step] and its
 * offset at offsets[offset_first + k]. */
struct channel_entries {
  uint32_t count;
  size_t first, step, offset_first;
};

static struct channel_entries channel_entries(const struct kernel_stream* s, size_t n) {
  size_t row;
  const size_t u = unit_of(s, n, &row);
  const size_t width = u < s->blocks ? s->nr : 1;
  return (struct channel_entries){s->nnz[u], s->unit_weight[u] + row, width, s->unit_offset[u]};
}

static float clamp_reference(float x, float lo, float hi) {
  x = x < lo ? lo : x;
  return x > hi ? hi : x;
}

/* The input float of stored offset o (bytes) at pixel p. */
static float input_at(const float* input, int32_t o, size_t p) {
  return *(const float*) ((uintptr_t) input + (uintptr_t) (intptr_t) o + p * sizeof(float));
}

/* Calls the kernel on channels [n0, n1) and pixels [p0, p1); n0 is a multiple of NR. The bias
 * is exactly n1 - n0 floats long, so ASan catches a kernel reading past it. */
static void call_kernel(const struct sprig_f32_spconv_ukernel* uk, const struct kernel_stream* s, const float* bias,
                        const float* input, float* output, size_t output_stride, size_t n0, size_t n1, size_t p0,
                        size_t p1, const struct sprig_f32_minmax_params* params) {
  if (n0 == n1 || p0 == p1) {
    return;
  }
  size_t row;
  const size_t unit = unit_of(s, n0, &row);
  float* call_bias = malloc((n1 - n0) * sizeof(float));
  memcpy(call_bias, bias + n0, (n1 - n0) * sizeof(float));
  const float* call_input = (const float*) ((uintptr_t) input + p0 * sizeof(float));
  uk->fn(p1 - p0, n1 - n0, call_input, call_bias, s->weights + s->unit_weight[unit], s->offsets + s->unit_offset[unit],
         s->nnz + unit, output + n0 * output_stride + p0, output_stride * sizeof(float), params);
  free(call_bias);
}

/* The tester's parameters, for failure messages. */
static void describe(const struct spconv_tester* t, char* buffer, size_t size) {
  static const char* const modes[] = {"random", "0", "1"};
  snprintf(buffer, size,
           "%s (mc=%zu nc=%zu nnz=%s max_nnz=%u empty_units=%d offsets=[%d, %d] floats output_stride=%zu "
           "clamp=[%g, %g] nan_input=%d split=%d seed=%llu)",
           *kernel_test_name(), t->mc, t->nc, modes[t->nnz], t->max_nnz, t->empty_units, t->offset_min,
           t->offset_max, t->mc + t->output_padding, (double) t->min, (double) t->max, t->nan_input, t->split,
           (unsigned long long) t->seed);
}

static void spconv_tester_run(const struct spconv_tester* t, const struct sprig_f32_spconv_ukernel* uk) {
  struct rng rng = {t->seed * 0x9E3779B97F4A7C15ull + t->mc * 131 + t->nc};
  struct kernel_stream s = make_stream(t, uk->nr, &rng);
  float* bias = malloc(t->nc * sizeof(float));
  fill_random(&rng, bias, t->nc);

  /* Exactly the floats between the lowest offset and the highest offset plus mc. */
  const size_t input_count = s.stored == 0 ? 0 : (size_t) ((int64_t) s.highest - s.lowest) / 4 + t->mc;
  struct guarded buffer_memory; /* and a guard page after it */
  float* buffer = guarded_alloc(&buffer_memory, SPRIG_TEST_MAX(input_count, 1) * sizeof(float));
  fill_random(&rng, buffer, input_count);
  if (t->nan_input) {
    for (size_t i = 0; i < SPRIG_TEST_MAX(input_count / 50, 1) && input_count != 0; i++) {
      buffer[rng_next(&rng) % input_count] = NAN;
    }
  }
  /* input + lowest is the buffer's first float (integer arithmetic: input may lie outside it). */
  const float* input = (const float*) ((uintptr_t) buffer - (uintptr_t) (intptr_t) s.lowest);

  const size_t output_stride = t->mc + t->output_padding;
  const size_t output_count = t->nc * output_stride + 2 * GUARD;
  float* output_buffer = malloc(output_count * sizeof(float));
  fill_value(output_buffer, output_count, SENTINEL);
  float* output = output_buffer + GUARD;

  const struct sprig_f32_minmax_params params = {t->min, t->max};
  if (t->split) {
    const size_t pm = (t->mc / 2) | 1; /* odd, so the second half starts unaligned */
    const size_t pmid = SPRIG_TEST_MIN(pm, t->mc);
    const size_t nm = t->nc / 2 / uk->nr * uk->nr; /* block-aligned */
    call_kernel(uk, &s, bias, input, output, output_stride, 0, nm, 0, pmid, &params);
    call_kernel(uk, &s, bias, input, output, output_stride, 0, nm, pmid, t->mc, &params);
    call_kernel(uk, &s, bias, input, output, output_stride, nm, t->nc, 0, pmid, &params);
    call_kernel(uk, &s, bias, input, output, output_stride, nm, t->nc, pmid, t->mc, &params);
  } else {
    call_kernel(uk, &s, bias, input, output, output_stride, 0, t->nc, 0, t->mc, &params);
  }

  char what[512];
  describe(t, what, sizeof(what));
  for (size_t i = 0; i < GUARD; i++) {
    const float before = output_buffer[i];
    const float after = output_buffer[output_count - GUARD + i];
    if (memcmp(&before, &(float){SENTINEL}, sizeof(float)) != 0 ||
        memcmp(&after, &(float){SENTINEL}, sizeof(float)) != 0) {
      fail_msg("%s: a guard float around the output was written", what);
    }
  }
  for (size_t n = 0; n < t->nc; n++) {
    const struct channel_entries e = channel_entries(&s, n);
    for (size_t p = 0; p < output_stride; p++) {
      const float actual = output[n * output_stride + p];
      if (p >= t->mc) {
        if (memcmp(&actual, &(float){SENTINEL}, sizeof(float)) != 0) {
          fail_msg("%s: channel %zu: padding float %zu after the row was written (%.9g)", what, n, p - t->mc,
                   (double) actual);
        }
        continue;
      }
      double sum = bias[n];
      double magnitude = fabs((double) bias[n]);
      for (uint32_t k = 0; k < e.count; k++) {
        const double product =
            (double) s.weights[e.first + k * e.step] * (double) input_at(input, s.offsets[e.offset_first + k], p);
        sum += product;
        magnitude += fabs(product);
      }
      const float expected = clamp_reference((float) sum, t->min, t->max);
      if (isnan(expected) || isnan(actual)) {
        if (!(isnan(expected) && isnan(actual))) {
          fail_msg("%s: channel %zu pixel %zu is %.9g, expected %.9g", what, n, p, (double) actual,
                   (double) expected);
        }
        continue;
      }
      const float bound = error_bound(e.count, magnitude);
      if (!(fabsf(actual - expected) <= bound)) {
        fail_msg("%s: channel %zu pixel %zu is %.9g, expected %.9g (bound %.3g)", what, n, p, (double) actual,
                 (double) expected, (double) bound);
      }
    }
  }
  free_stream(&s);
  free(bias);
  guarded_free(&buffer_memory);
  free(output_buffer);
}

/* ---- the cases (each runs on every listed kernel; the table below names them) ---- */

#define KERNEL(uk) const struct sprig_f32_spconv_ukernel* uk = (const struct sprig_f32_spconv_ukernel*) ukernel

static const size_t channel_counts[] = {1, 5, 17};
#define CHANNEL_COUNTS (sizeof(channel_counts) / sizeof(channel_counts[0]))

/* The tester `t` for each of the channel counts. */
static void run_channel_counts(struct spconv_tester t, const struct sprig_f32_spconv_ukernel* uk) {
  for (size_t i = 0; i < CHANNEL_COUNTS; i++) {
    t.nc = channel_counts[i];
    t.seed += i;
    spconv_tester_run(&t, uk);
  }
}

static void run_mc(const struct sprig_f32_spconv_ukernel* uk, size_t mc) {
  struct spconv_tester t = spconv_tester_for(uk);
  t.mc = mc;
  run_channel_counts(t, uk);
}

static bool mr_above_1(const void* ukernel) {
  return ((const struct sprig_f32_spconv_ukernel*) ukernel)->mr > 1;
}

static bool nr_above_1(const void* ukernel) {
  return ((const struct sprig_f32_spconv_ukernel*) ukernel)->nr > 1;
}

static void mc_eq_1(const void* ukernel) {
  KERNEL(uk);
  run_mc(uk, 1);
}

static void mc_eq_mr_minus_1(const void* ukernel) {
  KERNEL(uk);
  run_mc(uk, uk->mr - 1);
}

static void mc_eq_mr(const void* ukernel) {
  KERNEL(uk);
  run_mc(uk, uk->mr);
}

static void mc_eq_mr_plus_1(const void* ukernel) {
  KERNEL(uk);
  run_mc(uk, uk->mr + 1);
}

static void mc_eq_2mr_plus_3(const void* ukernel) {
  KERNEL(uk);
  run_mc(uk, 2 * uk->mr + 3);
}

static void mc_eq_77(const void* ukernel) {
  KERNEL(uk);
  run_mc(uk, 77);
}

static void mc_lt_mr(const void* ukernel) {
  KERNEL(uk);
  /* Every remainder tile size below MR once (each halving, and the odd sizes between). */
  for (size_t mc = 1; mc < uk->mr; mc += mc < 8 ? 1 : SPRIG_TEST_MAX(uk->mr / 8, 1) + 1) {
    struct spconv_tester t = spconv_tester_for(uk);
    t.mc = mc;
    t.nc = 7;
    t.seed = mc;
    spconv_tester_run(&t, uk);
  }
}

static void nnz_0(const void* ukernel) {
  KERNEL(uk);
  const size_t mcs[] = {1, uk->mr, 2 * uk->mr + 3};
  for (size_t i = 0; i < 3; i++) {
    struct spconv_tester t = spconv_tester_for(uk);
    t.mc = mcs[i];
    t.nnz = nnz_zero;
    run_channel_counts(t, uk);
    t.min = -0.25f;
    t.max = 0.25f;
    run_channel_counts(t, uk);
  }
}

static void nnz_1(const void* ukernel) {
  KERNEL(uk);
  const size_t mcs[] = {1, uk->mr, 2 * uk->mr + 3};
  for (size_t i = 0; i < 3; i++) {
    struct spconv_tester t = spconv_tester_for(uk);
    t.mc = mcs[i];
    t.nnz = nnz_one;
    run_channel_counts(t, uk);
  }
}

static void empty_channels(const void* ukernel) {
  KERNEL(uk);
  const size_t mcs[] = {1, uk->mr, 2 * uk->mr + 3, 77};
  for (size_t i = 0; i < 4; i++) {
    struct spconv_tester t = spconv_tester_for(uk);
    t.mc = mcs[i];
    t.empty_units = true;
    run_channel_counts(t, uk);
    t.split = true;
    run_channel_counts(t, uk);
  }
}

static void many_stored_values(const void* ukernel) {
  KERNEL(uk);
  /* Up to 300 per unit: every unroll of the loop over stored values and its remainders. */
  struct spconv_tester t = spconv_tester_for(uk);
  t.mc = 2 * uk->mr + 3;
  t.max_nnz = 300;
  t.offset_min = -2000;
  t.offset_max = 2000;
  run_channel_counts(t, uk);
}

static void negative_offsets(const void* ukernel) {
  KERNEL(uk);
  /* Every offset negative: input points past the end of the buffer. */
  struct spconv_tester t = spconv_tester_for(uk);
  t.mc = uk->mr + 1;
  t.offset_min = -1000;
  t.offset_max = -(int32_t) t.mc;
  run_channel_counts(t, uk);
  t.mc = 77;
  t.offset_max = -77;
  run_channel_counts(t, uk);
}

static void positive_offsets(const void* ukernel) {
  KERNEL(uk);
  /* Every offset positive and far: input points well before the buffer. */
  struct spconv_tester t = spconv_tester_for(uk);
  t.mc = uk->mr + 1;
  t.offset_min = 100000;
  t.offset_max = 101000;
  run_channel_counts(t, uk);
}

static void wide_offsets(const void* ukernel) {
  KERNEL(uk);
  /* Offsets hundreds of kilobytes apart either way. */
  struct spconv_tester t = spconv_tester_for(uk);
  t.mc = 2 * uk->mr + 3;
  t.offset_min = -100000;
  t.offset_max = 100000;
  run_channel_counts(t, uk);
}

static void repeated_offsets(const void* ukernel) {
  KERNEL(uk);
  /* Few distinct offsets (within 3 floats), many values at each, overlapping runs. */
  struct spconv_tester t = spconv_tester_for(uk);
  t.mc = uk->mr + 1;
  t.offset_min = -1;
  t.offset_max = 1;
  run_channel_counts(t, uk);
  t.offset_min = 5;
  t.offset_max = 5;
  run_channel_counts(t, uk);
}

static void output_stride_gt_mc(const void* ukernel) {
  KERNEL(uk);
  const size_t paddings[] = {1, 3, 16};
  for (size_t i = 0; i < 3; i++) {
    struct spconv_tester t = spconv_tester_for(uk);
    t.mc = i == 2 ? 77 : uk->mr + 1;
    t.output_padding = paddings[i];
    run_channel_counts(t, uk);
  }
}

static void clamp_min(const void* ukernel) {
  KERNEL(uk);
  struct spconv_tester t = spconv_tester_for(uk);
  t.mc = uk->mr + 1;
  t.min = -0.25f;
  run_channel_counts(t, uk);
}

static void clamp_max(const void* ukernel) {
  KERNEL(uk);
  struct spconv_tester t = spconv_tester_for(uk);
  t.mc = uk->mr + 1;
  t.max = 0.25f;
  run_channel_counts(t, uk);
}

static void clamp_min_max(const void* ukernel) {
  KERNEL(uk);
  struct spconv_tester t = spconv_tester_for(uk);
  t.mc = 2 * uk->mr + 3;
  t.min = -0.25f;
  t.max = 0.5f;
  run_channel_counts(t, uk);
  t.min = 0.0f;
  t.max = 6.0f; /* ReLU6 */
  run_channel_counts(t, uk);
}

static void clamp_one_side_infinite(const void* ukernel) {
  KERNEL(uk);
  struct spconv_tester t = spconv_tester_for(uk);
  t.mc = 77;
  t.min = 0.0f; /* ReLU */
  run_channel_counts(t, uk);
  t.min = -INFINITY;
  t.max = -0.5f;
  run_channel_counts(t, uk);
}

static void nan_input(const void* ukernel) {
  KERNEL(uk);
  /* A NaN input float makes every output it reaches NaN, clamped or not. */
  const size_t mcs[] = {1, uk->mr + 1, 77};
  for (size_t i = 0; i < 3; i++) {
    struct spconv_tester t = spconv_tester_for(uk);
    t.mc = mcs[i];
    t.nan_input = true;
    t.offset_min = -40;
    t.offset_max = 40;
    run_channel_counts(t, uk);
    t.min = -0.25f;
    t.max = 0.25f;
    run_channel_counts(t, uk);
  }
}

static void split_calls(const void* ukernel) {
  KERNEL(uk);
  /* As the convolution path tiles: pixel ranges starting at an odd pixel, channel ranges at a
   * block boundary. */
  const size_t mcs[] = {uk->mr + 1, 2 * uk->mr + 3, 77};
  for (size_t i = 0; i < 3; i++) {
    struct spconv_tester t = spconv_tester_for(uk);
    t.mc = mcs[i];
    t.split = true;
    t.output_padding = 2;
    run_channel_counts(t, uk);
  }
}

static void nc_not_multiple_of_nr(const void* ukernel) {
  KERNEL(uk);
  for (size_t left = 1; left < uk->nr; left++) {
    const size_t mcs[] = {1, uk->mr, 2 * uk->mr + 3};
    for (size_t i = 0; i < 3; i++) {
      struct spconv_tester t = spconv_tester_for(uk);
      t.mc = mcs[i];
      t.nc = 3 * uk->nr + left;
      t.seed = left;
      spconv_tester_run(&t, uk);
      t.nc = left;
      spconv_tester_run(&t, uk);
    }
  }
}

static void sweep(const void* ukernel) {
  KERNEL(uk);
  /* mc = 1 .. 2 MR + 3 against channel counts, stored-value counts, paddings, clamps and split
   * calls, mixed so that every pixel remainder meets each of them. */
  uint64_t seed = 1;
  for (size_t mc = 1; mc <= 2 * uk->mr + 3; mc++) {
    for (size_t i = 0; i < CHANNEL_COUNTS; i++) {
      const int variant = (int) ((mc + i) % 4);
      const struct spconv_tester t = {
          .mc = mc, .nc = channel_counts[i], .nnz = nnz_random, .max_nnz = variant == 1 ? 3 : 40,
          .empty_units = variant == 2, .offset_min = -200, .offset_max = 200,
          .output_padding = variant & 1 ? 3 : 0, .min = variant == 3 ? -0.25f : -INFINITY,
          .max = variant == 3 ? 0.5f : INFINITY, .split = mc % 3 == 1, .seed = seed++};
      spconv_tester_run(&t, uk);
    }
  }
}

static bool is_inorder(const void* ukernel) {
  return ((const struct sprig_f32_spconv_ukernel*) ukernel)->inorder;
}

/* A CPU with only this kernel's ISA (and scalar): mostly in-order cores get the in-order variant,
 * others the ISA's default, which it replaces; the fit keeps it for full tiles. */
static void chosen_on_inorder_cores(const void* ukernel) {
  KERNEL(uk);
  const struct sprig_hardware inorder = hardware_with_only(uk->isa, true);
  assert_ptr_equal(sprig_choose_f32_spconv_ukernel(&inorder, uk->nr), uk);
  assert_ptr_equal(sprig_fit_f32_spconv_ukernel(&inorder, uk, uk->mr), uk);
  const struct sprig_hardware outoforder = hardware_with_only(uk->isa, false);
  const struct sprig_f32_spconv_ukernel* other = sprig_choose_f32_spconv_ukernel(&outoforder, uk->nr);
  assert_non_null(other);
  assert_true(other->is_default && !other->inorder && other->isa == uk->isa && other->mr == uk->mr);
}

static bool has_clamp_flavour(const void* ukernel) {
  return wasm_clamp_flavour(((const struct sprig_f32_spconv_ukernel*) ukernel)->name) != NULL;
}

/* A CPU with only this kernel's ISA: the default of this kernel's NR and its narrowing to every
 * pixel count keep the clamp flavour of the ISA's NR = 1 default. */
static void choices_keep_default_flavour(const void* ukernel) {
  KERNEL(uk);
  const struct sprig_hardware hardware = hardware_with_only(uk->isa, false);
  const char* want = wasm_clamp_flavour(sprig_choose_f32_spconv_ukernel(&hardware, 1)->name);
  const struct sprig_f32_spconv_ukernel* chosen = sprig_choose_f32_spconv_ukernel(&hardware, uk->nr);
  assert_non_null(chosen);
  for (size_t pixels = 1; pixels <= FLAVOUR_CHECK_PIXELS; pixels++) {
    assert_default_flavour(sprig_fit_f32_spconv_ukernel(&hardware, chosen, pixels)->name, want, pixels);
  }
}

static const struct kernel_test_case cases[] = {
    {"mc = 1", mc_eq_1, NULL},
    {"mc = MR - 1", mc_eq_mr_minus_1, mr_above_1},
    {"mc = MR", mc_eq_mr, NULL},
    {"mc = MR + 1", mc_eq_mr_plus_1, NULL},
    {"mc = 2 MR + 3", mc_eq_2mr_plus_3, NULL},
    {"mc = 77", mc_eq_77, NULL},
    {"mc < MR", mc_lt_mr, mr_above_1},
    {"nnz = 0 (bias only)", nnz_0, NULL},
    {"nnz = 1", nnz_1, NULL},
    {"some channels empty", empty_channels, NULL},
    {"many stored values (up to 300)", many_stored_values, NULL},
    {"negative offsets only", negative_offsets, NULL},
    {"positive far offsets only", positive_offsets, NULL},
    {"offsets 800 KB apart", wide_offsets, NULL},
    {"repeated offsets", repeated_offsets, NULL},
    {"output stride > mc", output_stride_gt_mc, NULL},
    {"clamp min", clamp_min, NULL},
    {"clamp max", clamp_max, NULL},
    {"clamp min and max", clamp_min_max, NULL},
    {"clamp with one side infinite", clamp_one_side_infinite, NULL},
    {"NaN input propagates", nan_input, NULL},
    {"split calls", split_calls, NULL},
    {"nc not a multiple of NR", nc_not_multiple_of_nr, nr_above_1},
    {"sweep: mc = 1 .. 2 MR + 3", sweep, NULL},
    {"chosen on in-order cores", chosen_on_inorder_cores, is_inorder},
    {"choices keep the default's clamp flavour", choices_keep_default_flavour, has_clamp_flavour},
};

static enum sprig_isa isa_of(const void* entry) {
  return ((const struct sprig_f32_spconv_ukernel*) entry)->isa;
}

static int initialize(void** state) {
  (void) state;
  /* A forced ISA the CPU lacks is reported by the test that needs it, not here. */
  (void) sprig_initialize();
  return 0;
}

int main(void) {
  return run_kernel_cases("f32-spconv", sprig_f32_spconv_ukernels, sprig_f32_spconv_ukernel_count,
                          sizeof(sprig_f32_spconv_ukernels[0]), isa_of, cases, sizeof(cases) / sizeof(cases[0]),
                          initialize);
}
