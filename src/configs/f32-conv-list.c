/* The convolution kernel families' lists (kernels/f32-spconv/list.inc, kernels/f32-dwconv/list.inc)
 * and their choosers. */
#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/dwconv.h>
#include <sprig/dwconv2d-chw.h>
#include <sprig/spconv.h>

const struct sprig_f32_spconv_ukernel sprig_f32_spconv_ukernels[] = {
#define SPRIG_F32_SPCONV_UKERNEL(isa, mr, nr, is_default, fn) {#fn, fn, sprig_isa_##isa, mr, nr, is_default, false},
#define SPRIG_F32_SPCONV_UKERNEL_INORDER(isa, mr, nr, is_default, fn) \
  {#fn, fn, sprig_isa_##isa, mr, nr, is_default, true},
#include <f32-spconv/list.inc>
#undef SPRIG_F32_SPCONV_UKERNEL_INORDER
#undef SPRIG_F32_SPCONV_UKERNEL
};
const size_t sprig_f32_spconv_ukernel_count = sizeof(sprig_f32_spconv_ukernels) / sizeof(sprig_f32_spconv_ukernels[0]);

const struct sprig_f32_dwconv_ukernel sprig_f32_dwconv_ukernels[] = {
#define SPRIG_F32_DWCONV_UKERNEL(isa, taps, is_default, fn) {#fn, fn, sprig_isa_##isa, taps, is_default},
#include <f32-dwconv/list.inc>
#undef SPRIG_F32_DWCONV_UKERNEL
};
const size_t sprig_f32_dwconv_ukernel_count = sizeof(sprig_f32_dwconv_ukernels) / sizeof(sprig_f32_dwconv_ukernels[0]);

const struct sprig_f32_dwconv2d_chw_ukernel sprig_f32_dwconv2d_chw_ukernels[] = {
#define SPRIG_F32_DWCONV2D_CHW_UKERNEL(isa, k, s, is_default, fn) {#fn, fn, sprig_isa_##isa, k, s, is_default},
#include <f32-dwconv2d-chw/list.inc>
#undef SPRIG_F32_DWCONV2D_CHW_UKERNEL
};
const size_t sprig_f32_dwconv2d_chw_ukernel_count =
    sizeof(sprig_f32_dwconv2d_chw_ukernels) / sizeof(sprig_f32_dwconv2d_chw_ukernels[0]);

static struct sprig_ukernel_traits spconv_traits(size_t i) {
  const struct sprig_f32_spconv_ukernel* k = &sprig_f32_spconv_ukernels[i];
  return (struct sprig_ukernel_traits){k->isa, k->mr, k->nr, false, k->is_default, k->inorder, false};
}

/* Depthwise kernels: the tap count stands in the NR slot, so that the chooser keys on it. */
static struct sprig_ukernel_traits dwconv_traits(size_t i) {
  const struct sprig_f32_dwconv_ukernel* k = &sprig_f32_dwconv_ukernels[i];
  return (struct sprig_ukernel_traits){k->isa, 1, k->taps, false, k->is_default, false, false};
}

static struct sprig_ukernel_list spconv_list(void) {
  return (struct sprig_ukernel_list){sprig_f32_spconv_ukernel_count, spconv_traits};
}

const struct sprig_f32_spconv_ukernel* sprig_choose_f32_spconv_ukernel(const struct sprig_hardware* hardware,
                                                                      uint32_t nr) {
  const struct sprig_ukernel_list list = spconv_list();
  const size_t k = sprig_choose_ukernel(hardware, &list, nr);
  return k == SIZE_MAX ? NULL : &sprig_f32_spconv_ukernels[k];
}

const struct sprig_f32_spconv_ukernel* sprig_fit_f32_spconv_ukernel(const struct sprig_hardware* hardware,
                                                                   const struct sprig_f32_spconv_ukernel* chosen,
                                                                   size_t pixels) {
  const struct sprig_ukernel_list list = spconv_list();
  return &sprig_f32_spconv_ukernels[sprig_fit_ukernel(
      hardware, &list, (size_t) (chosen - sprig_f32_spconv_ukernels), pixels, 0)];
}

const struct sprig_f32_dwconv_ukernel* sprig_choose_f32_dwconv_ukernel(const struct sprig_hardware* hardware,
                                                                      uint32_t taps) {
  const struct sprig_ukernel_list list = {sprig_f32_dwconv_ukernel_count, dwconv_traits};
  const size_t k = sprig_choose_ukernel(hardware, &list, taps);
  return k == SIZE_MAX ? NULL : &sprig_f32_dwconv_ukernels[k];
}

/* Direct depthwise kernels: kernel size x 10 + stride stands in the NR slot (31, 32, 51, 52). */
static struct sprig_ukernel_traits dwconv2d_chw_traits(size_t i) {
  const struct sprig_f32_dwconv2d_chw_ukernel* k = &sprig_f32_dwconv2d_chw_ukernels[i];
  return (struct sprig_ukernel_traits){k->isa, 1, k->kernel_size * 10 + k->stride, false, k->is_default, false, false};
}

const struct sprig_f32_dwconv2d_chw_ukernel* sprig_choose_f32_dwconv2d_chw_ukernel(
    const struct sprig_hardware* hardware, uint32_t kernel_size, uint32_t stride) {
  const struct sprig_ukernel_list list = {sprig_f32_dwconv2d_chw_ukernel_count, dwconv2d_chw_traits};
  const size_t k = sprig_choose_ukernel(hardware, &list, kernel_size * 10 + stride);
  return k == SIZE_MAX ? NULL : &sprig_f32_dwconv2d_chw_ukernels[k];
}
