#include <sprig/common.h>
#include <sprig/nmspmm.h>

const struct sprig_f32_nmspmm_ukernel sprig_f32_nmspmm_ukernels[] = {
#define SPRIG_F32_NMSPMM_UKERNEL(isa, mr, nr, is_default, fn) {#fn, fn, sprig_isa_##isa, mr, nr, is_default, false},
#define SPRIG_F32_NMSPMM_UKERNEL_INORDER(isa, mr, nr, is_default, fn) \
  {#fn, fn, sprig_isa_##isa, mr, nr, is_default, true},
#include <f32-nmspmm/list.inc>
#undef SPRIG_F32_NMSPMM_UKERNEL_INORDER
#undef SPRIG_F32_NMSPMM_UKERNEL
};

const size_t sprig_f32_nmspmm_ukernel_count =
    sizeof(sprig_f32_nmspmm_ukernels) / sizeof(sprig_f32_nmspmm_ukernels[0]);
