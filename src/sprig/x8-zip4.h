/*
 * The byte-quad interleave kernel family: four byte rows into one row of 32-bit words, each byte
 * XORed with a constant, for the int8 operators' input packing (src/operators/q8.c: four input
 * channels per word, the layout the dot-product kernels read).
 *
 *   zip4(n, input, input_stride, flip, output):
 *     output[4 p + t] = input[t x input_stride + p] ^ flip   for t < 4, p < n.
 *
 * n may be 0; nothing outside the four input rows [0, n) and output[0, 4 n) is read or written;
 * no alignment needed; the rows and the output do not overlap.
 */
#ifndef SPRIG_X8_ZIP4_H
#define SPRIG_X8_ZIP4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sprig/isa.h>

typedef void (*sprig_x8_zip4_ukernel_fn)(size_t n, const uint8_t* input, size_t input_stride, uint8_t flip,
                                         uint8_t* output);

#define SPRIG_X8_ZIP4_UKERNEL(isa, is_default, fn) \
  void fn(size_t n, const uint8_t* input, size_t input_stride, uint8_t flip, uint8_t* output);
#include <x8-zip4/list.inc>
#undef SPRIG_X8_ZIP4_UKERNEL

struct sprig_x8_zip4_ukernel {
  const char* name;
  sprig_x8_zip4_ukernel_fn fn;
  enum sprig_isa isa;
  /* The kernel an operator uses when this ISA is the best one allowed. */
  bool is_default;
};

/* Every kernel of this build, in list order (kernels/x8-zip4/list.inc). */
extern const struct sprig_x8_zip4_ukernel sprig_x8_zip4_ukernels[];
extern const size_t sprig_x8_zip4_ukernel_count;

#endif /* SPRIG_X8_ZIP4_H */
