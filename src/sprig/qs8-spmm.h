/*
 * The int8 SpMM microkernel family ("c4": four input channels per weight entry), the engine of
 * the qs8 and qd8 operators: one signature, implemented once per ISA and tile.
 *
 * Computes int32 sums for `nc` output channels and `mc` pixels (batch rows):
 *   output[n][p] = bias[n] + sum over the entries e of channel n, t < 4 of
 *                  weights[e][t] * x[quad(e)][p][t]
 * with wrapping int32 arithmetic (two's complement, as the SIMD instructions do).
 *
 * input:   quad-interleaved int8 activations: quad row q (input channels 4q .. 4q + 3) starts at
 *          input + q * input_stride bytes and holds, for pixel p, the four bytes of those channels
 *          at [4p .. 4p + 3]. Kernels listed with unsigned_input read these bytes as uint8
 *          (x86 vpdpbusd multiplies unsigned by signed bytes): the operator then stores x + 128
 *          (x XOR 0x80) and folds -128 * sum(weights) into the bias.
 * bias:    nc int32 values, one per output channel (the operator's zero-point corrections).
 * weights: for each output channel n: nnz[n] entries of 4 int8 weights, for input channels
 *          4q .. 4q + 3 of the entry's quad row q (zeros where a channel has no weight).
 * quads:   one uint32 per entry, in the same order: the entry's quad row q (absolute, so that no
 *          address depends on the previous entry's).
 * nnz:     nc entry counts.
 * output:  int32; channel n's pixel p at output + n * output_stride bytes + 4p.
 *
 * A kernel processes pixels in tiles of MR, then smaller tiles for the remainder; it reads only
 * bytes [0, 4 mc) of each quad row it uses and writes only output[n][0 .. mc).
 */
#ifndef SPRIG_QS8_SPMM_H
#define SPRIG_QS8_SPMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sprig/isa.h>

typedef void (*sprig_qs8_spmm_ukernel_fn)(
    size_t mc, size_t nc, const int8_t* input, size_t input_stride, const int32_t* bias, const int8_t* weights,
    const uint32_t* quads, const uint32_t* nnz, int32_t* output, size_t output_stride);

#define SPRIG_QS8_SPMM_UKERNEL(isa, mr, unsigned_input, is_default, fn)                                    \
  void fn(size_t mc, size_t nc, const int8_t* input, size_t input_stride, const int32_t* bias,           \
          const int8_t* weights, const uint32_t* quads, const uint32_t* nnz, int32_t* output,             \
          size_t output_stride);
#include <qs8-spmm/list.inc>
#undef SPRIG_QS8_SPMM_UKERNEL

struct sprig_qs8_spmm_ukernel {
  const char* name;
  sprig_qs8_spmm_ukernel_fn fn;
  enum sprig_isa isa;
  uint32_t mr;
  /* Reads the input bytes as uint8 (x + 128); else as int8. */
  bool unsigned_input;
  /* The kernel an operator uses when this ISA is the best one allowed. */
  bool is_default;
};

/* Every kernel of this build, in list order (kernels/qs8-spmm/list.inc). */
extern const struct sprig_qs8_spmm_ukernel sprig_qs8_spmm_ukernels[];
extern const size_t sprig_qs8_spmm_ukernel_count;

#endif /* SPRIG_QS8_SPMM_H */
