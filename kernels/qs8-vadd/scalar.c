/*
 * Scalar int8 element-wise addition (src/sprig/qs8-vadd.h): one value at a time, the formula as
 * written (compiled with -ffp-contract=off, so the products and the sum round on their own).
 */
#include <isa/scalar.h>
#include <sprig/qs8-vadd.h>

void sprig_qs8_vadd_ukernel__scalar(size_t n, const int8_t* a, const int8_t* b, int8_t* y,
                                    const struct sprig_qs8_vadd_params* params) {
  const float ma = params->a_multiplier, mb = params->b_multiplier;
  const int32_t za = params->a_zero_point, zb = params->b_zero_point, zy = params->output_zero_point;
  for (size_t i = 0; i < n; i++) {
    const float va = (float) ((int32_t) a[i] - za) * ma;
    const float vb = (float) ((int32_t) b[i] - zb) * mb;
    const float v = sprig_clamp_f32(va + vb, params->lowest, params->highest);
    y[i] = (int8_t) (sprig_round_small_to_even(v) + zy);
  }
}
