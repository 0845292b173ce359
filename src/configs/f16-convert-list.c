/* The half <-> single conversion kernel list (kernels/f16-convert/list.inc) and its chooser. */
#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/f16-convert.h>

const struct sprig_f16_convert_ukernel sprig_f16_convert_ukernels[] = {
#define SPRIG_F16_CONVERT_UKERNEL(isa, is_default, widen, narrow) \
  {#widen, #narrow, widen, narrow, sprig_isa_##isa, is_default},
#include <f16-convert/list.inc>
#undef SPRIG_F16_CONVERT_UKERNEL
};
const size_t sprig_f16_convert_ukernel_count =
    sizeof(sprig_f16_convert_ukernels) / sizeof(sprig_f16_convert_ukernels[0]);

static struct sprig_ukernel_traits f16_convert_traits(size_t i) {
  const struct sprig_f16_convert_ukernel* k = &sprig_f16_convert_ukernels[i];
  return (struct sprig_ukernel_traits){k->isa, 1, 1, false, k->is_default, false, false};
}

const struct sprig_f16_convert_ukernel* sprig_choose_f16_convert_ukernel(const struct sprig_hardware* hardware) {
  const struct sprig_ukernel_list list = {sprig_f16_convert_ukernel_count, f16_convert_traits};
  return &sprig_f16_convert_ukernels[sprig_choose_ukernel(hardware, &list, 1)];
}
