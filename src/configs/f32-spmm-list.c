#include <sprig/common.h>
#include <sprig/spmm.h>

const struct sprig_f32_spmm_ukernel sprig_f32_spmm_ukernels[] = {
#define SPRIG_F32_SPMM_UKERNEL(isa, mr, nr, prefetch, is_default, fn) \
  {#fn, fn, sprig_isa_##isa, mr, nr, prefetch, is_default, false},
#define SPRIG_F32_SPMM_UKERNEL_INORDER(isa, mr, nr, prefetch, is_default, fn) \
  {#fn, fn, sprig_isa_##isa, mr, nr, prefetch, is_default, true},
#include <f32-spmm/list.inc>
#undef SPRIG_F32_SPMM_UKERNEL_INORDER
#undef SPRIG_F32_SPMM_UKERNEL
};

const size_t sprig_f32_spmm_ukernel_count = sizeof(sprig_f32_spmm_ukernels) / sizeof(sprig_f32_spmm_ukernels[0]);
