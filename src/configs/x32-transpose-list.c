/* The 32-bit transpose kernel list (kernels/x32-transpose/list.inc) and its chooser. */
#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/x32-transpose.h>

const struct sprig_x32_transpose_ukernel sprig_x32_transpose_ukernels[] = {
#define SPRIG_X32_TRANSPOSE_UKERNEL(isa, is_default, fn) {#fn, fn, sprig_isa_##isa, is_default},
#include <x32-transpose/list.inc>
#undef SPRIG_X32_TRANSPOSE_UKERNEL
};
const size_t sprig_x32_transpose_ukernel_count =
    sizeof(sprig_x32_transpose_ukernels) / sizeof(sprig_x32_transpose_ukernels[0]);

static struct sprig_ukernel_traits x32_transpose_traits(size_t i) {
  const struct sprig_x32_transpose_ukernel* k = &sprig_x32_transpose_ukernels[i];
  return (struct sprig_ukernel_traits){k->isa, 1, 1, false, k->is_default, false, false};
}

const struct sprig_x32_transpose_ukernel* sprig_choose_x32_transpose_ukernel(const struct sprig_hardware* hardware) {
  const struct sprig_ukernel_list list = {sprig_x32_transpose_ukernel_count, x32_transpose_traits};
  return &sprig_x32_transpose_ukernels[sprig_choose_ukernel(hardware, &list, 1)];
}
