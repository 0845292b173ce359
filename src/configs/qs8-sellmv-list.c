/* The int8 sliced matrix-vector kernel list (kernels/qs8-sellmv/list.inc) and its chooser. */
#include <sprig/common.h>
#include <sprig/config.h>
#include <sprig/qs8-sellmv.h>

const struct sprig_qs8_sellmv_ukernel sprig_qs8_sellmv_ukernels[] = {
#define SPRIG_QS8_SELLMV_UKERNEL(isa, c, unsigned_input, is_default, fn) \
  {#fn, fn, NULL, 0, sprig_isa_##isa, c, unsigned_input, is_default, false},
#define SPRIG_QS8_SELLMV_UKERNEL_NOGATHER(isa, c, unsigned_input, fn) \
  {#fn, fn, NULL, 0, sprig_isa_##isa, c, unsigned_input, false, true},
#define SPRIG_QS8_SELLMV_UKERNEL_WINDOWS(isa, c, window_quads, unsigned_input, fn) \
  {#fn, NULL, fn, window_quads, sprig_isa_##isa, c, unsigned_input, false, false},
#include <qs8-sellmv/list.inc>
#undef SPRIG_QS8_SELLMV_UKERNEL_WINDOWS
#undef SPRIG_QS8_SELLMV_UKERNEL_NOGATHER
#undef SPRIG_QS8_SELLMV_UKERNEL
};

const size_t sprig_qs8_sellmv_ukernel_count =
    sizeof(sprig_qs8_sellmv_ukernels) / sizeof(sprig_qs8_sellmv_ukernels[0]);

/* Every kernel counts as MR = NR = 1 here: one default per ISA, whatever its slice height. */
static struct sprig_ukernel_traits qs8_sellmv_traits(size_t i) {
  const struct sprig_qs8_sellmv_ukernel* k = &sprig_qs8_sellmv_ukernels[i];
  return (struct sprig_ukernel_traits){k->isa, 1, 1, false, k->is_default, false, k->for_slow_gathers};
}

const struct sprig_qs8_sellmv_ukernel* sprig_choose_qs8_sellmv_ukernel(const struct sprig_hardware* hardware) {
  const struct sprig_ukernel_list list = {sprig_qs8_sellmv_ukernel_count, qs8_sellmv_traits};
  const size_t k = sprig_choose_ukernel(hardware, &list, 1);
  return k == SIZE_MAX ? NULL : &sprig_qs8_sellmv_ukernels[k];
}

const struct sprig_qs8_sellmv_ukernel* sprig_qs8_sellmv_window_partner(const struct sprig_qs8_sellmv_ukernel* k) {
  for (size_t i = 0; k != NULL && i < sprig_qs8_sellmv_ukernel_count; i++) {
    const struct sprig_qs8_sellmv_ukernel* w = &sprig_qs8_sellmv_ukernels[i];
    if (w->window_quads != 0 && w->isa == k->isa && w->slice_rows == k->slice_rows &&
        w->unsigned_input == k->unsigned_input) {
      return w;
    }
  }
  return NULL;
}
