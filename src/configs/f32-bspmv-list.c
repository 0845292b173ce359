#include <sprig/bspmv.h>
#include <sprig/common.h>

const struct sprig_f32_bspmv_ukernel sprig_f32_bspmv_ukernels[] = {
#define SPRIG_F32_BSPMV_UKERNEL(isa, c, is_default, fn) {#fn, fn, sprig_isa_##isa, c, is_default},
#include <f32-bspmv/list.inc>
#undef SPRIG_F32_BSPMV_UKERNEL
};

const size_t sprig_f32_bspmv_ukernel_count = sizeof(sprig_f32_bspmv_ukernels) / sizeof(sprig_f32_bspmv_ukernels[0]);
