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

const struct sprig_f32_nmspmv_ukernel sprig_f32_nmspmv_ukernels[] = {
#define SPRIG_F32_NMSPMV_UKERNEL(isa, is_default, fn) {#fn, fn, sprig_isa_##isa, is_default},
#include <f32-nmspmm/mv-list.inc>
#undef SPRIG_F32_NMSPMV_UKERNEL
};

const size_t sprig_f32_nmspmv_ukernel_count =
    sizeof(sprig_f32_nmspmv_ukernels) / sizeof(sprig_f32_nmspmv_ukernels[0]);
