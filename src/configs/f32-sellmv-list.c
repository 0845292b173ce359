#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/sellmv.h>

const struct sprig_f32_sellmv_ukernel sprig_f32_sellmv_ukernels[] = {
#define SPRIG_F32_SELLMV_UKERNEL(isa, c, is_default, fn) {#fn, fn, NULL, 0, sprig_isa_##isa, c, is_default, false},
#define SPRIG_F32_SELLMV_UKERNEL_NOGATHER(isa, c, fn) {#fn, fn, NULL, 0, sprig_isa_##isa, c, false, true},
#define SPRIG_F32_SELLMV_UKERNEL_WINDOWS(isa, c, window_cols, fn) \
  {#fn, NULL, fn, window_cols, sprig_isa_##isa, c, false, false},
#include <f32-sellmv/list.inc>
#undef SPRIG_F32_SELLMV_UKERNEL_WINDOWS
#undef SPRIG_F32_SELLMV_UKERNEL_NOGATHER
#undef SPRIG_F32_SELLMV_UKERNEL
};

const size_t sprig_f32_sellmv_ukernel_count =
    sizeof(sprig_f32_sellmv_ukernels) / sizeof(sprig_f32_sellmv_ukernels[0]);

/* Every kernel counts as NR = 1 here: one default per ISA, whatever its slice height. */
static struct sprig_ukernel_traits sellmv_traits(size_t i) {
  const struct sprig_f32_sellmv_ukernel* k = &sprig_f32_sellmv_ukernels[i];
  return (struct sprig_ukernel_traits){k->isa, 1, 1, false, k->is_default, false, k->for_slow_gathers};
}

const struct sprig_f32_sellmv_ukernel* sprig_choose_f32_sellmv_ukernel(const struct sprig_hardware* hardware) {
  const struct sprig_ukernel_list list = {sprig_f32_sellmv_ukernel_count, sellmv_traits};
  const size_t k = sprig_choose_ukernel(hardware, &list, 1);
  return k == SIZE_MAX ? NULL : &sprig_f32_sellmv_ukernels[k];
}

const struct sprig_f32_sellmv_ukernel* sprig_f32_sellmv_window_partner(const struct sprig_f32_sellmv_ukernel* k) {
  for (size_t i = 0; k != NULL && i < sprig_f32_sellmv_ukernel_count; i++) {
    const struct sprig_f32_sellmv_ukernel* w = &sprig_f32_sellmv_ukernels[i];
    if (w->window_cols != 0 && w->isa == k->isa && w->slice_rows == k->slice_rows) {
      return w;
    }
  }
  return NULL;
}
