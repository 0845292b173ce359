/* The f16 block-sparse matrix-vector kernel list (kernels/f16-bspmv/list.inc) and its chooser. */
#include <sprig/bspmv.h>
#include <sprig/common.h>
#include <sprig/config.h>

const struct sprig_f16_bspmv_ukernel sprig_f16_bspmv_ukernels[] = {
#define SPRIG_F16_BSPMV_UKERNEL(isa, c, is_default, fn) {#fn, fn, sprig_isa_##isa, c, is_default},
#include <f16-bspmv/list.inc>
#undef SPRIG_F16_BSPMV_UKERNEL
};

const size_t sprig_f16_bspmv_ukernel_count = sizeof(sprig_f16_bspmv_ukernels) / sizeof(sprig_f16_bspmv_ukernels[0]);

/* MR 1, NR the block width (as the f32 family). */
static struct sprig_ukernel_traits f16_bspmv_traits(size_t i) {
  const struct sprig_f16_bspmv_ukernel* k = &sprig_f16_bspmv_ukernels[i];
  return (struct sprig_ukernel_traits){k->isa, 1, k->block_width, false, k->is_default, false, false};
}

const struct sprig_f16_bspmv_ukernel* sprig_choose_f16_bspmv_ukernel(const struct sprig_hardware* hardware,
                                                                    uint32_t block_width) {
  const struct sprig_ukernel_list list = {sprig_f16_bspmv_ukernel_count, f16_bspmv_traits};
  const size_t k = sprig_choose_ukernel(hardware, &list, block_width);
  return k == SIZE_MAX ? NULL : &sprig_f16_bspmv_ukernels[k];
}
