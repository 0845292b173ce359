/* The int8 element-wise addition kernel list (kernels/qs8-vadd/list.inc) and its chooser. */
#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/qs8-vadd.h>

const struct sprig_qs8_vadd_ukernel sprig_qs8_vadd_ukernels[] = {
#define SPRIG_QS8_VADD_UKERNEL(isa, fn) {#fn, fn, sprig_isa_##isa},
#include <qs8-vadd/list.inc>
#undef SPRIG_QS8_VADD_UKERNEL
};
const size_t sprig_qs8_vadd_ukernel_count = sizeof(sprig_qs8_vadd_ukernels) / sizeof(sprig_qs8_vadd_ukernels[0]);

/* One kernel per ISA: each is its ISA's default. */
static struct sprig_ukernel_traits qs8_vadd_traits(size_t i) {
  return (struct sprig_ukernel_traits){sprig_qs8_vadd_ukernels[i].isa, 1, 1, false, true, false, false};
}

const struct sprig_qs8_vadd_ukernel* sprig_choose_qs8_vadd_ukernel(const struct sprig_hardware* hardware) {
  const struct sprig_ukernel_list list = {sprig_qs8_vadd_ukernel_count, qs8_vadd_traits};
  return &sprig_qs8_vadd_ukernels[sprig_choose_ukernel(hardware, &list, 1)];
}
