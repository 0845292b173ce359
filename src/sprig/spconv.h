/*
 * The f32 sparse direct convolution microkernel family (kernels/f32-spconv): one signature,
 * implemented once per ISA and tile.
 *
 * The convolution path (src/operators/path-conv.c) stages each input image as zero-padded,
 * stride-phase planes, so that every stored weight (input channel c, ky, kx) of a channel reads
 * `mc` consecutive floats at a fixed byte offset from the pixel run's start. For `nc` output
 * channels and `mc` consecutive pixels:
 *   output[n][p] = clamp(bias[n] + sum_j weights[n][j] * at(input, offsets[n][j])[p], min, max)
 * with at(input, o) = (const float*) ((const char*) input + o).
 *
 * bias:     nc floats (never NULL).
 * weights:  per output channel, its nnz[n] stored values in order.
 * offsets:  one signed byte offset per stored value, in the same order (a multiple of 4).
 * nnz:      stored values per output channel (may be 0: the output is the clamped bias).
 * output:   pixel 0 of output channel 0; channels output_stride bytes apart.
 *
 * Kernels with NR > 1 take the channels in blocks of NR sharing their offsets, then the nc % NR
 * leftover channels one by one: per block nnz[block] entries, each NR values (one per channel
 * of the block) and one offset; nnz holds nc / NR block counts then nc % NR channel counts.
 *
 * A kernel processes pixels in tiles of MR, then smaller tiles for the remainder; it reads only
 * at(input, offset)[0 .. mc) for each stored offset and writes only output[0 .. mc) of each
 * channel.
 */
#ifndef SPRIG_SPCONV_H
#define SPRIG_SPCONV_H

#include <stddef.h>
#include <stdint.h>

#include <sprig/isa.h>
#include <sprig/spmm.h>

typedef void (*sprig_f32_spconv_ukernel_fn)(
    size_t mc, size_t nc, const float* input, const float* bias, const float* weights, const int32_t* offsets,
    const uint32_t* nnz, float* output, size_t output_stride, const struct sprig_f32_minmax_params* params);

#define SPRIG_F32_SPCONV_UKERNEL(isa, mr, nr, is_default, fn)                                               \
  void fn(size_t mc, size_t nc, const float* input, const float* bias, const float* weights,                \
          const int32_t* offsets, const uint32_t* nnz, float* output, size_t output_stride,                  \
          const struct sprig_f32_minmax_params* params);
#include <f32-spconv/list.inc>
#undef SPRIG_F32_SPCONV_UKERNEL

struct sprig_f32_spconv_ukernel {
  const char* name;
  sprig_f32_spconv_ukernel_fn fn;
  enum sprig_isa isa;
  uint32_t mr;
  uint32_t nr;
  bool is_default;
  /* A variant for in-order cores (an _INORDER entry of kernels/f32-spconv/list.inc). */
  bool inorder;
};

/* Every kernel of this build, in list order (kernels/f32-spconv/list.inc). */
extern const struct sprig_f32_spconv_ukernel sprig_f32_spconv_ukernels[];
extern const size_t sprig_f32_spconv_ukernel_count;

#endif /* SPRIG_SPCONV_H */
