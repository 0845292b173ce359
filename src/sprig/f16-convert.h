/*
 * The half <-> single precision conversion kernel family: whole arrays of IEEE halves (uint16_t
 * bit patterns) to floats and back, for the f16 operators' wide mode (src/operators/f16.c).
 *
 *   widen(n, input, output):  output[i] = the half input[i], exactly (NaNs come out quiet);
 *   narrow(n, input, output): output[i] = input[i] rounded to the nearest half, ties to even,
 *                             beyond the half range +-Inf, NaNs quiet with their top payload bits;
 * bit for bit sprig_half_to_float / sprig_float_to_half (src/sprig/half.h) on every ISA. n may be
 * 0; nothing outside input[0 .. n) and output[0 .. n) is read or written; no alignment needed.
 */
#ifndef SPRIG_F16_CONVERT_H
#define SPRIG_F16_CONVERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sprig/isa.h>

typedef void (*sprig_f16_widen_ukernel_fn)(size_t n, const uint16_t* input, float* output);
typedef void (*sprig_f16_narrow_ukernel_fn)(size_t n, const float* input, uint16_t* output);

#define SPRIG_F16_CONVERT_UKERNEL(isa, is_default, widen, narrow)  \
  void widen(size_t n, const uint16_t* input, float* output);      \
  void narrow(size_t n, const float* input, uint16_t* output);
#include <f16-convert/list.inc>
#undef SPRIG_F16_CONVERT_UKERNEL

struct sprig_f16_convert_ukernel {
  const char* name; /* the widening kernel's */
  const char* narrow_name;
  sprig_f16_widen_ukernel_fn widen;
  sprig_f16_narrow_ukernel_fn narrow;
  enum sprig_isa isa;
  /* The kernels an operator uses when this ISA is the best one allowed. */
  bool is_default;
};

/* Every kernel pair of this build, in list order (kernels/f16-convert/list.inc). */
extern const struct sprig_f16_convert_ukernel sprig_f16_convert_ukernels[];
extern const size_t sprig_f16_convert_ukernel_count;

#endif /* SPRIG_F16_CONVERT_H */
