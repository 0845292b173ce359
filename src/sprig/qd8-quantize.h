/*
 * The qd8 row quantization microkernel family: one row of f32 activations to int8 with the
 * row's own scale and zero point, the first step of the qd8 operators (src/operators/q8.c).
 * Two entry points:
 *
 *   range(cols, x, &lo, &hi): lo = the smallest of 0 and x[0 .. cols), hi = the largest; returns
 *     true when x holds a NaN or an infinity (lo and hi are then unspecified). cols may be 0.
 *   quantize(cols, x, inverse, zero_point, flip, out, padded): for i < cols
 *       q = rne(x[i] x inverse)           (one f32 multiply, rounded to nearest, ties to even)
 *       out[i] = (min(max(q + zero_point, -128), 127)) XOR flip
 *     and out[i] = 0 for cols <= i < padded.
 *
 * quantize is exact when every |x[i] x inverse| <= 256, which the qd8 scale guarantees for a row
 * whose range is finite (|x| <= hi - lo = 255 x scale); other values give unspecified bytes (the
 * operator outputs NaN for such rows whatever their sums) but never fault. Rounding assumes the
 * default floating-point environment (round to nearest), as the operator's reference does.
 * Kernels read only x[0 .. cols), write only out[0 .. padded), and need no alignment.
 */
#ifndef SPRIG_QD8_QUANTIZE_H
#define SPRIG_QD8_QUANTIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sprig/isa.h>

typedef bool (*sprig_qd8_range_ukernel_fn)(size_t cols, const float* x, float* lo, float* hi);
typedef void (*sprig_qd8_quantize_ukernel_fn)(size_t cols, const float* x, float inverse, int32_t zero_point,
                                              uint8_t flip, int8_t* out, size_t padded);

#define SPRIG_QD8_QUANTIZE_UKERNEL(isa, suffix)                                                         \
  bool sprig_qd8_range_ukernel__##suffix(size_t cols, const float* x, float* lo, float* hi);            \
  void sprig_qd8_quantize_ukernel__##suffix(size_t cols, const float* x, float inverse, int32_t zero_point, \
                                            uint8_t flip, int8_t* out, size_t padded);
#include <qd8-quantize/list.inc>
#undef SPRIG_QD8_QUANTIZE_UKERNEL

struct sprig_qd8_quantize_ukernel {
  const char* name;
  sprig_qd8_range_ukernel_fn range;
  sprig_qd8_quantize_ukernel_fn quantize;
  enum sprig_isa isa;
};

/* Every kernel of this build, in list order (kernels/qd8-quantize/list.inc). */
extern const struct sprig_qd8_quantize_ukernel sprig_qd8_quantize_ukernels[];
extern const size_t sprig_qd8_quantize_ukernel_count;

#endif /* SPRIG_QD8_QUANTIZE_H */
