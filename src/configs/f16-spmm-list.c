/* The f16 SpMM kernel list (kernels/f16-spmm/list.inc) and its chooser. */
#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/f16-spmm.h>

const struct sprig_f16_spmm_ukernel sprig_f16_spmm_ukernels[] = {
#define SPRIG_F16_SPMM_UKERNEL(isa, mr, is_default, fn) {#fn, fn, sprig_isa_##isa, mr, is_default},
#include <f16-spmm/list.inc>
#undef SPRIG_F16_SPMM_UKERNEL
};
const size_t sprig_f16_spmm_ukernel_count = sizeof(sprig_f16_spmm_ukernels) / sizeof(sprig_f16_spmm_ukernels[0]);

static struct sprig_ukernel_traits f16_spmm_traits(size_t i) {
  const struct sprig_f16_spmm_ukernel* k = &sprig_f16_spmm_ukernels[i];
  return (struct sprig_ukernel_traits){k->isa, k->mr, 1, false, k->is_default};
}

static struct sprig_ukernel_list f16_spmm_list(void) {
  return (struct sprig_ukernel_list){sprig_f16_spmm_ukernel_count, f16_spmm_traits};
}

const struct sprig_f16_spmm_ukernel* sprig_choose_f16_spmm_ukernel(const struct sprig_hardware* hardware) {
  const struct sprig_ukernel_list list = f16_spmm_list();
  return &sprig_f16_spmm_ukernels[sprig_choose_ukernel(hardware, &list, 1)];
}

const struct sprig_f16_spmm_ukernel* sprig_fit_f16_spmm_ukernel(const struct sprig_hardware* hardware,
                                                                const struct sprig_f16_spmm_ukernel* chosen,
                                                                size_t pixels) {
  const struct sprig_ukernel_list list = f16_spmm_list();
  /* No f16 kernel prefetches, so the input size (0 rows here) cannot change the variant. */
  return &sprig_f16_spmm_ukernels[sprig_fit_ukernel(hardware, &list, (size_t) (chosen - sprig_f16_spmm_ukernels),
                                                    pixels, 0)];
}
