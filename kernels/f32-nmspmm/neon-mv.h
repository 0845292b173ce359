/*
 * What the NEON N:M matrix-vector kernels share (the 1x1 SpMM entry and nmspmv of
 * aarch64-neonfma.c and armv7-template.h): the dispatch over step widths and vector counts, the
 * scalar loop for the slots a channel's steps leave, and the exported entries' bodies. A step
 * takes R runs whose rows fit a table of MV_TABLE_FLOATS floats and whose slots fill S groups of
 * MV_GROUP_SLOTS slots (aarch64: 16 floats, quads of 4; armv7: 8 floats, pairs of 2), S = 1 .. 4.
 *
 * The includer defines MV_TABLE_FLOATS and MV_GROUP_SLOTS, includes this after isa/neon.h and
 * defines, after it,
 *   mv_channels(vectors, step_groups, runs, nc, groups, n, m, input, input_stride, bias, weights,
 *               indices, output, channel_stride, vector_stride, clamp)
 * for all nc channels of `vectors` (1 .. 4, a constant) input vectors, S = step_groups, R = runs.
 * Not compiled on its own. Contract: src/sprig/nmspmm.h.
 */
#ifndef MV_TABLE_FLOATS
#error "neon-mv.h is included after MV_TABLE_FLOATS and MV_GROUP_SLOTS are defined"
#endif

/* The vector `b` input vectors after the one at x (stride in bytes). */
INLINE const float* mv_vector(const float* x, size_t b, size_t input_stride) {
  return (const float*) ((uintptr_t) x + b * input_stride);
}

/* Steps of step_rows rows whose tables (MV_TABLE_FLOATS rows from each step's first) stay
 * within the rows of full runs, (groups - 1) * m: only those surely exist. */
INLINE size_t mv_safe_steps(size_t groups, size_t m, size_t step_rows) {
  const size_t safe_rows = groups != 0 ? (groups - 1) * m : 0;
  return safe_rows >= MV_TABLE_FLOATS ? (safe_rows - MV_TABLE_FLOATS) / step_rows + 1 : 0;
}

/* A channel's output for one vector: `sum` (its steps' sums) plus the `left` slots at w / ix
 * (run by run from xb, four sums in registers), the bias, clamped. */
INLINE float mv_finish(float sum, const float* xb, const float* w, const uint8_t* ix, size_t left, size_t n, size_t m,
                       float bias, struct clamp c) {
  float sums[4] = {sum, 0.0f, 0.0f, 0.0f};
  size_t run_row = 0; /* row 0 of the slot's run, from xb */
  size_t j = 0;       /* the slot's place in its run */
  for (size_t s = 0; s < left; s += 4) {
    UNROLL for (size_t q = 0; q < 4; q++) {
      if (s + q < left) {
        sums[q] += w[s + q] * xb[run_row + ix[s + q]];
        if (++j == n) {
          j = 0;
          run_row += m;
        }
      }
    }
  }
  return clamps(bias + ((sums[0] + sums[1]) + (sums[2] + sums[3])), c);
}

INLINE void mv_channels(size_t vectors, size_t step_groups, size_t runs, size_t nc, size_t groups, size_t n, size_t m,
                        const float* input, size_t input_stride, const float* bias, const float* weights,
                        const uint8_t* indices, float* output, size_t channel_stride, size_t vector_stride,
                        struct clamp c);

typedef void (*mv_fn)(size_t runs, size_t nc, size_t groups, size_t n, size_t m, const float* input,
                      size_t input_stride, const float* bias, const float* weights, const uint8_t* indices,
                      float* output, size_t channel_stride, size_t vector_stride,
                      const struct sprig_f32_minmax_params* params);

/* One out-of-line function per step width S and vector count B (each loop gets the registers). */
#define DEFINE_MV(S, B)                                                                                        \
  static __attribute__((noinline)) void mv_##S##_##B(                                                         \
      size_t runs, size_t nc, size_t groups, size_t n, size_t m, const float* input, size_t input_stride,      \
      const float* bias, const float* weights, const uint8_t* indices, float* output, size_t channel_stride,   \
      size_t vector_stride, const struct sprig_f32_minmax_params* params) {                                   \
    const struct clamp c = {vld1q_dup_f32(&params->min), vld1q_dup_f32(&params->max)};                        \
    mv_channels(B, S, runs, nc, groups, n, m, input, input_stride, bias, weights, indices, output,             \
                channel_stride, vector_stride, c);                                                             \
  }

DEFINE_MV(1, 1)
DEFINE_MV(1, 2)
DEFINE_MV(1, 3)
DEFINE_MV(1, 4)
DEFINE_MV(2, 1)
DEFINE_MV(2, 2)
DEFINE_MV(2, 3)
DEFINE_MV(2, 4)
DEFINE_MV(3, 1)
DEFINE_MV(3, 2)
DEFINE_MV(3, 3)
DEFINE_MV(3, 4)
DEFINE_MV(4, 1)
DEFINE_MV(4, 2)
DEFINE_MV(4, 3)
DEFINE_MV(4, 4)

/* [S - 1][B - 1] */
static const mv_fn mv_fns[4][4] = {
    {mv_1_1, mv_1_2, mv_1_3, mv_1_4},
    {mv_2_1, mv_2_2, mv_2_3, mv_2_4},
    {mv_3_1, mv_3_2, mv_3_3, mv_3_4},
    {mv_4_1, mv_4_2, mv_4_3, mv_4_4},
};

/* Runs per step: the most whose rows fit the table and whose slots fill groups; 0 when none does
 * (the scalar kernels' patterns). */
static size_t mv_runs(size_t n, size_t m) {
  for (size_t r = MV_TABLE_FLOATS / m; r != 0; r--) {
    if (r * n % MV_GROUP_SLOTS == 0) {
      return r;
    }
  }
  return 0;
}

/* The 1x1 SpMM entry: one pixel with contiguous rows, else the scalar kernel. */
static void mv_one_pixel(size_t mc, size_t nc, size_t groups, size_t n, size_t m, const float* input,
                         size_t row_stride, const float* bias, const float* weights, const uint8_t* indices,
                         float* output, size_t output_stride, const struct sprig_f32_minmax_params* params) {
  const size_t runs = mc == 1 && row_stride == sizeof(float) ? mv_runs(n, m) : 0;
  if (runs == 0) {
    sprig_f32_nmspmm_minmax_ukernel_1x1__scalar(mc, nc, groups, n, m, input, row_stride, bias, weights, indices,
                                                output, output_stride, params);
    return;
  }
  mv_fns[runs * n / MV_GROUP_SLOTS - 1][0](runs, nc, groups, n, m, input, 0, bias, weights, indices, output,
                                           output_stride, 0, params);
}

/* The nmspmv entry: the batch in groups of 4 vectors, then one of the 1 .. 3 left. */
static void mv_vectors(size_t batch, size_t nc, size_t groups, size_t n, size_t m, const float* input,
                       size_t input_stride, const float* bias, const float* weights, const uint8_t* indices,
                       float* output, size_t output_stride, const struct sprig_f32_minmax_params* params) {
  const size_t runs = mv_runs(n, m);
  if (runs == 0) {
    sprig_f32_nmspmv_minmax_ukernel__scalar(batch, nc, groups, n, m, input, input_stride, bias, weights, indices,
                                            output, output_stride, params);
    return;
  }
  const mv_fn* fns = mv_fns[runs * n / MV_GROUP_SLOTS - 1];
  for (size_t b = 0; b < batch; b += 4) {
    const size_t vectors = batch - b < 4 ? batch - b : 4;
    fns[vectors - 1](runs, nc, groups, n, m, mv_vector(input, b, input_stride), input_stride, bias, weights,
                     indices, next_channel(output, b * output_stride), sizeof(float), output_stride, params);
  }
}
