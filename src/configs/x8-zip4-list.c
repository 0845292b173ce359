/* The byte-quad interleave kernel list (kernels/x8-zip4/list.inc) and its chooser. */
#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/x8-zip4.h>

const struct sprig_x8_zip4_ukernel sprig_x8_zip4_ukernels[] = {
#define SPRIG_X8_ZIP4_UKERNEL(isa, is_default, fn) {#fn, fn, sprig_isa_##isa, is_default},
#include <x8-zip4/list.inc>
#undef SPRIG_X8_ZIP4_UKERNEL
};
const size_t sprig_x8_zip4_ukernel_count = sizeof(sprig_x8_zip4_ukernels) / sizeof(sprig_x8_zip4_ukernels[0]);

static struct sprig_ukernel_traits x8_zip4_traits(size_t i) {
  const struct sprig_x8_zip4_ukernel* k = &sprig_x8_zip4_ukernels[i];
  return (struct sprig_ukernel_traits){k->isa, 1, 1, false, k->is_default, false, false};
}

const struct sprig_x8_zip4_ukernel* sprig_choose_x8_zip4_ukernel(const struct sprig_hardware* hardware) {
  const struct sprig_ukernel_list list = {sprig_x8_zip4_ukernel_count, x8_zip4_traits};
  return &sprig_x8_zip4_ukernels[sprig_choose_ukernel(hardware, &list, 1)];
}
