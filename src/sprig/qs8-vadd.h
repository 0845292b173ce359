/*
 * The int8 element-wise addition microkernel family: the qs8 add operator's work (sprig.h,
 * sprig_create_add_qs8), n int8 values of a and b into n int8 outputs:
 *   y[i] = rne(clamp(va + vb, lowest, highest)) + output_zero_point
 *   va = (float) (a[i] - a_zero_point) * a_multiplier, vb likewise with b
 * where rne rounds to nearest with ties to even. Each product and the sum are rounded to f32 on
 * their own (never fused: every file of the family is compiled with -ffp-contract=off), lowest
 * and highest are integers (the output clamp minus the zero point) so that the clamp and the
 * rounding commute, and every ISA gives bit-identical results. A kernel reads only a[0 .. n) and
 * b[0 .. n), writes only y[0 .. n), needs no alignment, and allows y == a or y == b exactly (each
 * step loads its inputs before it stores).
 */
#ifndef SPRIG_QS8_VADD_H
#define SPRIG_QS8_VADD_H

#include <stddef.h>
#include <stdint.h>

#include <sprig/isa.h>

struct sprig_qs8_vadd_params {
  float a_multiplier, b_multiplier; /* finite, > 0 and < 256 */
  int32_t a_zero_point, b_zero_point; /* int8 values */
  int32_t output_zero_point;          /* with lowest and highest: lowest + zero point >= -128, highest + zp <= 127 */
  float lowest, highest;              /* output_min - output_zero_point, output_max - output_zero_point */
};

typedef void (*sprig_qs8_vadd_ukernel_fn)(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                          const struct sprig_qs8_vadd_params* params);

#define SPRIG_QS8_VADD_UKERNEL(isa, fn)                                          \
  void fn(size_t n, const int8_t* a, const int8_t* b, int8_t* y,               \
          const struct sprig_qs8_vadd_params* params);
#include <qs8-vadd/list.inc>
#undef SPRIG_QS8_VADD_UKERNEL

struct sprig_qs8_vadd_ukernel {
  const char* name;
  sprig_qs8_vadd_ukernel_fn fn;
  enum sprig_isa isa;
};

/* Every kernel of this build, in list order (kernels/qs8-vadd/list.inc). */
extern const struct sprig_qs8_vadd_ukernel sprig_qs8_vadd_ukernels[];
extern const size_t sprig_qs8_vadd_ukernel_count;

#endif /* SPRIG_QS8_VADD_H */
