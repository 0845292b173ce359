/* The int8 direct depthwise convolution kernel list (kernels/qs8-dwconv2d-chw/list.inc) and its
 * chooser. */
#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/qs8-dwconv2d-chw.h>

const struct sprig_qs8_dwconv2d_chw_ukernel sprig_qs8_dwconv2d_chw_ukernels[] = {
#define SPRIG_QS8_DWCONV2D_CHW_UKERNEL(isa, k, s, fn) {#fn, fn, sprig_isa_##isa, k, s},
#include <qs8-dwconv2d-chw/list.inc>
#undef SPRIG_QS8_DWCONV2D_CHW_UKERNEL
};
const size_t sprig_qs8_dwconv2d_chw_ukernel_count =
    sizeof(sprig_qs8_dwconv2d_chw_ukernels) / sizeof(sprig_qs8_dwconv2d_chw_ukernels[0]);

/* One kernel per (ISA, K, S), its ISA's default: kernel size x 10 + stride stands in the NR slot
 * (31, 32, 51, 52), so that the chooser keys on it. */
static struct sprig_ukernel_traits qs8_dwconv2d_chw_traits(size_t i) {
  const struct sprig_qs8_dwconv2d_chw_ukernel* k = &sprig_qs8_dwconv2d_chw_ukernels[i];
  return (struct sprig_ukernel_traits){k->isa, 1, k->kernel_size * 10 + k->stride, false, true, false, false};
}

const struct sprig_qs8_dwconv2d_chw_ukernel* sprig_choose_qs8_dwconv2d_chw_ukernel(
    const struct sprig_hardware* hardware, uint32_t kernel_size, uint32_t stride) {
  const struct sprig_ukernel_list list = {sprig_qs8_dwconv2d_chw_ukernel_count, qs8_dwconv2d_chw_traits};
  const size_t k = sprig_choose_ukernel(hardware, &list, kernel_size * 10 + stride);
  return k == SIZE_MAX ? NULL : &sprig_qs8_dwconv2d_chw_ukernels[k];
}
