/*
 * armv7 NEON f32 sparse direct convolution microkernels (src/sprig/spconv.h), written once for
 * both armv7 ISAs: armv7-neon.c includes this with ARMV7_FMA 0 (ISA tag neon: vmla.f32, multiply
 * then add) and armv7-neonvfpv4.c with ARMV7_FMA 1 (ISA tag neonvfpv4: vfma.f32). Not compiled on
 * its own.
 *
 * Inner loop per stored value, V = MR / 4 vectors of 4 pixels:
 *   MRx1  1 ldr of its byte offset and an add to the input, 1 vld1.32 dup of the weight, V vld1
 *         of input (a walking pointer), V multiply-adds by vector. armv7 has 16 q registers:
 *         16x1 keeps 4 accumulators and a value's 4 inputs; 4x1 / 8x1 take the values in turn
 *         into 4 / 2 accumulator sets (the multiply-add latency), added once per channel.
 *   MRx4  per stored column: 1 vld1 q of the block's 4 weights, the offset, V input loads that
 *         feed 4V multiply-adds (vmla by lane; vfma after a dup of each weight, as vfma has no
 *         by-lane form); MR = 8 (8 accumulators).
 * Remainder pixels go through tiles of MR/2, ..., 1 (float32x2_t for 2 pixels, scalar VFP for 1),
 * so no kernel reads or writes outside [0, mc) of an offset's run or an output row. Leftover
 * nc % 4 channels of the 8x4 kernel take the NR = 1 code of the same tile.
 *
 * NEON on armv7 flushes subnormal inputs and results to zero (the 1-pixel VFP code does not): a
 * difference of at most 2^-126 per term from the scalar kernels.
 */
#ifndef ARMV7_FMA
#error "armv7-template.h is included by armv7-neon.c / armv7-neonvfpv4.c after they define ARMV7_FMA"
#endif

#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>

#include <isa/armv7.h>
#include <isa/neon.h>
#include <sprig/spconv.h>

#define MAX_VECTORS 4
#define MAX_SETS 4

/* The floats of a stored value at byte offset o (at(input, o) of src/sprig/spconv.h). */
INLINE const float* at(const char* input, int32_t o) {
  return (const float*) (input + o);
}

/* Where a tile is in the biases, weights, offsets and output rows, shared by consecutive
 * channels. */
struct stream {
  const char* input;
  const float* bias;
  const float* weights;
  const int32_t* offsets;
  float* output;
  size_t output_stride;
};

INLINE void next_output(struct stream* s, size_t rows) {
  s->output = (float*) ((char*) s->output + rows * s->output_stride);
}

/* acc[0 .. nv) += the nv vectors at x times vw; the loads walk a pointer (vld1 has no immediate
 * offset; the empty asm keeps GCC from recomputing each address from x). */
INLINE void mla_vectors(size_t nv, float32x4_t* acc, const float* x, float32x4_t vw) {
  UNROLL for (size_t v = 0; v < nv; v++) {
    acc[v] = MLAQ(acc[v], vld1q_f32(x), vw);
    x += 4;
    __asm__("" : "+r"(x));
  }
}

/* One channel over mr >= 4 pixels (nv vectors): value j into set j % sets. */
INLINE void channel_q(size_t nv, uint32_t count, struct stream* s, struct clamp c) {
  const size_t sets = nv >= 4 ? 1 : nv == 2 ? 2 : 4;
  float32x4_t acc[MAX_SETS][MAX_VECTORS];
  UNROLL for (size_t k = 0; k < sets; k++) {
    UNROLL for (size_t v = 0; v < nv; v++) {
      acc[k][v] = k == 0 ? vld1q_dup_f32(s->bias) : vdupq_n_f32(0.0f);
    }
  }
  const float* w = s->weights;
  const int32_t* o = s->offsets;
  uint32_t j = count;
  for (; j >= sets; j -= sets) {
    UNROLL for (size_t k = 0; k < sets; k++) {
      mla_vectors(nv, acc[k], at(s->input, o[k]), vld1q_dup_f32(w + k));
    }
    w += sets;
    o += sets;
  }
  /* The last count % sets values, each into a set of its own (set indices stay constants). */
  if (sets >= 4 && (j & 2) != 0) {
    mla_vectors(nv, acc[0], at(s->input, o[0]), vld1q_dup_f32(w));
    mla_vectors(nv, acc[1], at(s->input, o[1]), vld1q_dup_f32(w + 1));
    w += 2;
    o += 2;
  }
  if (sets >= 2 && (j & 1) != 0) {
    mla_vectors(nv, acc[sets - 1], at(s->input, *o++), vld1q_dup_f32(w++));
  }
  UNROLL for (size_t v = 0; v < nv; v++) {
    float32x4_t sum = acc[0][v];
    UNROLL for (size_t k = 1; k < sets; k++) {
      sum = vaddq_f32(sum, acc[k][v]);
    }
    vst1q_f32(s->output + 4 * v, clampq(sum, c));
  }
  s->bias += 1;
  s->weights = w;
  s->offsets = o;
}

/* One channel over 2 pixels (d registers, 2 sets) or 1 (scalar VFP). */
INLINE void channel_small(size_t mr, uint32_t count, struct stream* s, struct clamp c) {
  const float* w = s->weights;
  const int32_t* o = s->offsets;
  if (mr == 2) {
    float32x2_t acc0 = vld1_dup_f32(s->bias), acc1 = vdup_n_f32(0.0f);
    uint32_t j = count;
    for (; j >= 2; j -= 2) {
      acc0 = MLAD(acc0, vld1_f32(at(s->input, o[0])), vld1_dup_f32(w));
      acc1 = MLAD(acc1, vld1_f32(at(s->input, o[1])), vld1_dup_f32(w + 1));
      w += 2;
      o += 2;
    }
    if (j != 0) {
      acc0 = MLAD(acc0, vld1_f32(at(s->input, *o++)), vld1_dup_f32(w++));
    }
    vst1_f32(s->output, clampd(vadd_f32(acc0, acc1), c));
  } else {
    float acc = *s->bias;
    for (uint32_t j = 0; j < count; j++) {
      acc = MLAS(acc, *at(s->input, *o++), *w++);
    }
    *s->output = clamps(acc, c);
  }
  s->bias += 1;
  s->weights = w;
  s->offsets = o;
}

INLINE void channel(size_t mr, uint32_t count, struct stream* s, struct clamp c) {
  if (mr >= 4) {
    channel_q(mr / 4, count, s, c);
  } else {
    channel_small(mr, count, s, c);
  }
}

/* acc[r][v] += x[v] * weight r of w4, for the block's 4 channels. */
INLINE void mla_block_column(size_t nv, float32x4_t acc[4][MAX_VECTORS], const float* x, float32x4_t w4) {
#if ARMV7_FMA
  const float32x4_t vw[4] = {vdupq_lane_f32(vget_low_f32(w4), 0), vdupq_lane_f32(vget_low_f32(w4), 1),
                             vdupq_lane_f32(vget_high_f32(w4), 0), vdupq_lane_f32(vget_high_f32(w4), 1)};
#endif
  UNROLL for (size_t v = 0; v < nv; v++) {
    const float32x4_t vx = vld1q_f32(x);
    x += 4;
    __asm__("" : "+r"(x));
#if ARMV7_FMA
    UNROLL for (size_t r = 0; r < 4; r++) {
      acc[r][v] = vfmaq_f32(acc[r][v], vx, vw[r]);
    }
#else
    acc[0][v] = vmlaq_lane_f32(acc[0][v], vx, vget_low_f32(w4), 0);
    acc[1][v] = vmlaq_lane_f32(acc[1][v], vx, vget_low_f32(w4), 1);
    acc[2][v] = vmlaq_lane_f32(acc[2][v], vx, vget_high_f32(w4), 0);
    acc[3][v] = vmlaq_lane_f32(acc[3][v], vx, vget_high_f32(w4), 1);
#endif
  }
}

/* One block of 4 channels over mr >= 4 pixels sharing `columns` offsets. */
INLINE void block_q(size_t nv, uint32_t columns, struct stream* s, struct clamp c) {
  float32x4_t acc[4][MAX_VECTORS];
  UNROLL for (size_t r = 0; r < 4; r++) {
    UNROLL for (size_t v = 0; v < nv; v++) {
      acc[r][v] = vld1q_dup_f32(s->bias + r);
    }
  }
  const float* w = s->weights;
  const int32_t* o = s->offsets;
  for (; columns != 0; columns--) {
    mla_block_column(nv, acc, at(s->input, *o++), vld1q_f32(w));
    w += 4;
  }
  float* out = s->output;
  UNROLL for (size_t r = 0; r < 4; r++) {
    UNROLL for (size_t v = 0; v < nv; v++) {
      vst1q_f32(out + 4 * v, clampq(acc[r][v], c));
    }
    out = (float*) ((char*) out + s->output_stride);
  }
  s->bias += 4;
  s->weights = w;
  s->offsets = o;
}

/* One block of 4 channels over 2 pixels or 1: the block's channels in one vector, times each
 * pixel's input scalar. */
INLINE void block_small(size_t mr, uint32_t columns, struct stream* s, struct clamp c) {
  float32x4_t acc[2];
  UNROLL for (size_t i = 0; i < mr; i++) {
    acc[i] = vld1q_f32(s->bias);
  }
  const float* w = s->weights;
  const int32_t* o = s->offsets;
  for (; columns != 0; columns--) {
    const float32x4_t w4 = vld1q_f32(w);
    const float* x = at(s->input, *o++);
    UNROLL for (size_t i = 0; i < mr; i++) {
      acc[i] = MLAQ_N(acc[i], w4, x[i]);
    }
    w += 4;
  }
  float* out = s->output;
  UNROLL for (size_t r = 0; r < 4; r++) {
    UNROLL for (size_t i = 0; i < mr; i++) {
      out[i] = clamps(vgetq_lane_f32(acc[i], 0), c);
      acc[i] = vextq_f32(acc[i], acc[i], 1);
    }
    out = (float*) ((char*) out + s->output_stride);
  }
  s->bias += 4;
  s->weights = w;
  s->offsets = o;
}

/* All nc channels over one tile of mr pixels: nc / nr blocks, then the nc % nr channels. One
 * out-of-line function per tile and NR, so that each loop has the whole register file. */
#define DEFINE_TILE(MR, NR)                                                                                     \
  static __attribute__((noinline)) void tile_##MR##x##NR(size_t nc, const char* input, const float* bias,      \
                                                         const float* weights, const int32_t* offsets,         \
                                                         const uint32_t* nnz, float* output,                   \
                                                         size_t output_stride, struct clamp c) {               \
    struct stream s = {input, bias, weights, offsets, output, output_stride};                                  \
    size_t n = nc;                                                                                              \
    if ((NR) == 4) {                                                                                            \
      for (; n >= 4; n -= 4) {                                                                                  \
        if ((MR) >= 4) {                                                                                        \
          block_q((MR) / 4, *nnz++, &s, c);                                                                     \
        } else {                                                                                                \
          block_small(MR, *nnz++, &s, c);                                                                       \
        }                                                                                                       \
        next_output(&s, 4);                                                                                     \
      }                                                                                                         \
    }                                                                                                           \
    for (; n != 0; n--) {                                                                                       \
      channel(MR, *nnz++, &s, c);                                                                               \
      next_output(&s, 1);                                                                                       \
    }                                                                                                           \
  }

DEFINE_TILE(1, 1)
DEFINE_TILE(2, 1)
DEFINE_TILE(4, 1)
DEFINE_TILE(8, 1)
DEFINE_TILE(16, 1)
DEFINE_TILE(1, 4)
DEFINE_TILE(2, 4)
DEFINE_TILE(4, 4)
DEFINE_TILE(8, 4)

#define TILE_ARGS nc, in + 4 * p, bias, weights, offsets, nnz, output + p, output_stride, c

INLINE void run_tile(size_t mr, size_t nr, size_t p, size_t nc, const char* in, const float* bias,
                     const float* weights, const int32_t* offsets, const uint32_t* nnz, float* output,
                     size_t output_stride, struct clamp c) {
  if (nr == 4) {
    switch (mr) {
      case 1: tile_1x4(TILE_ARGS); break;
      case 2: tile_2x4(TILE_ARGS); break;
      case 4: tile_4x4(TILE_ARGS); break;
      default: tile_8x4(TILE_ARGS); break;
    }
    return;
  }
  switch (mr) {
    case 1: tile_1x1(TILE_ARGS); break;
    case 2: tile_2x1(TILE_ARGS); break;
    case 4: tile_4x1(TILE_ARGS); break;
    case 8: tile_8x1(TILE_ARGS); break;
    default: tile_16x1(TILE_ARGS); break;
  }
}

#undef TILE_ARGS

/* Tiles of mr pixels, then one tile per set bit of the remainder, largest first. */
INLINE void spconv(size_t mr, size_t nr, size_t mc, size_t nc, const float* input, const float* bias,
                   const float* weights, const int32_t* offsets, const uint32_t* nnz, float* output,
                   size_t output_stride, const struct sprig_f32_minmax_params* params) {
  const struct clamp c = {vld1q_dup_f32(&params->min), vld1q_dup_f32(&params->max)};
  const char* in = (const char*) input;
  size_t p = 0;
  for (; p + mr <= mc; p += mr) {
    run_tile(mr, nr, p, nc, in, bias, weights, offsets, nnz, output, output_stride, c);
  }
  for (size_t t = mr / 2; t != 0; t /= 2) {
    if ((mc - p) & t) {
      run_tile(t, nr, p, nc, in, bias, weights, offsets, nnz, output, output_stride, c);
      p += t;
    }
  }
}

#define DEFINE_ARMV7_SPCONV(MR, NR, suffix)                                                                    \
  _Static_assert(((MR) == 4 || (MR) == 8 || (MR) == 16) && ((NR) == 1 || ((NR) == 4 && (MR) == 8)),            \
                 "no armv7 spconv tile for this MR x NR");                                                     \
  void sprig_f32_spconv_minmax_ukernel_##MR##x##NR##__##suffix(                                                \
      size_t mc, size_t nc, const float* input, const float* bias, const float* weights, const int32_t* offsets, \
      const uint32_t* nnz, float* output, size_t output_stride, const struct sprig_f32_minmax_params* params) { \
    spconv(MR, NR, mc, nc, input, bias, weights, offsets, nnz, output, output_stride, params);                 \
  }
